"""Synthetic collector output for fleet tests and the fleet benchmark: one collector's out-dir per
host (hourly snapshot_YYYYMMDDHH.jsonl, cumulative v5 lines every 60 s, and status.jsonl), as
`ibsr collect` writes it and `ibsr-export --input DIR` ships it."""
import datetime
import json
import os

PORT = 8899
INTERVAL = 60
# 2026-12-01T00:00:00Z: every file is hours old, so ibsr-export never holds one back as open.
START = 1796083200


def hour_name(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y%m%d%H")


def write_collector_dir(out_dir, host_index, minutes, attackers=(), gap=None, heartbeat_minutes=None,
                        legit=8, run_id="run", mtime=None):
    """Writes `minutes` snapshots from START + 60 s. `attackers`: IPv4 sources sending 200 SYN/s
    with no handshake (a SYN flood). `gap` = (first, last) minute numbers with no snapshot (the
    collector was down). Heartbeats stop after `heartbeat_minutes` (default: with the data)."""
    os.makedirs(out_dir, exist_ok=True)
    legit_ips = ["10.%d.0.%d" % (host_index, i + 1) for i in range(legit)]
    lines_by_file = {}
    status_lines = []
    for m in range(1, minutes + 1):
        ts = START + m * INTERVAL
        if heartbeat_minutes is None or m <= heartbeat_minutes:
            status_lines.append(json.dumps({
                "timestamp": ts, "cycle": m, "ips_collected": legit + len(attackers),
                "snapshots_written": m, "write_errors": 0, "budget_deleted_files": 0,
                "budget_deleted_bytes": 0, "budget_dropped_lines": 0, "awaiting_export": 0},
                separators=(",", ":")))
        if gap and gap[0] <= m <= gap[1]:
            continue
        buckets = []
        for ip in legit_ips:
            buckets.append({"key_type": "src_ip", "src_ip": ip, "dst_port": PORT, "syn": 30 * m,
                            "ack": 120 * m, "handshake_ack": 30 * m, "rst": 0, "packets": 150 * m,
                            "bytes": 15000 * m})
        for ip in attackers:
            buckets.append({"key_type": "src_ip", "src_ip": ip, "dst_port": PORT, "syn": 12000 * m,
                            "ack": 0, "handshake_ack": 0, "rst": 0, "packets": 12000 * m,
                            "bytes": 480000 * m})
        line = {"version": 5, "ts_unix_sec": ts, "interval_sec": INTERVAL, "run_id": run_id,
                "counter_mode": "cumulative", "base_ts_unix_sec": START, "aggregation": "src_ip",
                "dst_ports": [PORT], "buckets": buckets}
        lines_by_file.setdefault("snapshot_%s.jsonl" % hour_name(ts), []).append(
            json.dumps(line, separators=(",", ":")))
    paths = []
    for name, lines in sorted(lines_by_file.items()):
        path = os.path.join(out_dir, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        paths.append(path)
    status = os.path.join(out_dir, "status.jsonl")
    with open(status, "w") as f:
        f.write("\n".join(status_lines) + "\n")
    for p in paths + [status]:
        if mtime is not None:
            os.utime(p, (mtime, mtime))
    return paths


def local_layout(root, host, collector_dir):
    """The keys ibsr-export gives a collector out-dir named 'snapshots', as local files:
    ROOT/HOST/snapshots/... and ROOT/HOST/status/snapshots/status.jsonl."""
    import shutil
    snap = os.path.join(root, host, "snapshots")
    os.makedirs(snap, exist_ok=True)
    for name in os.listdir(collector_dir):
        if name.startswith("snapshot"):
            shutil.copy(os.path.join(collector_dir, name), snap)
    status = os.path.join(root, host, "status", "snapshots")
    os.makedirs(status, exist_ok=True)
    shutil.copy(os.path.join(collector_dir, "status.jsonl"), status)
