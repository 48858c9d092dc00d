#!/usr/bin/env python3
"""Golden-file tests for ibsr-report (tests/fixtures/report/<case>/).

Each case has input/ (snapshot files), optional args (one flag or value per line, {case} is the
case directory), and expected/ (the exact outputs, or exit_code for a failing run). For every
case this test
  1. runs ibsr-report twice and requires byte-identical outputs across the runs;
  2. compares evidence.csv, rules.json, summary.json, report.md and rules.nft byte for byte with
     expected/;
  3. recomputes evidence.csv and the headline figures with reference_model.py, an independent
     implementation of REPORT.md, and requires them to agree with the program's output;
  4. for a case with payload input (expected/evidence_rpc.csv), compares evidence_rpc.csv too and
     recomputes the application layer with rpc_reference_model.py (docs/report-rpc.md).
Set IBSR_UPDATE_GOLDEN=1 to rewrite expected/ from the program (then review the diff by hand).
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_model  # noqa: E402
import rpc_reference_model  # noqa: E402

SRC = os.environ.get("IBSR_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("IBSR_BUILD_DIR", os.path.join(SRC, "build-report"))
BIN = os.path.abspath(os.path.join(BUILD, "src", "report", "ibsr-report"))
FIXTURES = os.path.join(SRC, "tests", "fixtures", "report")
COMPARED = ["evidence.csv", "rules.json", "summary.json", "report.md", "rules.nft"]
CASES = sorted(d for d in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, d, "input")))


def case_args(case):
    path = os.path.join(FIXTURES, case, "args")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").replace("{case}", os.path.join(FIXTURES, case)) for line in f if line.strip()]


def run_report(case, outdir):
    # Run from the case directory with "-i input": stream labels name directories as the command
    # line does, so the expected files are the same on every machine.
    cmd = [BIN, "--input", "input", "-o", outdir, "--format", "md,json,csv,nft,html"] + case_args(case)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          cwd=os.path.join(FIXTURES, case))


class GoldenTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ibsr-report-golden-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check_case(self, case):
        expected_dir = os.path.join(FIXTURES, case, "expected")
        exit_file = os.path.join(expected_dir, "exit_code")
        want_exit = 0
        if os.path.exists(exit_file):
            with open(exit_file) as f:
                want_exit = int(f.read())
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        ra, rb = run_report(case, a), run_report(case, b)
        self.assertEqual(ra.returncode, want_exit, ra.stderr)
        self.assertEqual(rb.returncode, want_exit, rb.stderr)
        if want_exit != 0:
            self.assertFalse(os.path.exists(os.path.join(a, "report.md")))
            self.assertEqual(ra.stderr.count("\n"), 1, ra.stderr)  # one clear line
            self.assertIsNone(reference_model.run(os.path.join(FIXTURES, case, "input"), case_args(case)))
            return
        compared = COMPARED + (["evidence_rpc.csv"] if os.path.exists(
            os.path.join(expected_dir, "evidence_rpc.csv")) else [])
        for name in compared + ["report.html"]:
            with open(os.path.join(a, name), "rb") as fa, open(os.path.join(b, name), "rb") as fb:
                self.assertEqual(fa.read(), fb.read(), "%s differs between two runs" % name)
        if os.environ.get("IBSR_UPDATE_GOLDEN") == "1":
            os.makedirs(expected_dir, exist_ok=True)
            for name in compared:
                shutil.copy(os.path.join(a, name), os.path.join(expected_dir, name))
        for name in compared:
            with open(os.path.join(a, name)) as got, open(os.path.join(expected_dir, name)) as want:
                self.assertEqual(got.read(), want.read(), "%s/%s differs from expected" % (case, name))

        # The independent model must agree with what the program wrote.
        csv, fig = reference_model.run(os.path.join(FIXTURES, case, "input"), case_args(case))
        with open(os.path.join(a, "evidence.csv")) as f:
            self.assertEqual(f.read(), csv)
        with open(os.path.join(a, "summary.json")) as f:
            s = json.load(f)
        cf = s["counterfactual"]
        up, sim = cf["upper_bound"], cf["simulated_enforcement"]
        self.assertEqual((up["packets_pct"], up["bytes_pct"], up["syn_pct"]), fig["upper"])
        self.assertEqual((sim["packets_pct"], sim["bytes_pct"], sim["syn_pct"]), fig["simulated"])
        self.assertEqual(s["fp_bound"]["pct"], fig["fp"])
        self.assertEqual(s["totals"]["keys"], fig["keys"])
        self.assertEqual(s["abuse"]["blocked_sources"], fig["blocked"])
        self.assertEqual(s["abuse"]["episodes"], fig["episodes"])
        self.assertEqual(s["readiness"]["verdict"], fig["verdict"])
        self.assertEqual(s["readiness"]["reasons"], fig["reasons"])
        self.assertEqual(s["input"]["windows"], fig["windows"])
        self.assertEqual(s["input"]["observed_sec"], fig["observed_sec"])
        dq = s["data_quality"]
        self.assertEqual(dq["counter_resets"], fig["counter_resets"])
        self.assertEqual(dq["malformed_lines"], fig["malformed"])
        self.assertEqual(dq["oversized_lines"], fig["oversized"])
        self.assertEqual(dq["out_of_order_lines"], fig["out_of_order"])
        # One stream: no listing (the outputs are those from before streams existed).
        self.assertEqual(dq.get("streams"), fig["streams"])
        self.assertEqual(dq.get("stream_splits", 0), fig["stream_splits"])
        with open(os.path.join(a, "report.html")) as f:
            html = f.read()
        self.assertIn("<title>IBSR Report", html)
        self.assertIn(fig["verdict"], html)
        if "evidence_rpc.csv" in compared:
            self.check_application_layer(case, s, os.path.join(a, "evidence_rpc.csv"))
        else:
            self.assertNotIn("application_layer", s)

    def check_application_layer(self, case, s, csv_path):
        rows, fig = rpc_reference_model.run(os.path.join(FIXTURES, case, "input"), case_args(case))
        app = s["application_layer"]
        self.assertEqual(s["summary_version"], 2)
        self.assertEqual(app["verdict"], fig["verdict"])
        self.assertEqual(app["reasons"], fig["reasons"])
        self.assertEqual(app["input"]["windows"], fig["windows"])
        self.assertEqual(app["input"]["observed_sec"], fig["observed_sec"])
        self.assertEqual(app["totals"]["keys"], fig["sources"])
        self.assertEqual(app["abuse"]["blocked_sources"], fig["blocked"])
        up, sim = app["counterfactual"]["upper_bound"], app["counterfactual"]["simulated_enforcement"]
        self.assertEqual((up["requests"], up["request_bytes"], up["response_bytes"]),
                         tuple(fig["upper"][k] for k in ("requests", "request_bytes", "response_bytes")))
        self.assertEqual(up["response_bytes_pct"], fig["upper_response_bytes_pct"])
        self.assertEqual([sim["requests"], sim["request_bytes"], sim["response_bytes"]], fig["simulated"])
        self.assertEqual(sim["response_bytes_pct"], fig["simulated_response_bytes_pct"])
        self.assertEqual(app["fp_bound"]["known"], fig["fp_known"])
        self.assertEqual(app["fp_bound"]["pct"], fig["fp"])
        with open(csv_path) as f:
            got = list(csv.DictReader(f))
        self.assertEqual([(r["address"], int(r["dst_port"])) for r in got], list(rows))
        for r in got:
            want = rows[(r["address"], int(r["dst_port"]))]
            self.assertEqual(r["rpc_class"], want["class"], r["source"])
            self.assertEqual(r["allowlisted"], "true" if want["allowlisted"] else "false")
            for k in ("requests", "request_bytes", "response_bytes", "jsonrpc_calls",
                      "jsonrpc_errors"):
                self.assertEqual(int(r[k]), want["total"][k], (r["source"], k))
            # evidence_rpc.csv rounds them to 2 decimals
            self.assertAlmostEqual(float(r["simulated_requests"]), want["simulated"][0], delta=0.005)
            self.assertAlmostEqual(float(r["simulated_response_bytes"]), want["simulated"][2],
                                   delta=0.005)
            self.assertEqual(int(r["episodes"]), want["episodes"], r["source"])


def make_test(case):
    return lambda self: self.check_case(case)


for _case in CASES:
    setattr(GoldenTest, "test_" + _case, make_test(_case))


class CoverageTest(unittest.TestCase):
    def test_every_case_has_a_readme_and_expectations(self):
        self.assertGreaterEqual(len(CASES), 16)
        for case in CASES:
            self.assertTrue(os.path.exists(os.path.join(FIXTURES, case, "README.md")), case)
            self.assertTrue(os.path.isdir(os.path.join(FIXTURES, case, "expected")), case)


if __name__ == "__main__":
    unittest.main()
