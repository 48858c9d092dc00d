"""Least privilege on the real kernel, in network namespaces each test creates and removes: each
live mode started as a non-root user (nobody) with exactly the capabilities its unit grants
attaches, records the traffic exactly, and exits 0 on SIGTERM; one capability fewer fails at
start with exit 1 and a line naming the missing one; capabilities the kernel does not honour
(held only in a user namespace) fail at load with the likely capability named."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "incident"))
from collector import Collector  # noqa: E402
from counter_model import buckets_table, count  # noqa: E402
from ibsr_process import IBSR  # noqa: E402
from incident_lib import Recorder, expected_record, trigger  # noqa: E402
from netns import NsPair  # noqa: E402
from service_lib import (NOBODY, PayloadProcess, chown_tree, http_server,  # noqa: E402
                         payload_lines, send_frames, setpriv, spoofed_syns)
from tc_programs import ours_attached  # noqa: E402

from scapy.all import raw  # noqa: E402

PORT = 8080

# Exactly what the units grant (docs/operations.md, "Least privilege").
NEEDS = {
    "collect": ["bpf", "perfmon", "net_admin"],
    "collect-payload": ["bpf", "perfmon", "net_admin"],
    "record-incident": ["bpf", "net_admin"],
}


class PrivilegeTestBase(unittest.TestCase):
    def setUp(self):
        self.pair = NsPair().setup()
        self.addCleanup(self.pair.teardown)
        for ns, ifc in ((self.pair.srv, self.pair.srv_if), (self.pair.cli, self.pair.cli_if)):
            self.pair.ns(ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % ifc)
        self.tmp = tempfile.mkdtemp(prefix="ibsr-privilege-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.chmod(self.tmp, 0o755)
        # What the unit's StateDirectory= and RuntimeDirectory= give the ibsr user.
        self.state = os.path.join(self.tmp, "state")
        self.runtime = os.path.join(self.tmp, "run")
        os.mkdir(self.state)
        os.mkdir(self.runtime)
        chown_tree(self.tmp)

    def as_nobody(self, proc, caps):
        proc.wrap = setpriv(caps)
        proc.env = dict(os.environ, RUNTIME_DIRECTORY=self.runtime)
        self.addCleanup(proc.kill)
        return proc

    def assert_owned_by_nobody(self, root):
        for path in [root] + glob.glob(os.path.join(root, "**"), recursive=True):
            self.assertEqual(os.stat(path).st_uid, NOBODY, path)


class NonRootWithExactCapabilities(PrivilegeTestBase):
    def test_collect(self):
        out = os.path.join(self.state, "snapshots")
        c = self.as_nobody(Collector(self.pair, out, [PORT], "--snapshot-interval-sec", 3600),
                           NEEDS["collect"])
        # No locked-memory allowance at all: Linux >= 5.11 charges BPF memory to the cgroup.
        c.wrap += ["prlimit", "--memlock=0:0"]
        c.start()
        self.assertTrue(self.pair.xdp_attached())
        frames = spoofed_syns(self.pair, PORT, {100: 5, 101: 3})
        send_frames(self, self.pair, frames)
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertFalse(self.pair.xdp_attached())
        [snap] = c.snapshots()
        self.assertEqual(buckets_table(snap), count([raw(f) for f in frames], [PORT]))
        self.assertEqual(sum(b["syn"] for b in snap["buckets"]), 8)
        self.assert_owned_by_nobody(out)

    def test_collect_payload(self):
        out = os.path.join(self.state, "payload")
        p = self.as_nobody(PayloadProcess(
            self.pair, ["collect-payload", "-i", self.pair.srv_if, "-p", PORT, "--out-dir", out,
                        "--snapshot-interval-sec", 3600]), NEEDS["collect-payload"])
        p.start()
        self.assertTrue(self.pair.xdp_attached())
        self.assertEqual(len(ours_attached(self.pair)), 2)
        http_server(self, self.pair, PORT, 4)
        self.assertEqual(p.stop(), 0, p.stderr())
        self.assertEqual(ours_attached(self.pair), [])
        self.assertFalse(self.pair.xdp_attached())
        lines = payload_lines(out)
        [line] = lines
        [src] = line["sources"]
        self.assertEqual((src["src_ip"], src["requests"], src["responses"]),
                         (self.pair.cli_ip, 4, 4))
        self.assertEqual(src["http_status"].get("2xx"), 4)
        # The counters of the same run: 4 connections, one SYN each.
        with open(glob.glob(os.path.join(out, "counters", "snapshot_*.jsonl"))[0]) as f:
            [snap] = [json.loads(l) for l in f]
        self.assertEqual([b["syn"] for b in snap["buckets"]], [4])
        self.assert_owned_by_nobody(out)

    def test_record_incident(self):
        out = os.path.join(self.state, "incidents")
        sock = os.path.join(self.runtime, "trigger.sock")
        r = self.as_nobody(Recorder(self.pair, out, "--sample-rate", 1, "--trigger-socket", sock),
                           NEEDS["record-incident"])
        r.start()
        self.assertEqual(len(ours_attached(self.pair)), 2)
        self.assertEqual(os.stat(sock).st_uid, NOBODY)
        reply = trigger(sock, {"action": "status"})
        self.assertEqual((reply["ok"], reply["status"]["rate"]), (True, 1))
        frames = spoofed_syns(self.pair, PORT, {110: 7}, dst_host=99)
        send_frames(self, self.pair, frames)
        r.wait_records(7)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual(ours_attached(self.pair), [])
        self.assertEqual([x.key() for x in r.records()],
                         [expected_record(bytes(f)) for f in frames])
        self.assertFalse(os.path.exists(sock))
        self.assert_owned_by_nobody(out)


class OneCapabilityFewer(PrivilegeTestBase):
    def args(self, mode):
        out = os.path.join(self.state, mode)
        if mode == "record-incident":
            return [mode, "-i", self.pair.srv_if, "-o", out]
        return [mode, "-i", self.pair.srv_if, "-p", str(PORT), "--out-dir", out]

    def test_each_missing_capability_is_named_at_start(self):
        for mode, caps in NEEDS.items():
            for missing in caps:
                have = [c for c in caps if c != missing]
                r = subprocess.run(
                    ["ip", "netns", "exec", self.pair.srv] + setpriv(have) + [IBSR] +
                    self.args(mode), env=dict(os.environ, RUNTIME_DIRECTORY=self.runtime),
                    capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 1, (mode, missing, r.stderr))
                need = ", ".join("CAP_" + c.upper() for c in caps[:-1]) + " and CAP_" + \
                    caps[-1].upper()
                self.assertEqual(
                    r.stderr, "ibsr: error: ibsr %s needs %s; missing CAP_%s (run as root or "
                    "grant them, e.g. systemd's AmbientCapabilities=)\n"
                    % (mode, need, missing.upper()))
                self.assertFalse(self.pair.xdp_attached())
                self.assertEqual(ours_attached(self.pair), [])

    def test_capabilities_only_in_a_user_namespace_fail_at_load_naming_them(self):
        # Root inside a new user namespace holds every capability there, so the start-up check
        # passes, but the kernel honours CAP_BPF only in the initial namespace: the load's EPERM
        # is reported with what is likely missing.
        os.chmod(self.state, 0o777)
        os.chmod(self.runtime, 0o777)
        for mode in NEEDS:
            r = subprocess.run(["ip", "netns", "exec", self.pair.srv, "unshare", "--user",
                                "--map-root-user", IBSR] + self.args(mode),
                               env=dict(os.environ, RUNTIME_DIRECTORY=self.runtime),
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            last = r.stderr.strip().splitlines()[-1]
            self.assertEqual(
                last, "ibsr: error: BPF program failed to load (kernel verifier log above): "
                "Operation not permitted (loading needs CAP_BPF, CAP_NET_ADMIN (and for the "
                "counter program CAP_PERFMON) in the initial user namespace, and on Linux < 5.11 "
                "a locked-memory limit large enough for the maps (LimitMEMLOCK=infinity))")
            self.assertFalse(self.pair.xdp_attached())


if __name__ == "__main__":
    unittest.main()
