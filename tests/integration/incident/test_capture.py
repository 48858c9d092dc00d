"""`ibsr record-incident` capture on the real kernel: a veth pair between two namespaces that
each test creates and removes; the recorder attached (TC ingress + egress) on the server's veth;
raw frames sent from both ends. Sources are TEST-NET addresses with no route back, so neither
kernel answers and every frame on the wire is one the test sent."""
import glob
import gzip
import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from incident_lib import (IBSR, SNAPLEN, IncidentTestBase, expected_record,  # noqa: E402
                          read_pcap, read_pcap_bytes, run, scrub_ip, scrub_ip6, wait_for)
import schema_check  # noqa: E402  (tests/integration/lib, on the path through incident_lib)

from scapy.all import IP, TCP, UDP, Dot1Q, IPv6, Raw  # noqa: E402

SALT = "DEADBEEFCAFEBABE"


class Capture(IncidentTestBase):
    def mix(self, n_in=40, n_out=25):
        """A known mix: n_in frames client->server, n_out server->client, of several kinds and
        sizes (one above the snaplen, one VLAN-tagged, one IPv6, one non-IP)."""
        dst, cli = self.pair.srv_ip, self.pair.cli_ip
        inbound = [self.c2s() / IP(src="198.51.100.%d" % (i % 200 + 1), dst=dst) /
                   TCP(sport=40000 + i, dport=8080, flags="S", seq=i) for i in range(n_in - 4)]
        inbound += [self.c2s() / IP(src="198.51.100.250", dst=dst) / UDP(sport=1, dport=2) /
                    Raw(b"u" * 1000)]  # 1042 bytes: cut to the snaplen
        inbound += [self.c2s() / Dot1Q(vlan=5) / IP(src="198.51.100.251", dst=dst) /
                    TCP(dport=8080, flags="A", seq=7)]
        inbound += [self.c2s() / IPv6(src="2001:db8::1", dst="2001:db8::2") /
                    TCP(dport=8080, flags="S")]
        inbound += [self.c2s() / Raw(b"\x88\xb5" + b"x" * 40)]  # local experimental ethertype
        outbound = [self.s2c() / IP(src="203.0.113.%d" % (i + 1), dst=cli) /
                    TCP(sport=8080, dport=50000 + i, flags="SA", seq=1000 + i, ack=1)
                    for i in range(n_out)]
        return inbound, outbound

    def test_rate_1_captures_exactly_the_sent_frames_in_both_directions(self):
        r = self.recorder("--tag", "exact-mix", "--sample-rate", 1).start()
        self.assertIn("TCX links", r.attached_line())  # this kernel has TCX (6.6+)
        inbound, outbound = self.mix()
        t0 = time.time()
        self.send(inbound)
        self.send(outbound, ns=self.pair.srv)
        total = len(inbound) + len(outbound)
        r.wait_records(total)
        self.assertEqual(r.stop(), 0, r.stderr())
        t1 = time.time()

        [pcap] = r.pcaps()
        self.assertRegex(os.path.basename(os.path.dirname(pcap)), r"^exact-mix-\d{10}$")
        header, recs = read_pcap(pcap)
        self.assertEqual(header, {"version": (2, 4), "snaplen": SNAPLEN, "linktype": 1})
        want = [expected_record(bytes(f)) for f in inbound + outbound]
        self.assertEqual([x.key() for x in recs], want)
        big = [x for x in recs if x.origlen == 1042]
        self.assertEqual([(x.caplen, x.origlen) for x in big], [(SNAPLEN, 1042)])
        for x in recs:
            self.assertLess(x.ts_usec, 1000000)
            self.assertTrue(t0 - 1 <= x.ts_sec + x.ts_usec / 1e6 <= t1 + 1)
        stamps = [(x.ts_sec, x.ts_usec) for x in recs]
        self.assertEqual(stamps, sorted(stamps))

        # Independent readers agree on the count and see both directions.
        td = run("tcpdump", "-nn", "-r", pcap, capture=True).stdout.splitlines()
        self.assertEqual(len(td), total)
        self.assertEqual(sum("198.51.100." in l for l in td), len(inbound) - 2)  # IPv6, raw
        self.assertEqual(sum("203.0.113." in l for l in td), len(outbound))
        ts = run("tshark", "-r", pcap, "-T", "fields", "-e", "frame.len", "-e", "frame.cap_len",
                 capture=True).stdout.split("\n")
        ts = [l.split("\t") for l in ts if l]
        self.assertEqual(ts, [[str(o), str(min(o, SNAPLEN))] for _, o in want])

        status = r.status()
        self.assertEqual(status[-1]["events_written"], total)
        self.assertEqual(status[-1]["ringbuf_drops"], 0)
        self.assertEqual(status[-1]["events_decode_errors"], 0)
        # TCX links need no clsact qdisc: none was created, none is left.
        self.assertNotIn("clsact", self.qdiscs())

    def test_rate_n_count_within_binomial_bound(self):
        n, rate = 3000, 10
        r = self.recorder("--tag", "rate-n", "--sample-rate", rate).start()
        frames = [self.c2s() / IP(src="198.51.100.%d" % (i % 250 + 1), dst=self.pair.srv_ip) /
                  TCP(sport=1024 + i, dport=80, flags="S", seq=i) for i in range(n)]
        self.send(frames)
        time.sleep(0.5)  # nothing to wait for: the count is what is being measured
        self.assertEqual(r.stop(), 0, r.stderr())
        recs = r.records()
        # Binomial(n, 1/rate): mean 300, sd 16.4; 5 sd either side. The per-CPU countdown is
        # in fact far tighter (within #CPUs of n/rate).
        mean, sd = n / rate, (n * (1 / rate) * (1 - 1 / rate)) ** 0.5
        self.assertTrue(mean - 5 * sd <= len(recs) <= mean + 5 * sd, len(recs))
        sent = {expected_record(bytes(f)) for f in frames}
        self.assertTrue(all(x.key() in sent for x in recs))
        self.assertEqual(len({x.key() for x in recs}), len(recs))
        self.assertEqual(r.status()[-1]["events_written"], len(recs))

    def test_sigint_and_duration_close_the_pcap_cleanly(self):
        for how in ("SIGINT", "duration"):
            out = os.path.join(self.tmp, how)
            extra = ["--duration-sec", 2] if how == "duration" else []
            r = self.recorder("--tag", how, "--sample-rate", 1, *extra, out=out).start()
            frames = [self.c2s() / IP(src="198.51.100.9", dst=self.pair.srv_ip) /
                      TCP(sport=i + 1, dport=80, flags="S")
                      for i in range(10)]
            self.send(frames)
            rc = r.stop(signal.SIGINT) if how == "SIGINT" else r.wait(30)
            self.assertEqual(rc, 0, r.stderr())
            self.assertIn("detached from", r.stderr())
            [pcap] = r.pcaps()
            _, recs = read_pcap(pcap)
            self.assertEqual([x.key() for x in recs], [expected_record(bytes(f)) for f in frames])
            self.assertEqual(os.path.getsize(pcap), 24 + sum(16 + len(x.data) for x in recs))
            self.assertEqual(r.status()[-1]["events_written"], 10)
            self.assertNotIn("clsact", self.qdiscs())


