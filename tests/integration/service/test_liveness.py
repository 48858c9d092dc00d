"""The live modes under systemd's eyes, on the real kernel in network namespaces each test
creates and removes: READY=1 once attached, WATCHDOG=1 every cycle (and between cycles when the
interval is longer than half the watchdog), STATUS= lines that match what was written,
STOPPING=1 on SIGTERM; and journald priority prefixes only when stderr is the journal."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "incident"))
from collector import Collector  # noqa: E402
from ibsr_process import IBSR  # noqa: E402
from incident_lib import Recorder, expected_record  # noqa: E402
from netns import NsPair, wait_for  # noqa: E402
from service_lib import (NotifyListener, PayloadProcess, http_server, notify_env,  # noqa: E402
                         payload_lines, send_frames, spoofed_syns, watchdog_gaps)
from tc_programs import ours_attached  # noqa: E402

PORT = 8080


def line_count(path):
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return sum(1 for _ in f)


class ServiceTestBase(unittest.TestCase):
    def setUp(self):
        self.pair = NsPair().setup()
        self.addCleanup(self.pair.teardown)
        self.tmp = tempfile.mkdtemp(prefix="ibsr-service-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.notify = NotifyListener(self.tmp)
        self.addCleanup(self.notify.close)

    def start(self, proc, watchdog_usec):
        proc.env = notify_env(self.notify, watchdog_usec)
        self.addCleanup(proc.kill)
        proc.start(wait_attached=False)
        self.notify.wait_message(lambda m: m.startswith("READY=1") or proc.proc.poll() is not None,
                                 what="READY=1")
        self.assertIsNone(proc.proc.poll(), proc.stderr())
        return proc

    def check_sequence(self, texts, label):
        """READY first, then the numbered cycles 1..k each with WATCHDOG=1, STOPPING=1, then the
        final cycle k+1 as a status only. Returns the status texts of the cycles, in order."""
        self.assertTrue(texts[0].startswith("READY=1\nSTATUS=attached to "), texts[0])
        cycles = [t for t in texts if re.match(r"(WATCHDOG=1\n)?STATUS=%s \d+:" % label, t)]
        stop = texts.index("STOPPING=1\nSTATUS=stopping")
        before = [t for t in cycles if texts.index(t) < stop]
        after = [t for t in cycles if texts.index(t) > stop]
        self.assertGreaterEqual(len(before), 2, texts)
        self.assertEqual(len(after), 1, texts)
        for i, t in enumerate(before, 1):
            self.assertTrue(t.startswith("WATCHDOG=1\nSTATUS=%s %d:" % (label, i)), t)
        self.assertTrue(after[0].startswith("STATUS=%s %d:" % (label, len(before) + 1)),
                        after[0])
        # After STOPPING=1 nothing pets the watchdog any more.
        self.assertFalse([t for t in texts[stop + 1:] if "WATCHDOG=1" in t.split("\n")], texts)
        return [t.split("STATUS=", 1)[1] for t in before + after]


class Liveness(ServiceTestBase):
    def test_collect_ready_after_attach_pets_every_cycle_stops_on_sigterm(self):
        out = os.path.join(self.tmp, "out")
        c = Collector(self.pair, out, [PORT], "--snapshot-interval-sec", 1)
        self.start(c, 4000000)
        # READY=1 is sent only after the bpf_link exists: the program is on the interface now.
        self.assertTrue(self.pair.xdp_attached())
        send_frames(self, self.pair, spoofed_syns(self.pair, PORT, {100: 4, 101: 2, 102: 1}))
        c.wait_cycles(3)
        self.assertEqual(c.stop(), 0, c.stderr())
        texts = self.notify.texts()
        statuses = self.check_sequence(texts, "cycle")
        # Each status line names that cycle's snapshot: its number of sources, no write errors.
        snaps = c.snapshots()
        self.assertEqual(len(snaps), len(statuses))
        for status, snap in zip(statuses, snaps):
            sources = len({b["key_value"] for b in snap["buckets"]})
            self.assertRegex(status, r"^cycle \d+: %d sources, 0 write errors$" % sources)
        self.assertTrue(statuses[-1].endswith(": 3 sources, 0 write errors"), statuses[-1])
        self.assertEqual(len(c.status()), len(statuses))
        # WatchdogSec=4 s: every pet well inside half of it (a cycle each second).
        gaps = watchdog_gaps(self.notify.messages())
        self.assertTrue(gaps)
        self.assertLess(max(gaps), 2.0, gaps)

    def test_interval_longer_than_the_watchdog_still_pets_in_time(self):
        out = os.path.join(self.tmp, "out")
        c = Collector(self.pair, out, [PORT], "--snapshot-interval-sec", 3600)
        self.start(c, 1500000)  # WatchdogSec=1.5 s against a one-hour interval
        time.sleep(3.2)
        self.assertEqual(c.stop(), 0, c.stderr())
        texts = self.notify.texts()
        pets = [t for t in texts if t == "WATCHDOG=1"]
        self.assertGreaterEqual(len(pets), 5, texts)  # every 0.5 s for 3.2 s
        self.assertLess(max(watchdog_gaps(self.notify.messages())), 0.75)
        self.assertIn("STOPPING=1\nSTATUS=stopping", texts)
        # The only cycle is the final one after the stop request: a status, no pet.
        self.assertEqual([t for t in texts if "STATUS=cycle" in t],
                         ["STATUS=cycle 1: 0 sources, 0 write errors"])

    def test_collect_payload(self):
        out = os.path.join(self.tmp, "out")
        p = PayloadProcess(self.pair, ["collect-payload", "-i", self.pair.srv_if, "-p", PORT,
                                       "--out-dir", out, "--snapshot-interval-sec", 1])
        self.start(p, 4000000)
        self.assertTrue(self.pair.xdp_attached())
        self.assertEqual(len(ours_attached(self.pair)), 2)  # TC ingress and egress
        http_server(self, self.pair, PORT, 3)
        status_path = os.path.join(out, "status.jsonl")
        wait_for(lambda: line_count(status_path) >= 3, timeout=30, what="3 intervals")
        self.assertEqual(p.stop(), 0, p.stderr())
        statuses = self.check_sequence(self.notify.texts(), "interval")
        lines = payload_lines(out)
        self.assertEqual(len(lines), len(statuses))
        for status, line in zip(statuses, lines):
            self.assertRegex(status, r"^interval \d+: %d sources, \d+ flows, 0 ring-buffer drops$"
                             % len(line["sources"]))
        self.assertEqual(sum(s["requests"] for l in lines for s in l["sources"]), 3)
        self.assertLess(max(watchdog_gaps(self.notify.messages())), 2.0)

    def test_record_incident(self):
        # IPv6 off, so the kernel sends nothing of its own: every captured frame is ours.
        for ns, ifc in ((self.pair.srv, self.pair.srv_if), (self.pair.cli, self.pair.cli_if)):
            self.pair.ns(ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % ifc)
        out = os.path.join(self.tmp, "incidents")
        r = Recorder(self.pair, out, "--sample-rate", 1, "--status-interval-sec", 1)
        self.start(r, 4000000)
        self.assertEqual(len(ours_attached(self.pair)), 2)  # TC ingress and egress
        frames = spoofed_syns(self.pair, PORT, {110: 12}, dst_host=99)
        send_frames(self, self.pair, frames)
        r.wait_records(12)
        wait_for(lambda: len(r.status()) >= 2, timeout=20, what="2 heartbeats")
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual([x.key() for x in r.records()],
                         [expected_record(bytes(f)) for f in frames])
        statuses = self.check_sequence(self.notify.texts(), "cycle")
        self.assertEqual(len(statuses), len(r.status()))
        self.assertRegex(statuses[-1], r"^cycle \d+: 12 packets written to .*, 0 ring-buffer drops$")
        self.assertLess(max(watchdog_gaps(self.notify.messages())), 2.0)

    def test_without_notify_socket_nothing_changes(self):
        # No NOTIFY_SOCKET (a run by hand): the mode runs, writes, and exits as before.
        out = os.path.join(self.tmp, "out")
        c = Collector(self.pair, out, [PORT], "--snapshot-interval-sec", 1)
        self.addCleanup(c.kill)
        c.env = dict(os.environ, WATCHDOG_USEC="1000000")
        c.env.pop("NOTIFY_SOCKET", None)
        c.start()
        c.wait_cycles(2)
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertEqual(self.notify.texts(), [])


class JournalPrefixes(ServiceTestBase):
    def run_collect(self, stream_of):
        """Runs collect for a second with stderr in a file; JOURNAL_STREAM from stream_of(stat)."""
        path = os.path.join(self.tmp, "stderr")
        with open(path, "w") as f:
            st = os.fstat(f.fileno())
            env = dict(os.environ, JOURNAL_STREAM=stream_of(st))
            rc = subprocess.run(
                ["ip", "netns", "exec", self.pair.srv, IBSR, "collect", "-i", self.pair.srv_if,
                 "-p", str(PORT), "--out-dir", os.path.join(self.tmp, "out"), "--duration-sec",
                 "1", "--xdp-mode", "native"], env=env, stdout=subprocess.DEVNULL, stderr=f,
                timeout=60).returncode
        self.assertEqual(rc, 0)
        with open(path) as f:
            return f.read().splitlines()

    def test_prefix_when_stderr_is_the_journal_stream(self):
        lines = self.run_collect(lambda st: "%d:%d" % (st.st_dev, st.st_ino))
        # Native XDP on a veth warns (docs/collect.md, "XDP mode"): priority 4.
        self.assertTrue(any(l.startswith("<4>ibsr: warning: native XDP on veth") for l in lines),
                        lines)
        self.assertTrue(any(l.startswith("<5>ibsr: notice: attached XDP") for l in lines), lines)
        self.assertTrue(all(re.match(r"<[3-7]>ibsr: ", l) for l in lines), lines)

    def test_no_prefix_when_the_stream_is_another_file(self):
        lines = self.run_collect(lambda st: "%d:%d" % (st.st_dev, st.st_ino + 1))
        self.assertTrue(any(l.startswith("ibsr: warning: native XDP on veth") for l in lines),
                        lines)
        self.assertTrue(all(l.startswith("ibsr: ") for l in lines), lines)


if __name__ == "__main__":
    unittest.main()
