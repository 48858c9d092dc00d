"""The pilot host in compressed time, with faults: ibsr collect, collect-payload and
record-incident on one interface with traffic, ibsr-export every few seconds to a local S3 server,
all writing to one small filesystem. During the run each process is killed with SIGKILL once and
restarted, S3 goes away for a while, the output filesystem is filled and freed again, and the
collectors' clock crosses an hour boundary.

At the end, with the shipped defaults (export-aware retention, disk budgets, no pcaps leave):
  - every line a collector wrote is in S3 exactly once, byte-identical, or lies in a file the
    disk budget deleted before it landed, and the collector counted those bytes;
  - no object key was written from two local files (the exporter never refused, and every key
    always named the same local file);
  - the disk use of each writer never exceeded its budget;
  - a SIGKILLed process left none of its XDP or TC programs attached (TCX links, Linux >= 6.6);
  - no pcap and no byte of the HTTP traffic is in S3.

SIGTERM or SIGINT (a stopped CI job, Ctrl-C, ctest >= 3.27's timeout signal) ends the test as an
error and runs the same cleanup as a normal end: processes, S3 server, network namespaces, the
tmpfs and the directory under /tmp. (Only SIGKILL, ctest < 3.27's timeout, leaves them behind.)
"""
import collections
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from collector import IBSR  # noqa: E402
from ibsr_process import IbsrProcess  # noqa: E402
from netns import NsPair, run, wait_for  # noqa: E402
from s3_server import S3Server  # noqa: E402
from tc_programs import tcx_programs  # noqa: E402

BUILD_DIR = os.path.dirname(os.path.dirname(os.path.dirname(IBSR)))
EXPORT = os.path.join(BUILD_DIR, "src/export/ibsr-export")
PORT = 8080
MARKER = "ibsrsoakmarker7f3a"  # in every request path; must never reach S3
BUCKET = "soak"
HOST = "soak-host"
COLLECT_BUDGET = 50000  # small enough that the budget deletes and drops during the run (with
# the IPv6 companion snapshot6_ lines, about 230 bytes a cycle even with no IPv6 traffic)
INCIDENT_PCAP = 65536
INCIDENT_BUDGET = 4 * INCIDENT_PCAP
PAYLOAD_BUDGET = 200000  # collect-payload gives half to its payload files, half to counters/


class Terminated(Exception):
    """A SIGTERM or SIGINT, raised where the main thread is: an Exception, not a BaseException,
    so that unittest records the test as an error and still runs tearDown and the cleanups
    (a KeyboardInterrupt would skip them)."""


def raise_terminated(signum, frame):
    raise Terminated("stopped by %s" % signal.Signals(signum).name)


