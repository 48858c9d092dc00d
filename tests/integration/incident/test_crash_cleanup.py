"""Crash cleanup on a kernel with TCX (this machine: 6.18): the TC programs of record-incident and
collect-payload are TCX links owned by the process, so kill -9 leaves nothing of ours attached
and no clsact qdisc behind; the three modes still run together on one interface beside a foreign
clsact filter, which keeps seeing every packet (our programs return TC_ACT_UNSPEC, "next")."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "payload"))
from incident_lib import IncidentTestBase, expected_record, wait_for  # noqa: E402
from collector import Collector  # noqa: E402
from tc_programs import clsact_text, force_clsact, ours_attached, tcx_programs  # noqa: E402
from test_payload import PayloadCollector  # noqa: E402

from scapy.all import IP, TCP  # noqa: E402

PORT = 8545
# A foreign classic-BPF classifier that matches nothing (returns 0): traffic continues to the
# stack. The only classifier built into this kernel besides eBPF ones (and no actions).
FOREIGN = ["prio", "3", "handle", "7", "bpf", "bytecode", "1,6 0 0 0,"]


class CrashCleanup(IncidentTestBase):
    def syns(self, n, host):
        return [self.c2s() / IP(src="198.51.100.%d" % host, dst=self.pair.srv_ip) /
                TCP(sport=3000 + i, dport=PORT, flags="S", seq=i + 1) for i in range(n)]

    def payload(self, *extra):
        c = PayloadCollector(self.pair, os.path.join(self.tmp, "payload"), *extra)
        self.addCleanup(c.kill)
        return c.start()

    def tcp_in_segs(self):
        lines = [l.split() for l in self.pair.ns(self.pair.srv, "cat", "/proc/net/snmp",
                                                   capture=True).stdout.splitlines()
                 if l.startswith("Tcp:")]
        return int(lines[1][lines[0].index("InSegs")])

    def assert_nothing_of_ours(self):
        self.assertEqual(ours_attached(self.pair), [])
        self.assertNotIn("clsact", clsact_text(self.pair))

    def test_kill_9_of_record_incident_leaves_nothing_attached(self):
        r = self.recorder("--sample-rate", 1).start()
        self.assertIn("TCX links", r.attached_line())
        progs = tcx_programs(self.pair)
        self.assertEqual(progs, {"tcx_ingress": ["ibsr_incident_ingress"],
                                 "tcx_egress": ["ibsr_incident_egress"]})
        self.assertNotIn("clsact", clsact_text(self.pair))
        r.kill()  # SIGKILL: no cleanup code runs
        self.assert_nothing_of_ours()
        # A restart finds nothing to replace and records normally.
        r2 = self.recorder("--sample-rate", 1, out=os.path.join(self.tmp, "second")).start()
        self.assertNotIn("leftover", r2.stderr())
        frames = self.syns(4, 1)
        self.send(frames)
        r2.wait_records(4)
        self.assertEqual(r2.stop(), 0, r2.stderr())
        self.assertEqual([x.key() for x in r2.records()],
                         [expected_record(bytes(f)) for f in frames])
        self.assert_nothing_of_ours()

    def test_kill_9_of_collect_payload_leaves_nothing_attached(self):
        c = self.payload()
        self.assertTrue(self.pair.xdp_attached())
        self.assertEqual(tcx_programs(self.pair), {"tcx_ingress": ["ibsr_payload_ingress"],
                                                   "tcx_egress": ["ibsr_payload_egress"]})
        c.kill()
        self.assert_nothing_of_ours()
        self.assertFalse(self.pair.xdp_attached())

    def test_three_modes_and_a_foreign_clsact_filter_on_one_interface(self):
        ns, ifc = self.pair.srv, self.pair.srv_if
        self.pair.ns(ns, "tc", "qdisc", "add", "dev", ifc, "clsact")
        self.pair.ns(ns, "tc", "filter", "add", "dev", ifc, "ingress", *FOREIGN)
        before = clsact_text(self.pair)
        col = Collector(self.pair, os.path.join(self.tmp, "collect"), [PORT],
                        "--snapshot-interval-sec", 3600)
        self.addCleanup(col.kill)
        col.start()
        r = self.recorder("--sample-rate", 1).start()
        p = self.payload()
        self.assertIn("already has an XDP program", p.stderr())
        progs = tcx_programs(self.pair)
        self.assertEqual(sorted(progs["tcx_ingress"]), ["ibsr_incident_ingress", "ibsr_payload_ingress"])
        self.assertEqual(sorted(progs["tcx_egress"]), ["ibsr_incident_egress", "ibsr_payload_egress"])
        frames = self.syns(12, 2)
        segs = self.tcp_in_segs()
        self.send(frames)
        r.wait_records(12)
        # Every frame went through both TCX programs and the foreign filter on to the stack,
        # which received all 12 SYNs (and answered each with a RST).
        wait_for(lambda: self.tcp_in_segs() - segs >= 12, what="12 SYNs in the server's stack")
        time.sleep(0.3)
        self.assertEqual(self.tcp_in_segs() - segs, 12)
        # Each tool takes only its own programs away, even by SIGKILL.
        r.kill()
        self.assertEqual(tcx_programs(self.pair), {"tcx_ingress": ["ibsr_payload_ingress"],
                                                   "tcx_egress": ["ibsr_payload_egress"]})
        self.assertEqual(p.stop(), 0, p.stderr())
        self.assertEqual(ours_attached(self.pair), [])
        self.assertEqual(clsact_text(self.pair), before)  # the foreign qdisc and filter stay
        self.assertTrue(self.pair.xdp_attached())
        self.assertEqual(col.stop(), 0, col.stderr())
        snap = col.snapshots()[-1]
        self.assertEqual([(b["key_value"], b["syn"]) for b in snap["buckets"]],
                         [((198 << 24) | (51 << 16) | (100 << 8) | 2, 12)])
        self.assertEqual([x.key() for x in r.records()],
                         [expected_record(bytes(f)) for f in frames])

    def test_a_tcx_restart_removes_the_filters_a_killed_clsact_instance_left(self):
        # An instance that ran on the clsact path (older kernel, or forced) and was killed leaves
        # its filters; the next start, on TCX, removes them instead of running beside them.
        force_clsact(self)
        r = self.recorder("--sample-rate", 1).start()
        self.assertIn("created clsact", r.attached_line())
        r.kill()
        self.assertEqual(len([l for l in clsact_text(self.pair).splitlines()
                              if "ibsr_incident" in l]), 2)
        os.environ.pop("IBSR_TC_ATTACH")
        r2 = self.recorder("--sample-rate", 1, out=os.path.join(self.tmp, "second")).start()
        self.assertIn("TCX links", r2.attached_line())
        self.assertIn("removed a leftover TC ingress filter", r2.stderr())
        self.assertIn("removed a leftover TC egress filter", r2.stderr())
        self.assertNotIn("ibsr_", clsact_text(self.pair))
        self.assertEqual(r2.stop(), 0, r2.stderr())
        self.assertEqual(ours_attached(self.pair), [])


if __name__ == "__main__":
    unittest.main()