class Status(IncidentTestBase):
    FIELDS = ["timestamp", "cycle", "events_written", "events_decode_errors",
              "events_write_errors", "events_scrubbed", "rotations", "size_driven_rotations",
              "poll_errors", "archived", "archive_errors", "ringbuf_drops",
              "budget_deleted_files", "budget_deleted_bytes", "disk_bytes"]

    def test_heartbeat_has_exactly_the_seed_fields_every_interval(self):
        t0 = int(time.time())
        r = self.recorder("--sample-rate", 1, "--status-interval-sec", 1).start()
        wait_for(lambda: len(r.status()) >= 3, timeout=10, what="three heartbeats")
        self.send([self.c2s() / IP(src="198.51.100.1", dst=self.pair.srv_ip) / UDP(dport=9)] * 3)
        r.wait_records(3)
        self.assertEqual(r.stop(), 0, r.stderr())
        lines = r.status()
        status_file, = glob.glob(os.path.join(r.out_dir, "*", "status.jsonl"))
        self.assertEqual(schema_check.validate_lines(
            status_file, schema_check.load("record-incident-status.schema.json")), lines)
        for i, line in enumerate(lines):
            self.assertEqual(list(line), self.FIELDS)
            self.assertEqual(line["cycle"], i + 1)
            self.assertTrue(t0 <= line["timestamp"] <= time.time() + 1)
        self.assertEqual(lines[0]["events_written"], 0)
        self.assertEqual(lines[-1]["events_written"], 3)

    def test_ringbuf_drops_are_counted_truthfully(self):
        # A 64 KiB ring holds about 200 records; with the consumer stopped, the rest of 1000
        # samples must show up as drops: written + dropped == sent, exactly.
        r = self.recorder("--sample-rate", 1, "--ringbuf-bytes", 65536).start()
        n = 1000
        frames = [self.c2s() / IP(src="198.51.100.2", dst=self.pair.srv_ip) /
                  UDP(sport=i + 1, dport=9) for i in range(n)]
        os.kill(r.proc.pid, signal.SIGSTOP)
        try:
            self.send(frames)
        finally:
            os.kill(r.proc.pid, signal.SIGCONT)
        self.assertEqual(r.stop(), 0, r.stderr())
        st = r.status()[-1]
        self.assertGreater(st["ringbuf_drops"], 0)
        self.assertEqual(st["events_written"] + st["ringbuf_drops"], n)
        recs = r.records()
        self.assertEqual(len(recs), st["events_written"])
        # What was kept is the first frames, in order: a full ring drops new samples.
        self.assertEqual([x.key() for x in recs],
                         [expected_record(bytes(f)) for f in frames[:len(recs)]])

    def test_full_disk_keeps_a_valid_pcap_and_counts_what_was_lost(self):
        small = os.path.join(self.tmp, "small")
        os.mkdir(small)
        run("mount", "-t", "tmpfs", "-o", "size=128k", "ibsr-test", small)
        self.addCleanup(run, "umount", "-l", small, check=False)
        r = self.recorder("--sample-rate", 1, out=small).start()
        n = 1500  # 1500 x 272-byte records: about 400 KB into 128 KB
        frames = [self.c2s() / IP(src="198.51.100.3", dst=self.pair.srv_ip) /
                  UDP(sport=i + 1, dport=9) / Raw(b"d" * 200) for i in range(n)]
        for i in range(0, n, 100):
            self.send(frames[i:i + 100])
        time.sleep(0.5)
        self.assertIsNone(r.proc.poll())  # still running
        self.assertEqual(r.stop(), 0, r.stderr())
        m = re.search(r"; (\d+) packets written, (\d+) write errors,", r.stderr())
        self.assertIsNotNone(m, r.stderr())
        written, errors = int(m.group(1)), int(m.group(2))
        self.assertGreater(written, 0)
        self.assertGreater(errors, 0)
        self.assertEqual(written + errors, n)
        [pcap] = r.pcaps()
        _, recs = read_pcap(pcap)  # complete records only: raises on a torn one
        self.assertEqual(len(recs), written)
        # In order, without duplicates; not necessarily a prefix: after a failed batch a later,
        # smaller one may still fit.
        want = iter([expected_record(bytes(f)) for f in frames])
        self.assertTrue(all(x.key() in want for x in recs))
        self.assertIn("cannot write", r.stderr())


