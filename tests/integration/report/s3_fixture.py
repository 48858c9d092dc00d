"""A two-host fleet of snapshot files (IPv4 and IPv6, plain/.gz/.zst, several hours), uploaded
with the real ibsr-export the way a collector host ships them (PREFIX/HOST/snapshots/...), and a
TCP proxy that cuts object downloads: shared by the tests of ibsr-report reading s3://."""
import json
import os
import re
import socket
import subprocess
import threading

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


class CuttingProxy:
    """A loopback HTTP/1.1 proxy in front of the S3 server. The first `cuts` ranged GETs of an
    object have their response cut after `after` body bytes (the connection is closed), as a
    dropped connection would; `on_cut(path)` runs after each cut. With `overstate`, a cut answer
    instead announces `overstate` more bytes than it has and closes after the whole real body:
    the connection fails after every asked-for byte arrived. With `ignore_range`, the next ranged
    GET of a cut object is answered as a server that ignores Range would: 200 and the whole
    object (what was cut off plus the rest, when the cut read started at byte 0). Everything else
    is relayed."""

    def __init__(self, upstream_port, cuts, after, on_cut=None, overstate=0, ignore_range=False):
        self.overstate = overstate
        self.ignore_range = ignore_range
        self.cut_bytes = {}  # path -> the body bytes sent before the cut
        self.upstream_port = upstream_port
        self.cuts_left = cuts
        self.after = after
        self.on_cut = on_cut
        self.cut_paths = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self):
        self.stopping = True
        self.sock.close()
        self.thread.join(timeout=10)

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    @staticmethod
    def _read_head(conn, buf):
        while b"\r\n\r\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return None, buf
            buf += data
        head, rest = buf.split(b"\r\n\r\n", 1)
        return head + b"\r\n\r\n", rest

    @staticmethod
    def _header(head, name):
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == name:
                return v.strip()
        return None

    @staticmethod
    def _relay_chunked(upstream, client, buf):
        """Relays a chunked body up to its last chunk; returns what was read beyond it."""
        for _ in range(1000000):
            if b"\r\n0\r\n\r\n" in b"\r\n" + buf:
                end = (b"\r\n" + buf).index(b"\r\n0\r\n\r\n") + 5
                client.sendall(buf[:end])
                return buf[end:]
            data = upstream.recv(65536)
            if not data:
                raise OSError("upstream closed inside a chunked body")
            buf += data
        raise OSError("chunked body too long")

    def _serve(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
        client.settimeout(60)
        cbuf = ubuf = b""
        try:
            for _ in range(100000):  # requests on this kept-alive connection
                head, cbuf = self._read_head(client, cbuf)
                if head is None:
                    return
                length = int(self._header(head, b"content-length") or 0)
                while len(cbuf) < length:
                    cbuf += client.recv(65536)
                upstream.sendall(head + cbuf[:length])
                cbuf = cbuf[length:]
                rhead, ubuf = self._read_head(upstream, ubuf)
                if rhead is None:
                    return
                chunked = self._header(rhead, b"transfer-encoding") == b"chunked"
                body_len = 0 if head.startswith(b"HEAD ") or chunked else int(
                    self._header(rhead, b"content-length") or 0)
                # Only a body longer than `after` can be cut short.
                ranged = head.startswith(b"GET ") and self._header(head, b"range") is not None
                cut = False
                with self.lock:
                    if ranged and body_len > self.after and self.cuts_left > 0:
                        self.cuts_left -= 1
                        cut = True
                path = head.split(b" ")[1].decode()
                if cut:
                    with self.lock:
                        self.cut_paths.append(path)
                if ranged and not cut and self.ignore_range and path in self.cut_bytes:
                    rest = ubuf
                    while len(rest) < body_len:
                        data = upstream.recv(65536)
                        if not data:
                            return
                        rest += data
                    ubuf = rest[body_len:]
                    whole = self.cut_bytes.pop(path) + rest[:body_len]
                    client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(whole)
                                   + whole)
                    continue
                if cut and self.overstate:
                    rhead = re.sub(rb"(?im)^(content-length:\s*)(\d+)",
                                   lambda m: m.group(1) + str(body_len + self.overstate).encode(),
                                   rhead)
                client.sendall(rhead)
                if chunked:
                    ubuf = self._relay_chunked(upstream, client, ubuf)
                    continue
                limit = self.after if cut and not self.overstate else body_len
                sent = 0
                while sent < limit:
                    if not ubuf:
                        ubuf = upstream.recv(65536)
                        if not ubuf:
                            return
                    take = ubuf[:limit - sent]
                    client.sendall(take)
                    if cut:
                        self.cut_bytes[path] = self.cut_bytes.get(path, b"") + take
                    sent += len(take)
                    ubuf = ubuf[len(take):]
                if cut:
                    if self.on_cut:
                        self.on_cut(path)
                    return  # drop both connections mid-body
        except (OSError, RuntimeError):
            return
        finally:
            client.close()
            upstream.close()
