#!/usr/bin/python3
"""ibsr-report fleet on a fleet exported by the real ibsr-export to a local S3 server (Swift +
s3api on 127.0.0.1), and on a local copy laid out like the bucket.

The fleet: host-a and host-b are both SYN-flooded by 198.51.100.7, host-c is healthy, host-d's
collector was down for half an hour (a gap in its snapshots) and its heartbeat stopped an hour
before the others'. Every host's report must be byte-identical to `ibsr-report --input` on that
host's own files, the index must name exactly the shared source and the unhealthy host, and a
rerun must upload nothing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from s3_server import S3Server  # noqa: E402
import fleet_data  # noqa: E402
import schema_check  # noqa: E402

SOURCE_DIR = os.environ.get("IBSR_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
BUILD_DIR = os.environ.get("IBSR_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
REPORT = os.path.join(BUILD_DIR, "src/report/ibsr-report")
EXPORT = os.path.join(BUILD_DIR, "src/export/ibsr-export")
BUCKET = "fleet"
ATTACKER = "198.51.100.7"
PERIOD = "2026120100-2026120102"  # 120 one-minute snapshots from 2026-12-01T00:01:00Z
HOSTS = {
    "host-a": dict(attackers=[ATTACKER]),
    "host-b": dict(attackers=[ATTACKER]),
    "host-c": {},
    "host-d": dict(gap=(40, 70), heartbeat_minutes=60),
}
REPORT_FILES = ["evidence.csv", "report.html", "report.md", "rules.json", "summary.json"]
INDEX_FILES = ["fleet.json", "fleet.md", "index.html"]
SUMMARY = re.compile(r"^ibsr-report fleet: hosts=(\d+) failed=(\d+) heartbeat_stopped=(\d+) "
                     r"shared_sources=(\d+) uploaded=(\d+) skipped=(\d+)$", re.M)


class FleetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for binary in (REPORT, EXPORT):
            if not os.access(binary, os.X_OK):
                raise RuntimeError("not built: " + binary)
        cls.root = tempfile.mkdtemp(prefix="ibsr-fleet-it-")
        cls.server = S3Server(cls.root)
        try:
            cls.server.start()
            cls.env = dict(os.environ)
            for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE",
                      "AWS_CONFIG_FILE"):
                cls.env.pop(k, None)
            cls.env.update(cls.server.env)
            cls.env["HOME"] = cls.root
            status, body = cls.server.curl("PUT", "/" + BUCKET, os.path.join(cls.root, "c.out"))
            assert status == 200, body
            cls.collectors = os.path.join(cls.root, "collectors")
            hour_ago = time.time() - 3600
            for i, (host, kw) in enumerate(sorted(HOSTS.items())):
                fleet_data.write_collector_dir(cls.dir_of(host), i + 1, 120, legit=12,
                                               mtime=hour_ago, **kw)
                cls.export(host, cls.dir_of(host), "ibsr")
        except BaseException:
            cls.server.stop()
            shutil.rmtree(cls.root, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    @classmethod
    def dir_of(cls, host):
        # Named "snapshots" like a collector's out-dir: status lands at status/snapshots/.
        return os.path.join(cls.collectors, host, "snapshots")

    @classmethod
    def export(cls, host, source, prefix):
        r = subprocess.run([EXPORT, "s3", "--bucket", BUCKET, "--endpoint", cls.server.endpoint,
                            "--prefix", prefix, "--host-id", host, "--input", source,
                            "--state-file", os.path.join(cls.root, "state-%s-%s.json" % (prefix, host))],
                           env=cls.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        assert " failed=0 " in r.stdout, r.stdout

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="case-", dir=self.root)
        self.addCleanup(shutil.rmtree, self.work, True)

    # ---------------------------------------------------------------- helpers
    def fleet(self, *args, rc=0):
        r = subprocess.run([REPORT, "fleet"] + list(args), env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=600)
        self.assertEqual(r.returncode, rc, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        return r

    def summary(self, stdout):
        m = SUMMARY.search(stdout)
        self.assertIsNotNone(m, stdout)
        return dict(zip(("hosts", "failed", "heartbeat_stopped", "shared_sources", "uploaded",
                         "skipped"), map(int, m.groups())))

    def get(self, key):
        status, body = self.server.curl("GET", "/%s/%s" % (BUCKET, urllib.parse.quote(key)),
                                        os.path.join(self.work, "get.out"))
        self.assertEqual(status, 200, "GET %s: %r" % (key, body[:200]))
        return body

    def keys(self, prefix):
        status, body = self.server.curl("GET", "/" + BUCKET, os.path.join(self.work, "list.out"))
        self.assertEqual(status, 200)
        keys = re.findall(r"<Key>([^<]*)</Key>", body.decode())
        self.assertLess(len(keys), 1000, "one listing page must hold the whole test bucket")
        return sorted(k for k in keys if k.startswith(prefix))

    def local_report(self, host):
        """The reference: ibsr-report on that host's own files, nothing else."""
        out = os.path.join(self.work, "local", host)
        r = subprocess.run([REPORT, "--input", self.dir_of(host), "-o", out],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        files = {}
        for name in REPORT_FILES:
            with open(os.path.join(out, name), "rb") as f:
                files[name] = f.read()
        return files

    def check_index(self, index, source):
        schema_check.validate(index, schema_check.load("fleet-v1.schema.json"))
        self.assertEqual(index["source"], source)
        self.assertEqual(index["period"], PERIOD)
        self.assertEqual([h["host"] for h in index["hosts"]], sorted(HOSTS))
        by_host = {h["host"]: h for h in index["hosts"]}
        # The shared source: exactly 198.51.100.7, on exactly host-a and host-b.
        self.assertEqual(len(index["shared_sources"]), 1, index["shared_sources"])
        shared = index["shared_sources"][0]
        self.assertEqual((shared["key_type"], shared["key_value"], shared["host_count"]),
                         ("src_ip", ATTACKER, 2))
        self.assertEqual([(h["host"], h["dst_port"], h["abuse_class"], h["episodes"])
                          for h in shared["hosts"]],
                         [("host-a", 8899, "SYN_FLOOD_LIKE", 1), ("host-b", 8899, "SYN_FLOOD_LIKE", 1)])
        for host in ("host-a", "host-b", "host-c"):
            self.assertEqual(by_host[host]["status"], "ok", by_host[host])
            self.assertEqual(by_host[host]["gaps"], [])
            self.assertEqual(by_host[host]["heartbeat"]["last"], "2026-12-01T02:00:00Z")
        self.assertEqual(by_host["host-c"]["blocked_sources"], [])
        self.assertEqual([s["key_value"] for s in by_host["host-a"]["blocked_sources"]], [ATTACKER])
        d = by_host["host-d"]
        self.assertEqual(d["status"], "heartbeat_stopped")
        self.assertEqual(d["problems"], ["heartbeat_stopped", "gaps"])
        self.assertEqual(d["heartbeat"], {"status_file": "status/snapshots/status.jsonl",
                                          "last": "2026-12-01T01:00:00Z", "age_sec": 3600,
                                          "stopped": True})
        # Minutes 40..70 are missing: the last snapshot before is minute 39, the next minute 71.
        self.assertEqual(d["gaps"], [{"stream": ".", "after": "2026-12-01T00:39:00Z",
                                      "before": "2026-12-01T01:11:00Z", "missing_sec": 1920,
                                      "interval_sec": 60}])
        self.assertEqual(index["counts"], {"hosts": 4, "ok": 3, "failed": 0, "heartbeat_stopped": 1,
                                           "with_gaps": 1, "shared_sources": 1})
        return by_host

    # ---------------------------------------------------------------- tests
    def test_bucket_upload_identical_reports_and_idempotent_rerun(self):
        out = os.path.join(self.work, "out")
        args = ["--input", "s3://%s/ibsr" % BUCKET, "--endpoint", self.server.endpoint, "--upload",
                "-o", out, "--heartbeat-stale-sec", "1800", "--jobs", "2"]
        r = self.fleet(*args)
        self.assertEqual(self.summary(r.stdout),
                         {"hosts": 4, "failed": 0, "heartbeat_stopped": 1, "shared_sources": 1,
                          "uploaded": 4 * len(REPORT_FILES) + len(INDEX_FILES), "skipped": 0})
        for host in HOSTS:
            expected = self.local_report(host)
            folder = "ibsr/%s/reports/%s/" % (host, PERIOD)
            self.assertEqual(self.keys(folder), [folder + n for n in REPORT_FILES])
            for name, data in expected.items():
                self.assertEqual(self.get(folder + name), data, "%s %s in the bucket" % (host, name))
                with open(os.path.join(out, host, "reports", PERIOD, name), "rb") as f:
                    self.assertEqual(f.read(), data, "%s %s in -o" % (host, name))
        self.assertEqual(self.keys("ibsr/_fleet/"),
                         ["ibsr/_fleet/%s/%s" % (PERIOD, n) for n in INDEX_FILES])
        index = json.loads(self.get("ibsr/_fleet/%s/fleet.json" % PERIOD))
        by_host = self.check_index(index, "s3://%s/ibsr" % BUCKET)
        self.assertEqual(by_host["host-a"]["report"], "s3://%s/ibsr/host-a/reports/%s/" % (BUCKET, PERIOD))
        self.assertEqual(index["heartbeat_reference_from"], "newest heartbeat")
        html = self.get("ibsr/_fleet/%s/index.html" % PERIOD).decode()
        self.assertIn(ATTACKER, html)
        self.assertIsNone(re.search(r"(src=|https?://|@import)", html), "index.html must be offline")
        md = self.get("ibsr/_fleet/%s/fleet.md" % PERIOD).decode()
        self.assertIn("**%s** (src_ip), 2 hosts" % ATTACKER, md)
        all_keys = self.keys("ibsr/")

        # The rerun: the reports/ and _fleet/ folders written above are not hosts and not input,
        # every byte is the same, so nothing is sent.
        r = self.fleet(*args)
        self.assertEqual(self.summary(r.stdout)["uploaded"], 0)
        self.assertEqual(self.summary(r.stdout)["skipped"], 4 * len(REPORT_FILES) + len(INDEX_FILES))
        self.assertEqual(self.keys("ibsr/"), all_keys)

    def test_corrupt_host_fails_and_the_others_go_on(self):
        bad = os.path.join(self.work, "bad", "snapshots")
        fleet_data.write_collector_dir(bad, 9, 30, mtime=time.time() - 3600)
        with open(os.path.join(bad, "snapshot_2026120100.jsonl"), "a") as f:
            f.write('{"version":99,"ts_unix_sec":1796085100,"dst_ports":[8899],"buckets":[]}\n')
        hour_ago = time.time() - 3600  # else ibsr-export holds the file back as still written
        os.utime(os.path.join(bad, "snapshot_2026120100.jsonl"), (hour_ago, hour_ago))
        self.export("bad", bad, "mixed")
        self.export("host-c", self.dir_of("host-c"), "mixed")
        out = os.path.join(self.work, "out")
        r = self.fleet("--input", "s3://%s/mixed" % BUCKET, "--endpoint", self.server.endpoint,
                       "-o", out, rc=1)
        self.assertEqual(self.summary(r.stdout)["failed"], 1)
        self.assertRegex(r.stderr, r"(?m)^ibsr: error: bad: failed: the report exited with 1 \(last: .*"
                         r"unsupported snapshot schema version 99")
        with open(os.path.join(out, "_fleet", PERIOD, "fleet.json")) as f:
            index = json.load(f)
        schema_check.validate(index, schema_check.load("fleet-v1.schema.json"))
        bad_host, good = index["hosts"]
        self.assertEqual((bad_host["host"], bad_host["status"], bad_host["verdict"]), ("bad", "failed", None))
        self.assertEqual(bad_host["error"], "the report exited with 1")
        tail = "\n".join(bad_host["stderr_tail"])
        self.assertIn("snapshot_2026120100.jsonl:31: unsupported snapshot schema version 99", tail)
        self.assertNotIn("/ibsr-fleet-", tail)  # never a scratch path: it would change per run
        self.assertEqual((good["host"], good["status"]), ("host-c", "ok"))
        expected = self.local_report("host-c")
        for name, data in expected.items():
            with open(os.path.join(out, "host-c", "reports", PERIOD, name), "rb") as f:
                self.assertEqual(f.read(), data)
        self.assertFalse(os.path.exists(os.path.join(out, "bad")))

    def test_local_root(self):
        root = os.path.join(self.work, "synced", "ibsr")
        for host in HOSTS:
            fleet_data.local_layout(root, host, self.dir_of(host))
        # Reports written into the root itself, next to the snapshots, as in the bucket.
        args = ["--input", root, "-o", root, "--heartbeat-stale-sec", "1800"]
        r = self.fleet(*args)
        self.assertEqual(self.summary(r.stdout)["uploaded"], 0)
        for host in HOSTS:
            for name, data in self.local_report(host).items():
                with open(os.path.join(root, host, "reports", PERIOD, name), "rb") as f:
                    self.assertEqual(f.read(), data, host + " " + name)
        index_path = os.path.join(root, "_fleet", PERIOD, "fleet.json")
        with open(index_path, "rb") as f:
            first = f.read()
        by_host = self.check_index(json.loads(first), root)
        self.assertEqual(by_host["host-b"]["report"], os.path.join(root, "host-b", "reports", PERIOD) + "/")
        # Again: _fleet/ and HOST/reports/ now exist in the root; neither is a host nor input.
        self.fleet(*args)
        with open(index_path, "rb") as f:
            self.assertEqual(f.read(), first)
        # --now moves the reference: at 02:20, host-a's heartbeat (02:00) is 1200 s old.
        self.fleet("--input", root, "-o", root, "--now", "2026-12-01T02:20:00Z",
                   "--heartbeat-stale-sec", "1000")
        with open(index_path) as f:
            index = json.load(f)
        self.assertEqual(index["heartbeat_reference_from"], "--now")
        self.assertEqual(index["counts"]["heartbeat_stopped"], 4)

    def test_payload_folder_adds_the_application_layer(self):
        """A host whose collect-payload out-dir was exported too (HOST/payload/): its report has
        the application layer, in the bucket and in a local root alike, and it is the report of
        the same files read directly (the rpc_harness golden)."""
        fixture = os.path.join(SOURCE_DIR, "tests", "fixtures", "report", "rpc_harness")
        with open(os.path.join(fixture, "args")) as f:
            report_args = [line.strip() for line in f if line.strip()]
        with open(os.path.join(fixture, "expected", "evidence_rpc.csv"), "rb") as f:
            want_csv = f.read()
        counters = os.path.join(self.work, "rpc-host", "snapshots")
        payload = os.path.join(self.work, "rpc-host", "snapshots-payload")
        os.makedirs(counters)
        os.makedirs(payload)
        for name in os.listdir(os.path.join(fixture, "input", "counters")):
            shutil.copy(os.path.join(fixture, "input", "counters", name), counters)
        for name in os.listdir(os.path.join(fixture, "input")):
            if name.startswith("payload_"):
                shutil.copy(os.path.join(fixture, "input", name), payload)
        hour_ago = time.time() - 3600  # closed files: the exporter uploads them
        for d in (counters, payload):
            for name in os.listdir(d):
                os.utime(os.path.join(d, name), (hour_ago, hour_ago))
        self.export("rpc-host", counters, "ibsr-rpc")
        self.export("rpc-host", payload, "ibsr-rpc")
        self.assertEqual(self.keys("ibsr-rpc/rpc-host/payload/"),
                         ["ibsr-rpc/rpc-host/payload/payload_2026120322.jsonl"])

        local_root = os.path.join(self.work, "synced")
        shutil.copytree(counters, os.path.join(local_root, "rpc-host", "snapshots"))
        shutil.copytree(payload, os.path.join(local_root, "rpc-host", "payload"))
        for source in ("s3://%s/ibsr-rpc" % BUCKET, local_root):
            out = os.path.join(self.work, "out-" + str(len(source)))
            extra = ["--endpoint", self.server.endpoint] \
                if source.startswith("s3://") else []
            self.fleet("--input", source, "-o", out, *extra, *report_args)
            reports = os.path.join(out, "rpc-host", "reports", "2026120322-2026120322")
            with open(os.path.join(reports, "evidence_rpc.csv"), "rb") as f:
                self.assertEqual(f.read(), want_csv, source)
            with open(os.path.join(reports, "summary.json")) as f:
                app = json.load(f)["application_layer"]
            self.assertEqual(app["abuse"]["blocked_sources"], 5, source)
            self.assertEqual(app["input"]["files"], ["payload_2026120322.jsonl"], source)

    def test_usage_errors(self):
        root = os.path.join(self.work, "empty")
        os.makedirs(os.path.join(root, "not-a-host", "status"))
        cases = [
            (["-o", root], 2, "--input"),
            (["--input", root], 2, "nothing to write"),
            (["--input", root, "--upload"], 2, "--upload needs an s3://"),
            (["--input", root, "-o", root, "--output-dir", "x"], 2, "its own input and output"),
            (["--input", root, "-o", root, "--format", "md"], 2, "include json"),
            (["--input", root, "-o", root, "--window-sec", "0"], 2, "--window-sec"),
            (["--input", root, "-o", root], 1, "no host under"),
            (["--input", root + "/missing", "-o", root], 1, "is not a directory"),
        ]
        for args, rc, text in cases:
            r = self.fleet(*args, rc=rc)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            self.assertIn(text, r.stderr)


if __name__ == "__main__":
    unittest.main()
