#!/usr/bin/python3
"""ibsr-export s3 against a real S3-compatible server (Swift + s3api) on 127.0.0.1.

Every uploaded object is read back independently with `curl --aws-sigv4` and compared byte for
byte with the local file. The server is started per test class by tests/tools/s3-test-server.sh
and always stopped, together with the temporary directories, even when a test fails.
"""
import datetime
import errno
import fcntl
import hashlib
import json
import os
import re
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from s3_server import S3Server  # noqa: E402
from cutting_proxy import CuttingProxy  # noqa: E402
import metrics_file  # noqa: E402
import schema_check  # noqa: E402
import shipped_units  # noqa: E402

SOURCE_DIR = os.environ.get("IBSR_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
BUILD_DIR = os.environ.get("IBSR_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
EXPORT = os.path.join(BUILD_DIR, "src/export/ibsr-export")
HOUR_AGO = time.time() - 3600


def utc_hour(delta_hours=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=delta_hours)
    return t.strftime("%Y%m%d%H")


def wait_clear_of_hour_boundary():
    # The current-hour rule is evaluated by the binary a moment after the test names the file.
    now = datetime.datetime.now(datetime.timezone.utc)
    if now.minute == 59 and now.second >= 50:
        time.sleep(61 - now.second)


class ExportTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(EXPORT, os.X_OK):
            raise RuntimeError("ibsr-export not built at " + EXPORT)
        cls.root = tempfile.mkdtemp(prefix="ibsr-export-it-")
        cls.server = S3Server(cls.root)
        try:
            cls.server.start()
        except BaseException:
            cls.server.stop()
            shutil.rmtree(cls.root, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="case-", dir=self.root)
        self.addCleanup(shutil.rmtree, self.work, True)
        self.src = os.path.join(self.work, "src")
        os.makedirs(self.src)
        self.state = os.path.join(self.work, "state.json")
        self.bucket = re.sub(r"[^a-z0-9]", "-", self._testMethodName.lower())[:50].strip("-")
        self.assertEqual(self.curl("PUT", "/" + self.bucket)[0], 200)

    # ---------------------------------------------------------------- helpers
    def validated_state(self):
        """The state file after a run, checked against docs/schemas/export-state-v1.schema.json."""
        with open(self.state) as f:
            state = json.load(f)
        schema_check.validate(state, schema_check.load("export-state-v1.schema.json"))
        return state["objects"]

    def curl(self, method, path, secret=None):
        """An independent SigV4 client (curl --aws-sigv4): returns (status, body bytes)."""
        return self.server.curl(method, path, os.path.join(self.work, "curl.out"), secret)

    def get_object(self, key):
        status, body = self.curl("GET", "/%s/%s" % (self.bucket, urllib.parse.quote(key)))
        self.assertEqual(status, 200, "GET %s: %r" % (key, body[:300]))
        return body

    def head_etag(self, key):
        key_id = urllib.parse.quote(self.server.env["AWS_ACCESS_KEY_ID"], safe="")
        url = "http://%s:%s@127.0.0.1:%d/%s/%s" % (key_id, self.server.env["AWS_SECRET_ACCESS_KEY"],
                                                   self.server.port, self.bucket, key)
        r = subprocess.run(["curl", "-sS", "-I", "--aws-sigv4", "aws:amz:us-east-1:s3",
                            "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", url],
                           stdout=subprocess.PIPE, text=True, timeout=60, check=True)
        m = re.search(r'^etag:\s*"?([^"\r\n]*)"?', r.stdout, re.I | re.M)
        return m.group(1) if m else None

    def list_keys(self):
        status, body = self.curl("GET", "/" + self.bucket)
        self.assertEqual(status, 200, body[:300])
        return sorted(re.findall(r"<Key>([^<]*)</Key>", body.decode()))

    def make(self, rel, data, mtime=HOUR_AGO, base=None):
        path = os.path.join(base or self.src, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (mtime, mtime))
        return path

    def run_export(self, *extra, env=None, secret=None, check_rc=None, bucket=None, sources=None,
                   endpoint=None):
        e = dict(os.environ)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                  "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
            e.pop(k, None)
        e.update(self.server.env)
        e["HOME"] = self.work  # no stray ~/.aws
        if secret is not None:
            e["AWS_SECRET_ACCESS_KEY"] = secret
        if env:
            e.update(env)
        cmd = [EXPORT, "s3", "--bucket", bucket or self.bucket,
               "--endpoint", endpoint or self.server.endpoint,
               "--prefix", "ibsr", "--host-id", "h1"]
        for source in sources or [self.src]:
            cmd += ["--input", source]
        cmd += ["--state-file", self.state, "-v"] + list(extra)
        r = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=600)
        if check_rc is not None:
            self.assertEqual(r.returncode, check_rc, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        return r

    def summary(self, stdout):
        m = re.search(r"^ibsr-export: (?:dry-run )?uploaded=(\d+) skipped=(\d+) open=(\d+) "
                      r"pcaps_withheld=(\d+) failed=(\d+) deleted=(\d+) bytes=(\d+) "
                      r"seconds=[0-9.]+$", stdout, re.M)
        self.assertIsNotNone(m, "no summary line in %r" % stdout)
        return dict(zip(("uploaded", "skipped", "open", "pcaps_withheld", "failed", "deleted",
                         "bytes"),
                        map(int, m.groups())))


class ExportS3Test(ExportTestBase):
    def test_help_and_bad_flags(self):
        r = subprocess.run([EXPORT, "s3", "--help"], stdout=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 0)
        for flag in ("--bucket", "--prefix", "--region", "--endpoint", "--path-style", "--input DIR",
                     "--host-id", "--include-open", "--include-pcaps", "--delete-after-upload",
                     "--dry-run", "--metrics-file",
                     "--state-file", "--max-retries", "--multipart-threshold-mib"):
            self.assertIn(flag, r.stdout)
        r = subprocess.run([EXPORT, "s3", "--bucket", "b", "--bogus"], stderr=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.count("\n"), 1)
        self.assertIn("--bogus", r.stderr)
        r = subprocess.run([EXPORT, "s3", "--bucket", "b", "--part-size-mib", "4"],
                           stderr=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--part-size-mib", r.stderr)
        r = subprocess.run([EXPORT, "s3", "--input", self.src], stderr=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--bucket", r.stderr)

    def test_upload_readback_rerun_and_modified_file(self):
        wait_clear_of_hour_boundary()
        files = {
            "snapshot_2026010100.jsonl": b'{"version":3,"ts_unix_sec":1}\n' * 50,
            "snapshot_2026010101.jsonl.gz": os.urandom(3000),
            "payload_2026010100.jsonl": b'{"version":1,"kind":"payload"}\n',
            "status.jsonl": b'{"cycle":1}\n{"cycle":2}\n{"cyc',  # torn last line is not sent
            "incident-20260101T000000/packets.pcap": os.urandom(10000),
            "archive/incident-20251231T000000.pcap.gz": os.urandom(777),
            "empty-run/packets.pcap": b"",
        }
        for rel, data in files.items():
            self.make(rel, data)
        self.make("notes.txt", b"not an artefact")
        self.make("snapshot_%s.jsonl" % utc_hour(), b"open\n")          # current hour
        self.make("snapshot_2026010102.jsonl", b"recent\n", mtime=time.time())  # still written

        r = self.run_export("--include-pcaps", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["open"], s["failed"]), (7, 0, 2, 0))
        self.assertEqual(s["pcaps_withheld"], 0)
        expected_status = b'{"cycle":1}\n{"cycle":2}\n'
        self.assertEqual(s["bytes"], sum(len(d) for d in files.values()) - len(b'{"cyc'))
        kinds = {"snapshot_": "snapshots", "payload_": "payload", "status": "status/src"}
        want = {}
        for rel, data in files.items():
            kind = next((v for k, v in kinds.items() if rel.startswith(k)), "incidents")
            want["ibsr/h1/%s/%s" % (kind, rel)] = expected_status if rel == "status.jsonl" else data
        self.assertEqual(self.list_keys(), sorted(want))
        for key, data in want.items():
            self.assertEqual(self.get_object(key), data, key)
        self.assertEqual(self.head_etag("ibsr/h1/payload/payload_2026010100.jsonl"),
                         hashlib.md5(files["payload_2026010100.jsonl"]).hexdigest())
        self.assertNotIn(self.server.env["AWS_SECRET_ACCESS_KEY"], r.stderr + r.stdout)
        objects = self.validated_state()
        self.assertEqual(sorted(objects), ["s3://%s/%s" % (self.bucket, k) for k in sorted(want)])
        for key, data in want.items():
            o = objects["s3://%s/%s" % (self.bucket, key)]
            self.assertEqual((o["size"], o["sha256"], o["etag"]),
                             (len(data), hashlib.sha256(data).hexdigest(),
                              hashlib.md5(data).hexdigest()), key)

        # Rerun: nothing changed, nothing sent.
        r = self.run_export("--include-pcaps", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["open"], s["failed"], s["bytes"]), (0, 7, 2, 0, 0))

        # A modified file (and the grown status file) are uploaded again.
        new = b'{"version":3,"ts_unix_sec":2}\n' * 60
        self.make("snapshot_2026010100.jsonl", new, mtime=HOUR_AGO + 10)
        with open(os.path.join(self.src, "status.jsonl"), "ab") as f:
            f.write(b'le":3}\n')
        r = self.run_export("--include-pcaps", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["failed"]), (2, 5, 0))
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), new)
        self.assertEqual(self.get_object("ibsr/h1/status/src/status.jsonl"),
                         b'{"cycle":1}\n{"cycle":2}\n{"cycle":3}\n')

    def test_current_hour_file_needs_include_open(self):
        wait_clear_of_hour_boundary()
        current = "snapshot_%s.jsonl" % utc_hour()
        payload = "payload_%s.jsonl" % utc_hour()
        self.make(current, b"line 1\n", mtime=time.time() - 600)
        self.make(payload, b"p 1\n", mtime=time.time() - 600)
        self.make("snapshot_%s.jsonl" % utc_hour(-1), b"closed\n", mtime=time.time() - 600)
        r = self.run_export("--min-age-sec", "0", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["open"]), (1, 2))
        self.assertIn("current hour's file", r.stderr)
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_%s.jsonl" % utc_hour(-1)])
        r = self.run_export("--min-age-sec", "0", "--include-open", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["open"]), (2, 1, 0))
        self.assertEqual(self.get_object("ibsr/h1/snapshots/" + current), b"line 1\n")
        self.assertEqual(self.get_object("ibsr/h1/payload/" + payload), b"p 1\n")

    def test_recently_modified_file_is_open(self):
        self.make("snapshot_2026010100.jsonl", b"fresh\n", mtime=time.time() - 10)
        r = self.run_export("--min-age-sec", "300", check_rc=0)
        self.assertEqual(self.summary(r.stdout)["open"], 1)
        self.assertEqual(self.list_keys(), [])
        r = self.run_export("--min-age-sec", "5", check_rc=0)
        self.assertEqual(self.summary(r.stdout)["uploaded"], 1)
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), b"fresh\n")

    def test_multipart_above_threshold(self):
        big = os.urandom(20 * 1024 * 1024 + 12345)
        self.make("snapshot_2026010100.jsonl", big)
        self.make("snapshot_2026010101.jsonl", b"small\n")
        r = self.run_export("--multipart-threshold-mib", "8", "--part-size-mib", "8", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["failed"], s["bytes"]), (2, 0, len(big) + 6))
        self.assertIn("(%d bytes, 3 parts, verified by its ETag)" % len(big), r.stderr)
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), big)
        part = 8 << 20
        parts = [big[i:i + part] for i in range(0, len(big), part)]
        want = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-3"
        self.assertEqual(self.head_etag("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), want)
        objects = self.validated_state()
        landed = objects["s3://%s/ibsr/h1/snapshots/snapshot_2026010100.jsonl" % self.bucket]
        self.assertEqual(landed["etag"], want)
        # The whole-file SHA-256 comes from the pass that hashed the parts as they were sent.
        self.assertEqual(landed["sha256"], hashlib.sha256(big).hexdigest())
        self.assertEqual(self.head_etag("ibsr/h1/snapshots/snapshot_2026010101.jsonl"),
                         hashlib.md5(b"small\n").hexdigest())
        # No multipart upload left behind.
        status, body = self.curl("GET", "/%s?uploads=" % self.bucket)
        self.assertEqual(status, 200)
        self.assertNotIn(b"<UploadId>", body)
        # Rerun with the state gone: HEAD finds both, the large one by its multipart ETag (it
        # carries no stored SHA-256: that would need a read pass before the first part is sent).
        os.unlink(self.state)
        r = self.run_export("--multipart-threshold-mib", "8", "--part-size-mib", "8", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"]), (0, 2))
        # With another part size and no state nothing proves it landed: it is sent again.
        os.unlink(self.state)
        r = self.run_export(check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"]), (1, 1))
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), big)

    def proxied_export(self, *extra, put_etag=None, check_rc=None):
        """A run through a proxy that records every request (and may rewrite PUT ETags)."""
        proxy = CuttingProxy(self.server.port, put_etag=put_etag)
        self.addCleanup(proxy.close)
        r = self.run_export(*extra, endpoint=proxy.endpoint, check_rc=check_rc)
        methods = {}
        for method, _ in proxy.requests:
            methods[method] = methods.get(method, 0) + 1
        self.connections = proxy.connections
        return r, methods

    def assert_landed(self, files, recorded):
        """`recorded` objects in the state; each of `files` (snapshots) there with its MD5 as
        ETag, and its bytes in the bucket."""
        objects = self.validated_state()
        self.assertEqual(len(objects), recorded)
        for rel, data in files.items():
            key = "ibsr/h1/snapshots/" + rel
            self.assertEqual(objects["s3://%s/%s" % (self.bucket, key)]["etag"],
                             hashlib.md5(data).hexdigest())
            self.assertEqual(self.get_object(key), data)

    def test_jobs_upload_over_that_many_connections(self):
        files = {"snapshot_20260101%02d_%02d.jsonl" % (i % 24, i): os.urandom(2000 + i)
                 for i in range(24)}
        for rel, data in files.items():
            self.make(rel, data)
        for jobs, connections in (("1", 1), ("3", 3)):
            if os.path.exists(self.state):
                os.unlink(self.state)
            for rel in files:
                self.curl("DELETE", "/%s/ibsr/h1/snapshots/%s" % (self.bucket, rel))
            r, methods = self.proxied_export("--jobs", jobs, check_rc=0)
            self.assertEqual(self.summary(r.stdout)["uploaded"], 24, r.stderr)
            # Probe, then per file a HEAD (fewer than 32 unknown files) and a PUT.
            self.assertEqual(methods, {"GET": 1, "HEAD": 24, "PUT": 24}, r.stderr)
            self.assertEqual(self.connections, connections)
            self.assertIn("S3: 49 request(s), 0 retried (%d connection(s))" % connections, r.stderr)
            self.assert_landed(files, 24)

    def test_put_etag_proves_the_landing_with_one_request_per_file(self):
        files = {"snapshot_20260101%02d_%02d.jsonl" % (i % 24, i): os.urandom(1000 + i)
                 for i in range(40)}
        for rel, data in files.items():
            self.make(rel, data)
        big = os.urandom(20 * 1024 * 1024 + 5)
        self.make("big/snapshot_2026010200.jsonl", big)
        r, methods = self.proxied_export("--multipart-threshold-mib", "8", "--part-size-mib", "8",
                                         check_rc=0)
        self.assertEqual(self.summary(r.stdout)["uploaded"], 41)
        # Probe and listing (41 files without state), one PUT per small file, create + 3 parts +
        # complete for the big one, and no HEAD: every answer's ETag was the local MD5.
        self.assertEqual(methods, {"GET": 2, "PUT": 43, "POST": 2}, r.stderr)
        self.assertIn("S3: 47 request(s), 0 retried", r.stderr)
        self.assertEqual(r.stderr.count("bytes, verified by its ETag)"), 40)
        self.assertIn("(%d bytes, 3 parts, verified by its ETag)" % len(big), r.stderr)
        self.assert_landed(files, 41)
        self.assertEqual(self.get_object("ibsr/h1/snapshots/big/snapshot_2026010200.jsonl"), big)

    def test_multipart_parts_go_in_parallel_and_a_failed_part_is_retried(self):
        big = os.urandom(5 * (8 << 20) + 777)  # 6 parts of 8 MiB, the last one short
        self.make("snapshot_2026010100.jsonl", big)
        proxy = CuttingProxy(self.server.port, fail_part=(2, 1))
        self.addCleanup(proxy.close)
        r = self.run_export("--multipart-threshold-mib", "8", "--part-size-mib", "8",
                            "--jobs", "3", "--retry-base-ms", "50", endpoint=proxy.endpoint,
                            check_rc=0)
        self.assertEqual(self.summary(r.stdout)["uploaded"], 1, r.stderr)
        # One file, three connections: the two workers without a file lend theirs to its parts.
        self.assertIn("6 parts sent over 3 connection(s)", r.stderr)
        self.assertGreaterEqual(proxy.connections, 2)
        # Part 2's first attempt got a 500 and was sent again; the upload went on.
        self.assertEqual(proxy.failed_parts, 1)
        self.assertRegex(r.stderr, r"HTTP 500 InternalError: injected; retry 1/5 in \d+ ms")
        self.assertIn("S3: 11 request(s), 1 retried (3 connection(s))", r.stderr)
        self.assertIn("(%d bytes, 6 parts, verified by its ETag)" % len(big), r.stderr)
        key = "ibsr/h1/snapshots/snapshot_2026010100.jsonl"
        self.assertEqual(self.get_object(key), big)
        part = 8 << 20
        parts = [big[i:i + part] for i in range(0, len(big), part)]
        want = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-6"
        self.assertEqual(self.head_etag(key), want)
        landed = self.validated_state()["s3://%s/%s" % (self.bucket, key)]
        self.assertEqual((landed["etag"], landed["sha256"]),
                         (want, hashlib.sha256(big).hexdigest()))

        # Each part signed with its own SHA-256 instead (the server checks both digests).
        os.unlink(self.state)
        self.curl("DELETE", "/%s/%s" % (self.bucket, key))
        r = self.run_export("--multipart-threshold-mib", "8", "--part-size-mib", "8",
                            "--sign-parts", check_rc=0)
        self.assertIn("(%d bytes, 6 parts, verified by its ETag)" % len(big), r.stderr)
        self.assertEqual(self.get_object(key), big)
        self.assertEqual(self.head_etag(key), want)

    def test_multipart_part_failing_for_good_aborts_the_upload(self):
        big = os.urandom(3 * (8 << 20))
        self.make("snapshot_2026010100.jsonl", big)
        proxy = CuttingProxy(self.server.port, fail_part=(3, 1000))
        self.addCleanup(proxy.close)
        r = self.run_export("--multipart-threshold-mib", "8", "--part-size-mib", "8",
                            "--max-retries", "1", "--retry-base-ms", "50",
                            endpoint=proxy.endpoint, check_rc=1)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["failed"]), (0, 1), r.stderr)
        self.assertEqual(proxy.failed_parts, 2)  # the attempt and its one retry
        self.assertIn("(gave up after 2 attempts)", r.stderr)
        self.assertIn("aborted multipart upload of ibsr/h1/snapshots/snapshot_2026010100.jsonl",
                      r.stderr)
        self.assertNotIn("ibsr/h1/snapshots/snapshot_2026010100.jsonl", self.list_keys())
        status, body = self.curl("GET", "/%s?uploads=" % self.bucket)
        self.assertEqual(status, 200)
        self.assertNotIn(b"<UploadId>", body)
        self.assertFalse(os.path.exists(self.state) and self.validated_state())

    def failing_multipart_export(self, proxy):
        """A 3-part file whose part 3 always fails through `proxy`: the run fails and aborts.
        One connection: parts 1 and 2 have landed before part 3 is sent."""
        self.make("snapshot_2026010100.jsonl", os.urandom(3 * (8 << 20)))
        self.addCleanup(proxy.close)
        r = self.run_export("--multipart-threshold-mib", "8", "--part-size-mib", "8",
                            "--max-retries", "1", "--retry-base-ms", "50", "--jobs", "1",
                            endpoint=proxy.endpoint, check_rc=1)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["failed"]), (0, 1), r.stderr)
        self.assertIn("(gave up after 2 attempts)", r.stderr)
        return r

    def test_abort_of_an_upload_already_gone_is_not_reported_as_a_failure(self):
        key = "ibsr/h1/snapshots/snapshot_2026010100.jsonl"
        test = self
        gone = []

        class UploadGoneProxy(CuttingProxy):
            # Before part 3's first failure is answered, the upload is aborted on the server by
            # someone else (a lifecycle rule, an operator): the exporter's own abort gets a 404.
            def _fail_this_part(self, method, path):
                fail = super()._fail_this_part(method, path)
                if fail and not gone:
                    upload = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["uploadId"][0]
                    gone.append(test.server.curl(
                        "DELETE", "/%s/%s?uploadId=%s" % (test.bucket, key,
                                                          urllib.parse.quote(upload, safe="")),
                        os.path.join(test.work, "abort.out")))
                return fail

        proxy = UploadGoneProxy(self.server.port, fail_part=(3, 1000))
        r = self.failing_multipart_export(proxy)
        self.assertEqual(gone[0][0], 204, gone)
        # The exporter's abort reached the server, which no longer had the upload.
        self.assertEqual([m for m, p in proxy.requests if "uploadId=" in p and m == "DELETE"],
                         ["DELETE"])
        self.assertIn("multipart upload of %s was already gone (abort answered 404): no parts "
                      "left behind" % key, r.stderr)
        self.assertNotIn("could not abort", r.stderr)
        self.assertNotIn(key, self.list_keys())
        status, body = self.curl("GET", "/%s?uploads=" % self.bucket)
        self.assertEqual(status, 200)
        self.assertNotIn(b"<UploadId>", body)

    def test_abort_that_fails_is_reported(self):
        class AbortFailsProxy(CuttingProxy):
            # The exporter's abort is answered 500 like part 3 (without reaching the server).
            def _fail_this_part(self, method, path):
                if method == "DELETE" and "uploadId=" in path:
                    return True
                return super()._fail_this_part(method, path)

        proxy = AbortFailsProxy(self.server.port, fail_part=(3, 1000))
        r = self.failing_multipart_export(proxy)
        self.assertRegex(r.stderr, r"could not abort multipart upload of "
                         r"ibsr/h1/snapshots/snapshot_2026010100\.jsonl \(a bucket lifecycle rule "
                         r"cleans it up\): DELETE .*HTTP 500 InternalError: injected "
                         r"\(gave up after 2 attempts\)")
        self.assertNotIn("already gone", r.stderr)
        status, body = self.curl("GET", "/%s?uploads=" % self.bucket)
        self.assertEqual(status, 200)
        self.assertIn(b"<UploadId>", body)  # left for the lifecycle rule, as the warning says

    def test_put_answer_without_an_md5_etag_is_verified_by_head(self):
        data = {"snapshot_2026010100.jsonl": b"a\n", "snapshot_2026010101.jsonl": b"bb\n"}
        for rel, d in data.items():
            self.make(rel, d)
        for etag in (b"", b"opaque-etag-of-an-encrypting-store"):
            os.unlink(self.state) if os.path.exists(self.state) else None
            self.curl("DELETE", "/%s/ibsr/h1/snapshots/snapshot_2026010100.jsonl" % self.bucket)
            self.curl("DELETE", "/%s/ibsr/h1/snapshots/snapshot_2026010101.jsonl" % self.bucket)
            r, methods = self.proxied_export(put_etag=etag, check_rc=0)
            # Probe, then per file: HEAD (no state), PUT, HEAD (the PUT proved nothing).
            self.assertEqual(methods, {"GET": 1, "HEAD": 4, "PUT": 2}, r.stderr)
            self.assertEqual(r.stderr.count("bytes, verified by HEAD)"), 2, r.stderr)
            objects = self.validated_state()
            for rel, d in data.items():
                self.assertEqual(objects["s3://%s/ibsr/h1/snapshots/%s" % (self.bucket, rel)]["etag"],
                                 hashlib.md5(d).hexdigest())

    def test_put_answer_with_another_md5_fails_the_file(self):
        self.make("snapshot_2026010100.jsonl", b"landed?\n")
        wrong = b"0123456789abcdef0123456789abcdef"
        r, methods = self.proxied_export("--delete-after-upload", put_etag=wrong, check_rc=1)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["failed"], s["deleted"]), (0, 1, 0))
        self.assertIn("server ETag %s differs from the local checksum %s"
                      % (wrong.decode(), hashlib.md5(b"landed?\n").hexdigest()), r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.src, "snapshot_2026010100.jsonl")))
        self.assertFalse(os.path.exists(self.state))  # nothing landed: nothing recorded

    def test_wrong_secret_fails_fast_and_deletes_nothing(self):
        paths = [self.make("snapshot_202601010%d.jsonl" % i, b"data %d\n" % i) for i in range(3)]
        t0 = time.time()
        r = self.run_export("--delete-after-upload", secret="not-the-secret", check_rc=1)
        self.assertLess(time.time() - t0, 10)  # no retry loop on a 403
        self.assertIn("SignatureDoesNotMatch", r.stderr)
        self.assertNotIn("retry", r.stderr)
        self.assertNotIn("not-the-secret", r.stderr + r.stdout)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["failed"], s["deleted"]), (0, 3, 0))
        for p in paths:
            self.assertTrue(os.path.exists(p), p)
        self.assertEqual(self.list_keys(), [])

    def test_missing_bucket_reports_no_such_bucket(self):
        self.make("snapshot_2026010100.jsonl", b"x\n")
        r = self.run_export(bucket="no-such-bucket-here", check_rc=1)
        self.assertIn("GET s3://no-such-bucket-here/: HTTP 404 NoSuchBucket: ", r.stderr)
        self.assertEqual(self.summary(r.stdout)["failed"], 1)

    def test_corrupt_or_deleted_state_falls_back_to_head(self):
        for i in range(4):
            self.make("snapshot_202601010%d.jsonl" % i, os.urandom(1000 + i))
        self.run_export(check_rc=0)
        with open(self.state, "w") as f:
            f.write('{"version":1,"objects":{"s3://x/y":{"path":')
        r = self.run_export(check_rc=0)
        self.assertIn("ignored (malformed state", r.stderr)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["failed"]), (0, 4, 0))
        self.assertEqual(r.stderr.count("already in bucket"), 4)
        with open(self.state) as f:
            self.assertEqual(len(json.load(f)["objects"]), 4)  # rewritten whole
        os.unlink(self.state)
        self.make("snapshot_2026010100.jsonl", b"changed while the state was gone\n")
        r = self.run_export(check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"]), (1, 3))
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"),
                         b"changed while the state was gone\n")

    def test_lost_state_with_many_files_uses_one_listing(self):
        files = {"snapshot_x%02d.jsonl" % i: os.urandom(500 + i) for i in range(40)}
        files["snapshot_big.jsonl"] = os.urandom(9 * 1024 * 1024)
        for rel, data in files.items():
            self.make(rel, data)
        r = self.run_export(check_rc=0)
        self.assertEqual(self.summary(r.stdout)["uploaded"], 41)
        self.assertIn("41 files not in the state: listed s3://%s/ibsr/h1/ (0 objects)" % self.bucket, r.stderr)
        os.unlink(self.state)
        self.make("snapshot_x07.jsonl", b"changed\n")
        # Multipart now: the big file's multipart ETag differs from the single PUT's MD5 it landed
        # with, so its stored SHA-256 (from a HEAD) proves it landed.
        r = self.run_export("--multipart-threshold-mib", "8", "--part-size-mib", "8", check_rc=0)
        self.assertIn("41 files not in the state: listed s3://%s/ibsr/h1/ (41 objects)" % self.bucket, r.stderr)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["failed"]), (1, 40, 0))
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_x07.jsonl"), b"changed\n")
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_big.jsonl"), files["snapshot_big.jsonl"])

    def test_delete_after_upload_deletes_only_verified_files(self):
        wait_clear_of_hour_boundary()
        good = {"snapshot_2026010100.jsonl": b"a\n", "payload_2026010100.jsonl": b"b\n",
                "run-1/packets.pcap": os.urandom(5000)}
        for rel, data in good.items():
            self.make(rel, data)
        status = self.make("status.jsonl", b'{"s":1}\n')
        current = self.make("snapshot_%s.jsonl" % utc_hour(), b"open\n")
        # S3 keys are limited to 1024 bytes: the server rejects this one (KeyTooLongError).
        deep = "/".join(["d" * 200] * 5) + "/packets.pcap"
        rejected = self.make(deep, b"never lands")
        r = self.run_export("--delete-after-upload", "--include-pcaps", check_rc=1)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["failed"], s["deleted"], s["open"]), (4, 1, 3, 1))
        self.assertIn("KeyTooLong", r.stderr)
        for rel in good:
            self.assertFalse(os.path.exists(os.path.join(self.src, rel)), rel)
        self.assertTrue(os.path.exists(status))    # the collector keeps appending to it
        self.assertTrue(os.path.exists(current))   # still open
        self.assertTrue(os.path.exists(rejected))  # did not land
        kinds = {"snapshot_": "snapshots", "payload_": "payload"}
        for rel, data in good.items():
            kind = next((v for k, v in kinds.items() if rel.startswith(k)), "incidents")
            self.assertEqual(self.get_object("ibsr/h1/%s/%s" % (kind, rel)), data)
        self.assertEqual(self.get_object("ibsr/h1/status/src/status.jsonl"), b'{"s":1}\n')

    def test_delete_after_upload_of_file_landed_earlier(self):
        p = self.make("snapshot_2026010100.jsonl", b"landed before\n")
        self.run_export(check_rc=0)
        self.assertTrue(os.path.exists(p))
        r = self.run_export("--delete-after-upload", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["deleted"]), (0, 1, 1))
        self.assertFalse(os.path.exists(p))

    def test_hour_compressed_after_upload_is_not_uploaded_again(self):
        """The collector compresses a closed hour (--compress-closed) that had already landed as
        .jsonl: the .zst holds exactly those lines, so the bucket keeps its one copy and the
        state records the .zst as landed there (collector retention then may delete it)."""
        lines = b"".join(b'{"version":3,"ts_unix_sec":%d,"buckets":[]}\n' % (1767225600 + 60 * i)
                         for i in range(50))
        plain = self.make("snapshot_2026010100.jsonl", lines)
        self.run_export(check_rc=0)
        landed = self.validated_state()
        dest = "s3://%s/ibsr/h1/snapshots/snapshot_2026010100.jsonl" % self.bucket
        self.assertEqual(landed[dest]["path"], plain)
        # What the collector does: the .zst beside it, then the .jsonl removed.
        subprocess.run(["zstd", "-q", "-3", plain, "-o", plain + ".zst"], check=True)
        os.utime(plain + ".zst", (HOUR_AGO, HOUR_AGO))
        os.unlink(plain)
        r = self.run_export(check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"]), (0, 1))
        self.assertIn("not uploaded again: %s.zst holds exactly the lines that landed as %s "
                      "before compression" % (plain, dest), r.stderr)
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_2026010100.jsonl"])
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), lines)
        after = self.validated_state()
        self.assertEqual(after[dest]["path"], plain + ".zst")
        self.assertEqual(after[dest]["size"], os.path.getsize(plain + ".zst"))
        self.assertEqual(after[dest]["sha256"], landed[dest]["sha256"])
        # The next run knows it without decompressing; --delete-after-upload then checks the
        # .jsonl object and deletes the .zst.
        r = self.run_export(check_rc=0)
        self.assertIn("unchanged %s.zst (its lines landed as %s before compression)"
                      % (plain, dest), r.stderr)
        r = self.run_export("--delete-after-upload", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["deleted"]), (0, 1, 1))
        self.assertFalse(os.path.exists(plain + ".zst"))
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_2026010100.jsonl"])

    def test_compressed_hour_ending_on_a_whole_zstd_block_is_recognised(self):
        """3 MiB that zstd barely shrinks decompress to whole 128 KiB blocks, so the call that ends
        the frame fills the output buffer exactly: the check must not then read the copy as
        truncated (it failed the file on every run, and retention waited for it for ever)."""
        rnd = hashlib.sha256(b"seed").digest()
        blocks = []
        while sum(map(len, blocks)) < 3 << 20:
            rnd = hashlib.sha256(rnd).digest()
            blocks.append(rnd)
        # Printable, so zstd codes the blocks (stored blocks end the frame differently).
        data = bytearray(33 + b % 90 for b in b"".join(blocks)[:3 << 20])
        data[99::100] = b"\n" * len(data[99::100])
        plain = self.make("snapshot_2026010100.jsonl", bytes(data))
        self.run_export(check_rc=0)
        dest = "s3://%s/ibsr/h1/snapshots/snapshot_2026010100.jsonl" % self.bucket
        subprocess.run(["zstd", "-q", "-1", plain, "-o", plain + ".zst"], check=True)
        os.utime(plain + ".zst", (HOUR_AGO, HOUR_AGO))
        os.unlink(plain)
        r = self.run_export(check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["failed"]), (0, 1, 0), r.stderr)
        self.assertIn("not uploaded again: %s.zst holds exactly the lines that landed as %s "
                      "before compression" % (plain, dest), r.stderr)
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_2026010100.jsonl"])

    def test_compressed_hour_with_other_lines_is_uploaded_under_its_own_key(self):
        plain = self.make("payload_2026010100.jsonl", b"partial\n")
        self.run_export(check_rc=0)
        with open(plain, "ab") as f:
            f.write(b"completed later\n")
        subprocess.run(["zstd", "-q", plain, "-o", plain + ".zst"], check=True)
        os.utime(plain + ".zst", (HOUR_AGO, HOUR_AGO))
        os.unlink(plain)
        s = self.summary(self.run_export(check_rc=0).stdout)
        self.assertEqual((s["uploaded"], s["skipped"]), (1, 0))
        self.assertEqual(self.list_keys(), ["ibsr/h1/payload/payload_2026010100.jsonl",
                                            "ibsr/h1/payload/payload_2026010100.jsonl.zst"])
        with open(plain + ".zst", "rb") as f:
            self.assertEqual(self.get_object("ibsr/h1/payload/payload_2026010100.jsonl.zst"),
                             f.read())

    def test_hour_left_both_plain_and_compressed_is_exported_once(self):
        """A collector stopped between writing X.jsonl.zst and removing X.jsonl (docs/collect.md)
        leaves both, with the same lines, for the exporter to find. The hour must land once:
        as the .jsonl, the .zst recorded at that object. With several jobs the .zst was taken
        while the .jsonl was still in flight, saw no record of it and landed under its own key;
        and while the .jsonl stayed, every run uploaded it again."""
        lines = b"".join(b'{"version":3,"ts_unix_sec":%d,"buckets":[]}\n' % (1767225600 + 60 * i)
                         for i in range(50))
        plain = self.make("snapshot_2026010100.jsonl", lines)
        subprocess.run(["zstd", "-q", "-3", plain, "-o", plain + ".zst"], check=True)
        os.utime(plain + ".zst", (HOUR_AGO, HOUR_AGO))
        dest = "s3://%s/ibsr/h1/snapshots/snapshot_2026010100.jsonl" % self.bucket
        s = self.summary(self.run_export("--jobs", "4", check_rc=0).stdout)
        self.assertEqual((s["uploaded"], s["skipped"]), (1, 1))
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_2026010100.jsonl"])
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), lines)
        self.assertEqual(self.validated_state()[dest]["path"], plain + ".zst")
        for jobs in ("4", "1"):
            r = self.run_export("--jobs", jobs, check_rc=0)
            s = self.summary(r.stdout)
            self.assertEqual((s["uploaded"], s["skipped"], s["bytes"]), (0, 2, 0), r.stderr)
            self.assertEqual(self.validated_state()[dest]["path"], plain + ".zst")
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_2026010100.jsonl"])
        # The .zst goes first (it is recorded as landed, so retention or --delete-after-upload
        # may delete it): the .jsonl's lines are what landed, and it takes over the record.
        os.unlink(plain + ".zst")
        s = self.summary(self.run_export(check_rc=0).stdout)
        self.assertEqual((s["uploaded"], s["skipped"]), (0, 1))
        self.assertEqual(self.validated_state()[dest]["path"], plain)
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_2026010100.jsonl"])

    def test_dry_run_sends_nothing(self):
        p = self.make("snapshot_2026010100.jsonl", b"x\n")
        r = self.run_export("--dry-run", "--delete-after-upload", secret="wrong", check_rc=0)
        self.assertIn("would upload %s -> s3://%s/ibsr/h1/snapshots/snapshot_2026010100.jsonl (2 bytes)"
                      % (p, self.bucket), r.stdout)
        self.assertEqual(self.summary(r.stdout),
                         {"uploaded": 1, "skipped": 0, "open": 0, "pcaps_withheld": 0, "failed": 0,
                          "deleted": 0, "bytes": 2})
        self.assertIn("ibsr-export: dry-run uploaded=1", r.stdout)
        self.assertEqual(self.list_keys(), [])
        self.assertTrue(os.path.exists(p))
        self.assertFalse(os.path.exists(self.state))

    def test_metrics_file_counts_across_runs(self):
        prom = os.path.join(self.work, "ibsr-export.prom")
        data = {"snapshot_202601010%d.jsonl" % i: b"line %d\n" % i * (i + 1) for i in range(3)}
        for rel, d in data.items():
            self.make(rel, d)
        self.make("run-1/packets.pcap", os.urandom(500))
        kinds = ("config", "credentials", "discovery", "interrupted", "list", "lock", "read",
                 "state", "upload", "verify")

        def check(failures):
            m = metrics_file.check(self, prom)
            for kind in kinds:
                self.assertEqual(m.get1("ibsr_export_failures_total", kind=kind),
                                 failures.get(kind, 0), kind)
            return m

        t0 = int(time.time())
        r = self.run_export("--metrics-file", prom, check_rc=0)
        t1 = int(time.time())
        s = self.summary(r.stdout)
        m = check({})
        self.assertEqual(m.get1("ibsr_export_files_uploaded_total"), len(self.list_keys()))
        self.assertEqual(m.get1("ibsr_export_files_uploaded_total"), 3)
        self.assertEqual(m.get1("ibsr_export_bytes_uploaded_total"), s["bytes"])
        self.assertEqual(s["bytes"], sum(len(d) for d in data.values()))
        self.assertEqual(m.get1("ibsr_export_files_withheld"), 1)
        self.assertEqual(m.get1("ibsr_export_runs_total"), 1)
        self.assertEqual(m.get1("ibsr_export_last_run_success"), 1)
        success = m.get1("ibsr_export_last_success_timestamp_seconds")
        self.assertTrue(t0 <= success <= t1, (t0, success, t1))
        self.assertEqual(m.get1("ibsr_export_last_run_timestamp_seconds"), success)
        self.assertTrue(all(("mode", "export") in labels for _, labels in m))

        # Another run holds the lock: a lock failure; the last success stays where it was.
        with open(self.state + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.run_export("--metrics-file", prom, check_rc=1)
        m = check({"lock": 1})
        self.assertEqual(m.get1("ibsr_export_runs_total"), 2)
        self.assertEqual(m.get1("ibsr_export_last_run_success"), 0)
        self.assertEqual(m.get1("ibsr_export_last_success_timestamp_seconds"), success)
        self.assertEqual(m.get1("ibsr_export_files_uploaded_total"), 3)

        # A refused signature: every selected file fails as an upload failure.
        self.make("snapshot_2026010105.jsonl", b"new\n")
        r = self.run_export("--metrics-file", prom, secret="not-the-secret", check_rc=1)
        s = self.summary(r.stdout)
        self.assertEqual(s["failed"], 4)
        m = check({"lock": 1, "upload": 4})
        self.assertEqual(m.get1("ibsr_export_files_failed"), 4)
        self.assertEqual(m.get1("ibsr_export_files_uploaded_total"), 3)

        # And the next good run catches up: 4 objects in the bucket, 4 uploads counted.
        self.run_export("--metrics-file", prom, check_rc=0)
        m = check({"lock": 1, "upload": 4})
        self.assertEqual(m.get1("ibsr_export_files_uploaded_total"), len(self.list_keys()))
        self.assertEqual(m.get1("ibsr_export_files_uploaded_total"), 4)
        self.assertEqual(m.get1("ibsr_export_runs_total"), 4)
        self.assertEqual(m.get1("ibsr_export_files_failed"), 0)

        # --dry-run changes nothing, so it writes no metrics either: a usage error.
        r = self.run_export("--metrics-file", prom, "--dry-run", check_rc=2)
        self.assertIn("--metrics-file", r.stderr)

    def test_lock_prevents_concurrent_runs(self):
        self.make("snapshot_2026010100.jsonl", b"x\n")
        with open(self.state + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = self.run_export(check_rc=1)
        self.assertIn("another ibsr-export run holds", r.stderr)
        self.assertEqual(self.list_keys(), [])
        self.run_export(check_rc=0)

    def test_state_file_that_cannot_be_saved_fails_the_run(self):
        data = b"line\n" * 100
        self.make("snapshot_2026010100.jsonl", data)
        # The state's own small filesystem, full: the lock file (no data) can still be created,
        # the state's bytes cannot be written. (chmod would not stop root.)
        state_fs = os.path.join(self.work, "state-fs")
        os.makedirs(state_fs)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", state_fs], check=True)
        self.addCleanup(subprocess.run, ["umount", state_fs], check=False)
        filler = os.path.join(state_fs, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as e:
            self.assertEqual(e.errno, errno.ENOSPC)
        finally:
            os.close(fd)
        self.state = os.path.join(state_fs, "state.json")
        prom = os.path.join(self.work, "ibsr-export.prom")

        r = self.run_export("--metrics-file", prom, check_rc=1)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["failed"]), (1, 0), r.stderr)
        self.assertIn("cannot save the export state file '%s': cannot write '%s.tmp': No space "
                      "left on device (what landed in this run is not recorded: the next run "
                      "asks the bucket)" % (self.state, self.state), r.stderr)
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), data)
        self.assertEqual(sorted(os.listdir(state_fs)), ["filler", "state.json.lock"])
        m = metrics_file.check(self, prom)
        self.assertEqual(m.get1("ibsr_export_failures_total", kind="state"), 1)
        self.assertEqual(m.get1("ibsr_export_last_run_success"), 0)

        # Space again: the next run finds the object in the bucket and records it.
        os.unlink(filler)
        r = self.run_export(check_rc=0)
        self.assertEqual(self.summary(r.stdout)["skipped"], 1, r.stderr)
        self.assertEqual(list(self.validated_state()),
                         ["s3://%s/ibsr/h1/snapshots/snapshot_2026010100.jsonl" % self.bucket])

    def test_sigterm_finishes_current_file_and_saves_state(self):
        files = {"snapshot_20260101%02d.jsonl" % i: os.urandom(100 * 1024) for i in range(24)}
        for rel, data in files.items():
            self.make(rel, data)
        e = dict(os.environ)
        e.update(self.server.env)
        e["HOME"] = self.work
        cmd = [EXPORT, "s3", "--bucket", self.bucket, "--endpoint", self.server.endpoint,
               "--prefix", "ibsr", "--host-id", "h1", "--input", self.src,
               "--state-file", self.state, "-v"]
        proc = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            lines = []
            for line in proc.stderr:
                lines.append(line)
                if "uploaded " in line:
                    proc.send_signal(15)
                    break
            lines += proc.stderr.readlines()
            out = proc.stdout.read()
            rc = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        err = "".join(lines)
        self.assertEqual(rc, 1, err)
        s = self.summary(out)
        self.assertIn("not attempted: interrupted by a signal", err)
        self.assertGreaterEqual(s["uploaded"], 1)
        self.assertEqual(s["uploaded"] + s["failed"], len(files))
        with open(self.state) as f:
            self.assertEqual(len(json.load(f)["objects"]), s["uploaded"])
        r = self.run_export(check_rc=0)
        s2 = self.summary(r.stdout)
        self.assertEqual((s2["uploaded"], s2["skipped"]), (s["failed"], s["uploaded"]))
        for rel, data in files.items():
            self.assertEqual(self.get_object("ibsr/h1/snapshots/" + rel), data)

    def test_shipped_sources_map_to_distinct_keys(self):
        """The out-dirs packaging/etc/export.env exports, as the per-interface units fill them
        (MODE-DIR/IFACE/): every live mode writes a status.jsonl at the top of its out-dir,
        collect-payload its own counter snapshots in counters/, record-incident one directory
        per capture and gzipped pcaps in the archive."""
        lib = os.path.join(self.work, "var-lib-ibsr")
        files = {}
        want = {}
        for iface in ("eth0", "eth1"):
            f = {
                "snapshots/%s/snapshot_2026010100.jsonl": b'{"version":3,"c":"collect"}\n',
                "snapshots/%s/status.jsonl": b'{"cycle":7,"from":"collect"}\n',
                "snapshots-payload/%s/payload_2026010100.jsonl": b'{"version":1}\n',
                "snapshots-payload/%s/counters/snapshot_2026010100.jsonl":
                    b'{"version":3,"c":"collect-payload"}\n',
                "snapshots-payload/%s/status.jsonl": b'{"cycle":9,"from":"collect-payload"}\n',
                "incidents/%s/baseline-1/status.jsonl": b'{"cycle":1,"events_written":3}\n',
                "incidents/%s/baseline-1/packets.pcap": os.urandom(4000),
                "incidents-archive/%s/baseline-0.pcap.gz": os.urandom(500),
            }
            # Distinct contents per interface (a complete line: status.jsonl is uploaded up to
            # its last newline).
            files.update({rel % iface: iface.encode() + b" " + data for rel, data in f.items()})
            want.update({
                "ibsr/h1/snapshots/%s/snapshot_2026010100.jsonl" % iface:
                    "snapshots/%s/snapshot_2026010100.jsonl" % iface,
                "ibsr/h1/snapshots/%s/counters/snapshot_2026010100.jsonl" % iface:
                    "snapshots-payload/%s/counters/snapshot_2026010100.jsonl" % iface,
                "ibsr/h1/payload/%s/payload_2026010100.jsonl" % iface:
                    "snapshots-payload/%s/payload_2026010100.jsonl" % iface,
                "ibsr/h1/status/snapshots/%s/status.jsonl" % iface:
                    "snapshots/%s/status.jsonl" % iface,
                "ibsr/h1/status/snapshots-payload/%s/status.jsonl" % iface:
                    "snapshots-payload/%s/status.jsonl" % iface,
                "ibsr/h1/status/incidents/%s/baseline-1/status.jsonl" % iface:
                    "incidents/%s/baseline-1/status.jsonl" % iface,
            })
        for rel, data in files.items():
            self.make(rel, data, base=lib)
        shipped = shipped_units.exported_sources()
        self.assertEqual(shipped, ["/var/lib/ibsr/" + d for d in (
            "snapshots", "snapshots-payload", "incidents", "incidents-archive")])
        sources = [d.replace("/var/lib/ibsr", lib) for d in shipped]
        r = self.run_export("--dry-run", sources=sources, check_rc=0)
        would = re.findall(r"^would upload (\S+) -> s3://[^/]+/(\S+) \(", r.stdout, re.M)
        self.assertEqual(sorted(would), sorted((os.path.join(lib, rel), key)
                                               for key, rel in want.items()))
        r = self.run_export(sources=sources, check_rc=0)
        s = self.summary(r.stdout)
        # Both interfaces' pcaps, open and archived, stay on the host.
        self.assertEqual((s["uploaded"], s["pcaps_withheld"], s["failed"]), (12, 4, 0))
        self.assertEqual(self.list_keys(), sorted(want))
        for key, rel in want.items():
            self.assertEqual(self.get_object(key), files[rel], key)

    def test_two_files_for_one_key_refuse_the_run_before_any_request(self):
        a = os.path.join(self.work, "a", "snapshots")
        b = os.path.join(self.work, "b", "snapshots")
        self.make("status.jsonl", b'{"a":1}\n', base=a)
        self.make("snapshot_2026010100.jsonl", b"only in a\n", base=a)
        self.make("status.jsonl", b'{"b":1}\n', base=b)
        for extra in (["--dry-run"], []):
            r = self.run_export(*extra, sources=[a, b], check_rc=2)
            self.assertIn("error: refusing to start: '%s/status.jsonl' and '%s/status.jsonl' would "
                          "both be uploaded to the object key 'ibsr/h1/status/snapshots/status.jsonl'"
                          % (a, b), r.stderr)
            self.assertIn("give every --input its own directory name", r.stderr)
            self.assertEqual(r.stdout, "")  # no plan, no summary
            self.assertNotIn("credentials from", r.stderr)  # stopped before an S3 client existed
        self.assertEqual(self.list_keys(), [])
        self.assertFalse(os.path.exists(self.state))

    def test_overlapping_sources_are_refused(self):
        self.make("snapshot_2026010100.jsonl", b"x\n")
        self.make("sub/snapshot_2026010101.jsonl", b"y\n")
        sub = os.path.join(self.src, "sub")
        r = self.run_export(sources=[self.src, sub + "/"], check_rc=2)
        self.assertIn("error: refusing to start: --input '%s/' lies inside --input '%s': its files "
                      "would be uploaded twice, under two keys" % (sub, self.src), r.stderr)
        r = self.run_export(sources=[self.src, os.path.join(sub, "..")], check_rc=2)
        self.assertIn("are the same directory", r.stderr)
        self.assertEqual(self.list_keys(), [])

    def test_incident_pcaps_stay_on_the_host_unless_included(self):
        pcap, gz = os.urandom(5000), os.urandom(300)
        paths = [self.make("run-1/packets.pcap", pcap),
                 self.make("archive/run-0/packets.pcap.gz", gz)]
        self.make("run-1/status.jsonl", b'{"cycle":1}\n')
        self.make("snapshot_2026010100.jsonl", b"s\n")
        r = self.run_export("--delete-after-upload", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["pcaps_withheld"], s["deleted"], s["failed"]),
                         (2, 2, 1, 0))
        self.assertEqual(r.stderr.count("notice: 2 incident pcap file(s) stay on this host"), 1)
        self.assertEqual(self.list_keys(), ["ibsr/h1/snapshots/snapshot_2026010100.jsonl",
                                            "ibsr/h1/status/src/run-1/status.jsonl"])
        for p in paths:
            self.assertTrue(os.path.exists(p), p)  # never uploaded, so never deleted

        r = self.run_export("--include-pcaps", check_rc=0)
        s = self.summary(r.stdout)
        self.assertEqual((s["uploaded"], s["skipped"], s["pcaps_withheld"], s["failed"]),
                         (2, 1, 0, 0))
        self.assertNotIn("stay on this host", r.stderr)
        self.assertEqual(self.get_object("ibsr/h1/incidents/run-1/packets.pcap"), pcap)
        self.assertEqual(self.get_object("ibsr/h1/incidents/archive/run-0/packets.pcap.gz"), gz)

    def test_credentials_from_shared_file_profile(self):
        self.make("snapshot_2026010100.jsonl", b"from profile\n")
        creds = os.path.join(self.work, "credentials")
        with open(creds, "w") as f:
            f.write("[default]\naws_access_key_id = nobody\naws_secret_access_key = wrong\n\n"
                    "[pilot]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (self.server.env["AWS_ACCESS_KEY_ID"], self.server.env["AWS_SECRET_ACCESS_KEY"]))
        env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
               "AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_PROFILE": "pilot"}
        r = self.run_export(env=env, check_rc=0)
        self.assertIn("credentials from " + creds, r.stderr)
        self.assertEqual(self.get_object("ibsr/h1/snapshots/snapshot_2026010100.jsonl"), b"from profile\n")