class Scrub(IncidentTestBase):
    def test_salt_hash_and_internal_subnet_drop(self):
        r = self.recorder("--tag", "scrub", "--sample-rate", 1, "--scrub-ip-salt", SALT,
                          "--scrub-internal-subnet", "10.77.0.0/16").start()
        e, dst = self.c2s(), self.pair.srv_ip
        internal = [e / IP(src="10.77.1.%d" % i, dst="10.77.200.1") / TCP(dport=22, flags="S")
                    for i in range(1, 8)]
        half = [e / IP(src="10.77.1.1", dst=dst) / TCP(dport=22, flags="S"),
                e / IP(src="198.51.100.7", dst="10.77.0.9") / UDP(dport=53)]
        outside = [e / IP(src="198.51.100.%d" % i, dst=dst) / TCP(dport=443, flags="S")
                   for i in range(1, 6)]
        vlan = [e / Dot1Q(vlan=3) / IP(src="10.77.3.3", dst="10.77.4.4") / UDP(dport=9)]
        v6 = [e / IPv6(src="2001:db8::5", dst="2001:db8::6") / UDP(dport=9)]
        kept = half + outside + v6
        frames = internal[:3] + half + vlan + outside + internal[3:] + v6
        recs = self.send_and_stop(r, frames, len(kept))
        for rec, f in zip(recs, kept):
            if IP in f:
                got = IP(rec.data[14:])
                self.assertEqual(got.src, scrub_ip(SALT, f[IP].src))
                self.assertEqual(got.dst, scrub_ip(SALT, f[IP].dst))
                # Everything but the two addresses is unchanged (checksums included).
                a, b = bytearray(bytes(f)), bytearray(rec.data)
                a[26:34] = b[26:34] = b"\0" * 8
                self.assertEqual(bytes(a), bytes(b))
            else:
                got = IPv6(rec.data[14:])
                self.assertEqual(got.src, scrub_ip6(SALT, f[IPv6].src))
                self.assertEqual(got.dst, scrub_ip6(SALT, f[IPv6].dst))
                # Outside every listed prefix (an IPv4 one cannot hold it): kept, and only the
                # 32 address bytes change.
                a, b = bytearray(bytes(f)), bytearray(rec.data)
                a[22:54] = b[22:54] = b"\0" * 32
                self.assertEqual(bytes(a), bytes(b))
        self.assertEqual(r.status()[-1]["events_scrubbed"], len(internal) + len(vlan))
        self.assertEqual(r.status()[-1]["events_written"], len(kept))
        # A known vector, computed by hand once: FNV-1a-64 of de ad be ef ca fe ba be 0a 00 00 01.
        self.assertEqual(scrub_ip(SALT, "10.0.0.1"), scrub_ip(SALT.lower(), "10.0.0.1"))


