"""`ibsr record-incident` sharing an interface: with `ibsr collect` (XDP), with
`ibsr collect-payload` (XDP + TC filters of its own handle on the same clsact qdisc), with a
foreign TC filter on a clsact qdisc that existed before us or appeared while we ran, and with a
second copy of itself."""
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from incident_lib import IBSR, IncidentTestBase, expected_record, wait_for  # noqa: E402
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

    def payload(self, out):
        """`ibsr collect-payload` on the server veth; returns (process, stderr lines)."""
        p = self.pair.popen(self.pair.srv, IBSR, "collect-payload", "-i", self.pair.srv_if,
                            "-p", str(PORT), "--out-dir", out, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
        lines = []

        def read():
            with p.stderr:
                lines.extend(l.rstrip() for l in p.stderr)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        self.addCleanup(reader.join, 5)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        wait_for(lambda: any("attached" in l for l in lines) or p.poll() is not None,
                 timeout=20, what="collect-payload to attach")
        self.assertIsNone(p.poll(), "\n".join(lines))
        return p, lines

    def test_collect_payload_and_record_incident_share_clsact(self):
        p, lines = self.payload(os.path.join(self.tmp, "payload"))
        r = self.recorder("--sample-rate", 1).start()
        self.assertIn("existing clsact", r.attached_line())
        self.assertNotIn("Exclusivity flag", r.stderr())
        for d in ("ingress", "egress"):
            self.assertIn("handle 0xb520", self.filters(d))
            self.assertIn("handle 0xb510", self.filters(d))
        frames = self.syns(5, 7)
        self.send(frames)
        r.wait_records(5)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual([x.key() for x in r.records()],
                         [expected_record(bytes(f)) for f in frames])
        # collect-payload's filters are untouched by our exit.
        for d in ("ingress", "egress"):
            self.assertIn("handle 0xb520", self.filters(d))
            self.assertNotIn("handle 0xb510", self.filters(d))
        p.terminate()
        self.assertEqual(p.wait(timeout=30), 0, "\n".join(lines))
        # collect-payload created the qdisc and was the last user: gone.
        self.assertNotIn("clsact", self.qdiscs())

        # The other order: we create the qdisc, collect-payload joins, we leave first.
        r2 = self.recorder("--sample-rate", 1, out=os.path.join(self.tmp, "second")).start()
        self.assertIn("created clsact", r2.attached_line())
        p2, lines2 = self.payload(os.path.join(self.tmp, "payload2"))
        self.assertEqual(r2.stop(), 0, r2.stderr())
        self.assertIn("clsact", self.qdiscs())  # collect-payload still uses it
        for d in ("ingress", "egress"):
            self.assertIn("handle 0xb520", self.filters(d))
        p2.terminate()
        self.assertEqual(p2.wait(timeout=30), 0, "\n".join(lines2))

    def test_preexisting_clsact_and_foreign_filters_survive(self):
        ns = self.pair.srv
        self.pair.ns(ns, "tc", "qdisc", "add", "dev", self.pair.srv_if, "clsact")
        for d in ("ingress", "egress"):
            self.pair.ns(ns, "tc", "filter", "add", "dev", self.pair.srv_if, d, *FOREIGN)
        before = {d: self.filters(d) for d in ("ingress", "egress")}
        r = self.recorder("--sample-rate", 1).start()
        self.assertIn("existing clsact", r.attached_line())
        self.assertNotIn("Exclusivity flag", r.stderr())
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
