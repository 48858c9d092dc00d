#!/usr/bin/python3
"""ibsr-report --input s3://... against the local S3 server (Swift + s3api on 127.0.0.1).

Two hosts' snapshot files (IPv4 + IPv6, plain/.gz/.zst) are uploaded with the real ibsr-export
(--prefix, --host-id), then downloaded key by key with an independent client (curl --aws-sigv4)
into BUCKET/KEY under a local directory: every report read from S3 must be byte for byte the
report of the same command on that download. The server, the proxy and the temporary
directories are removed even when a test fails.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from s3_server import S3Server  # noqa: E402
import s3_fixture  # noqa: E402

SOURCE_DIR = os.environ.get("IBSR_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
BUILD_DIR = os.environ.get("IBSR_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
REPORT = os.path.join(BUILD_DIR, "src/report/ibsr-report")
EXPORT = os.path.join(BUILD_DIR, "src/export/ibsr-export")
BUCKET = "fleet-bucket"
FORMATS = "md,html,json,csv,nft"
OUTPUTS = ("report.md", "report.html", "summary.json", "rules.json", "evidence.csv", "rules.nft")


class ReportS3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for binary in (REPORT, EXPORT):
            if not os.access(binary, os.X_OK):
                raise RuntimeError("not built: " + binary)
        cls.root = tempfile.mkdtemp(prefix="ibsr-report-s3-")
        # Class cleanups run also when setUpClass fails half-way (last added runs first).
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.server = S3Server(cls.root)
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()  # on a port of its own (S3Server.start)
        cls._upload_fleet()

    @classmethod
    def env(cls, **extra):
        return cls.server.client_env(cls.root, **extra)

    @classmethod
    def curl(cls, method, path):
        return cls.server.curl(method, path, os.path.join(cls.root, "curl.out"))

    @classmethod
    def _upload_fleet(cls):
        status, body = cls.curl("PUT", "/" + BUCKET)
        assert status == 200, body
        cls.names = {}
        for i, host in enumerate(s3_fixture.HOSTS):
            src = os.path.join(cls.root, "collector", host)
            cls.names[host] = s3_fixture.write_host(src, i)
            r = subprocess.run([EXPORT, "s3", "--bucket", BUCKET, "--endpoint", cls.server.endpoint,
                                "--prefix", "fleet", "--host-id", host, "--input", src,
                                "--min-age-sec", "0",
                                "--state-file", os.path.join(cls.root, host + "-state.json")],
                               env=cls.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=300)
            assert r.returncode == 0, r.stdout + r.stderr
        # The bucket as the exporter laid it out, downloaded by another client into BUCKET/KEY.
        cls.mirror = os.path.join(cls.root, "mirror")
        status, body = cls.curl("GET", "/" + BUCKET)
        assert status == 200, body
        cls.keys = sorted(re.findall(r"<Key>([^<]*)</Key>", body.decode()))
        for key in cls.keys:
            path = os.path.join(cls.mirror, BUCKET, key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            status, data = cls.curl("GET", "/%s/%s" % (BUCKET, urllib.parse.quote(key)))
            assert status == 200, key
            with open(path, "wb") as f:
                f.write(data)

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="case-", dir=self.root)
        self.addCleanup(shutil.rmtree, self.work, True)

    # ---------------------------------------------------------------- helpers
    def report(self, inputs, *extra, cwd=None, endpoint=None, env=None):
        cmd = [REPORT]
        for i in inputs:
            cmd += ["--input", i]
        cmd += ["-o", "out", "--format", FORMATS, "--min-observation-sec", "0",
                "--endpoint", endpoint or self.server.endpoint] + list(extra)
        return subprocess.run(cmd, cwd=cwd or self.work, env=env or self.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=600)

    def outputs(self, cwd):
        result = {}
        for name in OUTPUTS:
            with open(os.path.join(cwd, "out", name), "rb") as f:
                result[name] = f.read()
        return result

    def assert_same_as_local(self, s3_inputs, local_inputs, *extra):
        """Runs the report on S3 and on the download; returns the outputs (asserted equal)."""
        local_cwd = tempfile.mkdtemp(dir=self.work)
        os.symlink(os.path.join(self.mirror, BUCKET), os.path.join(local_cwd, BUCKET))
        s3_cwd = tempfile.mkdtemp(dir=self.work)
        os.symlink(os.path.join(self.mirror, BUCKET), os.path.join(s3_cwd, BUCKET))
        local = self.report(local_inputs, *extra, cwd=local_cwd)
        self.assertEqual(local.returncode, 0, local.stderr)
        remote = self.report(s3_inputs, *extra, "-v", cwd=s3_cwd)
        self.assertEqual(remote.returncode, 0, remote.stderr)
        self.assertEqual(remote.stdout, local.stdout)
        got, want = self.outputs(s3_cwd), self.outputs(local_cwd)
        for name in OUTPUTS:
            self.assertEqual(got[name], want[name], "%s differs between S3 and local" % name)
        self.last_stderr = remote.stderr
        return got

    def summary(self, outputs):
        return json.loads(outputs["summary.json"])

    def all_files(self):
        return sorted("%s/snapshots/%s" % (h, n) for h in s3_fixture.HOSTS for n in self.names[h])

    # ---------------------------------------------------------------- tests
    def test_whole_prefix_is_byte_identical_to_the_download(self):
        got = self.assert_same_as_local(["s3://%s/fleet/" % BUCKET], ["%s/fleet/" % BUCKET])
        s = self.summary(got)
        self.assertEqual(s["input"]["files"], self.all_files())
        streams = [(st["dir"], st.get("family", "ipv4")) for st in s["data_quality"]["streams"]]
        self.assertEqual(sorted(streams), sorted(
            ("%s/fleet/%s/snapshots" % (BUCKET, h), fam) for h in s3_fixture.HOSTS
            for fam in ("ipv4", "ipv6")))
        # The shared flood source is blocked, in both families.
        self.assertIn(b"203.0.113.66", got["rules.nft"])
        self.assertIn(b"2001:db8:ffff::66", got["rules.nft"])

    def test_one_host_folder_without_slash_and_small_chunks(self):
        # 1 MiB chunks: the large object is read in several ranged GETs.
        got = self.assert_same_as_local(["s3://%s/fleet/host-a/snapshots" % BUCKET],
                                        ["%s/fleet/host-a/snapshots" % BUCKET],
                                        "--s3-chunk-mib", "1")
        self.assertEqual(self.summary(got)["input"]["files"], self.names["host-a"])
        big = [k for k in self.keys if k.endswith(s3_fixture.hour_name("snapshot_", 0))][0]
        size = os.path.getsize(os.path.join(self.mirror, BUCKET, big))
        self.assertGreater(size, 2 << 20)

    def test_single_objects_and_mixed_local_inputs(self):
        a = "fleet/host-a/snapshots/" + self.names["host-a"][1]
        b = "fleet/host-b/snapshots/" + self.names["host-b"][2]
        got = self.assert_same_as_local(
            ["s3://%s/%s" % (BUCKET, a), "%s/fleet/host-b/snapshots/" % BUCKET],
            ["%s/%s" % (BUCKET, a), "%s/fleet/host-b/snapshots/" % BUCKET])
        self.assertEqual(self.summary(got)["input"]["files"],
                         [os.path.basename(a)] + self.names["host-b"])
        self.assertIn(b, ["fleet/host-b/snapshots/" + n for n in self.names["host-b"]])

    def test_from_to_selects_hours_by_name(self):
        # Hours 1 and 2 of 4: [T0+1h, T0+3h).
        got = self.assert_same_as_local(["s3://%s/fleet" % BUCKET], ["%s/fleet" % BUCKET],
                                        "--from", "2025-01-15T11Z", "--to", "1736946000", "-vv")
        files = self.summary(got)["input"]["files"]
        self.assertEqual(files, [f for f in self.all_files() if "2025011511" in f or
                                 "2025011512" in f])
        self.assertEqual(len(files), 8)
        # Each folder's hourly objects are listed from a marker at the first hour.
        markers = re.findall(r"marker=([^&\s]+)", self.last_stderr)
        for host in s3_fixture.HOSTS:
            self.assertIn(urllib.parse.quote("fleet/%s/snapshots/snapshot_2025011511" % host,
                                             safe=""), markers)

    def test_payload_objects_are_listed_beside_snapshots(self):
        # A collect-payload host as ibsr-export ships it: payload_ files under HOST/payload/,
        # counter snapshots under HOST/snapshots/. Both kinds are listed, and --from/--to selects
        # payload_ objects by their hour like snapshot objects.
        src = os.path.join(self.work, "collector")
        os.makedirs(os.path.join(src, "counters"))
        for hour in (0, 2):
            ts = s3_fixture.T0 + hour * 3600 + 60
            with open(os.path.join(src, s3_fixture.hour_name("payload_", hour)), "w") as f:
                f.write(s3_fixture.dumps({
                    "version": 1, "kind": "payload", "ts_unix_sec": ts, "interval_sec": 60,
                    "dst_ports": [8545], "ringbuf_drops": 0, "parse_errors": 0,
                    "sources": []}) + "\n")
            with open(os.path.join(src, "counters", s3_fixture.hour_name("snapshot_", hour)),
                      "w") as f:
                f.write(s3_fixture.dumps({
                    "version": 3, "ts_unix_sec": ts, "dst_ports": [8545], "buckets": []}) + "\n")
        r = subprocess.run([EXPORT, "s3", "--bucket", BUCKET, "--endpoint", self.server.endpoint,
                            "--prefix", "mixed", "--host-id", "host-p", "--input", src,
                            "--min-age-sec", "0",
                            "--state-file", os.path.join(self.work, "state.json")],
                           env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        url = "s3://%s/mixed/host-p/" % BUCKET
        r = self.report([url], "-v")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("%s: 2 snapshot object(s), 2 payload object(s)" % url, r.stderr)
        r = self.report([url], "-vv", "--from", "2025-01-15T12Z", "--to", "2025-01-15T13Z")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("%s: 1 snapshot object(s), 1 payload object(s)" % url, r.stderr)
        markers = re.findall(r"marker=([^&\s]+)", r.stderr)
        self.assertIn(urllib.parse.quote("mixed/host-p/payload/payload_2025011512", safe=""),
                      markers)

    def test_from_to_partial_range_keeps_the_first_interval_rule(self):
        # The selected range starts mid-run: its first interval reaches back to base_ts (v5), as
        # when the older files were never there.
        local_cwd = tempfile.mkdtemp(dir=self.work)
        only = os.path.join(local_cwd, "only")
        os.makedirs(only)
        for name in self.names["host-a"]:
            if "2025011512" in name:
                shutil.copy(os.path.join(self.mirror, BUCKET, "fleet/host-a/snapshots", name), only)
        want = self.report(["only"], cwd=local_cwd)
        self.assertEqual(want.returncode, 0, want.stderr)
        got = self.report(["s3://%s/fleet/host-a/snapshots/" % BUCKET], "--from",
                          "2025-01-15T12:30Z", "--to", "2025-01-15T12:59:59Z")
        self.assertEqual(got.returncode, 0, got.stderr)
        for name in ("evidence.csv", "rules.nft", "rules.json"):
            self.assertEqual(self.outputs(self.work)[name], self.outputs(local_cwd)[name], name)
        s = json.loads(self.outputs(self.work)["summary.json"])
        self.assertEqual(s["input"]["files"], [n for n in self.names["host-a"] if "2025011512" in n])
        # base_ts is T0-30; the hour's last snapshot is at T0+2h+3060.
        self.assertEqual(s["input"]["observed_start"], "2025-01-15T09:59:30Z")
        self.assertEqual(s["input"]["observed_sec"], 7200 + 3060 + 30)

    def test_resume_after_cut_connections(self):
        proxy = s3_fixture.CuttingProxy(self.server.port, cuts=3, after=100000)
        self.addCleanup(proxy.close)
        local_cwd = tempfile.mkdtemp(dir=self.work)
        os.symlink(os.path.join(self.mirror, BUCKET), os.path.join(local_cwd, BUCKET))
        want = self.report(["%s/fleet/host-a/snapshots/" % BUCKET], cwd=local_cwd)
        self.assertEqual(want.returncode, 0, want.stderr)
        got = self.report(["s3://%s/fleet/host-a/snapshots/" % BUCKET], "-v",
                          endpoint=proxy.endpoint)
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertEqual(self.outputs(self.work), self.outputs(local_cwd))
        self.assertEqual(len(proxy.cut_paths), 3)
        resumed = re.findall(r"resuming at byte (\d+)", got.stderr)
        self.assertEqual(len(resumed), 3, got.stderr)
        self.assertRegex(got.stderr, r"S3: \d+ request\(s\), 3 retried")

    def test_connection_failing_after_the_whole_body_needs_no_retry(self):
        # Every asked-for byte arrived before the connection failed: there is nothing left to
        # resume (asking for an empty range would fail the run).
        proxy = s3_fixture.CuttingProxy(self.server.port, cuts=10, after=0, overstate=10)
        self.addCleanup(proxy.close)
        local_cwd = tempfile.mkdtemp(dir=self.work)
        os.symlink(os.path.join(self.mirror, BUCKET), os.path.join(local_cwd, BUCKET))
        want = self.report(["%s/fleet/host-a/snapshots/" % BUCKET], cwd=local_cwd)
        self.assertEqual(want.returncode, 0, want.stderr)
        # 1 MiB chunks: the large object's later chunks start past byte 0.
        got = self.report(["s3://%s/fleet/host-a/snapshots/" % BUCKET], "-v", "--s3-chunk-mib",
                          "1", endpoint=proxy.endpoint)
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertEqual(self.outputs(self.work), self.outputs(local_cwd))
        self.assertEqual(len(proxy.cut_paths), 10)
        self.assertNotIn("resuming", got.stderr)

    def test_server_ignoring_range_on_a_resumed_read_fails_clearly(self):
        # A whole object where the rest was asked for must not be appended to what came before.
        key = "fleet/host-a/snapshots/" + s3_fixture.hour_name("snapshot_", 0)
        proxy = s3_fixture.CuttingProxy(self.server.port, cuts=1, after=100000, ignore_range=True)
        self.addCleanup(proxy.close)
        got = self.report(["s3://%s/%s" % (BUCKET, key)], endpoint=proxy.endpoint)
        self.assertEqual(len(proxy.cut_paths), 1)
        self.assert_one_line_error(
            got, "GET s3://%s/%s: HTTP 200 to a ranged GET resumed at byte 100000" % (BUCKET, key))

    def test_object_replaced_while_read_fails_clearly(self):
        key = "fleet/host-a/snapshots/" + s3_fixture.hour_name("snapshot_", 0)
        with open(os.path.join(self.mirror, BUCKET, key), "rb") as f:
            original = f.read()

        def replace(path):
            data = os.path.join(self.work, "replacement")
            with open(data, "wb") as f:
                f.write(b"\n" + original)
            subprocess.run(["curl", "-sS", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3",
                            "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", data,
                            "http://test%%3Atester:testing@127.0.0.1:%d/%s/%s"
                            % (self.server.port, BUCKET, key)], check=True, timeout=60,
                           stdout=subprocess.DEVNULL)

        def restore():
            data = os.path.join(self.root, "restore")
            with open(data, "wb") as f:
                f.write(original)
            subprocess.run(["curl", "-sS", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3",
                            "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", data,
                            "http://test%%3Atester:testing@127.0.0.1:%d/%s/%s"
                            % (self.server.port, BUCKET, key)], check=True, timeout=60,
                           stdout=subprocess.DEVNULL)
        self.addCleanup(restore)
        proxy = s3_fixture.CuttingProxy(self.server.port, cuts=1, after=50000, on_cut=replace)
        self.addCleanup(proxy.close)
        got = self.report(["s3://%s/%s" % (BUCKET, key)], endpoint=proxy.endpoint)
        self.assertEqual(got.returncode, 1, got.stderr)
        self.assertIn("s3://%s/%s changed while it was being read" % (BUCKET, key), got.stderr)
        self.assertEqual(got.stderr.strip().splitlines()[-1].count("error"), 1, got.stderr)

    def assert_one_line_error(self, r, text):
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        errors = [l for l in r.stderr.splitlines() if "error" in l]
        self.assertEqual(len(errors), 1, r.stderr)
        self.assertIn(text, errors[0])
        self.assertFalse(os.path.exists(os.path.join(self.work, "out")))

    def test_missing_bucket(self):
        r = self.report(["s3://no-such-bucket/fleet/"])
        self.assert_one_line_error(r, "NoSuchBucket")

    def test_wrong_credentials(self):
        r = self.report(["s3://%s/fleet/" % BUCKET], env=self.env(AWS_SECRET_ACCESS_KEY="wrong"))
        self.assert_one_line_error(r, "HTTP 403")

    def test_prefix_without_snapshots(self):
        r = self.report(["s3://%s/fleet/host-a/status/" % BUCKET])
        self.assert_one_line_error(r, "no snapshot files found")
        r = self.report(["s3://%s/fleet/" % BUCKET], "--from", "2030-01-01T00Z")
        self.assert_one_line_error(r, "no snapshot files found in the --from/--to range")

    def test_endpoint_down(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        r = self.report(["s3://%s/fleet/" % BUCKET], endpoint="http://127.0.0.1:%d" % port)
        self.assert_one_line_error(r, "connection failed")

    def test_bad_flags(self):
        r = self.report(["s3://%s/fleet/" % BUCKET], "--from", "2025-01-15 11:00")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--from", r.stderr)
        r = self.report(["s3://%s/fleet/" % BUCKET], endpoint="ftp://127.0.0.1:1")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip().splitlines(), [
            "ibsr-report: --endpoint: endpoint 'ftp://127.0.0.1:1': scheme must be http or https "
            "(run 'ibsr-report --help')"])
        r = self.report(["s3:///fleet/"])
        self.assert_one_line_error(r, "expected s3://BUCKET")


if __name__ == "__main__":
    unittest.main()