@contextlib.contextmanager
def signals_deferred():
    """A signal that arrives during cleanup must not cut a cleanup step short: it is held until
    the cleanup is over, and then ends the test run."""
    caught = []
    old = {s: signal.signal(s, lambda signum, frame: caught.append(signum))
           for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    if caught:
        raise Terminated("stopped by %s during cleanup" % signal.Signals(caught[0]).name)


class Mode(IbsrProcess):
    READY = "attached"


class Stream:
    """One writer's hourly files: where they are, what its budget is, where they go in S3.
    prefixes: the hourly families it writes under one budget, the one its heartbeat's
    snapshots_written counts first (collect: snapshot_, then its IPv6 companion snapshot6_)."""

    def __init__(self, name, out_dir, prefixes, budget, key_folder):
        self.name, self.dir, self.prefixes, self.budget = name, out_dir, prefixes, budget
        self.key_folder = key_folder
        self.max_used = 0
        self.shadow = {}  # inode -> hard link keeping every version ever written

    def hourly(self):
        pattern = re.compile(r"^(%s)\d{10}\.jsonl$" % "|".join(map(re.escape, self.prefixes)))
        with contextlib.suppress(FileNotFoundError):
            return sorted(n for n in os.listdir(self.dir) if pattern.match(n))
        return []

    def sample(self, shadow_dir):
        used = 0
        for name in self.hourly() + ["status.jsonl"]:
            path = os.path.join(self.dir, name)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            used += st.st_size
            if name != "status.jsonl" and st.st_ino not in self.shadow:
                link = os.path.join(shadow_dir, "%s-%s.%d" % (self.name, name, st.st_ino))
                with contextlib.suppress(FileNotFoundError):
                    os.link(path, link)
                    self.shadow[st.st_ino] = (name, link)
        self.max_used = max(self.max_used, used)

    def runs(self):
        """The last heartbeat of each collector run (a restart starts again at cycle 1)."""
        last = []
        with open(os.path.join(self.dir, "status.jsonl")) as f:
            for line in f:
                h = json.loads(line)
                if h["cycle"] == 1 or not last:
                    last.append(h)
                else:
                    last[-1] = h
        return last


class SoakTest(unittest.TestCase):
    def setUp(self):
        for exe in (IBSR, EXPORT):
            if not os.access(exe, os.X_OK):
                raise RuntimeError("not built: " + exe)
        # Each cleanup is registered before what it undoes is made (each copes with finding
        # nothing), so a signal in between leaves nothing behind.
        self.root = tempfile.mkdtemp(prefix="ibsr-soak-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.pair = NsPair()
        self.addCleanup(self.pair.teardown)
        self.pair.setup()
        # The pilot host's /var/lib/ibsr: one small filesystem that the test can fill.
        self.var = os.path.join(self.root, "var")
        os.makedirs(self.var)
        self.addCleanup(self.unmount_var)
        run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", self.var)
        self.shadow_dir = os.path.join(self.var, ".shadow")  # same fs: hard links
        os.makedirs(self.shadow_dir)
        self.state = os.path.join(self.var, "export-state.json")
        self.server = S3Server(self.root)
        self.addCleanup(self.server.stop)
        self.server.start()
        status, body = self.server.curl("PUT", "/" + BUCKET, os.path.join(self.root, "mk.out"))
        self.assertEqual(status, 200, body)
        self.procs = []
        self.threads = []
        self.addCleanup(self.kill_all)
        self.stop = threading.Event()
        self.errors = []

    def doCleanups(self):
        with signals_deferred():
            return super().doCleanups()

    def unmount_var(self):
        # Lazy: a process that has not yet died must not keep the tmpfs mounted for ever.
        if os.path.ismount(self.var):
            run("umount", "-l", self.var, check=False)

    def kill_all(self):
        self.stop.set()
        # The exporter loop's run in flight (bounded by its own timeouts) and the traffic loop's
        # last request end before the server and the namespaces they use go away; then no thread
        # can start another process.
        for t in self.threads:
            t.join(130)
        for p in self.procs:
            with contextlib.suppress(Exception):
                p.kill()
                p.wait(10)

    # ------------------------------------------------------------------ the host's processes
    def mode(self, args):
        m = Mode(self.pair, args)
        try:
            m.start()
        finally:  # also when the wait for it to attach is cut short
            if m.proc is not None:
                self.procs.append(m.proc)
        return m

    def start_collect(self):
        return self.mode(["collect", "-i", self.pair.srv_if, "-p", PORT, "--out-dir", self.snap.dir,
                          "--snapshot-interval-sec", 1, "--max-files", 2, "--max-age-sec", 1,
                          "--max-disk-bytes", COLLECT_BUDGET, "--export-state", self.state,
                          "--xdp-mode", "generic", "--test-clock-offset-sec", self.offset,
                          # Its byte accounting follows the .jsonl files as written; compression
                          # is covered by the collect and export tests.
                          "--no-compress-closed"])

    def start_payload(self):
        return self.mode(["collect-payload", "-i", self.pair.srv_if, "-p", PORT,
                          "--no-xdp-counters",  # as shipped: ibsr collect owns the XDP slot
                          "--out-dir", self.payload.dir, "--snapshot-interval-sec", 1,
                          "--max-files", 2, "--max-age-sec", 1, "--max-disk-bytes", PAYLOAD_BUDGET,
                          "--export-state", self.state,
                          "--test-clock-offset-sec", self.offset, "--no-compress-closed"])

    def start_incident(self):
        # As shipped: rotation, a disk budget, addresses scrubbed with a salt kept on the host.
        return self.mode(["record-incident", "-i", self.pair.srv_if, "-o", self.incidents,
                          "--tag", "baseline", "--sample-rate", 5,
                          "--max-pcap-bytes", INCIDENT_PCAP, "--max-disk-bytes", INCIDENT_BUDGET,
                          "--scrub-ip-salt-file", os.path.join(self.var, "scrub-salt"),
                          "--status-interval-sec", 1])

    def kill9(self, m):
        m.proc.kill()
        m.proc.wait(10)

    def tc_attached(self, prefix):
        return [n for names in tcx_programs(self.pair).values() for n in names
                if n.startswith(prefix)]

    def xdp_attached(self):
        out = self.pair.ns(self.pair.srv, "ip", "-d", "link", "show", self.pair.srv_if,
                           capture=True).stdout
        return "xdp" in out

    # ------------------------------------------------------------------ background work
    def traffic(self):
        srv = self.pair.popen(self.pair.srv, "/usr/bin/python3", "-m", "http.server", str(PORT),
                              "--bind", self.pair.srv_ip, "--directory", self.root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(srv)
        for i in range(5000):  # bounded; normally ended by self.stop long before
            if self.stop.is_set():
                return
            self.pair.ns(self.pair.cli, "curl", "-s", "-o", "/dev/null", "--max-time", "2",
                         "http://%s:%d/%s-%d" % (self.pair.srv_ip, PORT, MARKER, i), check=False)
            if i % 20 == 0:  # a few spoofed SYNs: sources that never complete a handshake
                self.pair.ns(self.pair.cli, "hping3", "-q", "-S", "-p", str(PORT), "-c", "20",
                             "-i", "u2000", "-a", "10.199.%d.%d" % (self.pair.subnet, 50 + i % 7),
                             self.pair.srv_ip, check=False, capture=True)
            time.sleep(0.05)

    def incident_bytes(self):
        total = 0
        for dirpath, _, files in os.walk(self.incidents):
            for f in files:
                with contextlib.suppress(FileNotFoundError):
                    total += os.stat(os.path.join(dirpath, f)).st_size
        return total

    def sampler(self):
        while not self.stop.is_set():
            for s in self.streams:
                s.sample(self.shadow_dir)
            self.incident_max = max(self.incident_max, self.incident_bytes())
            time.sleep(0.05)

    def exporter_loop(self):
        while not self.stop.is_set():
            self.export_once()
            self.stop.wait(2)

    def export_once(self):
        e = dict(os.environ)
        for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE"):
            e.pop(k, None)
        e.update(self.server.env)
        e["HOME"] = self.root
        r = subprocess.run([EXPORT, "s3", "--bucket", BUCKET, "--endpoint", self.server.endpoint,
                            "--prefix", "ibsr", "--host-id", HOST, "--input", self.snap.dir,
                            "--input", self.payload.dir, "--input", self.incidents,
                            # Compressed time: the collectors' clock runs ahead of the
                            # exporter's, whose "current hour" means nothing here.
                            "--state-file", self.state, "--min-age-sec", "0", "--include-open",
                            "--max-retries", "1", "--retry-base-ms", "50"],
                           env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=120)
        self.export_rcs.append(r.returncode)
        if r.returncode == 2:
            self.errors.append("exporter refused to run: " + r.stderr)
        with contextlib.suppress(FileNotFoundError, ValueError):
            with open(self.state) as f:
                for dest, o in json.load(f)["objects"].items():
                    if self.key_owner.setdefault(dest, o["path"]) != o["path"]:
                        self.errors.append("%s written from %s and %s"
                                           % (dest, self.key_owner[dest], o["path"]))
        return r

    # ------------------------------------------------------------------ S3 read-back
    def s3_get(self, key):
        status, body = self.server.curl("GET", "/%s/%s" % (BUCKET, key),
                                        os.path.join(self.root, "get.out"))
        self.assertEqual(status, 200, key)
        return body

    def s3_keys(self):
        keys, marker = [], ""
        while True:
            status, body = self.server.curl("GET", "/%s?marker=%s" % (BUCKET, marker),
                                            os.path.join(self.root, "list.out"))
            self.assertEqual(status, 200, body[:300])
            page = re.findall(r"<Key>([^<]*)</Key>", body.decode())
            keys += page
            if b"<IsTruncated>true</IsTruncated>" not in body or not page:
                return sorted(keys)
            marker = page[-1]

    # ------------------------------------------------------------------ the test
    def test_pilot_under_faults(self):
        now = int(time.time())
        # The collectors' clock crosses an hour boundary ~35 s into the run (during the outage).
        self.offset = (3600 - now % 3600) - 35
        self.snap = Stream("collect", os.path.join(self.var, "snapshots"),
                           ("snapshot_", "snapshot6_"), COLLECT_BUDGET, "snapshots")
        self.payload = Stream("payload", os.path.join(self.var, "snapshots-payload"),
                              ("payload_",), PAYLOAD_BUDGET // 2, "payload")
        self.streams = [self.snap, self.payload]
        self.incidents = os.path.join(self.var, "incidents")
        self.export_rcs, self.key_owner = [], {}
        self.incident_max = 0
        kills = {"collect": 0, "payload": 0}

        collect = self.start_collect()  # first: it owns the XDP slot, collect-payload uses TC
        payload = self.start_payload()
        incident = self.start_incident()
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (self.traffic, self.sampler, self.exporter_loop)]
        self.threads = threads
        for t in threads:
            t.start()
        t0 = time.time()

        def at(sec):
            time.sleep(max(0, t0 + sec - time.time()))

        at(8)
        self.kill9(collect)
        kills["collect"] += 1
        wait_for(lambda: not self.xdp_attached(), timeout=10, what="XDP gone after SIGKILL")
        collect = self.start_collect()
        at(14)
        self.assertTrue(self.tc_attached("ibsr_payload"))
        self.kill9(payload)
        kills["payload"] += 1
        # TCX links die with their process (Linux >= 6.6, as here): nothing of ours stays.
        wait_for(lambda: not self.tc_attached("ibsr_payload"), timeout=10,
                 what="collect-payload's TC programs gone after SIGKILL")
        payload = self.start_payload()
        at(20)
        self.assertTrue(self.tc_attached("ibsr_incident"))
        self.kill9(incident)
        wait_for(lambda: not self.tc_attached("ibsr_incident"), timeout=10,
                 what="record-incident's TC programs gone after SIGKILL")
        self.assertTrue(self.tc_attached("ibsr_payload"))  # the other mode is untouched
        incident = self.start_incident()
        at(26)
        self.server.crash_proxy()
        self.server.stop(keep=True)
        at(42)
        self.server.start(port=self.server.port)
        at(48)
        filler = os.path.join(self.var, "filler")
        run("dd", "if=/dev/zero", "of=" + filler, "bs=64k", check=False, capture=True)
        at(56)
        os.unlink(filler)
        at(64)
        self.stop.set()
        for t in threads:
            t.join(60)
        for m in (collect, payload, incident):
            self.assertEqual(m.stop(), 0, m.stderr())
        for s in self.streams:
            s.sample(self.shadow_dir)
        for _ in range(10):  # the last lines, now that nothing writes any more
            r = self.export_once()
            if r.returncode == 0:
                break
            time.sleep(1)
        self.assertEqual(r.returncode, 0, r.stderr)

        self.assertEqual(self.errors, [])
        self.assertIn(1, self.export_rcs, "the S3 outage was never seen by the exporter")
        keys = self.s3_keys()
        for s in self.streams:
            self.check_stream(s, keys, kills[s.name])
        self.assertLessEqual(self.incident_max, INCIDENT_BUDGET, "record-incident over its budget")
        self.assertGreater(self.incident_max, 0)
        self.check_nothing_private(keys)
        self.check_status_landed(keys)

    def check_stream(self, s, keys, kills):
        self.assertLessEqual(s.max_used, s.budget, "%s over its disk budget" % s.name)
        prefix = "ibsr/%s/%s/" % (HOST, s.key_folder)
        objects = {k[len(prefix):]: self.s3_get(k) for k in keys if k.startswith(prefix)}
        self.assertTrue(objects, "nothing of %s landed" % s.name)
        written = {}  # file name -> final content of the inode that carried it
        for name, link in s.shadow.values():
            with open(link, "rb") as f:
                self.assertNotIn(name, written, "two files named %s" % name)
                written[name] = f.read()
        s3_lines, lost_bytes, ever = [], 0, 0
        for name, data in written.items():
            if name.startswith(s.prefixes[0]):  # the lines snapshots_written counts
                ever += data.count(b"\n")
            local = os.path.join(s.dir, name)
            got = objects.get(name, b"")
            if os.path.exists(local):
                self.assertEqual(got, data, "%s: S3 differs from the local file" % name)
            else:  # deleted: by retention (landed whole) or by the budget (maybe not landed)
                self.assertTrue(data.startswith(got), "%s: S3 holds lines never written" % name)
                lost_bytes += len(data) - len(got)
        for name, got in objects.items():
            self.assertIn(name, written, "%s in S3 was never written locally" % name)
            s3_lines += got.splitlines()
        # Two lines may be byte-identical (a final snapshot in the same second as the last
        # cycle, with no traffic in between): compare as multisets.
        everything = collections.Counter(l for d in written.values() for l in d.splitlines())
        extra = collections.Counter(s3_lines) - everything
        self.assertFalse(extra, "%s: lines in S3 more often than written: %r" % (s.name, extra))
        runs = s.runs()
        self.assertEqual(len(runs), kills + 1, "runs of %s" % s.name)
        reported = sum(h["snapshots_written"] for h in runs)
        budget_deleted = sum(h["budget_deleted_bytes"] for h in runs)
        self.assertLessEqual(lost_bytes, budget_deleted,
                             "%s: %d bytes never landed, the budget counted %d"
                             % (s.name, lost_bytes, budget_deleted))
        # A SIGKILL between a line and its heartbeat leaves that line uncounted.
        self.assertLessEqual(reported, ever)
        self.assertLessEqual(ever, reported + kills)
        self.assertGreater(sum(h["write_errors"] for h in runs), 0, "the full disk was not seen")
        print("%s: %d lines written in %d files, %d in S3; budget %d, peak use %d; budget "
              "deleted %d files / %d bytes (%d never landed), dropped %d lines"
              % (s.name, ever, len(written), len(s3_lines), s.budget, s.max_used,
                 sum(h["budget_deleted_files"] for h in runs), budget_deleted, lost_bytes,
                 sum(h["budget_dropped_lines"] for h in runs)), file=sys.stderr)

    def check_nothing_private(self, keys):
        for k in keys:
            self.assertFalse(k.endswith(".pcap") or k.endswith(".pcap.gz"), k)
            self.assertNotIn(MARKER.encode(), self.s3_get(k), k)

    def check_status_landed(self, keys):
        for s in self.streams:
            key = "ibsr/%s/status/%s/status.jsonl" % (HOST, os.path.basename(s.dir))
            self.assertIn(key, keys)
            with open(os.path.join(s.dir, "status.jsonl"), "rb") as f:
                self.assertEqual(self.s3_get(key), f.read())


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, raise_terminated)
    signal.signal(signal.SIGINT, raise_terminated)
    unittest.main()