class Rotation(IncidentTestBase):
    def frames(self, n, size=200):
        return [self.c2s() / IP(src="198.51.100.%d" % (i % 250 + 1), dst=self.pair.srv_ip) /
                UDP(sport=i + 1, dport=7) / Raw(bytes([i % 256]) * (size - 42)) for i in range(n)]

    def test_max_pcap_bytes_rotates_without_loss_or_duplication(self):
        cap = 2048
        r = self.recorder("--tag", "rot", "--sample-rate", 1, "--max-pcap-bytes", cap).start()
        frames = self.frames(60)
        self.send(frames)
        r.wait_records(len(frames))
        self.assertEqual(r.stop(), 0, r.stderr())
        pcaps = r.pcaps()
        # 2048 bytes hold the header and 9 records of 216 bytes: 60 frames need 7 files.
        self.assertEqual(len(pcaps), 7)
        recs = []
        for p in pcaps:
            self.assertLessEqual(os.path.getsize(p), cap)
            _, rr = read_pcap(p)
            self.assertTrue(rr)
            recs += rr
            self.assertEqual(len(run("tcpdump", "-r", p, capture=True).stdout.splitlines()),
                             len(rr))
        self.assertEqual([x.key() for x in recs], [expected_record(bytes(f)) for f in frames])
        names = [os.path.basename(d) for d in r.run_dirs()]
        self.assertEqual(len(set(names)), len(names))
        self.assertTrue(any(n.count("-") == 2 for n in names), names)  # same-second suffix used
        st = r.status()[-1]
        self.assertEqual((st["rotations"], st["size_driven_rotations"]), (6, 6))
        self.assertEqual(st["events_written"], 60)

    def test_archive_gzips_finished_pcaps_only(self):
        arch = os.path.join(self.tmp, "archive")
        r = self.recorder("--tag", "arch", "--sample-rate", 1, "--max-pcap-bytes", 2048,
                          "--archive-dir", arch, "--archive-after-sec", 0,
                          "--archive-sweep-sec", 1).start()
        frames = self.frames(30)
        self.send(frames)
        # 30 frames: files of 9, 9, 9 and 3 records; the first three are finished.
        wait_for(lambda: len(glob.glob(os.path.join(arch, "*", "packets.pcap.gz"))) == 3,
                 timeout=20, what="three archived pcaps")
        active = r.pcaps()
        self.assertEqual(len(active), 1)  # the file being written stays
        self.assertEqual(len(read_pcap(active[0])[1]), 3)
        self.assertEqual(r.stop(), 0, r.stderr())

        recs = []
        gz = sorted(glob.glob(os.path.join(arch, "*", "packets.pcap.gz")),
                    key=lambda p: __import__("incident_lib").run_dir_order(os.path.dirname(p)))
        for p in gz:
            self.assertEqual(os.path.basename(os.path.dirname(p))[:5], "arch-")
            data = gzip.open(p).read()
            _, rr = read_pcap_bytes(data)
            self.assertEqual(len(rr), 9)
            recs += rr
            tcpdump = subprocess.run("zcat '%s' | tcpdump -r - 2>/dev/null | wc -l" % p, shell=True,
                                     capture_output=True, text=True, check=True)
            self.assertEqual(int(tcpdump.stdout), 9)
            # The original is gone; its directory keeps only status.jsonl (the first run dir).
            orig = os.path.join(self.out, os.path.basename(os.path.dirname(p)))
            self.assertFalse(os.path.exists(os.path.join(orig, "packets.pcap")))
        self.assertEqual(glob.glob(os.path.join(arch, "*", "*.tmp*")), [])
        recs += read_pcap(r.pcaps()[0])[1]
        self.assertEqual([x.key() for x in recs], [expected_record(bytes(f)) for f in frames])
        st = r.status()[-1]
        self.assertEqual((st["archived"], st["archive_errors"]), (3, 0))


