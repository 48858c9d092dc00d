"""`ibsr collect-payload` end to end on the real kernel: a veth pair between two network
namespaces that each test creates and removes, the collector attached in the server namespace,
a JSON-RPC server that logs the exact bytes it received and sent, a client sending a known mix,
and crafted frames for reordering, retransmission and overlap."""
import collections
import glob
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from collector import (IBSR, Collector, validate_counter_dir,  # noqa: E402
                       validate_snapshot_files)
from netns import NsPair, run, wait_for  # noqa: E402
from tc_programs import force_clsact, ours_attached, tcx_programs  # noqa: E402
import metrics_file  # noqa: E402
import schema_check  # noqa: E402
import shipped_units  # noqa: E402

from scapy.all import IP, TCP, Ether, Raw, raw  # noqa: E402

HERE = os.path.dirname(__file__)
SEND = os.path.join(HERE, "..", "lib", "send_frames.py")
SERVER = os.path.join(HERE, "rpc_server.py")
CLIENT = os.path.join(HERE, "rpc_client.py")
PORT = 8545
PY = "/usr/bin/python3"


def ip_int(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


class PayloadCollector:
    def __init__(self, pair, out_dir, *extra):
        self.pair = pair
        self.out_dir = out_dir
        self.args = [IBSR, "collect-payload", "-i", pair.srv_if, "-p", str(PORT),
                     "--out-dir", out_dir] + [str(a) for a in extra]
        self.proc = None
        self.err_path = out_dir + ".stderr"

    def start(self):
        self.err = open(self.err_path, "w")
        self.proc = self.pair.popen(self.pair.srv, *self.args, stdout=subprocess.DEVNULL,
                                    stderr=self.err)
        wait_for(lambda: "and TC ingress/egress to" in self.stderr() or self.proc.poll() is not None,
                 timeout=20, what="collect-payload to attach")
        if self.proc.poll() is not None:
            raise AssertionError("collector exited (%s): %s" % (self.proc.returncode,
                                                                self.stderr()))
        return self

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self.err.close()
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def lines(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.out_dir, "payload_[0-9]*.jsonl"))):
            with open(path) as f:
                out += [json.loads(l) for l in f]
        return out

    def status(self):
        with open(os.path.join(self.out_dir, "status.jsonl")) as f:
            return [json.loads(l) for l in f]


def merge(lines):
    """Per-interval lines add up: sums per (src_ip, dst_port) and per method."""
    srcs = {}
    for line in lines:
        for s in line["sources"]:
            key = (s["src_ip"], s["dst_port"])
            t = srcs.setdefault(key, {"requests": 0, "responses": 0, "request_bytes": 0,
                                      "response_bytes": 0, "jsonrpc_calls": 0,
                                      "jsonrpc_batches": 0, "jsonrpc_errors": 0,
                                      "http_status": collections.Counter(), "methods": {}})
            for k in ("requests", "responses", "request_bytes", "response_bytes",
                      "jsonrpc_calls", "jsonrpc_batches", "jsonrpc_errors"):
                t[k] += s[k]
            t["http_status"].update(s["http_status"])
            for m in s["methods"]:
                tm = t["methods"].setdefault(m["method"], [0, 0, 0])
                tm[0] += m["calls"]
                tm[1] += m["request_bytes"]
                tm[2] += m["response_bytes"]
    return srcs


