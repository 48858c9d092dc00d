#!/usr/bin/env python3
"""ibsr-report command line contract: help text, flag errors (exit 2, one line naming the flag),
allowlist/config errors (exit 3), input errors (exit 1), config precedence, determinism."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("IBSR_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("IBSR_BUILD_DIR", os.path.join(SRC, "build-report"))
BIN = os.path.join(BUILD, "src", "report", "ibsr-report")
FLOOD = os.path.join(SRC, "tests", "fixtures", "report", "syn_flood", "input")
RPC = os.path.join(SRC, "tests", "fixtures", "report", "rpc_harness")


def read(path):
    with open(path) as f:
        return f.read()


def run(*args):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=60)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ibsr-report-cli-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, name, content=None):
        p = os.path.join(self.tmp, name)
        if content is not None:
            with open(p, "w") as f:
                f.write(content)
        return p

    def test_help_documents_every_flag_and_default(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for flag, default in [("--input PATH", None), ("-o, --out-dir DIR", None),
                              ("--config FILE", None), ("-p, --dst-port PORT", None), ("--allowlist", None), ("--window-sec", "10"),
                              ("--syn-rate-threshold", "100"), ("--success-ratio-threshold", "0.1"),
                              ("--block-duration-sec", "300"), ("--fp-safe-ratio", "0.5"),
                              ("--min-samples-for-fp", "10"), ("--vol-syn-rate", "500"),
                              ("--vol-pkt-rate", "1000"), ("--vol-byte-rate", "1000000"),
                              ("--generated-at", None), ("--format", "md,html,json,csv"),
                              ("--first-snapshot", "counted"), ("--min-observation-sec", "3600"),
                              ("--require-multi-window", None), ("--max-line-bytes", "268435456"),
                              ("--rpc-amplification", "10"), ("--rpc-response-byte-rate", "1000000"),
                              ("--rpc-request-rate", "100"), ("--rpc-calls-per-request", "50"),
                              ("--rpc-error-ratio", "0.9"), ("--rpc-min-requests", "50"),
                              ("--rpc-expensive-method NAME", None),
                              ("--rpc-expensive-share", "0.5"), ("--rpc-expensive-rate", "10"),
                              ("--rpc-fp-error-ratio", "0.1")]:
            line = next((l for l in r.stdout.splitlines() if flag in l), None)
            self.assertIsNotNone(line, flag)
            if default:
                self.assertRegex(r.stdout, re.escape(flag) + r"(?:[^\n]*\n){0,3}?[^\n]*\(default:\s+"
                                 + re.escape(default) + r"\)", flag)

    def test_help_lists_the_default_expensive_methods(self):
        r = run("--help")
        help_text = " ".join(r.stdout.split())
        self.assertIn("replaces the default list: eth_getLogs, debug_traceTransaction, "
                      "debug_traceCall, debug_traceBlockByNumber, debug_traceBlockByHash, "
                      "trace_filter, trace_block, trace_replayBlockTransactions", help_text)

    def test_bad_flags_exit_2_with_one_line_naming_the_flag(self):
        out = self.path("o")
        cases = [
            (["--window-sec", "abc"], "--window-sec"),
            (["--window-sec", "0"], "--window-sec"),
            (["--syn-rate-threshold", "-5"], "--syn-rate-threshold"),
            (["--success-ratio-threshold", "2"], "--success-ratio-threshold"),
            (["--dst-port", "80,x"], "--dst-port"),
            (["-p", "70000"], "--dst-port"),
            (["--format", "md,pdf"], "--format"),
            (["--first-snapshot", "maybe"], "--first-snapshot"),
            (["--generated-at", "yesterday"], "--generated-at"),
            (["--min-observation-sec", "-1"], "--min-observation-sec"),
            (["--min-observation-sec", "1h"], "--min-observation-sec"),
            (["--min-observation-sec", "315360001"], "--min-observation-sec"),
            (["--no-such-flag"], "--no-such-flag"),
            (["--rpc-amplification", "0"], "--rpc-amplification"),
            (["--rpc-response-byte-rate", "-1"], "--rpc-response-byte-rate"),
            (["--rpc-request-rate", "fast"], "--rpc-request-rate"),
            (["--rpc-calls-per-request", "0"], "--rpc-calls-per-request"),
            (["--rpc-error-ratio", "1.5"], "--rpc-error-ratio"),
            (["--rpc-min-requests", "0"], "--rpc-min-requests"),
            (["--rpc-min-requests", "-3"], "--rpc-min-requests"),
            (["--rpc-expensive-method", ""], "--rpc-expensive-method"),
            (["--rpc-expensive-method", "other"], "--rpc-expensive-method"),
            (["--rpc-expensive-share", "-0.1"], "--rpc-expensive-share"),
            (["--rpc-expensive-rate", "0"], "--rpc-expensive-rate"),
            (["--rpc-fp-error-ratio", "2"], "--rpc-fp-error-ratio"),
        ]
        for extra, flag in cases:
            r = run("--input", FLOOD, "-o", out, *extra)
            self.assertEqual(r.returncode, 2, (extra, r.stderr))
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            self.assertIn(flag, r.stderr)
        r = run("-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--input", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_allowlist_errors_exit_3_naming_the_line(self):
        allow = self.path("allow.txt", "10.0.0.1\n# fine\n10.0.0.300\n")
        r = run("--input", FLOOD, "-o", self.path("o"), "--allowlist", allow)
        self.assertEqual(r.returncode, 3)
        self.assertIn("allow.txt:3:", r.stderr)
        self.assertIn("10.0.0.300", r.stderr)
        r = run("--input", FLOOD, "-o", self.path("o"), "--allowlist", self.path("missing.txt"))
        self.assertEqual(r.returncode, 3)

    def test_config_errors_exit_3(self):
        for body, needle in [("{", "invalid JSON"), ('{"window_sec": "ten"}', "window_sec"),
                             ('{"bogus": 1}', "bogus"), ('{"fp_safe_ratio": 7}', "fp_safe_ratio"),
                             ("[1]", "object")]:
            cfg = self.path("c.json", body)
            r = run("--input", FLOOD, "-o", self.path("o"), "--config", cfg)
            self.assertEqual(r.returncode, 3, body)
            self.assertIn(needle, r.stderr)

    def test_rpc_config_errors_exit_3_naming_the_key(self):
        for key, bad in [("rpc_amplification", 0), ("rpc_response_byte_rate", "1e6"),
                         ("rpc_request_rate", -1), ("rpc_calls_per_request", None),
                         ("rpc_error_ratio", 1.01), ("rpc_min_requests", 0),
                         ("rpc_min_requests", 2.5), ("rpc_expensive_methods", "eth_getLogs"),
                         ("rpc_expensive_methods", [1]), ("rpc_expensive_methods", [""]),
                         ("rpc_expensive_methods", ["other"]), ("rpc_expensive_share", 2),
                         ("rpc_expensive_rate", 0), ("rpc_fp_error_ratio", -0.5)]:
            cfg = self.path("c.json", json.dumps({key: bad}))
            r = run("--input", FLOOD, "-o", self.path("o"), "--config", cfg)
            self.assertEqual(r.returncode, 3, (key, bad, r.stderr))
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            self.assertIn('"%s"' % key, r.stderr)

    def test_rpc_settings_are_accepted_from_config_and_flags(self):
        # Their precedence is asserted on the parsed values (rpc_options_test.cpp); here the binary
        # accepts every key and flag, an empty list included, and the counter report is unchanged.
        cfg = self.path("c.json", json.dumps({
            "rpc_amplification": 4, "rpc_response_byte_rate": 500, "rpc_request_rate": 20,
            "rpc_calls_per_request": 8, "rpc_error_ratio": 0.5, "rpc_min_requests": 7,
            "rpc_expensive_methods": [], "rpc_expensive_share": 0.25, "rpc_expensive_rate": 2,
            "rpc_fp_error_ratio": 0.125}))
        plain, tuned = self.path("plain"), self.path("tuned")
        r = run("--input", FLOOD, "-o", plain, "--format", "json", "--generated-at", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("--input", FLOOD, "-o", tuned, "--format", "json", "--generated-at", "0",
                "--config", cfg, "--rpc-expensive-method", "eth_call", "--rpc-expensive-method",
                "trace_filter", "--rpc-request-rate", "0.5")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(os.path.join(plain, "summary.json")),
                         read(os.path.join(tuned, "summary.json")))

    def test_config_applies_and_flags_override(self):
        cfg = self.path("c.json", json.dumps({"window_sec": 60, "block_duration_sec": 120,
                                              "syn_rate_threshold": 250, "format": ["json"],
                                              "generated_at": "2025-02-01T00:00:00Z"}))
        out = self.path("o")
        r = run("--input", FLOOD, "-o", out, "--config", cfg, "--block-duration-sec", "60")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(out)), ["rules.json", "summary.json"])
        s = json.loads(read(os.path.join(out, "summary.json")))
        self.assertEqual(s["config"]["window_sec"], 60)
        self.assertEqual(s["config"]["block_duration_sec"], 60)  # flag wins
        self.assertEqual(s["config"]["syn_rate_threshold"], 250.0)
        self.assertEqual(s["generated_at"], "2025-02-01T00:00:00Z")
        self.assertEqual(s["abuse"]["blocked_sources"], 0)  # 200 SYN/s < 250

    def test_min_observation_gate_default_flag_and_config(self):
        # syn_flood is SAFE on its evidence but spans 360 s: the default 3600 s gate says NOT SAFE.
        reason = "Observed period 360 s is shorter than the minimum {} s (--min-observation-sec)"
        out = self.path("o")
        r = run("--input", FLOOD, "-o", out, "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("verdict: NOT SAFE"), r.stdout)
        self.assertIn("  - " + reason.format(3600) + "\n", r.stdout)
        s = json.loads(read(os.path.join(out, "summary.json")))
        self.assertEqual(s["config"]["min_observation_sec"], 3600)
        self.assertEqual(s["readiness"]["reasons"], [reason.format(3600)])
        for args, verdict, shown in [(["--min-observation-sec", "0"], "SAFE", None),
                                     (["--min-observation-sec", "360"], "SAFE", 360),
                                     (["--min-observation-sec", "361"], "NOT SAFE", 361)]:
            r = run("--input", FLOOD, "-o", out, "--format", "json", *args)
            self.assertEqual(r.returncode, 0, r.stderr)
            s = json.loads(read(os.path.join(out, "summary.json")))
            self.assertEqual(s["readiness"]["verdict"], verdict, args)
            self.assertEqual(s["config"]["min_observation_sec"], shown, args)
        for value, verdict in [(0, "SAFE"), (300, "SAFE"), (7200, "NOT SAFE")]:
            cfg = self.path("c.json", json.dumps({"min_observation_sec": value}))
            r = run("--input", FLOOD, "-o", out, "--format", "json", "--config", cfg)
            self.assertEqual(r.returncode, 0, r.stderr)
            s = json.loads(read(os.path.join(out, "summary.json")))
            self.assertEqual(s["readiness"]["verdict"], verdict, value)
        # The flag overrides the config file.
        r = run("--input", FLOOD, "-o", out, "--format", "json", "--config", cfg, "--min-observation-sec", "0")
        self.assertTrue(r.stdout.startswith("verdict: SAFE"), r.stdout)
        for bad in ("-1", '"1h"', "1.5", "315360001"):
            cfg = self.path("c.json", '{"min_observation_sec": %s}' % bad)
            r = run("--input", FLOOD, "-o", out, "--config", cfg)
            self.assertEqual(r.returncode, 3, bad)
            self.assertIn("min_observation_sec", r.stderr)

    def test_streams_by_tree_directories_or_files_agree(self):
        # One tree with two leaf directories, two -i directories, or two -i files: the same two
        # streams, so the same evidence (the scanner seen by both hosts is not blocked).
        base = os.path.join(SRC, "tests", "fixtures", "report", "two_streams", "input")
        a, b = os.path.join(base, "host-a"), os.path.join(base, "host-b")
        runs = {"tree": ["--input", base], "dirs": ["--input", a, "--input", b],
                "files": ["--input", os.path.join(a, "snapshot_2025011510.jsonl"),
                          "--input", os.path.join(b, "snapshot_2025011510.jsonl")]}
        csv = {}
        for name, args in runs.items():
            out = self.path(name)
            r = run(*args, "-o", out, "--format", "csv,json", "--min-observation-sec", "0")
            self.assertEqual(r.returncode, 0, r.stderr)
            csv[name] = read(os.path.join(out, "evidence.csv"))
            s = json.loads(read(os.path.join(out, "summary.json")))
            self.assertEqual([st["dir"] for st in s["data_quality"]["streams"]],
                             [os.path.normpath(a), os.path.normpath(b)], name)
            self.assertEqual(s["data_quality"]["stream_splits"], 0)
        self.assertIn("198.51.100.20:8899,,50.00,0.0000,allow,25200,1512000,25200\n", csv["tree"])
        self.assertEqual(csv["tree"], csv["dirs"])
        self.assertEqual(csv["tree"], csv["files"])

    def test_bad_ipv6_lines_are_skipped_one_warning_each(self):
        # A snapshot6_ file with one good line between bad ones: each bad line is skipped with
        # one warning naming FILE:LINE and its reason, and counted as malformed.
        good = lambda ts: json.dumps({
            "version": 5, "ts_unix_sec": ts, "interval_sec": 60, "run_id": "r6",
            "counter_mode": "cumulative", "base_ts_unix_sec": 1736935200, "aggregation": "src_net6",
            "prefix_len": 64, "dst_ports": [443], "buckets": [
                {"key_type": "src_net6", "src_ip": "2001:db8:1:2::/64", "dst_port": 443, "syn": 600,
                 "ack": 0, "handshake_ack": 0, "rst": 0, "packets": 600, "bytes": 36000}]})
        lines = [good(1736935260),
                 good(1736935270).replace("2001:db8:1:2::/64", "2001:db8:1:2::g/64"),
                 good(1736935280).replace("2001:db8:1:2::/64", "2001:db8:1:2::/48"),
                 good(1736935290).replace('"prefix_len": 64', '"prefix_len": 200'),
                 good(1736935300).replace('"src_net6", "src_ip": "2001:db8:1:2::/64"',
                                          '"src_ip6", "src_ip": "2001:db8:1:2::/64"')]
        d = self.path("in")
        os.mkdir(d)
        with open(os.path.join(d, "snapshot6_2025011510.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")
        out = self.path("out")
        r = run("--input", d, "-o", out, "--format", "csv,json", "--min-observation-sec", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        warnings = r.stderr.splitlines()
        self.assertEqual(warnings, [
            'ibsr: warning: snapshot6_2025011510.jsonl:2: malformed snapshot skipped: bucket 0: "src_ip" is not an IPv6 address',
            'ibsr: warning: snapshot6_2025011510.jsonl:3: malformed snapshot skipped: bucket 0: src_net6 key of /48 in a line of "prefix_len" 64',
            'ibsr: warning: snapshot6_2025011510.jsonl:4: malformed snapshot skipped: "prefix_len" is not an integer in 1..128',
            'ibsr: warning: snapshot6_2025011510.jsonl:5: malformed snapshot skipped: bucket 0: src_ip6 key with a prefix in "src_ip" (a prefix is src_net6)'])
        s = json.loads(read(os.path.join(out, "summary.json")))
        self.assertEqual(s["data_quality"]["malformed_lines"], 4)
        self.assertEqual(s["data_quality"]["snapshots"], 1)
        self.assertEqual(read(os.path.join(out, "evidence.csv")).splitlines()[1],
                         "[2001:db8:1:2::]/64:443,,10.00,0.0000,allow,600,36000,600")  # 600 SYN in 60 s

    def test_snapshot6_files_are_found_and_are_their_own_stream(self):
        # Only a snapshot6_ file: found by the directory search (recursively), one IPv6 stream.
        src = os.path.join(SRC, "tests", "fixtures", "report", "mixed_families", "input", "host-a")
        tree = self.path("tree")
        os.makedirs(os.path.join(tree, "deep", "er"))
        shutil.copy(os.path.join(src, "snapshot6_2025011510.jsonl"), os.path.join(tree, "deep", "er"))
        out = self.path("o6")
        r = run("--input", tree, "-o", out, "--format", "json", "--min-observation-sec", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(read(os.path.join(out, "summary.json")))
        self.assertEqual(s["input"]["files"], ["deep/er/snapshot6_2025011510.jsonl"])
        self.assertEqual(s["by_family"]["ipv6"]["keys"], 6)
        self.assertNotIn("streams", s["data_quality"])  # a single stream
        # Beside its IPv4 sibling of the same hour: two streams, no split, no warning.
        both = self.path("both")
        os.mkdir(both)
        for name in ("snapshot_2025011510.jsonl", "snapshot6_2025011510.jsonl"):
            shutil.copy(os.path.join(src, name), both)
        r = run("--input", both, "-o", out, "--format", "json", "--min-observation-sec", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        s = json.loads(read(os.path.join(out, "summary.json")))
        self.assertEqual(s["data_quality"]["stream_splits"], 0)
        self.assertEqual([(st.get("family"), st["run_id"]) for st in s["data_quality"]["streams"]],
                         [("ipv6", "a6"), (None, "a4")])
        self.assertEqual(s["by_family"]["ipv4"]["keys"], 6)
        self.assertEqual(s["totals"]["keys"], 12)

    def test_input_errors_exit_1(self):
        r = run("--input", self.path("nothing-here"), "-o", self.path("o"))
        self.assertEqual(r.returncode, 1)
        os.mkdir(self.path("emptydir"))
        r = run("--input", self.path("emptydir"), "-o", self.path("o"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("no snapshot files", r.stderr)
        bad = self.path("snapshot_2025011510.jsonl",
                        '{"version":3,"ts_unix_sec":1,"buckets":[]}\n{"version":9,"ts_unix_sec":2,"buckets":[]}\n')
        r = run("--input", bad, "-o", self.path("o"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("snapshot_2025011510.jsonl:2:", r.stderr)
        self.assertIn("version 9", r.stderr)

    def test_write_failure_exits_1(self):
        blocker = self.path("file", "x")
        r = run("--input", FLOOD, "-o", os.path.join(blocker, "sub"))
        self.assertEqual(r.returncode, 1)

    def test_stdout_names_verdict_and_outputs(self):
        out = self.path("o")
        r = run("--input", FLOOD, "-o", out, "--format", "md,html", "--min-observation-sec", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("verdict: SAFE"))
        self.assertIn("report.md: " + os.path.join(out, "report.md"), r.stdout)
        self.assertIn("report.html: " + os.path.join(out, "report.html"), r.stdout)

    def test_payload_only_input_gives_one_transport_reason_and_the_application_verdict(self):
        src = self.path("payload-only")
        os.mkdir(src)
        for name in os.listdir(os.path.join(RPC, "input")):
            if name.startswith("payload_"):
                shutil.copy(os.path.join(RPC, "input", name), src)
        self.assertTrue(os.listdir(src), "the rpc_harness fixture lost its payload file")
        with open(os.path.join(RPC, "args")) as f:
            args = f.read().split()
        out = self.path("o")
        r = run("--input", src, "-o", out, "--format", "json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(read(os.path.join(out, "summary.json")))
        self.assertEqual(s["readiness"], {"verdict": "NOT SAFE",
                                          "reasons": ["No counter snapshots in the input"]})
        self.assertEqual(s["input"]["files"], [])
        app = s["application_layer"]
        self.assertEqual(app["input"]["files"], sorted(os.listdir(src)))
        self.assertEqual(s["ready_layers"], ["application"] if app["verdict"] == "SAFE" else [])
        lines = r.stdout.splitlines()
        self.assertEqual(lines[:2], ["verdict: NOT SAFE (0 source(s) would be blocked)",
                                     "  - No counter snapshots in the input"])
        self.assertIn("application layer: %s" % app["verdict"], r.stdout)

    def test_gzip_zstd_and_plain_inputs_agree(self):
        # One collector's files, found recursively: they must stay in one directory (one stream).
        top = self.path("mixed")
        os.mkdir(top)
        d = os.path.join(top, "deeper")
        os.mkdir(d)
        with open(os.path.join(FLOOD, "snapshot_2025011510.jsonl"), "rb") as f:
            lines = f.read().splitlines(keepends=True)
        with open(os.path.join(d, "snapshot_a.jsonl"), "wb") as f:
            f.writelines(lines[:2])
        subprocess.run("gzip -c > %s" % os.path.join(d, "snapshot_b.jsonl.gz"), shell=True,
                       input=b"".join(lines[2:4]), check=True)
        subprocess.run(["zstd", "-q", "-o", os.path.join(d, "snapshot_c.jsonl.zst")], input=b"".join(lines[4:]),
                       check=True)
        self.path("mixed/ignored.txt", "not a snapshot")
        a, b = self.path("a"), self.path("b")
        self.assertEqual(run("--input", FLOOD, "-o", a, "--format", "csv,json").returncode, 0)
        r = run("--input", top, "-o", b, "--format", "csv,json")
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("evidence.csv", "rules.json"):
            self.assertEqual(read(os.path.join(a, name)), read(os.path.join(b, name)))


if __name__ == "__main__":
    unittest.main()
