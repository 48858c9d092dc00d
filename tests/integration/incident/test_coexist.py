"""`ibsr record-incident` sharing an interface: with `ibsr collect` (XDP), with a foreign TC
filter on a clsact qdisc that existed before us or appeared while we ran, and with a second copy
of itself. (`ibsr collect-payload` does not exist yet; its TC filters will use their own handle
and priority through the same src/bpf/tc_attach module.)"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from incident_lib import IncidentTestBase, expected_record  # noqa: E402
from collector import Collector  # noqa: E402

from scapy.all import IP, TCP  # noqa: E402

PORT = 8080
# A classic-BPF classifier that matches nothing (returns 0): traffic continues to the next
# filter. The only classifier built into this kernel besides eBPF ones.
FOREIGN = ["prio", "3", "handle", "7", "bpf", "bytecode", "1,6 0 0 0,"]


class Coexist(IncidentTestBase):
    def syns(self, n, host):
        return [self.c2s() / IP(src="198.51.100.%d" % host, dst=self.pair.srv_ip) /
                TCP(sport=2000 + i, dport=PORT, flags="S", seq=i + 1) for i in range(n)]

    def collector(self):
        c = Collector(self.pair, os.path.join(self.tmp, "snapshots"), [PORT],
                      "--snapshot-interval-sec", 3600)
        self.addCleanup(c.kill)
        return c

    def syn_count(self, c, host):
        snap = c.snapshots()[-1]
        key = (198 << 24) | (51 << 16) | (100 << 8) | host
        return next((b["syn"] for b in snap["buckets"] if b["key_value"] == key), 0)

    def test_collect_and_record_incident_together_and_apart(self):
        c = self.collector().start()
        r = self.recorder("--sample-rate", 1).start()
        first = self.syns(20, 1)
        self.send(first)
        r.wait_records(20)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual([x.key() for x in r.records()], [expected_record(bytes(f)) for f in first])
        # collect keeps counting after record-incident left.
        self.assertTrue(self.pair.xdp_attached())
        self.send(self.syns(10, 1))
        time.sleep(0.2)
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertEqual(self.syn_count(c, 1), 30)

        # And the other way round: collect leaves first, record-incident keeps recording.
        c2 = self.collector().start()
        r2 = self.recorder("--sample-rate", 1, out=os.path.join(self.tmp, "second")).start()
        self.send(self.syns(5, 2))
        r2.wait_records(5)
        self.assertEqual(c2.stop(), 0, c2.stderr())
        self.assertEqual(self.syn_count(c2, 2), 5)
        self.assertFalse(self.pair.xdp_attached())
        self.send(self.syns(6, 3))
        r2.wait_records(11)
        self.assertEqual(r2.stop(), 0, r2.stderr())
        self.assertEqual(len(r2.records()), 11)

    def test_preexisting_clsact_and_foreign_filters_survive(self):
        ns = self.pair.srv
        self.pair.ns(ns, "tc", "qdisc", "add", "dev", self.pair.srv_if, "clsact")
        for d in ("ingress", "egress"):
            self.pair.ns(ns, "tc", "filter", "add", "dev", self.pair.srv_if, d, *FOREIGN)
        before = {d: self.filters(d) for d in ("ingress", "egress")}
        r = self.recorder("--sample-rate", 1).start()
        self.assertIn("existing clsact", r.attached_line())
        for d in ("ingress", "egress"):
            self.assertIn("handle 0x7", self.filters(d))
            self.assertIn("ibsr_incident", self.filters(d))
        frames = self.syns(8, 4)
        self.send(frames)
        r.wait_records(8)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual([x.key() for x in r.records()], [expected_record(bytes(f)) for f in frames])
        self.assertIn("clsact", self.qdiscs())
        for d in ("ingress", "egress"):
            self.assertEqual(self.filters(d), before[d])
            self.assertNotIn("ibsr_incident", self.filters(d))

    def test_clsact_we_created_stays_when_someone_else_attached_meanwhile(self):
        r = self.recorder("--sample-rate", 1).start()
        self.assertIn("created clsact", r.attached_line())
        self.pair.ns(self.pair.srv, "tc", "filter", "add", "dev", self.pair.srv_if, "ingress",
                     *FOREIGN)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertIn("clsact", self.qdiscs())
        self.assertIn("handle 0x7", self.filters("ingress"))
        self.assertNotIn("ibsr_incident", self.filters("ingress") + self.filters("egress"))

    def test_second_copy_on_the_same_interface_is_refused(self):
        r = self.recorder("--sample-rate", 1).start()
        second = self.recorder("--sample-rate", 1, out=os.path.join(self.tmp, "second"))
        second.start(wait_attached=False)
        self.assertEqual(second.wait(30), 1)
        self.assertIn("another ibsr record-incident is already running on interface 'vs'",
                      second.stderr())
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "second")))
        # The first one is untouched and keeps recording.
        frames = self.syns(4, 5)
        self.send(frames)
        r.wait_records(4)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual(len(r.records()), 4)
        self.assertNotIn("clsact", self.qdiscs())

    def test_restart_after_sigkill_replaces_the_leftover_filter(self):
        r = self.recorder("--sample-rate", 1).start()
        r.kill()  # SIGKILL: no cleanup; the TC filters stay (unlike an XDP bpf_link)
        self.assertIn("ibsr_incident", self.filters("ingress"))
        r2 = self.recorder("--sample-rate", 1, out=os.path.join(self.tmp, "second")).start()
        self.assertIn("replacing a leftover TC ingress filter", r2.stderr())
        frames = self.syns(6, 6)
        self.send(frames)
        r2.wait_records(6)
        self.assertEqual(r2.stop(), 0, r2.stderr())
        self.assertEqual([x.key() for x in r2.records()],
                         [expected_record(bytes(f)) for f in frames])
        self.assertNotIn("ibsr_incident", self.filters("ingress") + self.filters("egress"))
        # The qdisc was created by the killed instance: we did not create it, so it stays.
        self.assertIn("clsact", self.qdiscs())


if __name__ == "__main__":
    unittest.main()
