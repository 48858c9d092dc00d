"""A two-host fleet of snapshot files (IPv4 and IPv6, plain/.gz/.zst, several hours), uploaded
with the real ibsr-export the way a collector host ships them (PREFIX/HOST/snapshots/...), and a
TCP proxy that cuts object downloads (tests/integration/lib/cutting_proxy.py): shared by the
tests of ibsr-report reading s3://."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from cutting_proxy import CuttingProxy  # noqa: E402,F401

T0 = 1736935200  # 2025-01-15T10:00:00Z
HOURS = 4
HOSTS = ("host-a", "host-b")
# Hour index -> how that hour's closed files are stored (as an operator may compress them).
CODECS = ("", ".gz", ".zst", "")


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


def v4(n):
    return "198.51.%d.%d" % ((n >> 8) & 255, n & 255)


def snapshot_lines(host_index, family, hour, many):
    """Cumulative v5 lines of one host and family, every 10 minutes of `hour`: a steady client
    population and one SYN flood (the flooding source is shared by both hosts)."""
    run_id = "%s-%s" % (HOSTS[host_index], family)
    base = T0 - 30
    lines = []
    for step in range(6):
        ts = T0 + hour * 3600 + step * 600 + 60 + host_index * 7
        n = hour * 6 + step + 1  # snapshots so far: counters grow with it
        buckets = []
        clients = 4000 if many else 12
        for c in range(clients):
            src = v4(c + 10) if family == "v4" else "2001:db8:%x::%x" % (host_index + 1, c + 1)
            buckets.append({"key_type": "src_ip" if family == "v4" else "src_ip6", "src_ip": src,
                            "dst_port": 443, "syn": 2 * n, "ack": 8 * n, "handshake_ack": 2 * n,
                            "rst": 0, "packets": 10 * n, "bytes": 1500 * n + c})
        flood = "203.0.113.66" if family == "v4" else "2001:db8:ffff::66"
        buckets.append({"key_type": "src_ip" if family == "v4" else "src_ip6", "src_ip": flood,
                        "dst_port": 443, "syn": 90000 * n, "ack": 0, "handshake_ack": 10 * n,
                        "rst": 0, "packets": 90000 * n, "bytes": 5400000 * n})
        line = {"version": 5, "ts_unix_sec": ts, "interval_sec": 600, "run_id": run_id,
                "counter_mode": "cumulative", "base_ts_unix_sec": base,
                "aggregation": "src_ip" if family == "v4" else "src_ip6",
                "dst_ports": [443], "buckets": buckets}
        if family == "v6":
            line["prefix_len"] = 128
        lines.append(dumps(line))
    return "\n".join(lines) + "\n"


def hour_name(prefix, hour):
    import datetime
    t = datetime.datetime.fromtimestamp(T0 + hour * 3600, datetime.timezone.utc)
    return "%s%s.jsonl" % (prefix, t.strftime("%Y%m%d%H"))


def write_host(directory, host_index):
    """Writes one host's collector directory; returns the file names."""
    os.makedirs(directory, exist_ok=True)
    names = []
    for hour in range(HOURS):
        for family, prefix in (("v4", "snapshot_"), ("v6", "snapshot6_")):
            # One large object (several 1 MiB chunks) so chunking and resuming have work to do.
            many = host_index == 0 and hour == 0 and family == "v4"
            name = hour_name(prefix, hour)
            path = os.path.join(directory, name)
            with open(path, "w") as f:
                f.write(snapshot_lines(host_index, family, hour, many))
            codec = CODECS[hour]
            if codec == ".gz":
                subprocess.run(["gzip", "-n", path], check=True)
            elif codec == ".zst":
                subprocess.run(["zstd", "-q", "--rm", path], check=True)
            names.append(name + codec)
    # What a collector's out-dir also holds: read by neither the exporter's snapshots nor us.
    with open(os.path.join(directory, "status.jsonl"), "w") as f:
        f.write('{"ts_unix_sec":%d}\n' % T0)
    old = T0  # closed files: far older than --min-age-sec
    for name in os.listdir(directory):
        os.utime(os.path.join(directory, name), (old, old))
    return sorted(names)