def expected_from_server(log):
    e = {"requests": 0, "responses": 0, "request_bytes": 0, "response_bytes": 0,
         "jsonrpc_calls": 0, "jsonrpc_batches": 0, "jsonrpc_errors": 0,
         "http_status": collections.Counter(), "methods": {}}
    for r in log:
        e["requests"] += 1
        e["responses"] += 1
        e["request_bytes"] += r["req_bytes"]
        e["response_bytes"] += r["resp_bytes"]
        e["http_status"]["%dxx" % (r["status"] // 100)] += 1
        e["jsonrpc_calls"] += len(r["methods"])
        e["jsonrpc_batches"] += 1 if r["batch"] else 0
        # Errors are counted in responses to requests that carried at least one call.
        if r["methods"]:
            e["jsonrpc_errors"] += r["errors"]
        for m in r["methods"]:
            tm = e["methods"].setdefault(m, [0, 0, 0])
            tm[0] += 1
            if not r["batch"]:
                tm[1] += r["req_bytes"]
                tm[2] += r["resp_bytes"]
    return e


class PayloadTestBase(unittest.TestCase):
    def setUp(self):
        self.pair = NsPair().setup()
        self.addCleanup(self.pair.teardown)
        self.tmp = tempfile.mkdtemp(prefix="ibsr-payload-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.out = os.path.join(self.tmp, "out")
        self.server_log = os.path.join(self.tmp, "server.log")

    def collector(self, *extra):
        c = PayloadCollector(self.pair, self.out, *extra)
        self.addCleanup(c.kill)
        return c

    def start_server(self, host=None):
        ready = os.path.join(self.tmp, "ready")
        p = self.pair.popen(self.pair.srv, PY, SERVER, host or self.pair.srv_ip, str(PORT),
                            self.server_log, ready)
        self.addCleanup(lambda: (p.kill(), p.wait()))
        wait_for(lambda: os.path.exists(ready) or p.poll() is not None, timeout=20,
                 what="server to listen")
        self.assertIsNone(p.poll())
        return p

    def run_client(self, scenario, n=1, timeout=300, server=None, source=None):
        out = self.pair.ns(self.pair.cli, PY, CLIENT, server or self.pair.srv_ip, str(PORT),
                           scenario, str(n), *([source] if source else []), capture=True,
                           timeout=timeout).stdout
        return json.loads(out)

    def server_entries(self, count):
        def read():
            if not os.path.exists(self.server_log):
                return None
            with open(self.server_log) as f:
                entries = [json.loads(l) for l in f]
            return entries if len(entries) >= count else None
        return wait_for(read, timeout=30, what="%d server log entries" % count)

    def frames(self, sport, segs, to_server):
        cli, srv = "10.199.%d.77" % self.pair.subnet, "10.199.%d.99" % self.pair.subnet
        out = []
        for seq, flags, data in segs:
            if to_server:
                eth = Ether(src=self.pair.cli_mac, dst=self.pair.srv_mac)
                pkt = eth / IP(src=cli, dst=srv) / TCP(sport=sport, dport=PORT, seq=seq,
                                                       ack=1, flags=flags)
            else:
                eth = Ether(src=self.pair.srv_mac, dst="02:00:00:00:00:01")
                pkt = eth / IP(src=srv, dst=cli) / TCP(sport=PORT, dport=sport, seq=seq,
                                                       ack=1, flags=flags)
            if data:
                pkt = pkt / Raw(data)
            out.append(raw(pkt).hex())
        return out

    def send(self, ns, ifc, hexframes):
        out = self.pair.ns(ns, PY, SEND, ifc, input="".join(h + "\n" for h in hexframes),
                           capture=True).stdout
        self.assertEqual(int(out), len(hexframes))

    def tc_filters(self):
        out = ""
        for d in ("ingress", "egress"):
            out += self.pair.ns(self.pair.srv, "tc", "filter", "show", "dev", self.pair.srv_if,
                                d, capture=True).stdout
        return out


class MixTest(PayloadTestBase):
    def test_known_mix_is_exact(self):
        c = self.collector("--snapshot-interval-sec", 2).start()
        self.start_server()
        result = self.run_client("mix")
        self.assertEqual(result, {"requests": 15, "responses": 15})
        log = self.server_entries(15)
        time.sleep(0.5)  # the last response's records reach the ring buffer
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertEqual(ours_attached(self.pair), [])
        self.assertFalse(self.pair.xdp_attached())

        lines = c.lines()
        self.assertGreaterEqual(len(lines), 1)
        schema = schema_check.load()
        for line in lines:
            schema_check.validate(line, schema)
            self.assertEqual(list(line)[:8], ["version", "kind", "ts_unix_sec", "interval_sec",
                                              "dst_ports", "ringbuf_drops", "parse_errors",
                                              "sources"])
            self.assertEqual(line["version"], 1)
            self.assertEqual(line["kind"], "payload")
            self.assertEqual(line["dst_ports"], [PORT])
            self.assertEqual(line["ringbuf_drops"], 0)
        self.assertEqual(sum(l["parse_errors"] for l in lines), 1)  # the malformed body
        got = merge(lines)
        self.assertEqual(list(got), [(self.pair.cli_ip, PORT)])
        g = got[(self.pair.cli_ip, PORT)]
        e = expected_from_server(log)
        for k in ("requests", "responses", "request_bytes", "response_bytes", "jsonrpc_calls",
                  "jsonrpc_batches", "jsonrpc_errors"):
            self.assertEqual(g[k], e[k], k)
        self.assertEqual(+g["http_status"], +e["http_status"])
        self.assertEqual(g["methods"], e["methods"])
        # The mix itself, independent of the server's log.
        self.assertEqual(g["requests"], 15)
        self.assertEqual(g["jsonrpc_calls"], 5 + 3 + 3 + 1 + 3)
        self.assertEqual(g["jsonrpc_batches"], 1)
        self.assertEqual(g["jsonrpc_errors"], 2)  # eth_foo in the batch, eth_nope
        self.assertEqual(g["methods"]["eth_getBalance"][0], 5 + 1 + 3)
        self.assertEqual(g["methods"]["eth_getLogs"][0], 3)
        # Amplification of the whole interval set and of eth_getLogs alone.
        logs = e["methods"]["eth_getLogs"]
        self.assertGreater(logs[2] / logs[1], 50)
        for line in lines:
            for s in line["sources"]:
                want = round(s["response_bytes"] / s["request_bytes"], 3) \
                    if s["request_bytes"] else 0
                self.assertAlmostEqual(s["amplification"], want, places=6)
        status = schema_check.validate_lines(
            os.path.join(self.out, "status.jsonl"),
            schema_check.load("collect-payload-status.schema.json"))
        self.assertEqual(status, c.status())
        self.assertEqual(len(status), len(lines))
        self.assertEqual(status[-1]["snapshots_written"], len(lines))
        self.assertEqual(status[-1]["ringbuf_drops"], 0)
        self.assertEqual(status[-1]["parse_errors"], 1)
        self.assertEqual(status[-1]["write_errors"], 0)
        self.assertEqual(status[-1]["flows_tracked"], 0)
        counters = glob.glob(os.path.join(self.out, "counters", "snapshot_*.jsonl"))
        self.assertEqual(len(counters), 1)
        # The XDP counters in counters/ are ibsr collect's artefacts, to the same schemas.
        snaps, beats = validate_counter_dir(os.path.join(self.out, "counters"))
        self.assertEqual(len(snaps), len(beats))
        self.assertEqual(beats[-1]["snapshots_written"], len(snaps))
        # The same counter program: the IPv6 companion lines, one per cycle with the same
        # timestamps (this traffic is IPv4 only, so no IPv6 bucket).
        snaps6 = validate_snapshot_files(os.path.join(self.out, "counters"), "snapshot6_",
                                         "snapshot6-v5.schema.json")
        self.assertEqual([l["ts_unix_sec"] for l in snaps6], [l["ts_unix_sec"] for l in snaps])
        self.assertEqual(sum(len(l["buckets"]) for l in snaps6), 0)
        self.assertEqual(beats[-1]["ipv6_keys"], 0)


class Ipv6Test(PayloadTestBase):
    """Real HTTP/JSON-RPC over IPv6 from two IPv6 clients, beside an IPv4 client, to one
    dual-stack server: each source's numbers equal the server's own log of that source."""

    def setUp(self):
        super().setUp()
        p = self.pair
        self.cli_ip6b = p.cli_ip6.replace("::2", "::1:5")  # a second client in the same /64
        p.ns(p.cli, "ip", "-6", "addr", "add", self.cli_ip6b + "/64", "dev", p.cli_if, "nodad")
        # Static neighbours: no neighbour discovery, so the only IPv6 traffic is the test's.
        for addr in (p.cli_ip6, self.cli_ip6b):
            p.ns(p.srv, "ip", "-6", "neigh", "replace", addr, "lladdr", p.cli_mac, "dev",
                 p.srv_if, "nud", "permanent")
        p.ns(p.cli, "ip", "-6", "neigh", "replace", p.srv_ip6, "lladdr", p.srv_mac, "dev",
             p.cli_if, "nud", "permanent")

    def test_ipv6_and_ipv4_clients_exact_per_source(self):
        p = self.pair
        c = self.collector("--snapshot-interval-sec", 2).start()
        self.start_server("::")
        clients = [(p.srv_ip6, p.cli_ip6), (p.srv_ip, p.cli_ip), (p.srv_ip6, self.cli_ip6b)]
        for server, source in clients:
            self.assertEqual(self.run_client("mix", server=server, source=source),
                             {"requests": 15, "responses": 15})
        log = self.server_entries(45)
        time.sleep(0.5)  # the last response's records reach the ring buffer
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertEqual(ours_attached(self.pair), [])

        lines = c.lines()
        schema = schema_check.load()
        order = [ipaddress.ip_address(p.cli_ip), ipaddress.ip_address(p.cli_ip6),
                 ipaddress.ip_address(self.cli_ip6b)]
        for line in lines:
            schema_check.validate(line, schema)
            self.assertEqual(line["version"], 1)
            self.assertEqual(line["ringbuf_drops"], 0)
            # IPv4 first, then IPv6 numerically; every address as its canonical text.
            keys = [ipaddress.ip_address(s["src_ip"]) for s in line["sources"]]
            self.assertEqual(keys, [a for a in order if a in keys])
            self.assertEqual([s["src_ip"] for s in line["sources"]], [str(a) for a in keys])
        self.assertEqual(sum(l["parse_errors"] for l in lines), 3)  # one malformed body each
        got = merge(lines)
        self.assertEqual(sorted(got), sorted((src, PORT) for _, src in clients))
        self.assertEqual(sorted({e["peer"] for e in log}), sorted(src for _, src in clients))
        for _, src in clients:
            g = got[(src, PORT)]
            e = expected_from_server([r for r in log if r["peer"] == src])
            self.assertEqual(e["requests"], 15, src)
            for k in ("requests", "responses", "request_bytes", "response_bytes",
                      "jsonrpc_calls", "jsonrpc_batches", "jsonrpc_errors"):
                self.assertEqual(g[k], e[k], (src, k))
            self.assertEqual(+g["http_status"], +e["http_status"], src)
            self.assertEqual(g["methods"], e["methods"], src)
        status = c.status()
        self.assertEqual(status[-1]["ringbuf_drops"], 0)
        self.assertEqual(status[-1]["flows_tracked"], 0)
        self.assertEqual(status[-1]["gaps"], 0)
        self.assertEqual(status[-1]["unpaired_responses"], 0)


class LifecycleTest(PayloadTestBase):
    def test_second_instance_fails_and_a_killed_one_is_replaced(self):
        # The clsact path (kernels without TCX): its filters survive SIGKILL, so a restart must
        # replace them. On TCX, test_crash_cleanup.py shows that nothing survives.
        force_clsact(self)
        first = self.collector().start()
        second = PayloadCollector(self.pair, self.out + "2")
        self.addCleanup(second.kill)
        second.proc = self.pair.popen(self.pair.srv, *second.args, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
        _, err = second.proc.communicate(timeout=30)
        self.assertEqual(second.proc.returncode, 1, err)
        self.assertTrue(self.pair.xdp_attached())
        # SIGKILL leaves the TC filters (not the XDP link); a restart replaces them.
        first.kill()
        self.assertIn("b520", self.tc_filters())
        self.assertFalse(self.pair.xdp_attached())
        again = self.collector().start()
        self.assertEqual(self.tc_filters().count("handle 0xb520"), 2)
        self.assertEqual(again.stop(), 0, again.stderr())
        self.assertEqual(self.tc_filters().strip(), "")
        self.assertFalse(self.pair.xdp_attached())


class CoexistenceTest(PayloadTestBase):
    def test_runs_with_collect_and_record_incident_on_one_interface(self):
        # `ibsr collect` owns the interface's XDP slot: collect-payload then attaches its TC
        # programs only, and record-incident's TC filters run alongside; every number stays
        # exact and each tool removes only its own filters.
        sys.path.insert(0, os.path.join(HERE, "..", "incident"))
        from incident_lib import Recorder  # noqa: E402
        counter_out = os.path.join(self.tmp, "collect")
        col = Collector(self.pair, counter_out, [PORT], "--snapshot-interval-sec", 3600)
        self.addCleanup(col.kill)
        col.start()
        rec = Recorder(self.pair, os.path.join(self.tmp, "incident"),
                       "--trigger-socket", os.path.join(self.tmp, "incident.sock"))
        self.addCleanup(rec.kill)
        rec.start()
        c = self.collector().start()
        self.assertIn("already has an XDP program", c.stderr())
        self.start_server()
        self.assertEqual(self.run_client("mix"), {"requests": 15, "responses": 15})
        log = self.server_entries(15)
        time.sleep(0.5)
        self.assertEqual(c.stop(), 0, c.stderr())
        g = merge(c.lines())[(self.pair.cli_ip, PORT)]
        e = expected_from_server(log)
        for k in ("requests", "responses", "request_bytes", "response_bytes", "jsonrpc_calls"):
            self.assertEqual(g[k], e[k], k)
        self.assertEqual(g["methods"], e["methods"])
        # record-incident's TCX programs are untouched
        self.assertEqual(tcx_programs(self.pair), {"tcx_ingress": ["ibsr_incident_ingress"],
                                                   "tcx_egress": ["ibsr_incident_egress"]})
        self.assertTrue(self.pair.xdp_attached())  # and so is collect's XDP program
        self.assertEqual(rec.stop(), 0)
        self.assertEqual(col.stop(), 0)
        self.assertEqual(ours_attached(self.pair), [])
        self.assertEqual(self.tc_filters().strip(), "")
        snap = col.snapshots()[-1]
        self.assertEqual(len(snap["buckets"]), 1)
        self.assertGreater(snap["buckets"][0]["packets"], 15)


def shipped_unit_args(unit, iface, out_dir, tmp):
    """The ibsr arguments of a shipped unit's ExecStart as systemd would run them for IFACE (the
    test port as the interface's options, the output directory and the state paths moved into
    the test's directory)."""
    args = shipped_units.exec_args(unit, iface, "--dst-port %d" % PORT, root=tmp)
    assert args[0] == "/usr/sbin/ibsr", args
    args = args[1:]
    args[args.index("--out-dir") + 1] = out_dir
    return args


class BootOrderTest(PayloadTestBase):
    def test_shipped_units_both_run_whichever_starts_or_restarts_first(self):
        # The race of issue 12 item 4: collect-payload started first took the XDP slot and
        # ibsr collect then failed on every restart. The shipped payload unit orders itself after
        # ibsr-collect and never takes the slot, so even when it does start first both run.
        iface = self.pair.srv_if
        pargs = shipped_unit_args("ibsr-collect-payload@.service", iface, self.out, self.tmp)
        self.assertIn("ibsr-collect@%s.service" % iface,
                      shipped_units.after("ibsr-collect-payload@.service", iface))
        self.assertIn("--no-xdp-counters", pargs)
        cargs = shipped_unit_args("ibsr-collect@.service", iface,
                                  os.path.join(self.tmp, "collect"), self.tmp)
        self.assertEqual(cargs[0], "collect")
        c = PayloadCollector(self.pair, self.out)
        c.args = [IBSR] + pargs
        self.addCleanup(c.kill)
        c.start()
        self.assertIn("attached no XDP and TC ingress/egress", c.stderr())
        self.assertFalse(self.pair.xdp_attached())

        def start_collect():
            col = Collector(self.pair, os.path.join(self.tmp, "collect"), [])
            # The shipped interval (60 s) is already longer than this test; set 3600 anyway so a
            # snapshot never lands mid-test.
            args = list(cargs)
            args[args.index("--snapshot-interval-sec") + 1] = "3600"
            col.args = [IBSR] + args
            self.addCleanup(col.kill)
            return col.start()
        col = start_collect()
        self.assertTrue(self.pair.xdp_attached())
        # ibsr-collect crashes and systemd restarts it while collect-payload keeps running.
        col.kill()
        self.assertFalse(self.pair.xdp_attached())
        col = start_collect()
        self.assertTrue(self.pair.xdp_attached())
        self.start_server()
        self.assertEqual(self.run_client("mix"), {"requests": 15, "responses": 15})
        log = self.server_entries(15)
        time.sleep(0.5)
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertEqual(col.stop(), 0, col.stderr())
        g = merge(c.lines())[(self.pair.cli_ip, PORT)]
        self.assertEqual(g["requests"], expected_from_server(log)["requests"])
        self.assertEqual(g["requests"], 15)
        # No counter snapshots from collect-payload: the counters are collect's.
        self.assertEqual(glob.glob(os.path.join(self.out, "counters", "snapshot_*")), [])
        snap = col.snapshots()[-1]
        self.assertEqual([b["key_value"] for b in snap["buckets"]], [ip_int(self.pair.cli_ip)])
        self.assertEqual(snap["buckets"][0]["syn"], 1)  # the client's one connection


class FlowCapTest(PayloadTestBase):
    def test_per_flow_cap_stops_payload_copies_but_not_traffic(self):
        # 40 bytes per direction: the first request line is cut inside its headers, so nothing
        # on the connection can be framed; records still arrive (header-only) and the client
        # still gets every response.
        c = self.collector("--max-bytes-per-flow", 40).start()
        self.start_server()
        self.assertEqual(self.run_client("mix"), {"requests": 15, "responses": 15})
        self.server_entries(15)
        time.sleep(0.5)
        self.assertEqual(c.stop(), 0, c.stderr())
        got = merge(c.lines())
        self.assertEqual(sum(g["requests"] for g in got.values()), 0)
        st = c.status()[-1]
        self.assertGreater(st["events_received"], 30)
        self.assertEqual(st["ringbuf_drops"], 0)


class ChunkedTest(PayloadTestBase):
    def test_chunked_responses_are_exact_with_an_mss_snaplen(self):
        # Chunk framing lies anywhere in a segment: with a snaplen of at least the MSS every
        # framing byte is captured and the totals are exact (docs/collect-payload.md, Accuracy).
        c = self.collector("--payload-snaplen", 1500).start()
        self.start_server()
        self.assertEqual(self.run_client("chunked"), {"requests": 6, "responses": 6})
        log = self.server_entries(6)
        time.sleep(0.5)
        self.assertEqual(c.stop(), 0, c.stderr())
        lines = c.lines()
        self.assertEqual(sum(l["parse_errors"] for l in lines), 0)
        g = merge(lines)[(self.pair.cli_ip, PORT)]
        e = expected_from_server(log)
        for k in ("requests", "responses", "request_bytes", "response_bytes", "jsonrpc_calls"):
            self.assertEqual(g[k], e[k], k)
        self.assertEqual(g["methods"], e["methods"])
        self.assertEqual(g["methods"]["eth_getLogs"][0], 4)


class ReorderTest(PayloadTestBase):
    """Crafted frames: requests go client ns -> vs ingress to an address the server does not
    own (not forwarded, so no reply); responses go out of vs from the server namespace to a MAC
    nobody has. Neither side's kernel answers, so the stream is exactly what we craft."""

    def test_reorder_retransmit_overlap(self):
        # Segments here are up to ~600 bytes: a snaplen above that keeps every byte, so the
        # test is about ordering only (holes are covered by the unit tests).
        c = self.collector("--snapshot-interval-sec", 60, "--payload-snaplen", 2048).start()
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": []})
        req = ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
               % (len(body), body)).encode()
        body2 = b'{"jsonrpc":"2.0","id":2,"method":"eth_chainId"}'
        req2 = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body2),
                                                                                 body2)
        stream = req + req2
        isn = 5000
        a, b, d = 30, 70, 110
        # SYN, then: segment 3, segment 2, segment 1 twice (retransmission), an overlap
        # covering 2..3, then the rest and FIN.
        up = [(isn, "S", b""),
              (isn + 1 + d, "PA", stream[d:d + 40]),
              (isn + 1 + a, "PA", stream[a:b]),
              (isn + 1, "PA", stream[0:a]),
              (isn + 1, "PA", stream[0:a]),
              (isn + 1 + a - 10, "PA", stream[a - 10:d + 20]),
              (isn + 1 + d + 40, "PA", stream[d + 40:]),
              (isn + 1 + len(stream), "FA", b"")]
        rbody = json.dumps({"jsonrpc": "2.0", "id": 1, "result": ["x" * 900]})
        resp = ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(rbody), rbody)).encode()
        rbody2 = b'{"jsonrpc":"2.0","id":2,"result":"0x1"}'
        resp2 = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(rbody2), rbody2)
        rstream = resp + resp2
        risn = 90000
        half = 400
        down = [(risn, "SA", b""),
                (risn + 1 + half, "PA", rstream[half:]),
                (risn + 1, "PA", rstream[:half]),
                (risn + 1 + len(rstream), "FA", b"")]
        self.send(self.pair.cli, self.pair.cli_if, self.frames(40000, up, True))
        self.send(self.pair.srv, self.pair.srv_if, self.frames(40000, down, False))
        time.sleep(0.5)
        self.assertEqual(c.stop(), 0, c.stderr())
        got = merge(c.lines())
        key = ("10.199.%d.77" % self.pair.subnet, PORT)
        self.assertEqual(list(got), [key])
        g = got[key]
        self.assertEqual(g["requests"], 2)
        self.assertEqual(g["responses"], 2)
        self.assertEqual(g["request_bytes"], len(stream))
        self.assertEqual(g["response_bytes"], len(rstream))
        self.assertEqual(g["methods"], {"eth_getLogs": [1, len(req), len(resp)],
                                        "eth_chainId": [1, len(req2), len(resp2)]})
        st = c.status()[-1]
        self.assertEqual(st["gaps"], 0)
        self.assertEqual(st["parse_errors"], 0)


