#!/usr/bin/env python3
"""deploy/clickhouse/ on a real two-shard ClickHouse cluster (Debian's clickhouse-server 18.16 on
127.0.0.1, started and stopped here): the deltas of a generated three-host data set, loaded
through the Distributed table, give exactly the report's per-window evidence, and the cross-host
query names exactly the source that flooded two hosts.

The data set: h1 has three streams (an IPv4 v5 run, an IPv6 run, a v3 collector in another
directory), h2 one (v4, with a counter reset, a window holding a 150 s interval and a trailing
repeated timestamp), h3 one (v5, allowlisted flooder, a source exactly at both SYN-churn
thresholds and one just below). 198.51.100.7 floods h1 (port 80) and h2 (port 443);
198.51.100.99 floods only h3; a volumetric source hits h2; an IPv6 /64 floods h1."""
import collections
import csv
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from clickhouse_cluster import ClickHouseCluster  # noqa: E402

SRC = os.environ.get("IBSR_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("IBSR_BUILD_DIR", os.path.join(SRC, "build"))
BIN = os.path.abspath(os.path.join(BUILD, "src", "report", "ibsr-report"))
DEPLOY = os.path.join(SRC, "deploy", "clickhouse")
T0 = 1736935200
WINDOW = 120  # two 60 s intervals per window


class Collector:
    """Cumulative counters of one collector stream; snapshot() renders one line."""

    def __init__(self, version, run_id=None, v6=False, ports=(80, 443)):
        self.version, self.run_id, self.v6, self.ports = version, run_id, v6, list(ports)
        self.cum = {}

    def add(self, src, port, syn=0, hs=0, packets=None, nbytes=None):
        c = self.cum.setdefault((src, port), [0] * 6)
        packets = syn + 4 * hs if packets is None else packets
        nbytes = 60 * packets if nbytes is None else nbytes
        for i, v in enumerate((syn, 3 * hs, hs, 0, packets, nbytes)):
            c[i] += v

    def evict(self, src, port):
        del self.cum[(src, port)]

    def snapshot(self, ts):
        def order(k):
            if self.v6:
                return (int(ipaddress.ip_network(k[0]).network_address), k[1])
            return (int(ipaddress.ip_address(k[0])), k[1])
        buckets = []
        for src, port in sorted(self.cum, key=order):
            c = self.cum[(src, port)]
            if self.v6:
                b = {"key_type": "src_net6", "src_ip": src}
            elif self.version >= 4:
                b = {"key_type": "src_ip", "src_ip": src}
            else:
                b = {"key_type": "src_ip", "key_value": int(ipaddress.ip_address(src))}
            b.update(zip(("dst_port", "syn", "ack", "handshake_ack", "rst", "packets", "bytes"),
                         [port] + c))
            buckets.append(b)
        snap = {"version": self.version, "ts_unix_sec": ts}
        if self.version >= 5:
            snap.update({"interval_sec": 60, "run_id": self.run_id, "counter_mode": "cumulative",
                         "base_ts_unix_sec": T0})
            snap.update({"aggregation": "src_net6", "prefix_len": 64} if self.v6 else
                        {"aggregation": "src_ip"})
        snap["dst_ports"] = self.ports
        snap["buckets"] = buckets
        return json.dumps(snap, separators=(",", ":"))


def legit(c, n, net, port, i):
    for k in range(1, n + 1):
        c.add("%s.%d" % (net, k), port, syn=20 + k + i % 3, hs=20 + k + i % 3)


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))