class ExportServerOutageTest(ExportTestBase):
    """Stops the server in the middle of a run, then restarts it on the same port."""

    def test_server_stopped_mid_run_then_rerun_completes(self):
        files = {}
        for i in range(60):
            files["snapshot_20260101%02d.jsonl" % (i % 24) if i < 24 else
                  "incident-%02d/packets.pcap" % i] = os.urandom(200 * 1024)
        for rel, data in files.items():
            self.make(rel, data)
        e = dict(os.environ)
        e.update(self.server.env)
        e["HOME"] = self.work
        cmd = [EXPORT, "s3", "--bucket", self.bucket, "--endpoint", self.server.endpoint,
               "--prefix", "ibsr", "--host-id", "h1", "--input", self.src,
               "--state-file", self.state, "-v", "--max-retries", "2", "--retry-base-ms", "200",
               "--include-pcaps"]
        proc = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        first_upload = threading.Event()

        def pump():
            for line in proc.stderr:
                lines.append(line)
                if "uploaded " in line:
                    first_upload.set()
        reader = threading.Thread(target=pump)
        reader.start()
        try:
            self.assertTrue(first_upload.wait(60), "no upload before the outage: %s" % "".join(lines))
            self.server.crash_proxy()
            self.server.stop(keep=True)
            out = proc.stdout.read()
            rc = proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.join()
            proc.stdout.close()
            proc.stderr.close()
            self.server.start(port=self.server.port)
        err = "".join(lines)
        self.assertEqual(rc, 1, err)
        s = self.summary(out)
        self.assertGreater(s["uploaded"], 0)
        self.assertLess(s["uploaded"], len(files))
        self.assertEqual(s["uploaded"] + s["failed"], len(files))
        self.assertRegex(err, r"retry 1/2 in \d+ ms")
        self.assertRegex(err, r"retry 2/2 in \d+ ms")
        self.assertIn("(gave up after 3 attempts)", err)
        self.assertIn("not attempted: the endpoint failed for 3 files in a row", err)

        r = self.run_export("--include-pcaps", check_rc=0)
        s2 = self.summary(r.stdout)
        # The file in flight when the server died may have landed without being verified: the
        # rerun finds it in the bucket instead of uploading it again.
        # One file in flight per connection (--jobs, 4 by default).
        in_flight_landed = s2["skipped"] - s["uploaded"]
        self.assertIn(in_flight_landed, range(0, 5))
        self.assertEqual((s2["uploaded"], s2["failed"]), (s["failed"] - in_flight_landed, 0))
        keys = self.list_keys()
        self.assertEqual(len(keys), len(files))
        for rel, data in files.items():
            kind = "snapshots" if rel.startswith("snapshot_") else "incidents"
            self.assertEqual(self.get_object("ibsr/h1/%s/%s" % (kind, rel)), data, rel)


if __name__ == "__main__":
    unittest.main()
