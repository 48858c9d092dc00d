#!/usr/bin/env python3
"""ibsr-report --format deltas (docs/clickhouse.md) on the golden cases, without ClickHouse: every
row validates against docs/schemas/report-deltas-v1.schema.json; per key the rows add up to the
totals evidence.csv prints (the rows are the analysis's own deltas, nothing dropped but zeros);
every row's window is one the stream really has; adding the format changes no other output; the
stdout mode writes exactly the file's bytes and nothing else; misuse is a one-line usage error.
The ClickHouse side is test_clickhouse.py."""
import collections
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
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import schema_check  # noqa: E402
from test_golden import BIN, CASES, FIXTURES, case_args  # noqa: E402

SCHEMA = schema_check.load("report-deltas-v1.schema.json")
# Cases that write a report (empty_input fails on purpose; fuzz_seeds holds no case).
REPORTED = [c for c in CASES if c != "empty_input"]


def evidence_source(row):
    """The row's key as evidence.csv writes it: a.b.c.d:port, [v6]:port, [v6 prefix]/len:port."""
    src = row["source"]
    if ":" in src:  # IPv6: brackets keep the port apart from the address
        addr, _, length = src.partition("/")
        src = "[%s]" % addr + ("/" + length if length else "")
    return "%s:%d" % (src, row["dst_port"])


def report(case, outdir, formats, *extra):
    cmd = [BIN, "--input", "input", "-o", outdir, "--format", formats] + case_args(case)
    cmd += list(extra)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                       cwd=os.path.join(FIXTURES, case))
    return r


class DeltasTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ibsr-report-deltas-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def rows_of(self, case):
        out = os.path.join(self.tmp, case)
        r = report(case, out, "json,csv,deltas", "--host-id", "host-1")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        rows = schema_check.validate_lines(os.path.join(out, "deltas.jsonl"), SCHEMA)
        with open(os.path.join(out, "evidence.csv")) as f:
            evidence = {row["source"]: row for row in csv.DictReader(f)}
        return out, rows, evidence

    def test_rows_add_up_to_the_report_totals(self):
        checked = 0
        for case in REPORTED:
            with self.subTest(case=case):
                _, rows, evidence = self.rows_of(case)
                sums = collections.defaultdict(lambda: [0, 0, 0])
                for row in rows:
                    self.assertEqual(row["host"], "host-1")
                    for s in (row["syn"], row["ack"], row["handshake_ack"], row["rst"],
                              row["packets"], row["bytes"]):
                        self.assertGreaterEqual(s, 0)
                    self.assertTrue(any(row[c] for c in ("syn", "ack", "handshake_ack", "rst",
                                                         "packets", "bytes")), row)
                    t = sums[evidence_source(row)]
                    t[0] += row["packets"]
                    t[1] += row["bytes"]
                    t[2] += row["syn"]
                for source, e in evidence.items():
                    want = [int(e["packets"]), int(e["bytes"]), int(e["syn"])]
                    self.assertEqual(sums.get(source, [0, 0, 0]), want, source)
                self.assertLessEqual(set(sums), set(evidence))
                checked += len(rows)
        self.assertGreater(checked, 500)

    def test_windows_tile_each_stream(self):
        # Every row lies in its window, and a stream's windows follow each other without gaps or
        # overlaps: the grouping key the SQL uses is the report's own window.
        for case in REPORTED:
            with self.subTest(case=case):
                _, rows, _ = self.rows_of(case)
                windows = collections.defaultdict(set)
                for row in rows:
                    self.assertLessEqual(row["window_start"], row["ts"] - row["interval_sec"])
                    self.assertLessEqual(row["ts"], row["window_end"])
                    windows[row["stream"]].add((row["window_start"], row["window_end"]))
                for stream, spans in windows.items():
                    spans = sorted(spans)
                    for (_, end), (start, _) in zip(spans, spans[1:]):
                        self.assertLessEqual(end, start, (stream, spans))

    def test_streams_are_named_as_the_report_names_them(self):
        _, rows, _ = self.rows_of("mixed_families")
        self.assertEqual(sorted({r["stream"] for r in rows}),
                         ["input/host-a IPv6 run a6", "input/host-a run a4",
                          "input/host-b IPv6 run b6"])
        self.assertEqual({r["allowlisted"] for r in rows}, {0, 1})
        self.assertEqual({r["key_type"] for r in rows}, {"src_ip", "src_ip6", "src_net6"})
        _, rows, _ = self.rows_of("backwards_split")
        self.assertEqual(sorted({r["stream"] for r in rows}), ["input", "input part 2"])

    def test_default_host_is_the_stream_directory(self):
        out = os.path.join(self.tmp, "default-host")
        r = report("two_streams", out, "deltas")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(os.path.join(out, "deltas.jsonl")) as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual(sorted({(r["host"], r["stream"]) for r in rows}),
                         [("input/host-a", "input/host-a"), ("input/host-b", "input/host-b")])
        self.assertEqual(sorted(os.listdir(out)), ["deltas.jsonl"])

    def test_other_outputs_are_unchanged(self):
        for case in ("mixed_families", "two_streams", "counter_reset"):
            with self.subTest(case=case):
                a, b = os.path.join(self.tmp, case + "-a"), os.path.join(self.tmp, case + "-b")
                self.assertEqual(report(case, a, "md,json,csv,nft").returncode, 0)
                self.assertEqual(report(case, b, "md,json,csv,nft,deltas").returncode, 0)
                self.assertEqual(sorted(os.listdir(b)), sorted(os.listdir(a) + ["deltas.jsonl"]))
                for name in os.listdir(a):
                    with open(os.path.join(a, name), "rb") as fa, \
                            open(os.path.join(b, name), "rb") as fb:
                        self.assertEqual(fa.read(), fb.read(), name)

    def test_stdout_carries_exactly_the_rows(self):
        out, _, _ = self.rows_of("mixed_families")
        with open(os.path.join(out, "deltas.jsonl"), "rb") as f:
            want = f.read()
        r = report("mixed_families", os.path.join(self.tmp, "piped"), "json,csv,deltas",
                   "--host-id", "host-1", "--deltas-out", "-")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout, want)
        self.assertIn(b"deltas: stdout (%d rows)" % want.count(b"\n"), r.stderr)
        self.assertIn(b"verdict: ", r.stderr)
        self.assertNotIn("deltas.jsonl", os.listdir(os.path.join(self.tmp, "piped")))

    def test_deltas_out_path(self):
        path = os.path.join(self.tmp, "elsewhere.jsonl")
        r = report("syn_flood", os.path.join(self.tmp, "o"), "deltas", "--deltas-out", path)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn(("deltas: %s (" % path).encode(), r.stdout)
        self.assertEqual(os.listdir(self.tmp).count("elsewhere.jsonl.tmp"), 0)
        self.assertGreater(os.path.getsize(path), 0)

    def test_misuse_is_a_usage_error(self):
        for extra, msg in ((["--host-id", "h"], "--host-id: only applies to --format deltas"),
                           (["--deltas-out", "-"], "--deltas-out: only applies to --format deltas")):
            r = report("syn_flood", os.path.join(self.tmp, "x"), "json", *extra)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(r.stderr.decode().strip().splitlines(),
                             ["ibsr-report: %s (run 'ibsr-report --help')" % msg])

    def test_unwritable_path_is_a_clear_error(self):
        r = report("syn_flood", os.path.join(self.tmp, "y"), "deltas", "--deltas-out",
                   os.path.join(self.tmp, "missing", "d.jsonl"))
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"cannot create", r.stderr)
        self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1)

    def test_altered_rows_fail_the_schema(self):
        _, rows, _ = self.rows_of("syn_flood")
        for change in ({"v": 2}, {"dst_port": 70000}, {"key_type": "ip"}, {"syn": -1}):
            bad = dict(rows[0], **change)
            with self.assertRaises(AssertionError):
                schema_check.validate(bad, SCHEMA)
        missing = dict(rows[0])
        del missing["window_end"]
        with self.assertRaises(AssertionError):
            schema_check.validate(missing, SCHEMA)


if __name__ == "__main__":
    unittest.main()