def make_fleet(root):
    """Writes hosts/h1..h3 and h3's allowlist; returns {host: extra report args}."""
    hosts = os.path.join(root, "hosts")
    # h1: three streams over 11 intervals of 60 s (the last window is a single interval).
    a4, a6, b3 = Collector(5, "r1"), Collector(5, "r1v6", v6=True), Collector(3, ports=(443,))
    l4, l6, lb = [], [], []
    for i in range(1, 12):
        ts = T0 + 60 * i
        legit(a4, 6, "10.1.0", 80, i)
        if 3 <= i <= 6:
            a4.add("198.51.100.7", 80, syn=12000 + 60 * i, hs=3)
        for k in range(1, 5):
            a6.add("2001:db8:1:%x::/64" % k, 443, syn=30, hs=30)
        if 5 <= i <= 9:
            a6.add("2001:db8:66::/64", 443, syn=9000 + 100 * i, hs=0)
        legit(b3, 4, "10.1.1", 443, i)
        # v3 has no run start, so its first interval is a window of its own; after that, traffic
        # only in the first interval of each window: the rows' max(ts) is not the window's end.
        if i % 2 == 0:
            b3.add("10.1.1.200", 443, syn=14000, hs=1)
        l4.append(a4.snapshot(ts))
        l6.append(a6.snapshot(ts))
        lb.append(b3.snapshot(ts + 7))
    write(os.path.join(hosts, "h1", "collector-a", "snapshot_2025011510.jsonl"), l4)
    write(os.path.join(hosts, "h1", "collector-a", "snapshot6_2025011510.jsonl"), l6)
    write(os.path.join(hosts, "h1", "collector-b", "snapshot_2025011510.jsonl"), lb)
    # h2: v4, 60 s intervals, then one 150 s interval (its own window), a reset, a repeated ts.
    c = Collector(4, ports=(443,))
    lines, ts = [], T0
    for i in range(1, 10):  # windows: 1 (120 s, no run start), 2-3, 4-5, 6-7 (210 s), 8-9
        ts += 150 if i == 7 else 60
        legit(c, 8, "10.2.0", 443, i)
        if 2 <= i <= 4:
            c.add("198.51.100.7", 443, syn=9000, hs=10)
        if i >= 3:
            c.add("192.0.2.50", 443, syn=40000, hs=36000, packets=130000, nbytes=130000000)
        if i == 6:
            c.evict("10.2.0.3", 443)  # LRU eviction: the next value is the whole delta
            c.add("10.2.0.3", 443, syn=5, hs=5)
        lines.append(c.snapshot(ts))
    c.add("10.2.0.1", 443, syn=3, hs=3)
    lines.append(c.snapshot(ts))  # same timestamp: a zero-span window the report drops
    write(os.path.join(hosts, "h2", "snapshot_2025011510.jsonl"), lines)
    # h3: v5; thresholds exact (12000 SYNs and 1200 handshakes per 120 s: 100/s and 0.1).
    c = Collector(5, "r3", ports=(22, 80))
    lines = []
    for i in range(1, 9):
        legit(c, 5, "10.3.0", 22, i)
        c.add("203.0.113.9", 22, syn=6000, hs=600)
        c.add("203.0.113.10", 22, syn=6000 - (i % 2), hs=600)
        if i >= 4:
            c.add("198.51.100.99", 80, syn=15000, hs=0)
            c.add("203.0.113.66", 80, syn=20000, hs=0)
        lines.append(c.snapshot(T0 + 60 * i))
    write(os.path.join(hosts, "h3", "snapshot_2025011510.jsonl"), lines)
    allow = os.path.join(root, "allow-h3.txt")
    with open(allow, "w") as f:
        f.write("203.0.113.66\n")
    return {"h1": [], "h2": [], "h3": ["--allowlist", allow]}


def report_cmd(root, host, extra, outdir, formats, *more):
    return [BIN, "--input", os.path.join(root, "hosts", host), "-o", outdir, "--format", formats,
            "--window-sec", str(WINDOW), "--min-observation-sec", "0", "--host-id", host] + \
        extra + list(more)


def round4(x):
    r = round(x * 10000.0) / 10000.0  # the report's round4 (half away from zero; no ties here)
    return 0.0 if r == 0 else r


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def stream_names(summary, rows):
    """1-based stream index -> name, as summary.json lists the streams (none for one stream)."""
    streams = summary["data_quality"].get("streams")
    if not streams:
        return {None: next(iter({r["stream"] for r in rows}))}
    out = {}
    for i, s in enumerate(streams, 1):
        name = s["dir"] + (" IPv6" if s.get("family") == "ipv6" else "")
        name += " run " + s["run_id"] if s.get("run_id") else ""
        name += " part %d" % s["part"] if s.get("part", 1) > 1 else ""
        out[i] = name
    return out