class FlowTableBoundTest(PayloadTestBase):
    def test_100k_short_flows_keep_memory_bounded_and_every_request_counted(self):
        """100,000 connections that each open, send one request and are never closed (the
        worst case for a flow table), from two spoofed sources: the table stays at --max-flows
        by evicting, the collector's peak RSS does not grow with the flows, and every request
        is still counted. Frames go to an address the server does not own, so only the TC
        programs see them (no replies)."""
        max_flows, flows = 1000, 100000
        c = self.collector("--max-flows", max_flows, "--ringbuf-bytes", 1 << 26,
                           "--snapshot-interval-sec", 1).start()
        body = b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}'
        req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        syn = bytearray.fromhex(self.frames(1, [(1000, "S", b"")], True)[0])
        data = bytearray.fromhex(self.frames(1, [(1001, "PA", req)], True)[0])
        sources = ["10.199.%d.%d" % (self.pair.subnet, h) for h in (77, 78)]

        def batch(first, count):
            out = []
            for i in range(first, first + count):
                src = bytes(int(x) for x in sources[i % 2].split("."))
                sport = (10000 + i // 2).to_bytes(2, "big")
                for frame in (syn, data):
                    frame[26:30] = src
                    frame[34:36] = sport
                    out.append(frame.hex())
            return out

        def hwm_kib():
            with open("/proc/%d/status" % c.proc.pid) as f:
                return int(next(l for l in f if l.startswith("VmHWM:")).split()[1])

        self.send(self.pair.cli, self.pair.cli_if, batch(0, 10000))
        time.sleep(1.5)
        after_10k = hwm_kib()
        for first in range(10000, flows, 30000):
            self.send(self.pair.cli, self.pair.cli_if, batch(first, 30000))
        time.sleep(1.5)
        after_100k = hwm_kib()
        self.assertEqual(c.stop(), 0, c.stderr())
        st = c.status()
        self.assertLessEqual(max(s["flows_tracked"] for s in st), max_flows)
        self.assertEqual(st[-1]["ringbuf_drops"], 0)
        self.assertGreaterEqual(st[-1]["flows_evicted"], flows - max_flows)
        got = merge(c.lines())
        self.assertEqual(sorted(got), [(s, PORT) for s in sources])
        for s in sources:
            self.assertEqual(got[(s, PORT)]["requests"], flows // 2)
            self.assertEqual(got[(s, PORT)]["methods"]["eth_blockNumber"][0], flows // 2)
        # Ten times the flows, the same memory: a flow table growing with the connections would
        # add tens of MB here (a few hundred bytes per flow).
        self.assertLess(after_100k - after_10k, 8 * 1024,
                        "peak RSS %d KiB after 10k flows, %d KiB after 100k"
                        % (after_10k, after_100k))


class RingBufferPressureTest(PayloadTestBase):
    def test_tiny_ring_buffer_drops_are_counted_and_traffic_flows(self):
        prom = os.path.join(self.tmp, "payload.prom")
        c = self.collector("--ringbuf-bytes", 4096, "--payload-snaplen", 4096,
                           "--snapshot-interval-sec", 1, "--metrics-file", prom).start()
        self.start_server()
        n = 20
        result = self.run_client("load", n)
        self.assertEqual(result, {"requests": 4 * n, "responses": 4 * n})
        self.server_entries(4 * n)
        time.sleep(0.5)
        self.assertEqual(c.stop(), 0, c.stderr())
        lines = c.lines()
        st = c.status()[-1]
        self.assertGreater(st["ringbuf_drops"], 0)
        self.assertEqual(sum(l["ringbuf_drops"] for l in lines), st["ringbuf_drops"])
        self.assertEqual(metrics_file.check(self, prom).get1("ibsr_ringbuf_drops_total"),
                         st["ringbuf_drops"])
        self.assertEqual(ours_attached(self.pair), [])


class MetricsTest(PayloadTestBase):
    def test_metrics_file_matches_the_run(self):
        prom = os.path.join(self.tmp, "ibsr-collect-payload.prom")
        c = self.collector("--snapshot-interval-sec", 1, "--map-size", 2048,
                           "--metrics-file", prom).start()
        self.start_server()
        self.assertEqual(self.run_client("mix"), {"requests": 15, "responses": 15})
        self.server_entries(15)
        time.sleep(0.5)  # the last response's records reach the ring buffer
        self.assertEqual(c.stop(), 0, c.stderr())
        m = metrics_file.check(self, prom)
        status = c.status()
        st = status[-1]
        lines = c.lines()
        snaps, beats = validate_counter_dir(os.path.join(self.out, "counters"))
        iface = self.pair.srv_if

        def get(name, artefact=None):
            labels = {"mode": "collect-payload", "interface": iface}
            if artefact:
                labels["artefact"] = artefact
            return m.get1(name, **labels)

        # The payload writer, its pipeline, and the counters/ snapshots of the same run.
        self.assertEqual(get("ibsr_cycles_total", "payload"), st["cycle"])
        self.assertEqual(get("ibsr_cycles_total", "payload"), len(status))
        self.assertEqual(get("ibsr_snapshots_written_total", "payload"), st["snapshots_written"])
        self.assertEqual(get("ibsr_snapshots_written_total", "payload"), len(lines))
        self.assertEqual(get("ibsr_bytes_written_total", "payload"), sum(
            os.path.getsize(f) for f in glob.glob(os.path.join(self.out, "payload_*.jsonl"))))
        self.assertEqual(get("ibsr_last_success_timestamp_seconds", "payload"),
                         lines[-1]["ts_unix_sec"])
        self.assertEqual(get("ibsr_write_errors_total", "payload"), 0)
        self.assertEqual(get("ibsr_payload_events_total"), st["events_received"])
        self.assertGreater(st["events_received"], 0)
        self.assertEqual(get("ibsr_payload_parse_errors_total"), st["parse_errors"])
        self.assertEqual(get("ibsr_payload_parse_errors_total"), 1)  # the malformed body
        self.assertEqual(get("ibsr_payload_flows_tracked"), st["flows_tracked"])
        self.assertEqual(get("ibsr_payload_flows_evicted_total"), st["flows_evicted"])
        self.assertEqual(get("ibsr_payload_dropped_sources_total"), st["dropped_sources"])
        self.assertEqual(get("ibsr_ringbuf_drops_total"), st["ringbuf_drops"])
        self.assertEqual(get("ibsr_ringbuf_drops_total"), 0)
        self.assertEqual(get("ibsr_cycles_total", "snapshot"), beats[-1]["cycle"])
        self.assertEqual(get("ibsr_snapshots_written_total", "snapshot"), len(snaps))
        self.assertEqual(get("ibsr_map_entries"), len(snaps[-1]["buckets"]))
        self.assertEqual(get("ibsr_map_entries"), 1)  # the client, on one port
        self.assertEqual(get("ibsr_map_capacity"), 2048)
        self.assertEqual(get("ibsr_ipv6_map_entries"), beats[-1]["ipv6_keys"])
        self.assertEqual(get("ibsr_ipv6_map_capacity"), 2048)  # --ipv6-map-size: --map-size
        self.assertEqual(get("ibsr_metrics_write_errors_total"), 0)
        # Closed-hour compression, per writer, as its heartbeat reports it: nothing failed.
        for artefact, beat in (("payload", st), ("snapshot", beats[-1])):
            self.assertEqual(get("ibsr_compress_errors_total", artefact), beat["compress_errors"])
            self.assertEqual((beat["compress_errors"], beat["compress_last_error"]), (0, ""))
            for name in ("files", "input_bytes", "output_bytes"):  # present in both
                self.assertGreaterEqual(get("ibsr_compressed_%s_total" % name, artefact), 0)


class OutputDirectoryTest(PayloadTestBase):
    def mount_tmpfs(self, path, size):
        os.makedirs(path, exist_ok=True)
        run("mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path)
        self.addCleanup(run, "umount", "-l", path, check=False)

    def wait_cycles(self, c, n):
        def ready():
            try:
                st = c.status()
            except (OSError, ValueError):
                return None
            return st and st[-1]["cycle"] >= n
        wait_for(ready, timeout=20, what="%d heartbeats" % n)

    def test_read_only_then_writable_again(self):
        self.mount_tmpfs(self.out, "4m")
        c = self.collector("--snapshot-interval-sec", 1).start()
        self.wait_cycles(c, 1)
        run("mount", "-o", "remount,ro", self.out)
        time.sleep(2.5)  # two intervals fail
        self.assertIsNone(c.proc.poll())
        run("mount", "-o", "remount,rw", self.out)
        wait_for(lambda: c.status()[-1]["write_errors"] >= 4, timeout=10,
                 what="a heartbeat reporting the failed writes")
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertIn("Read-only file system", c.stderr())
        st = c.status()[-1]
        self.assertEqual(st["snapshots_written"], len(c.lines()))
        # Each failed interval lost its payload line and its heartbeat.
        self.assertEqual(st["cycle"] - st["snapshots_written"], st["write_errors"] // 2)

    def test_rotation_touches_only_payload_files(self):
        os.makedirs(self.out)
        now = int(time.time())
        hour = lambda t: time.strftime("%Y%m%d%H", time.gmtime(t))  # noqa: E731
        old = ["payload_%s.jsonl" % hour(now - h * 3600) for h in (30, 5, 4, 3, 2)]
        keep = ["status.jsonl", "notes.txt", "payload_latest.jsonl",
                "snapshot_%s.jsonl" % hour(now - 30 * 3600)]
        for name in old + keep:
            with open(os.path.join(self.out, name), "w") as f:
                f.write("{}\n")
        c = self.collector("--snapshot-interval-sec", 3600, "--max-files", 3,
                           "--max-age-sec", 86400, "--no-compress-closed").start()
        self.assertEqual(c.stop(), 0, c.stderr())
        current = "payload_%s.jsonl" % hour(c.lines()[-1]["ts_unix_sec"])
        names = set(os.listdir(self.out))
        for name in keep + old[-2:] + [current]:
            self.assertIn(name, names)
        for name in old[:3]:
            self.assertNotIn(name, names)


class CliTest(unittest.TestCase):
    def ibsr(self, *args):
        return subprocess.run([IBSR, "collect-payload"] + [str(a) for a in args],
                              capture_output=True, text=True, timeout=30)

    def test_usage_errors_name_the_flag(self):
        cases = [
            (["-i", "lo"], "--dst-port"),
            (["-i", "lo", "-p", "0"], "--dst-port"),
            (["-i", "lo", "-p", "1", "--ringbuf-bytes", "5000"], "--ringbuf-bytes: 5000 is not"),
            (["-i", "lo", "-p", "1", "--payload-snaplen", "4097"], "--payload-snaplen"),
            (["-i", "lo", "-p", "1", "--max-flows", "0"], "--max-flows"),
            (["-i", "lo", "-p", "1", "--max-methods", "0"], "--max-methods"),
        ]
        for args, flag in cases:
            r = self.ibsr(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn(flag, r.stderr, args)

    def test_help(self):
        r = self.ibsr("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ("--payload-snaplen BYTES", "--ringbuf-bytes BYTES", "--max-bytes-per-flow",
                     "--max-flows N", "--max-methods N",
                     "--metrics-file FILE", "(default: 512)", "(default: 8388608)"):
            self.assertIn(flag, r.stdout)

    def test_unknown_interface_exits_1(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        r = self.ibsr("-i", "ibsr-nope0", "-p", "80", "--out-dir", tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("ibsr-nope0", r.stderr)


if __name__ == "__main__":
    unittest.main()
