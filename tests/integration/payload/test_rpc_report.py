"""`ibsr-report` over a real `ibsr collect-payload` out-dir: the application layer end to end.

Network namespaces made by the test; a JSON-RPC server that logs the exact bytes of every
request and response; one client address per behaviour (normal clients, an amplifying
eth_getLogs client, a request flood, an expensive-method client, a batch fan-out client and an
error storm); the collector records it all; the report must name every abusive source with its
class, and its totals, counterfactual and false-positive bound must equal what the server's own
log says, exactly."""
import csv
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ibsr_process import BUILD  # noqa: E402
from test_payload import PORT, PayloadTestBase  # noqa: E402

REPORT = os.path.join(BUILD, "src", "report", "ibsr-report")

# Test thresholds: the shipped defaults are meant for production rates (docs/report-rpc.md); this
# run is short, so every rate threshold sits far from what each client can reach in a run of
# 10..40 s (the rates below are computed for both ends of that range).
CONFIG = {
    "window_sec": 3600,  # the whole run is one window: the rates do not depend on timing
    "rpc_amplification": 10,
    "rpc_response_byte_rate": 50000,  # the amplifier: >= 3.6 MB / 40 s = 90 kB/s
    "rpc_request_rate": 50,           # the flood: >= 3000 / 40 s = 75/s; others <= 150 / 10 s
    "rpc_calls_per_request": 50,      # the fan-out: 60 calls per request
    "rpc_min_requests": 20,
    "rpc_error_ratio": 0.9,           # the error storm: every answer an error
    "rpc_expensive_share": 0.5,
    "rpc_expensive_rate": 2,          # the expensive client: >= 150 / 40 s = 3.75/s
    "min_samples_for_fp": 5,
    "min_observation_sec": 0,
}

# (last octet of the client address, scenario, requests, the class the report must give)
CLIENTS = [
    (11, "normal", 5, ""),
    (12, "normal", 5, ""),
    (13, "normal", 5, ""),
    (21, "amplify", 40, "RPC_AMPLIFICATION"),
    (22, "flood", 3000, "RPC_FLOOD"),
    (23, "expensive", 150, "RPC_EXPENSIVE_METHODS"),
    (24, "fanout", 40, "RPC_BATCH_FANOUT"),
    (25, "errors", 40, "RPC_ERROR_STORM"),
]