def episodes_from_windows(windows):
    """Episodes as the report forms them: consecutive flagged windows of one (stream, key), where
    consecutive means no window of the stream in between (windows of a stream tile time)."""
    eps = []
    last = {}
    for w in sorted(windows, key=lambda w: (w["stream"], w["key"], w["window_start"])):
        k = (w["stream"], w["key"])
        if not w["flagged"]:
            last.pop(k, None)
            continue
        e = last.get(k)
        if e is None or e["end"] != w["window_start"]:
            e = {"stream": w["stream"], "key": w["key"], "start": w["window_start"], "windows": 0,
                 "churn": False, "peak_syn": 0.0, "peak_pkt": 0.0, "peak_byte": 0.0,
                 "min_ratio": w["success_ratio"], "syn": 0, "packets": 0, "bytes": 0}
            eps.append(e)
            last[k] = e
        e["end"] = w["window_end"]
        e["windows"] += 1
        e["churn"] = e["churn"] or bool(w["syn_churn"])
        e["peak_syn"] = max(e["peak_syn"], w["syn_rate"])
        e["peak_pkt"] = max(e["peak_pkt"], w["pkt_rate"])
        e["peak_byte"] = max(e["peak_byte"], w["byte_rate"])
        e["min_ratio"] = min(e["min_ratio"], w["success_ratio"])
        for f in ("syn", "packets", "bytes"):
            e[f] += w["window_" + f]
    return eps


class ClickHouseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ibsr-clickhouse-")
        cls.cluster = None
        try:
            cls.cluster = ClickHouseCluster(os.path.join(cls.tmp, "cluster"))
            cls.cluster.start()
            cls.load()
        except BaseException:
            if cls.cluster is not None:
                cls.cluster.remove()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.cluster.remove()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def load(cls):
        ch = cls.cluster
        for shard in (0, 1):
            with open(os.path.join(DEPLOY, "schema.sql"), "rb") as f:
                ch.client(shard=shard, stdin=f, multiquery=True)
        cls.extra = make_fleet(cls.tmp)
        cls.reports, cls.rows = {}, {}
        insert = "INSERT INTO ibsr.deltas FORMAT JSONEachRow"
        sync = [("insert_distributed_sync", 1)]
        for host, extra in sorted(cls.extra.items()):
            out = os.path.join(cls.tmp, "reports", host)
            if host == "h3":
                # Streamed: ibsr-report ... --deltas-out - | clickhouse-client --query INSERT...
                cmd = report_cmd(cls.tmp, host, extra, out, "json,csv,deltas", "--deltas-out", "-")
                rep = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                ch.client(insert, stdin=rep.stdout, settings=sync)
                rep.stdout.close()
                status, err = rep.wait(timeout=120), rep.stderr.read().decode()
                rep.stderr.close()
                assert status == 0, err
                cmd = report_cmd(cls.tmp, host, extra, os.path.join(cls.tmp, "file-h3"),
                                 "deltas")
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=120)
                deltas = os.path.join(cls.tmp, "file-h3", "deltas.jsonl")
            else:
                cmd = report_cmd(cls.tmp, host, extra, out, "json,csv,deltas")
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=120)
                deltas = os.path.join(out, "deltas.jsonl")
                with open(deltas, "rb") as f:
                    ch.client(insert, stdin=f, settings=sync)
            with open(deltas) as f:
                cls.rows[host] = [json.loads(line) for line in f]
            with open(os.path.join(out, "summary.json")) as f:
                summary = json.load(f)
            with open(os.path.join(out, "rules.json")) as f:
                rules = json.load(f)
            with open(os.path.join(out, "evidence.csv")) as f:
                evidence = list(csv.DictReader(f))
            cls.reports[host] = (summary, rules, evidence)
        with open(os.path.join(DEPLOY, "window_evidence.sql")) as f:
            query = f.read()
        cls.windows = collections.defaultdict(list)
        for line in ch.client(query, settings=[("format", "JSONEachRow")]).splitlines():
            w = json.loads(line)
            for f in ("window_syn", "window_handshake_ack", "window_packets", "window_bytes"):
                w[f] = int(w[f])  # 64-bit integers come quoted
            w["key"] = (w["key_type"], w["source"], w["dst_port"])
            cls.windows[w.pop("host")].append(w)

    def test_rows_landed_on_both_shards_one_host_per_shard(self):
        per_shard = []
        for shard in (0, 1):
            out = self.cluster.client("SELECT host, count() FROM ibsr.deltas_local GROUP BY host "
                                      "ORDER BY host", shard=shard)
            per_shard.append({l.split("\t")[0]: int(l.split("\t")[1]) for l in out.splitlines()})
        self.assertTrue(per_shard[0] and per_shard[1], per_shard)
        self.assertFalse(set(per_shard[0]) & set(per_shard[1]))  # sharded by cityHash64(host)
        loaded = dict(per_shard[0], **per_shard[1])
        self.assertEqual(loaded, {h: len(r) for h, r in self.rows.items()})
        self.assertEqual(int(self.cluster.client("SELECT count() FROM ibsr.deltas")),
                         sum(len(r) for r in self.rows.values()))

    def test_streamed_rows_equal_the_file(self):
        out = self.cluster.client(
            "SELECT count(), sum(syn), sum(packets), sum(bytes) FROM ibsr.deltas "
            "WHERE host = 'h3'")
        rows = self.rows["h3"]
        self.assertEqual(out.split(), [str(len(rows))] + [str(sum(r[f] for r in rows))
                                                          for f in ("syn", "packets", "bytes")])

    def test_data_set_has_what_the_test_claims(self):
        h1 = {w["stream"].rsplit("/", 2)[-1] for w in self.windows["h1"]}
        self.assertEqual(h1, {"collector-a run r1", "collector-a IPv6 run r1v6", "collector-b"})
        types = {w["key_type"] for ws in self.windows.values() for w in ws}
        self.assertEqual(types, {"src_ip", "src_net6"})
        summary = self.reports["h2"][0]
        self.assertEqual(summary["data_quality"]["counter_resets"], 1)
        self.assertEqual(summary["data_quality"]["zero_duration_intervals"], 1)
        self.assertTrue(any(r["window_start"] == r["window_end"] for r in self.rows["h2"]))
        self.assertTrue(any(w["window_end"] - w["window_start"] == 210
                            for w in self.windows["h2"]))
        late = [r for r in self.rows["h1"] if r["source"] == "10.1.1.200"]
        self.assertTrue(late and all(r["ts"] < r["window_end"] for r in late), late)

    def test_sql_rates_are_the_report_arithmetic(self):
        for host, ws in self.windows.items():
            for w in ws:
                d = w["window_end"] - w["window_start"]
                self.assertGreater(d, 0)
                self.assertEqual(w["syn_rate"], w["window_syn"] / d)
                self.assertEqual(w["pkt_rate"], w["window_packets"] / d)
                self.assertEqual(w["byte_rate"], w["window_bytes"] / d)
                ratio = 0.0 if w["window_syn"] == 0 else w["window_handshake_ack"] / w["window_syn"]
                self.assertEqual(w["success_ratio"], ratio)

    def test_window_evidence_matches_the_report(self):
        for host, (summary, rules, evidence) in sorted(self.reports.items()):
            with self.subTest(host=host):
                ws = self.windows[host]
                names = stream_names(summary, self.rows[host])
                # Classes: SYN_FLOOD_LIKE if any SYN-churn window, else volumetric, else none.
                cls = {}
                for w in ws:
                    if w["flagged"]:
                        c = "SYN_FLOOD_LIKE" if w["syn_churn"] else "VOLUMETRIC_TCP_ABUSE"
                        if cls.get(w["key"]) != "SYN_FLOOD_LIKE":
                            cls[w["key"]] = c
                by_source = {}
                for w in ws:
                    by_source.setdefault(source_text(w["key"]), w["key"])
                for row in evidence:
                    key = by_source.get(row["source"])
                    self.assertEqual(cls.get(key, ""), row["abuse_class"], row)
                triggers = sorted((t["key_type"], t["key_value"], t["dst_port"], t["abuse_class"])
                                  for t in rules["triggers"])
                self.assertEqual(triggers, sorted(k + (c,) for k, c in cls.items()))
                # Episodes: every flagged window, grouped as the report groups them.
                want = []
                for src in summary["blocked_or_allowlisted_sources"]:
                    key = (src["key_type"], src["key_value"], src["dst_port"])
                    for e in src.get("episodes", []):
                        want.append((names[e.get("stream")], key, e["start"], e["end"],
                                     e["windows"], e["kind"], e["peak_syn_rate"],
                                     e["peak_pkt_rate"], e["peak_byte_rate"],
                                     e["min_success_ratio"], e["syn"], e["packets"], e["bytes"]))
                got = [(e["stream"], e["key"], iso(e["start"]), iso(e["end"]), e["windows"],
                        "SYN_FLOOD_LIKE" if e["churn"] else "VOLUMETRIC_TCP_ABUSE",
                        round4(e["peak_syn"]), round4(e["peak_pkt"]), round4(e["peak_byte"]),
                        round4(e["min_ratio"]), e["syn"], e["packets"], e["bytes"])
                       for e in episodes_from_windows(ws)]
                self.assertEqual(sorted(got), sorted(want))
                self.assertTrue(want)
                # The shown window of each blocked key: its peak flagged window.
                for src in summary["blocked_or_allowlisted_sources"]:
                    if src["decision"] != "block":
                        continue
                    key = (src["key_type"], src["key_value"], src["dst_port"])
                    sw = src["shown_window"]
                    flagged = [w for w in ws if w["key"] == key and w["flagged"]]
                    peak = max(w["syn_rate"] if src["abuse_class"] == "SYN_FLOOD_LIKE"
                               else w["pkt_rate"] for w in flagged)
                    self.assertIn((sw["start"], sw["end"], sw["syn_rate"], sw["success_ratio"]),
                                  [(iso(w["window_start"]), iso(w["window_end"]),
                                    round4(w["syn_rate"]), round4(w["success_ratio"]))
                                   for w in flagged if peak in (w["syn_rate"], w["pkt_rate"])])

    def test_expected_verdicts(self):
        flagged = {(h, w["source"], w["dst_port"]) for h, ws in self.windows.items()
                   for w in ws if w["flagged"]}
        sources = {(h, s, p) for h, s, p in flagged}
        self.assertEqual(sources, {("h1", "198.51.100.7", 80), ("h1", "2001:db8:66::/64", 443),
                                   ("h1", "10.1.1.200", 443), ("h2", "198.51.100.7", 443),
                                   ("h2", "192.0.2.50", 443), ("h3", "203.0.113.9", 22),
                                   ("h3", "198.51.100.99", 80)})
        # Exactly at both thresholds is flagged (inclusive); a hair below is not.
        h3 = {(w["source"], w["flagged"]) for w in self.windows["h3"]
              if w["source"].startswith("203.0.113.")}
        self.assertIn(("203.0.113.9", 1), h3)
        self.assertNotIn(("203.0.113.10", 1), h3)
        self.assertNotIn(("203.0.113.66", 1), h3)  # allowlisted
        self.assertTrue(any(w["source"] == "203.0.113.66" and w["syn_churn"]
                            for w in self.windows["h3"]))

    def test_cross_host_query_names_exactly_the_shared_source(self):
        with open(os.path.join(DEPLOY, "cross_host.sql")) as f:
            out = self.cluster.client(f.read(), shard=1, settings=[("format", "JSONEachRow")])
        rows = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([(r["key_type"], r["source"], int(r["hosts"]), r["host_list"],
                           r["dst_ports"]) for r in rows],
                         [("src_ip", "198.51.100.7", 2, ["h1", "h2"], [80, 443])])


def source_text(key):
    key_type, src, port = key
    if ":" in src:
        addr, _, length = src.partition("/")
        src = "[%s]" % addr + ("/" + length if length else "")
    return "%s:%d" % (src, port)


if __name__ == "__main__":
    unittest.main()