class Cli(IncidentTestBase):
    def ibsr(self, *args):
        return subprocess.run([IBSR, "record-incident"] + [str(a) for a in args],
                              capture_output=True, text=True, timeout=30)

    def test_help_lists_every_flag_with_defaults(self):
        p = self.ibsr("--help")
        self.assertEqual(p.returncode, 0)
        for flag in ("-i, --interface IFACE", "-o, --out-dir DIR", "--tag", "--sample-rate", "--duration-sec",
                     "--trigger-socket", "--scrub-ip-salt", "--scrub-internal-subnet",
                     "--max-pcap-bytes", "--max-disk-bytes", "--scrub-ip-salt-file",
                     "--archive-dir", "--archive-after-sec",
                     "--status-interval-sec", "-v, --verbose"):
            self.assertIn(flag, p.stdout)
        for default in ("Network interface for TC attach (ingress and egress) (required)",
                        "(default: /var/lib/ibsr/incidents)", "(default: ad-hoc)",
                        "(default: 1000)", "(default: 3600)", "(default: 60)",
                        "(default: 67108864)", "(default: 1073741824)"):
            self.assertIn(default, " ".join(p.stdout.split()))  # the help wraps lines
        self.assertNotIn("lo", re.findall(r"\(default: (\S+)\)", p.stdout))
        self.assertNotIn("--archive-sweep-sec", p.stdout)

    def test_bad_flags_exit_2_naming_the_flag(self):
        cases = [(["--tag", "a/b"], "--tag"), (["--tag", "x" * 65], "--tag"),
                 (["--tag", "a.b"], "--tag"), (["--tag", ""], "--tag"),
                 (["--sample-rate", "0"], "--sample-rate"),
                 (["--sample-rate", "-5"], "--sample-rate"),
                 (["--sample-rate", "99999999999"], "--sample-rate"),
                 (["--scrub-ip-salt", "DEADBEEF"], "--scrub-ip-salt"),
                 (["--scrub-ip-salt", "DEADBEEFCAFEBABG"], "--scrub-ip-salt"),
                 (["--scrub-internal-subnet", "10.0.0.0"], "--scrub-internal-subnet"),
                 (["--scrub-internal-subnet", "10.0.0.0/33"], "--scrub-internal-subnet"),
                 (["--scrub-internal-subnet", "fd00::/129"], "--scrub-internal-subnet"),
                 (["--scrub-internal-subnet", ",".join("10.%d.0.0/16" % i for i in range(17))],
                  "at most 16"),
                 (["--max-pcap-bytes", "10"], "--max-pcap-bytes"),
                 (["--max-disk-bytes", "10"], "--max-disk-bytes"),
                 (["--max-disk-bytes", "1000000", "--max-pcap-bytes", "600000"],
                  "--max-disk-bytes"),
                 (["--scrub-ip-salt-file", ""], "--scrub-ip-salt-file"),
                 (["--scrub-ip-salt", "DEADBEEFCAFEBABE", "--scrub-ip-salt-file", "/x"],
                  "--scrub-ip-salt"),
                 (["--status-interval-sec", "0"], "--status-interval-sec"),
                 (["--duration-sec", "0"], "--duration-sec"),
                 (["--bogus"], "--bogus")]
        for args, flag in cases + [([], "--interface is required")]:
            # -i first: record-incident requires the interface (docs/cli.md).
            p = self.ibsr(*(["-i", "lo"] + args if args else []))
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertEqual(len(p.stderr.splitlines()), 1, (args, p.stderr))
            self.assertIn(flag, p.stderr, args)

    def test_unknown_interface_exits_1_with_nothing_created(self):
        p = self.ibsr("-i", "nope0", "-o", self.out)
        self.assertEqual(p.returncode, 1)
        self.assertIn("nope0", p.stderr)


if __name__ == "__main__":
    unittest.main()
