#!/usr/bin/env python3
"""Every summary.json and rules.json golden under tests/fixtures/report validates against its
schema in docs/schemas/ (the goldens are byte-compared with the program's output by
test_golden.py, so this checks the real output). Altered copies must fail, so the check can.
The one-line JSON examples in the docs validate too, so the docs cannot drift from the schemas
(the collectors' real lines are checked in their own integration tests)."""
import copy
import glob
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import schema_check  # noqa: E402

SRC = os.environ.get("IBSR_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(SRC, "tests", "fixtures", "report")
SCHEMAS = {"summary.json": "report-summary-v1.schema.json",
           "rules.json": "report-rules-v3.schema.json"}


def goldens(name):
    paths = sorted(glob.glob(os.path.join(FIXTURES, "*", "expected", name)))
    out = []
    for p in paths:
        with open(p) as f:
            out.append((p, json.load(f)))
    return out


class ReportSchemaTest(unittest.TestCase):
    def check_all(self, name):
        schema = schema_check.load(SCHEMAS[name])
        docs = goldens(name)
        # Every case that succeeds writes both files: 18 cases today (a new one adds to this), one
        # of them (rpc_harness) with the application layer: summary v2, rules v4.
        self.assertEqual(len(docs), 18)
        self.assertEqual(sum(1 for _, d in docs if d.get("summary_version", d.get("version"))
                             in (2, 4)), 1)
        for path, doc in docs:
            with self.subTest(path=os.path.relpath(path, FIXTURES)):
                schema_check.validate(doc, schema)

    def test_every_summary_golden_validates(self):
        self.check_all("summary.json")

    def test_every_rules_golden_validates(self):
        self.check_all("rules.json")

    def test_goldens_cover_the_optional_and_nullable_fields(self):
        # The schema's optional parts are exercised by real output, not only declared.
        summaries = [doc for _, doc in goldens("summary.json")]
        self.assertTrue(any(s["config"]["min_observation_sec"] is None for s in summaries))
        self.assertTrue(any(s["config"]["min_observation_sec"] is not None for s in summaries))
        self.assertTrue(any("streams" in s["data_quality"] for s in summaries))
        self.assertTrue(any(s["fp_bound"]["pct"] is None for s in summaries))
        sources = [src for s in summaries for src in s["blocked_or_allowlisted_sources"]]
        self.assertTrue(any("episodes" not in src for src in sources))
        self.assertTrue(any(src["abuse_class"] is None for src in sources))
        self.assertTrue(any(r["exceptions"] for _, r in goldens("rules.json")))
        # IPv6: per-family counts, IPv6 streams, every IPv6 key and exception type.
        self.assertTrue(any("by_family" in s for s in summaries))
        self.assertTrue(any(st.get("family") == "ipv6" for s in summaries
                            for st in s["data_quality"].get("streams", [])))
        rules = [r for _, r in goldens("rules.json")]
        trigger_types = {t["key_type"] for r in rules for t in r["triggers"]}
        self.assertTrue({"src_ip", "src_ip6", "src_net6"} <= trigger_types, trigger_types)
        exception_types = {e["key_type"] for r in rules for e in r["exceptions"]}
        self.assertTrue({"src_ip", "src_cidr", "src_ip6", "src_net6"} <= exception_types)

    def assert_rejected(self, doc, schema_name, message):
        with self.assertRaises(AssertionError) as cm:
            schema_check.validate(doc, schema_check.load(schema_name))
        self.assertIn(message, str(cm.exception))

    def test_altered_documents_fail(self):
        path = os.path.join(FIXTURES, "two_streams", "expected", "summary.json")
        with open(path) as f:
            good = json.load(f)
        name = SCHEMAS["summary.json"]
        bad = copy.deepcopy(good)
        bad["config"]["min_observation_sec"] = "3600"
        self.assert_rejected(bad, name, "$.config.min_observation_sec: '3600' is not")
        bad = copy.deepcopy(good)
        bad["fp_bound"]["known"] = None
        self.assert_rejected(bad, name, "$.fp_bound.known: None is not boolean")
        bad = copy.deepcopy(good)
        del bad["totals"]["syn"]
        self.assert_rejected(bad, name, "$.totals: missing syn")
        bad = copy.deepcopy(good)
        bad["totals"]["extra"] = 1
        self.assert_rejected(bad, name, "$.totals: unexpected extra")
        bad = copy.deepcopy(good)
        bad["input"] = dict(reversed(list(bad["input"].items())))
        self.assert_rejected(bad, name, "$.input: key order")
        bad = copy.deepcopy(good)
        bad["blocked_or_allowlisted_sources"][0]["episodes"][0]["kind"] = "SYN_FLOOD"
        self.assert_rejected(bad, name, "episodes[0].kind: 'SYN_FLOOD' not one of")
        bad = copy.deepcopy(good)
        bad["data_quality"]["streams"][1]["run_id"] = 7
        self.assert_rejected(bad, name, "$.data_quality.streams[1].run_id: 7 is not")
        bad = copy.deepcopy(good)
        bad["top_offenders"] = ["203.0.113.66"]
        self.assert_rejected(bad, name, "$.top_offenders[0]")
        rules = json.loads(json.dumps(goldens("rules.json")[0][1]))
        rules["version"] = 2
        self.assert_rejected(rules, SCHEMAS["rules.json"], "$.version: 2 not one of [3, 4]")

    def test_altered_ipv6_documents_fail(self):
        path = os.path.join(FIXTURES, "mixed_families", "expected", "summary.json")
        with open(path) as f:
            good = json.load(f)
        name = SCHEMAS["summary.json"]
        schema_check.validate(good, schema_check.load(name))
        src = [i for i, s in enumerate(good["blocked_or_allowlisted_sources"])
               if s["key_type"] == "src_net6"][0]
        for field, value, message in [
                ("key_value", "2001:DB8:0:BAD::/64", "key_value: '2001:DB8:0:BAD::/64' !~"),  # not RFC 5952
                ("key_value", "2001:db8:0:bad::/128", "key_value: '2001:db8:0:bad::/128' !~"),
                ("key_type", "src_cidr6", "key_type: 'src_cidr6' not one of"),
                ("source", "2001:db8:0:bad::/64:443", "source: '2001:db8:0:bad::/64:443' !~")]:
            bad = copy.deepcopy(good)
            bad["blocked_or_allowlisted_sources"][src][field] = value
            self.assert_rejected(bad, name, message)
        bad = copy.deepcopy(good)
        del bad["by_family"]["ipv6"]["blocked_syn"]
        self.assert_rejected(bad, name, "$.by_family.ipv6: missing blocked_syn")
        bad = copy.deepcopy(good)
        bad["data_quality"]["streams"][0]["family"] = "ipv4"
        self.assert_rejected(bad, name, "$.data_quality.streams[0].family: 'ipv4' != 'ipv6'")
        bad = copy.deepcopy(good)
        bad["by_family"] = dict(reversed(list(bad["by_family"].items())))
        self.assert_rejected(bad, name, "$.by_family: key order")


# (doc, how an example line starts, its schema)
DOC_EXAMPLES = [
    ("collect.md", '{"version":3,', "snapshot-v3.schema.json"),
    ("collect.md", '{"version":5,', "snapshot6-v5.schema.json"),
    ("collect.md", '{"timestamp":', "collect-status.schema.json"),
    ("collect-payload.md", '{"version":1,"kind":"payload"', "payload-v1.schema.json"),
    ("collect-payload.md", '{"timestamp":', "collect-payload-status.schema.json"),
    ("record-incident.md", '{"timestamp":', "record-incident-status.schema.json"),
]


class DocExamplesTest(unittest.TestCase):
    def test_documented_lines_validate(self):
        for doc, start, schema_name in DOC_EXAMPLES:
            with open(os.path.join(SRC, "docs", doc)) as f:
                blocks = re.findall(r"```json\n(.*?)```", f.read(), re.S)
            lines = [l for b in blocks for l in b.splitlines() if l.startswith(start)]
            with self.subTest(doc=doc, schema=schema_name):
                self.assertEqual(len(lines), 1)
                schema_check.validate(json.loads(lines[0]), schema_check.load(schema_name))


if __name__ == "__main__":
    unittest.main()