class RpcReportTest(PayloadTestBase):
    def setUp(self):
        super().setUp()
        p = self.pair
        self.net = p.cli_ip.rsplit(".", 1)[0]
        for octet, *_ in CLIENTS:
            addr = "%s.%d" % (self.net, octet)
            p.ns(p.cli, "ip", "addr", "add", addr + "/24", "dev", p.cli_if)
            p.ns(p.srv, "ip", "neigh", "replace", addr, "lladdr", p.cli_mac, "dev", p.srv_if,
                 "nud", "permanent")

    def report(self, out, *extra):
        cfg = os.path.join(self.tmp, "report.json")
        with open(cfg, "w") as f:
            json.dump(CONFIG, f)
        r = subprocess.run([REPORT, "--input", self.out, "--out-dir", out, "--config", cfg,
                            "--format", "md,html,csv,json,nft"] + list(extra),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def read(self, out, name):
        with open(os.path.join(out, name)) as f:
            return f.read()

    def test_report_names_each_abusive_source_with_exact_evidence(self):
        started = time.monotonic()
        # One 60 s interval (the run ends before it); a snaplen of the MSS so that the fan-out
        # client's 4 kB batch bodies are parsed (docs/collect-payload.md "Accuracy").
        c = self.collector("--payload-snaplen", 1500).start()
        self.start_server()
        for octet, scenario, n, _ in CLIENTS:
            source = "%s.%d" % (self.net, octet)
            self.assertEqual(self.run_client(scenario, n, source=source),
                             {"requests": n, "responses": n})
        log = self.server_entries(sum(n for _, _, n, _ in CLIENTS))
        time.sleep(max(0.5, 10 - (time.monotonic() - started)))
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertLess(time.monotonic() - started, 40, "the run must stay inside the rates' "
                        "range the thresholds assume")
        self.assertEqual(sum(l["ringbuf_drops"] for l in c.lines()), 0)

        # The server's own account of each client.
        want = {}
        for octet, scenario, n, cls in CLIENTS:
            src = "%s.%d" % (self.net, octet)
            rows = [r for r in log if r["peer"] == src]
            self.assertEqual(len(rows), n, src)
            want[src] = {"requests": n, "request_bytes": sum(r["req_bytes"] for r in rows),
                         "response_bytes": sum(r["resp_bytes"] for r in rows),
                         "calls": sum(len(r["methods"]) for r in rows),
                         "errors": sum(r["errors"] for r in rows if r["methods"]),
                         "class": cls}

        out = os.path.join(self.tmp, "report")
        stdout = self.report(out)
        rows = list(csv.DictReader(self.read(out, "evidence_rpc.csv").splitlines()))
        self.assertEqual([(r["address"], int(r["dst_port"])) for r in rows],
                         [("%s.%d" % (self.net, o), PORT) for o, *_ in CLIENTS])
        for r in rows:
            w = want[r["address"]]
            self.assertEqual(r["rpc_class"], w["class"], r["address"])
            self.assertEqual(r["decision"], "block" if w["class"] else "allow", r["address"])
            self.assertEqual(int(r["requests"]), w["requests"], r["address"])
            self.assertEqual(int(r["request_bytes"]), w["request_bytes"], r["address"])
            self.assertEqual(int(r["response_bytes"]), w["response_bytes"], r["address"])
            self.assertEqual(int(r["jsonrpc_calls"]), w["calls"], r["address"])
            self.assertEqual(int(r["jsonrpc_errors"]), w["errors"], r["address"])

        blocked = [s for s, w in want.items() if w["class"]]
        total = {k: sum(w[k] for w in want.values())
                 for k in ("requests", "request_bytes", "response_bytes")}
        saved = {k: sum(want[s][k] for s in blocked)
                 for k in ("requests", "request_bytes", "response_bytes")}
        # Legit-looking among the blocked: amplification < 10 and error ratio < 0.1 over all
        # their traffic: the flood, the expensive-method client and the fan-out client.
        legit = [s for s in blocked
                 if want[s]["response_bytes"] < 10 * want[s]["request_bytes"]
                 and want[s]["errors"] == 0]
        self.assertEqual(sorted(legit), sorted("%s.%d" % (self.net, o) for o in (22, 23, 24)))
        fp = round(100.0 * sum(want[s]["requests"] for s in legit) / saved["requests"], 4)

        summary = json.loads(self.read(out, "summary.json"))
        self.assertEqual(summary["summary_version"], 2)
        app = summary["application_layer"]
        self.assertEqual(app["totals"]["keys"], len(CLIENTS))
        self.assertEqual(app["totals"]["requests"], total["requests"])
        self.assertEqual(app["totals"]["response_bytes"], total["response_bytes"])
        self.assertEqual(app["abuse"]["blocked_sources"], 5)
        ub = app["counterfactual"]["upper_bound"]
        self.assertEqual(ub["requests"], saved["requests"])
        self.assertEqual(ub["request_bytes"], saved["request_bytes"])
        self.assertEqual(ub["response_bytes"], saved["response_bytes"])
        self.assertEqual(ub["response_bytes_pct"],
                         round(100.0 * saved["response_bytes"] / total["response_bytes"], 4))
        # One window spans the run, and a block starts when its window closes: nothing of this
        # run falls inside a simulated block.
        sim = app["counterfactual"]["simulated_enforcement"]
        self.assertEqual((sim["requests"], sim["response_bytes"]), (0, 0))
        self.assertEqual(app["fp_bound"]["known"], True)
        self.assertEqual(app["fp_bound"]["pct"], fp)
        self.assertEqual(app["verdict"], "NOT SAFE")
        self.assertEqual(app["reasons"], ["FP bound %.2f%% is above 5.0%%" % fp])
        self.assertEqual(summary["ready_layers"], [])

        rules = json.loads(self.read(out, "rules.json"))
        self.assertEqual(rules["version"], 4)
        rpc = [t for t in rules["triggers"] if t.get("layer") == "application"]
        self.assertEqual(sorted((t["key_value"], t["dst_port"], t["abuse_class"]) for t in rpc),
                         sorted((s, PORT, want[s]["class"]) for s in blocked))

        md = self.read(out, "report.md")
        self.assertIn("Application layer", md)
        for s in blocked:
            self.assertIn("%s:%d" % (s, PORT), md)
        self.assertIn("Application layer", self.read(out, "report.html"))
        self.assertIn("application layer: NOT SAFE", stdout)

        # The same input gives the same bytes.
        again = os.path.join(self.tmp, "again")
        self.report(again)
        for name in sorted(os.listdir(out)):
            self.assertEqual(self.read(again, name), self.read(out, name), name)


if __name__ == "__main__":
    unittest.main()
