"""`ibsr collect` end to end on the real kernel: a veth pair between two network namespaces
that each test creates and removes, the collector attached in the server namespace, crafted
frames and real kernel TCP connections from the client namespace."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from collector import IBSR, Collector, validate_counter_dir  # noqa: E402
import metrics_file  # noqa: E402
from counter_model import FIELDS, buckets_table, count, ip_int, read_pcap  # noqa: E402
from netns import NsPair, run, wait_for  # noqa: E402
import schema_check  # noqa: E402

from scapy.all import (IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPOption_NOP, IPv6,  # noqa: E402
                       Raw, raw)

SEND = os.path.join(os.path.dirname(__file__), "..", "lib", "send_frames.py")
REPORT = os.path.join(os.path.dirname(IBSR), "..", "report", "ibsr-report")
PORT, UNMONITORED = 8080, 9090


def counters(**kw):
    c = dict.fromkeys(FIELDS, 0)
    c.update(kw)
    return c


class CollectTestBase(unittest.TestCase):
    def setUp(self):
        self.pair = NsPair().setup()
        self.addCleanup(self.pair.teardown)
        self.tmp = tempfile.mkdtemp(prefix="ibsr-collect-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.out = os.path.join(self.tmp, "snapshots")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    def collector(self, ports, *extra, **kw):
        c = Collector(self.pair, self.out, ports, *extra, **kw)
        self.addCleanup(c.kill)
        return c

    def eth(self, src_ip=None):
        return Ether(src=self.pair.cli_mac, dst=self.pair.srv_mac)

    def send(self, frames):
        data = "".join(raw(f).hex() + "\n" for f in frames)
        out = self.pair.ns(self.pair.cli, "/usr/bin/python3", SEND, self.pair.cli_if,
                           input=data, capture=True).stdout
        self.assertEqual(int(out), len(frames))

    def spoofed(self, host):
        return "10.199.%d.%d" % (self.pair.subnet, host)

    def listen(self, port):
        p = self.pair.popen(self.pair.srv, "/usr/bin/python3", "-m", "http.server", str(port),
                            "--bind", self.pair.srv_ip, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        self.procs.append(p)
        wait_for(lambda: "LISTEN" in self.pair.ns(self.pair.srv, "ss", "-Htln",
                                                   "sport = :%d" % port, capture=True).stdout
                 or None, what="listener on %d" % port)

    def curl(self, port, n):
        for _ in range(n):
            self.pair.ns(self.pair.cli, "curl", "-sS", "-o", "/dev/null", "--max-time", "5",
                         "http://%s:%d/" % (self.pair.srv_ip, port))

    def capture(self):
        pcap = os.path.join(self.tmp, "server.pcap")
        p = self.pair.popen(self.pair.srv, "tcpdump", "--immediate-mode", "-i", self.pair.srv_if, "-n",
                            "-U", "-s", "0", "-w", pcap, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        self.procs.append(p)
        wait_for(lambda: os.path.exists(pcap) and os.path.getsize(pcap) >= 24,
                 what="tcpdump to start")
        return p, pcap

    def last_snapshot(self, c):
        snaps = c.snapshots()
        self.assertTrue(snaps, "no snapshot written; stderr:\n" + c.stderr())
        return snaps[-1]


class ExactCounters(CollectTestBase):
    def test_known_mix_gives_exact_counters(self):
        self.listen(PORT)
        self.listen(UNMONITORED)
        tcpdump, pcap = self.capture()
        c = self.collector([PORT], "--snapshot-interval-sec", 3600).start()

        e, dst = self.eth(), self.pair.srv_ip
        flood, rst, acks, vlan, qinq, opts, frag, udp, unmon = (
            self.spoofed(h) for h in (100, 101, 102, 103, 104, 105, 106, 107, 108))
        frames = []
        frames += [e / IP(src=flood, dst=dst) / TCP(sport=10000 + i, dport=PORT, flags="S", seq=i)
                   for i in range(300)]
        frames += [e / IP(src=rst, dst=dst) / TCP(sport=2000, dport=PORT, flags="R", seq=5)] * 5
        frames += [e / IP(src=rst, dst=dst) / TCP(sport=2001, dport=PORT, flags="RA", seq=5)] * 3
        frames += [e / IP(src=acks, dst=dst) / TCP(sport=3000, dport=PORT, flags="A", seq=0)] * 4
        frames += [e / IP(src=acks, dst=dst) / TCP(sport=3000, dport=PORT, flags="A", seq=77)] * 6
        frames += [e / IP(src=acks, dst=dst) / TCP(sport=3000, dport=PORT, flags="PA", seq=78) /
                   Raw(b"x" * 100)] * 2
        frames += [e / IP(src=acks, dst=dst) / TCP(sport=3000, dport=PORT, flags="FA", seq=178)] * 2
        frames += [Ether(src=self.pair.cli_mac, dst=self.pair.srv_mac) / Dot1Q(vlan=7) /
                   IP(src=vlan, dst=dst) / TCP(sport=4000, dport=PORT, flags="S")] * 3
        frames += [Ether(src=self.pair.cli_mac, dst=self.pair.srv_mac) / Dot1AD(vlan=8) /
                   Dot1Q(vlan=9) / IP(src=qinq, dst=dst) / TCP(sport=4001, dport=PORT, flags="S")]
        frames += [e / IP(src=opts, dst=dst, options=[IPOption_NOP()] * 4) /
                   TCP(sport=4002, dport=PORT, flags="S")] * 2
        frames += [e / IP(src=opts, dst=dst, options=[IPOption_NOP()] * 40) /
                   TCP(sport=4003, dport=PORT, flags="A", seq=9)]
        first = e / IP(src=frag, dst=dst, flags="MF", frag=0, proto=6) / TCP(
            sport=4004, dport=PORT, flags="S") / Raw(b"y" * 16)
        later = e / IP(src=frag, dst=dst, flags=0, frag=5, proto=6) / Raw(
            raw(TCP(sport=4004, dport=PORT, flags="S")))  # looks like TCP, must not count
        frames += [first, later, later]
        frames += [e / IP(src=udp, dst=dst) / UDP(sport=5000, dport=PORT) / Raw(b"z" * 20)] * 4
        frames += [e / IPv6(src="fd00::9", dst=self.pair.srv_ip6) /
                   TCP(sport=5001, dport=PORT, flags="S")] * 4
        frames += [e / IP(src=unmon, dst=dst) / TCP(sport=5002, dport=UNMONITORED, flags="S")] * 4
        self.send(frames)
        self.curl(PORT, 5)          # real kernel connections with data from the client address
        self.curl(UNMONITORED, 2)   # must not appear

        time.sleep(0.5)  # let the last frames through the stack before the final snapshot
        self.assertEqual(c.stop(), 0, c.stderr())
        tcpdump.send_signal(signal.SIGINT)
        tcpdump.wait(timeout=10)

        got = buckets_table(self.last_snapshot(c))
        # XDP sees only what arrives on the server's veth: the frames sent by the client's MAC.
        cli_mac = bytes.fromhex(self.pair.cli_mac.replace(":", ""))
        inbound = [f for f in read_pcap(pcap) if f[6:12] == cli_mac]
        self.assertGreater(len(inbound), 370)
        expected_from_capture = count(inbound, {PORT})
        self.assertEqual(got, expected_from_capture)

        # The crafted sources, stated by hand (40-byte SYNs, 24/60-byte option headers, ...).
        k = lambda ip: (ip_int(ip), PORT)  # noqa: E731
        self.assertEqual(got[k(flood)], counters(syn=300, packets=300, bytes=300 * 40))
        self.assertEqual(got[k(rst)], counters(rst=8, ack=3, packets=8, bytes=8 * 40))
        self.assertEqual(got[k(acks)], counters(ack=14, handshake_ack=6 + 2, packets=14,
                                                bytes=12 * 40 + 2 * 140))
        self.assertEqual(got[k(vlan)], counters(syn=3, packets=3, bytes=120))
        self.assertEqual(got[k(qinq)], counters(syn=1, packets=1, bytes=40))
        self.assertEqual(got[k(opts)], counters(syn=2, ack=1, handshake_ack=1, packets=3,
                                                bytes=2 * 44 + 80))
        self.assertEqual(got[k(frag)], counters(syn=1, packets=1, bytes=56))
        for absent in (udp, unmon):
            self.assertNotIn(k(absent), got)
        self.assertNotIn((ip_int(unmon), UNMONITORED), got)
        client = got[k(self.pair.cli_ip)]
        self.assertEqual(client["syn"], 5)
        self.assertGreaterEqual(client["handshake_ack"], 5)
        self.assertEqual(set(got), {k(h) for h in (flood, rst, acks, vlan, qinq, opts, frag,
                                                    self.pair.cli_ip)})
        status = c.status()
        self.assertEqual(status[-1]["ips_collected"], 8)
        self.assertEqual(status[-1]["snapshots_written"], len(c.snapshots()))
        snaps, beats = validate_counter_dir(c.out_dir)  # docs/schemas/
        self.assertEqual((len(snaps), len(beats)), (1, 1))
        self.assertEqual(len(snaps[0]["buckets"]), 8)

    def test_multiple_ports_in_generic_mode(self):
        c = self.collector([8081, 8082, 8083], "--xdp-mode", "generic",
                           "--snapshot-interval-sec", 3600).start()
        self.assertIn("generic mode", c.attached_line())
        e, src = self.eth(), self.spoofed(50)
        frames = []
        for port, n in ((8081, 1), (8082, 2), (8083, 3), (8084, 4)):
            frames += [e / IP(src=src, dst=self.pair.srv_ip) /
                       TCP(sport=1234, dport=port, flags="S")] * n
        self.send(frames)
        time.sleep(0.3)
        self.assertEqual(c.stop(), 0)
        snap = self.last_snapshot(c)
        self.assertEqual(snap["dst_ports"], [8081, 8082, 8083])
        self.assertEqual([(b["dst_port"], b["syn"]) for b in snap["buckets"]],
                         [(8081, 1), (8082, 2), (8083, 3)])
        self.assertEqual(c.status()[-1]["ips_collected"], 1)

    def upload(self, nbytes):
        """One real connection from the client that sends `nbytes` and closes; returns the
        number of TCP segments the client namespace sent (its only traffic)."""
        segs = lambda: int(json.loads(self.pair.ns(  # noqa: E731
            self.pair.cli, "nstat", "-a", "-z", "-j", "TcpOutSegs",
            capture=True).stdout)["kernel"]["TcpOutSegs"])
        sink = self.pair.popen(self.pair.srv, "/usr/bin/python3", "-c",
                               "import socket\n"
                               "s = socket.create_server(('%s', %d))\n"
                               "c, _ = s.accept()\n"
                               "while c.recv(1 << 20): pass\n" % (self.pair.srv_ip, PORT))
        self.procs.append(sink)
        wait_for(lambda: "LISTEN" in self.pair.ns(self.pair.srv, "ss", "-Htln",
                                                   "sport = :%d" % PORT, capture=True).stdout
                 or None, what="sink listener")
        before = segs()
        self.pair.ns(self.pair.cli, "/usr/bin/python3", "-c",
                     "import socket\n"
                     "s = socket.create_connection(('%s', %d), timeout=10)\n"
                     "s.sendall(b'x' * %d)\n"
                     "s.shutdown(socket.SHUT_WR)\n"
                     "s.recv(1)\n" % (self.pair.srv_ip, PORT, nbytes), timeout=30)
        self.assertEqual(sink.wait(timeout=10), 0)
        return segs() - before

    def test_offloads_native_counts_every_segment_generic_counts_buffers(self):
        """With TSO/GSO on, the sender's multi-segment buffers cross a veth whole. Native XDP
        (which makes veth segment them) counts every segment; generic XDP counts buffers, keeps
        syn/rst/handshake_ack exact, and says so at startup (docs/collect.md, "XDP mode")."""
        self.pair.ns(self.pair.cli, "ethtool", "-K", self.pair.cli_if, "tso", "on", "gso", "on",
                     capture=True)
        size = 4 << 20
        results = {}
        for mode in ("native", "generic"):
            shutil.rmtree(self.out, ignore_errors=True)
            c = self.collector([PORT], "--xdp-mode", mode, "--snapshot-interval-sec", 3600).start()
            sent = self.upload(size)
            time.sleep(0.2)
            self.assertEqual(c.stop(), 0, c.stderr())
            (b,) = self.last_snapshot(c)["buckets"]
            results[mode] = (b, sent, c.stderr())
        native, sent, err = results["native"]
        self.assertEqual((native["syn"], native["rst"], native["packets"]), (1, 0, sent))
        self.assertNotIn("counts socket buffers", err)
        self.assertIn("native XDP on veth 'vs': the kernel turns off GSO on its peer", err)
        generic, sent, err = results["generic"]
        self.assertIn("generic XDP on 'vs' counts socket buffers", err)
        self.assertEqual((generic["syn"], generic["rst"]), (1, 0))
        # Pure ACKs (the handshake's, the one for the server's FIN) are never merged; how many
        # the client sends varies from run to run, so only their presence is compared.
        self.assertGreaterEqual(generic["handshake_ack"], 1)
        self.assertLess(generic["packets"] * 4, sent)  # merged: far fewer than on the wire
        self.assertGreater(generic["bytes"], size)  # but every payload byte is counted


class Lifecycle(CollectTestBase):
    def test_sigterm_writes_final_snapshot_and_detaches(self):
        c = self.collector([PORT], "--snapshot-interval-sec", 1).start()
        self.assertTrue(self.pair.xdp_attached())
        c.wait_cycles(2)
        src = self.spoofed(60)
        self.send([self.eth() / IP(src=src, dst=self.pair.srv_ip) /
                   TCP(sport=1, dport=PORT, flags="S")] * 7)
        time.sleep(0.2)
        self.assertEqual(c.stop(signal.SIGTERM), 0, c.stderr())
        self.assertFalse(self.pair.xdp_attached())
        snap = self.last_snapshot(c)
        self.assertEqual(snap["buckets"][0]["syn"], 7)
        status = c.status()
        self.assertEqual([s["cycle"] for s in status], list(range(1, len(status) + 1)))
        self.assertEqual(status[-1]["snapshots_written"], len(c.snapshots()))
        snaps, beats = validate_counter_dir(c.out_dir)  # docs/schemas/, over several cycles
        self.assertGreaterEqual(len(snaps), 3)
        self.assertEqual(len(beats), len(snaps))
        self.assertIn("stopped by", c.stderr())

    def test_sigint_and_duration_end_the_same_way(self):
        c = self.collector([PORT], "--snapshot-interval-sec", 3600).start()
        self.assertEqual(c.stop(signal.SIGINT), 0)
        self.assertEqual(len(c.snapshots()), 1)
        self.assertFalse(self.pair.xdp_attached())
        shutil.rmtree(self.out)
        d = self.collector([PORT], "--snapshot-interval-sec", 1, "--duration-sec", 3).start()
        self.assertEqual(d.wait(timeout=20), 0)
        self.assertFalse(self.pair.xdp_attached())
        self.assertEqual([s["cycle"] for s in d.status()], [1, 2, 3])

    def test_kill9_leaves_nothing_attached(self):
        c = self.collector([PORT], "--snapshot-interval-sec", 3600).start()
        self.assertTrue(self.pair.xdp_attached())
        c.proc.kill()
        c.proc.wait()
        wait_for(lambda: not self.pair.xdp_attached(), timeout=10,
                 what="XDP to detach after SIGKILL")
        # The interface is free: a new collector attaches at once.
        d = self.collector([PORT], "--snapshot-interval-sec", 3600).start()
        self.assertEqual(d.stop(), 0)

    def test_second_collector_on_same_interface_fails_cleanly(self):
        c = self.collector([PORT], "--snapshot-interval-sec", 3600).start()
        d = self.collector([PORT], "--snapshot-interval-sec", 3600)
        d.out_dir = os.path.join(self.tmp, "other")
        d.args[d.args.index("--out-dir") + 1] = d.out_dir
        d.start(wait_attached=False)
        self.assertEqual(d.wait(timeout=20), 1)
        self.assertIn("already attached", d.stderr())
        self.assertTrue(self.pair.xdp_attached())  # the first one is untouched
        self.assertEqual(c.stop(), 0)

    def test_second_collector_on_same_out_dir_refuses_to_start(self):
        # Two cumulative streams in one set of hourly files could never be separated again.
        c = self.collector([PORT], "--snapshot-interval-sec", 3600).start()
        d = self.collector([PORT], "--snapshot-interval-sec", 3600, iface="lo")
        d.start(wait_attached=False)
        self.assertEqual(d.wait(timeout=20), 1)
        self.assertIn("another collector is already writing to '%s'" % self.out, d.stderr())
        self.assertIn("held by ibsr collect (pid %d)" % c.proc.pid, d.stderr())
        self.assertNotIn("attached", d.stderr())
        self.assertEqual(c.stop(), 0)
        # Released on exit: the out-dir takes a new collector at once.
        e = self.collector([PORT], "--snapshot-interval-sec", 3600).start()
        self.assertEqual(e.stop(), 0)

    def test_map_size_bounds_memory_under_spoofed_flood(self):
        c = self.collector([PORT], "--map-size", 16, "--snapshot-interval-sec", 1).start()
        e, dst = self.eth(), self.pair.srv_ip
        self.send([e / IP(src="10.%d.%d.%d" % (200, i // 250, i % 250 + 1), dst=dst) /
                   TCP(sport=1, dport=PORT, flags="S") for i in range(1000)])
        late = self.spoofed(61)
        self.send([e / IP(src=late, dst=dst) / TCP(sport=1, dport=PORT, flags="S")] * 5)
        time.sleep(0.3)
        c.wait_cycles(2)
        self.assertIsNone(c.proc.poll(), "collector died: " + c.stderr())
        self.assertEqual(c.stop(), 0)
        snap = self.last_snapshot(c)
        self.assertLessEqual(len(snap["buckets"]), 16)
        self.assertGreaterEqual(len(snap["buckets"]), 1)
        latest = {b["key_value"]: b for b in snap["buckets"]}
        self.assertEqual(latest[ip_int(late)]["syn"], 5)  # the newest source survives eviction


class OutputDirectory(CollectTestBase):
    def mount_tmpfs(self, path, size):
        os.makedirs(path, exist_ok=True)
        run("mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path)
        self.addCleanup(run, "umount", "-l", path, check=False)

    def test_read_only_then_writable_again(self):
        self.mount_tmpfs(self.out, "4m")
        c = self.collector([PORT], "--snapshot-interval-sec", 1).start()
        c.wait_cycles(1)
        run("mount", "-o", "remount,ro", self.out)
        time.sleep(2.5)  # two cycles fail
        self.assertIsNone(c.proc.poll())
        run("mount", "-o", "remount,rw", self.out)
        wait_for(lambda: c.status()[-1]["write_errors"] >= 4, timeout=10,
                 what="a heartbeat reporting the failed writes")
        self.assertEqual(c.stop(), 0)
        self.assertIn("Read-only file system", c.stderr())
        status = c.status()
        self.assertEqual(status[-1]["snapshots_written"], len(c.snapshots()))
        self.assertEqual(status[-1]["cycle"] - status[-1]["snapshots_written"],
                         status[-1]["write_errors"] // 2)

    def test_disk_full_never_leaves_a_partial_line(self):
        self.mount_tmpfs(self.out, "256k")
        c = self.collector([PORT], "--snapshot-interval-sec", 1).start()
        e, dst = self.eth(), self.pair.srv_ip
        # ~500 buckets make each snapshot line ~75 KB: a full disk cuts one in the middle.
        self.send([e / IP(src="10.201.%d.%d" % (i // 250, i % 250 + 1), dst=dst) /
                   TCP(sport=1, dport=PORT, flags="S") for i in range(500)])
        c.wait_cycles(2)
        filler = os.path.join(self.out, "filler")
        subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=4k"], stderr=subprocess.DEVNULL)
        time.sleep(2.5)
        os.unlink(filler)
        wait_for(lambda: c.status()[-1]["write_errors"] >= 1, timeout=10,
                 what="a heartbeat reporting the failed writes")
        c.wait_cycles(c.status()[-1]["cycle"] + 1)
        self.assertEqual(c.stop(), 0)
        self.assertIn("No space left on device", c.stderr())
        lines = 0
        for path in c.snapshot_files():
            with open(path) as f:
                text = f.read()
            self.assertTrue(text.endswith("\n"))
            for line in text.splitlines():
                self.assertEqual(len(json.loads(line)["buckets"]), 500)
                lines += 1
        self.assertEqual(lines, c.status()[-1]["snapshots_written"])

    def test_rotation_by_count_and_age_touches_only_snapshots(self):
        os.makedirs(self.out)
        now = int(time.time())
        hour = lambda t: time.strftime("%Y%m%d%H", time.gmtime(t))  # noqa: E731
        old = ["snapshot_%s.jsonl" % hour(now - h * 3600) for h in (30, 5, 4, 3, 2)]
        # The IPv6 companion family keeps its own --max-files: 2 old + current survive.
        old6 = ["snapshot6_%s.jsonl" % hour(now - h * 3600) for h in (30, 4, 3, 2)]
        for name in old + old6 + ["status.jsonl", "notes.txt", "snapshot_latest.jsonl"]:
            with open(os.path.join(self.out, name), "w") as f:
                f.write("{}\n")
        c = self.collector([PORT], "--snapshot-interval-sec", 3600, "--max-files", 3,
                           "--max-age-sec", 86400, "--no-compress-closed").start()
        self.assertEqual(c.stop(), 0)
        stamp = hour(c.snapshots()[-1]["ts_unix_sec"])
        current, current6 = "snapshot_%s.jsonl" % stamp, "snapshot6_%s.jsonl" % stamp
        self.assertEqual(sorted(os.listdir(self.out)),
                         sorted([old[3], old[4], current, old6[2], old6[3], current6,
                                 "status.jsonl", "notes.txt", "snapshot_latest.jsonl"]))

    def test_hour_rollover_starts_a_new_file(self):
        now = int(time.time())
        # The wall clock starts 8 s before an hour boundary: the collector's start-up (safety
        # check, load, attach) may take seconds on a loaded host, and must end before it.
        offset = (3600 - now % 3600) - 8
        c = self.collector([PORT], "--snapshot-interval-sec", 2, "--duration-sec", 12,
                           "--test-clock-offset-sec", offset, "--no-compress-closed").start()
        self.assertEqual(c.wait(timeout=30), 0)
        files = c.snapshot_files()
        self.assertEqual(len(files), 2, files)
        for path in files:
            stamp = os.path.basename(path)[len("snapshot_"):-len(".jsonl")]
            with open(path) as f:
                for line in f:
                    ts = json.loads(line)["ts_unix_sec"]
                    self.assertEqual(time.strftime("%Y%m%d%H", time.gmtime(ts)), stamp)
        self.assertEqual(len(c.snapshots()), 6)  # at 2, 4, 6, 8, 10 s and the final one
        # The IPv6 lines follow the same hours and timestamps, one per cycle.
        self.assertEqual([l["ts_unix_sec"] for l in c.snapshots6()],
                         [l["ts_unix_sec"] for l in c.snapshots()])
        self.assertEqual(len(glob.glob(os.path.join(self.out, "snapshot6_*.jsonl"))), 2)

    def test_closed_hour_is_compressed_and_reports_the_same(self):
        """By default the hour the collector left becomes .jsonl.zst (never the current hour's
        file), holding the lines as written: ibsr-report reads it to the same report as the same
        lines uncompressed."""
        now = int(time.time())
        offset = (3600 - now % 3600) - 8  # as in test_hour_rollover_starts_a_new_file
        c = self.collector([PORT], "--snapshot-interval-sec", 2, "--duration-sec", 14,
                           "--test-clock-offset-sec", offset).start()
        e, dst = self.eth(), self.pair.srv_ip
        self.send([e / IP(src=self.spoofed(h), dst=dst) / TCP(sport=1000 + h, dport=PORT,
                                                               flags="S") for h in range(1, 21)])
        self.assertEqual(c.wait(timeout=30), 0)
        names = sorted(os.listdir(self.out))
        zst = [n for n in names if n.endswith(".jsonl.zst")]
        plain = [n for n in names if n.endswith(".jsonl") and n != "status.jsonl"]
        self.assertEqual(len(zst), 2, names)    # snapshot_ and snapshot6_ of the closed hour
        self.assertEqual(len(plain), 2, names)  # the current hour's, still open
        closed = zst[0][-len("YYYYMMDDHH.jsonl.zst"):-len(".jsonl.zst")]
        current = plain[0][-len("YYYYMMDDHH.jsonl"):-len(".jsonl")]
        self.assertEqual(sorted(zst), ["snapshot6_%s.jsonl.zst" % closed,
                                       "snapshot_%s.jsonl.zst" % closed])
        self.assertEqual(sorted(plain), ["snapshot6_%s.jsonl" % current,
                                         "snapshot_%s.jsonl" % current])
        self.assertGreater(current, closed)
        self.assertFalse([n for n in names if n.endswith(".tmp")], names)

        # The same lines, uncompressed, in a second directory.
        same = os.path.join(self.tmp, "uncompressed")
        os.makedirs(same)
        lines = {}
        for n in names:
            src, dst_path = os.path.join(self.out, n), os.path.join(same, n)
            if n.endswith(".zst"):
                run("zstd", "-q", "-d", src, "-o", dst_path[:-len(".zst")])
                dst_path = dst_path[:-len(".zst")]
            else:
                shutil.copy(src, dst_path)
            with open(dst_path) as f:
                lines[os.path.basename(dst_path)] = [json.loads(l) for l in f]
        closed_lines = lines["snapshot_%s.jsonl" % closed]
        self.assertTrue(closed_lines)
        for line in closed_lines:
            self.assertEqual(time.strftime("%Y%m%d%H", time.gmtime(line["ts_unix_sec"])), closed)
        heartbeat = c.status()[-1]
        self.assertEqual(len(closed_lines) + len(lines["snapshot_%s.jsonl" % current]),
                         heartbeat["snapshots_written"])
        self.assertEqual(len(lines["snapshot6_%s.jsonl" % closed]), len(closed_lines))
        # Every spoofed SYN is in the last line (20 sources, one SYN each).
        last = lines["snapshot_%s.jsonl" % current][-1]
        self.assertEqual(sum(b["syn"] for b in last["buckets"]), 20)

        def report(src, out):
            r = subprocess.run([REPORT, "--input", src, "-o", out, "--format", "md,json,csv",
                                "--min-observation-sec", "0"], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            files = {}
            for n in sorted(os.listdir(out)):
                with open(os.path.join(out, n), "rb") as f:
                    files[n] = f.read()
            return files

        a = report(self.out, os.path.join(self.tmp, "report-zst"))
        b = report(same, os.path.join(self.tmp, "report-plain"))
        self.assertEqual(sorted(a), sorted(b))
        self.assertIn("summary.json", a)
        for n in a:
            # Only the input names and directories may differ.
            norm = lambda d, root: d.replace(b".jsonl.zst", b".jsonl").replace(  # noqa: E731
                root.encode(), b"ROOT")
            self.assertEqual(norm(a[n], self.out), norm(b[n], same), n)


    def test_closed_hour_that_cannot_be_compressed_is_counted_in_heartbeat_and_metrics(self):
        """A closed hour whose .zst does not fit on the disk: the .jsonl stays exactly as it was,
        no temporary file is left, and an operator who reads only status.jsonl and the metrics
        file (not the journal) sees the failure and its reason; it is not retried every cycle."""
        self.mount_tmpfs(self.out, "2m")
        # The clock in the middle of an hour: the hour before it is closed, no other closes.
        offset = (1800 - int(time.time())) % 3600  # 0..3599, never negative
        hour = time.strftime("%Y%m%d%H", time.gmtime(time.time() + offset - 3600))
        closed = os.path.join(self.out, "snapshot_%s.jsonl" % hour)
        data = os.urandom(1536 * 1024)  # zstd cannot shrink it: its .zst needs 1.5 MB, 0.5 free
        with open(closed, "wb") as f:
            f.write(data)
        prom = os.path.join(self.tmp, "collect.prom")  # outside the full disk
        c = self.collector([PORT], "--snapshot-interval-sec", 1, "--metrics-file", prom,
                           "--test-clock-offset-sec", offset).start()
        # Cycle 1 starts the compression after its heartbeat; a later cycle collects the failure
        # and the one after that reports it.
        c.wait_cycles(1)

        def reported():
            try:
                return c.status()[-1]["compress_errors"] >= 1
            except ValueError:  # a line being appended
                return False
        wait_for(reported, timeout=20, what="a heartbeat reporting the failed compression")
        c.wait_cycles(c.status()[-1]["cycle"] + 2)
        self.assertEqual(c.stop(signal.SIGTERM), 0, c.stderr())

        status = schema_check.validate_lines(os.path.join(self.out, "status.jsonl"),
                                             schema_check.load("collect-status.schema.json"))
        last = status[-1]
        self.assertEqual(last["compress_errors"], 1)  # tried once: the retry is an hour later
        self.assertEqual(last["compress_last_error"],
                         "snapshot_%s.jsonl: cannot write the compressed file: "
                         "No space left on device" % hour)
        # Cumulative from the first heartbeat that has it to the last.
        first = next(i for i, b in enumerate(status) if b["compress_errors"])
        self.assertGreater(first, 0)
        self.assertEqual([b["compress_errors"] for b in status],
                         [0] * first + [1] * (len(status) - first))
        m = metrics_file.check(self, prom)
        self.assertEqual(m.get1("ibsr_compress_errors_total"), 1)
        self.assertEqual(m.get1("ibsr_cycles_total"), last["cycle"])
        # The original is untouched, nothing else of it is left, and the journal says it too.
        with open(closed, "rb") as f:
            self.assertTrue(f.read() == data)
        names = os.listdir(self.out)
        self.assertFalse([n for n in names if n.endswith(".tmp") or n.endswith(".zst")], names)
        for name in ("files", "input_bytes", "output_bytes"):
            self.assertEqual(m.get1("ibsr_compressed_%s_total" % name), 0, name)
        self.assertEqual(sum("No space left on device" in l and "kept uncompressed" in l
                             for l in c.stderr_lines), 1, c.stderr())


class StartupErrors(unittest.TestCase):
    def ibsr(self, *args):
        return subprocess.run([IBSR, "collect"] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=30)

    def test_usage_errors_exit_2_with_one_line_naming_the_flag(self):
        cases = [
            (["-i", "lo", "-p", "0"], "--dst-port: 0 is not a port (1..65535)"),
            (["-i", "lo", "-p", "80", "-p", "80"], "--dst-port: 80 given twice"),
            (["-i", "lo"] + sum((["-p", p] for p in range(1, 10)), []),
             "--dst-port: at most 8 ports, got 9"),
            (["-i", "lo", "-p", "80", "--map-size", "0"], "--map-size"),
            (["-i", "lo", "-p", "80", "--map-size", "1000001"], "--map-size"),
            (["-i", "lo", "-p", "80", "--xdp-mode", "fast"], "--xdp-mode"),
            (["-i", "lo", "-p", "80", "--snapshot-memory", "keep"], "--snapshot-memory"),
            (["-i", "lo", "-p", "80", "--ipv6-prefix-len", "0"],
             "--ipv6-prefix-len: Value 0 not in range 1 to 128"),
            (["-i", "lo", "-p", "80", "--ipv6-prefix-len", "129"], "--ipv6-prefix-len"),
            (["-i", "lo", "-p", "80", "--ipv6-map-size", "0"], "--ipv6-map-size"),
            (["-i", "lo", "-p", "80", "--no-ipv6", "--ipv6-map-size", "10"],
             "--ipv6-map-size excludes --no-ipv6"),
            (["-i", "lo", "-p", "80", "--bogus"], "--bogus"),
            (["-p", "80"], "--interface is required"),
        ]
        for args, needle in cases:
            r = self.ibsr(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn(needle, r.stderr)

    def test_runtime_errors_exit_1_and_attach_nothing(self):
        r = self.ibsr("-i", "ibsr-nonexistent0", "-p", "80", "--out-dir", "/tmp/ibsr-x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown network interface 'ibsr-nonexistent0'", r.stderr)
        with tempfile.NamedTemporaryFile() as f:
            r = self.ibsr("-i", "lo", "-p", "80", "--out-dir", f.name)
            self.assertEqual(r.returncode, 1)
            self.assertIn("is not a directory", r.stderr)
        out = run("ip", "-d", "link", "show", "lo", capture=True).stdout
        self.assertNotIn("xdp", out)

    def test_missing_privileges(self):
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", IBSR, "collect", "-i", "lo", "-p", "80",
                            "--out-dir", "/tmp"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("ibsr collect needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN; missing CAP_BPF, "
                      "CAP_PERFMON and CAP_NET_ADMIN", r.stderr)

    def test_help(self):
        r = self.ibsr("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ("-i, --interface IFACE", "-p, --dst-port PORT", "-o, --out-dir DIR",
                     "--snapshot-interval-sec SECONDS", "--map-size ENTRIES", "--max-files N",
                     "--max-age-sec SECONDS", "--duration-sec SECONDS", "--xdp-mode MODE",
                     "--metrics-file FILE", "--snapshot-memory MODE", "(default: bounded)",
                     "(default: /var/lib/ibsr/snapshots)", "(default: 100000)",
                     "(default: 3600)", "(default: 86400)", "1..86400 (default: 60)"):
            self.assertIn(flag, " ".join(r.stdout.split()))  # the help wraps lines


class Metrics(CollectTestBase):
    """--metrics-file: a Prometheus textfile that promtool accepts, whose values are exactly the
    run's (the heartbeat, the snapshot lines and files)."""

    def test_metrics_file_matches_the_run(self):
        self.listen(PORT)
        prom = os.path.join(self.tmp, "ibsr-collect.prom")
        # The clock in the middle of an hour: no hour closes during the run, nothing to compress.
        offset = (1800 - int(time.time())) % 3600  # 0..3599, never negative
        c = self.collector([PORT], "--snapshot-interval-sec", 1, "--map-size", 4096,
                           "--ipv6-map-size", 512, "--metrics-file", prom,
                           "--test-clock-offset-sec", offset).start()
        self.curl(PORT, 3)
        c.wait_cycles(3)
        first = metrics_file.check(self, prom, running=True)  # every cycle, not only at exit
        self.assertGreaterEqual(first.get1("ibsr_cycles_total"), 3)
        self.curl(PORT, 2)
        self.assertEqual(c.stop(signal.SIGTERM), 0, c.stderr())
        m = metrics_file.check(self, prom)
        snaps, beats = validate_counter_dir(c.out_dir)
        last = beats[-1]
        self.assertEqual(len(beats), len(snaps))
        self.assertEqual(
            {n for n, _ in m},
            {"ibsr_cycles_total", "ibsr_snapshots_written_total", "ibsr_bytes_written_total",
             "ibsr_last_success_timestamp_seconds", "ibsr_write_errors_total",
             "ibsr_budget_deleted_files_total", "ibsr_budget_deleted_bytes_total",
             "ibsr_budget_dropped_lines_total", "ibsr_awaiting_export_files",
             "ibsr_compress_errors_total", "ibsr_compressed_files_total",
             "ibsr_compressed_input_bytes_total", "ibsr_compressed_output_bytes_total",
             "ibsr_map_entries", "ibsr_map_capacity", "ibsr_ipv6_map_entries",
             "ibsr_ipv6_map_capacity", "ibsr_metrics_write_errors_total"})
        for (name, labels) in m:
            want = {("mode", "collect"), ("interface", self.pair.srv_if)}
            if name not in ("ibsr_map_entries", "ibsr_map_capacity", "ibsr_ipv6_map_entries",
                            "ibsr_ipv6_map_capacity", "ibsr_metrics_write_errors_total"):
                want.add(("artefact", "snapshot"))
            self.assertEqual(set(labels), want, name)
        self.assertEqual(m.get1("ibsr_cycles_total"), last["cycle"])
        self.assertEqual(m.get1("ibsr_cycles_total"), len(beats))
        self.assertEqual(m.get1("ibsr_snapshots_written_total"), last["snapshots_written"])
        self.assertEqual(m.get1("ibsr_snapshots_written_total"), len(snaps))
        self.assertEqual(m.get1("ibsr_bytes_written_total"),
                         sum(os.path.getsize(f) for f in c.snapshot_files()))
        self.assertEqual(m.get1("ibsr_last_success_timestamp_seconds"), snaps[-1]["ts_unix_sec"])
        self.assertEqual(m.get1("ibsr_write_errors_total"), last["write_errors"])
        self.assertEqual(m.get1("ibsr_write_errors_total"), 0)
        for field in ("budget_deleted_files", "budget_deleted_bytes", "budget_dropped_lines"):
            self.assertEqual(m.get1("ibsr_%s_total" % field), last[field], field)
        self.assertEqual(m.get1("ibsr_awaiting_export_files"), last["awaiting_export"])
        # The run stays inside one hour: nothing compressed, nothing failed.
        self.assertEqual(m.get1("ibsr_compress_errors_total"), last["compress_errors"])
        self.assertEqual((last["compress_errors"], last["compress_last_error"]), (0, ""))
        for name in ("files", "input_bytes", "output_bytes"):
            self.assertEqual(m.get1("ibsr_compressed_%s_total" % name), 0, name)
        self.assertFalse(glob.glob(os.path.join(c.out_dir, "*.zst")))
        # One client source on one port: one key in the map and in the last snapshot line.
        self.assertEqual(m.get1("ibsr_map_entries"), len(snaps[-1]["buckets"]))
        self.assertEqual(m.get1("ibsr_map_entries"), 1)
        self.assertEqual(m.get1("ibsr_map_capacity"), 4096)
        self.assertEqual(m.get1("ibsr_ipv6_map_entries"), last["ipv6_keys"])
        self.assertEqual(m.get1("ibsr_ipv6_map_entries"), 0)  # the client speaks IPv4 here
        self.assertEqual(m.get1("ibsr_ipv6_map_capacity"), 512)
        self.assertEqual(m.get1("ibsr_metrics_write_errors_total"), 0)
        self.assertEqual(oct(os.stat(prom).st_mode & 0o777), "0o644")

    def test_unwritable_metrics_file_warns_once_counts_and_collection_goes_on(self):
        textfile = os.path.join(self.tmp, "textfile")  # does not exist yet
        prom = os.path.join(textfile, "ibsr.prom")
        c = self.collector([PORT], "--snapshot-interval-sec", 2, "--metrics-file", prom).start()
        c.wait_cycles(2)
        # Cycle N writes its snapshot, heartbeat, then the metrics file; the next is 2 s later.
        time.sleep(0.5)
        failed = len(c.status())
        os.mkdir(textfile)
        c.wait_cycles(failed + 2)
        self.assertEqual(c.stop(signal.SIGTERM), 0, c.stderr())
        m = metrics_file.check(self, prom)
        self.assertEqual(m.get1("ibsr_metrics_write_errors_total"), failed)
        self.assertEqual(m.get1("ibsr_cycles_total"), len(c.status()))
        self.assertEqual(c.status()[-1]["write_errors"], 0)  # snapshots were never affected
        warnings = [l for l in c.stderr_lines if "cannot create '%s.tmp'" % prom in l]
        self.assertEqual(len(warnings), 1, c.stderr())
        self.assertIn("warning", warnings[0])
        self.assertEqual(sum("written again" in l for l in c.stderr_lines), 1, c.stderr())


if __name__ == "__main__":
    unittest.main()
