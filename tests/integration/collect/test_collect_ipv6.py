"""IPv6 sources in `ibsr collect` on the real kernel: a veth pair between two network namespaces
the test creates and removes, crafted IPv6 frames (a SYN flood rotating inside one /64, extension
headers, fragments, VLAN tags, ICMPv6 and UDP noise) and real IPv6 TCP connections, beside the
IPv4 mix whose v3 snapshot must not change. Counts are compared exactly: by hand and against an
independent model applied to a server-side capture."""
import ipaddress
import json
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import test_collect as base  # noqa: E402
from collector import validate_counter_dir  # noqa: E402
import schema_check  # noqa: E402
from counter_model import (buckets6_table, buckets_table, count, count6, ip_int,  # noqa: E402
                           read_pcap)

from scapy.all import (IP, TCP, UDP, Dot1AD, Dot1Q, ICMPv6EchoRequest, IPv6,  # noqa: E402
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, raw)

PORT, UNMONITORED = base.PORT, base.UNMONITORED
FLOOD_NET = "2001:db8:66:1::"  # the SYN flood rotates its source inside this /64
CONNECTIONS = 3


class Ipv6Base(base.CollectTestBase):
    def setUp(self):
        super().setUp()
        p = self.pair
        # Static neighbours: no neighbour discovery between the two ends, so the only IPv6 TCP
        # on the wire is what the test sends.
        p.ns(p.srv, "ip", "-6", "neigh", "replace", p.cli_ip6, "lladdr", p.cli_mac, "dev",
             p.srv_if, "nud", "permanent")
        p.ns(p.cli, "ip", "-6", "neigh", "replace", p.srv_ip6, "lladdr", p.srv_mac, "dev",
             p.cli_if, "nud", "permanent")

    def flood(self, n):
        e, dst = self.eth(), self.pair.srv_ip6
        return [e / IPv6(src="%s%x" % (FLOOD_NET, i + 1), dst=dst) /
                TCP(sport=20000 + i, dport=PORT, flags="S", seq=i + 1) for i in range(n)]

    def ipv4_mix(self):
        """Crafted IPv4 frames only, so two runs see byte-identical traffic."""
        e, dst = self.eth(), self.pair.srv_ip
        flood, acks, vlan = (self.spoofed(h) for h in (100, 102, 103))
        frames = [e / IP(src=flood, dst=dst) / TCP(sport=10000 + i, dport=PORT, flags="S", seq=i)
                  for i in range(50)]
        frames += [e / IP(src=acks, dst=dst) / TCP(sport=3000, dport=PORT, flags="A", seq=77)] * 4
        frames += [e / IP(src=acks, dst=dst) / TCP(sport=3000, dport=PORT, flags="PA", seq=78) /
                   Raw(b"x" * 100)] * 2
        frames += [e / Dot1Q(vlan=7) / IP(src=vlan, dst=dst) /
                   TCP(sport=4000, dport=PORT, flags="S")] * 3
        return frames

    def ipv6_listener(self):
        """Accepts CONNECTIONS connections on [srv_ip6]:PORT, reads each to its end."""
        p = self.pair.popen(self.pair.srv, "/usr/bin/python3", "-c",
                            "import socket\n"
                            "s = socket.create_server(('%s', %d), family=socket.AF_INET6)\n"
                            "for _ in range(%d):\n"
                            "    c, _ = s.accept()\n"
                            "    while c.recv(65536): pass\n"
                            "    c.close()\n" % (self.pair.srv_ip6, PORT, CONNECTIONS))
        self.procs.append(p)
        base.wait_for(lambda: "LISTEN" in self.pair.ns(
            self.pair.srv, "ss", "-Htln", "sport = :%d" % PORT, capture=True).stdout or None,
            what="IPv6 listener")
        return p

    def connect6(self):
        """CONNECTIONS real IPv6 TCP connections from the client, each sending 100 bytes."""
        self.pair.ns(self.pair.cli, "/usr/bin/python3", "-c",
                     "import socket\n"
                     "for _ in range(%d):\n"
                     "    s = socket.create_connection(('%s', %d), timeout=10)\n"
                     "    s.sendall(b'x' * 100)\n"
                     "    s.shutdown(socket.SHUT_WR)\n"
                     "    s.recv(1)\n"
                     "    s.close()\n" % (CONNECTIONS, self.pair.srv_ip6, PORT), timeout=60)

    def stop(self, c, tcpdump=None):
        time.sleep(0.5)  # let the last frames through the stack before the final snapshot
        self.assertEqual(c.stop(), 0, c.stderr())
        if tcpdump:
            tcpdump.send_signal(signal.SIGINT)
            tcpdump.wait(timeout=10)

    def inbound(self, pcap):
        cli_mac = bytes.fromhex(self.pair.cli_mac.replace(":", ""))
        return [f for f in read_pcap(pcap) if f[6:12] == cli_mac]


class Ipv6ExactCounters(Ipv6Base):
    def test_ipv6_mix_and_handshakes_exact_beside_ipv4(self):
        listener = self.ipv6_listener()
        tcpdump, pcap = self.capture()
        c = self.collector([PORT], "--snapshot-interval-sec", 3600).start()
        self.assertIn("IPv6 per /64", c.attached_line())

        e, dst = self.eth(), self.pair.srv_ip6
        hop, chain, frag, vlan, qinq = ("2001:db8:77:%d::1" % i for i in range(1, 6))
        icmp, udp, unmon = ("2001:db8:99:%d::1" % i for i in range(1, 4))
        frames = self.flood(200) + self.ipv4_mix()
        frames += [e / IPv6(src=hop, dst=dst) / IPv6ExtHdrHopByHop() /
                   TCP(sport=6000, dport=PORT, flags="S")] * 3
        frames += [e / IPv6(src=chain, dst=dst) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                   IPv6ExtHdrRouting(type=253, segleft=0) /
                   TCP(sport=6001, dport=PORT, flags="A", seq=5)] * 2
        frames += [e / IPv6(src=frag, dst=dst) / IPv6ExtHdrFragment(offset=0, m=1, id=7) /
                   TCP(sport=6002, dport=PORT, flags="S") / Raw(b"y" * 16)]
        frames += [e / IPv6(src=frag, dst=dst) / IPv6ExtHdrFragment(offset=5, m=0, id=7, nh=6) /
                   Raw(raw(TCP(sport=6002, dport=PORT, flags="S")))] * 2  # looks like TCP
        frames += [e / Dot1Q(vlan=7) / IPv6(src=vlan, dst=dst) /
                   TCP(sport=6003, dport=PORT, flags="S")] * 2
        frames += [e / Dot1AD(vlan=8) / Dot1Q(vlan=9) / IPv6(src=qinq, dst=dst) /
                   TCP(sport=6004, dport=PORT, flags="R", seq=1)]
        frames += [e / IPv6(src=icmp, dst=dst) / ICMPv6EchoRequest()] * 3
        frames += [e / IPv6(src=udp, dst=dst) / UDP(sport=6005, dport=PORT) / Raw(b"z" * 20)] * 3
        frames += [e / IPv6(src=unmon, dst=dst) / TCP(sport=6006, dport=UNMONITORED, flags="S")] * 2
        self.send(frames)
        self.connect6()
        self.assertEqual(listener.wait(timeout=20), 0)
        self.stop(c, tcpdump)

        inbound = self.inbound(pcap)
        self.assertGreater(len(inbound), 280)
        (v6,) = c.snapshots6()
        got6 = buckets6_table(v6)
        self.assertEqual(got6, count6(inbound, {PORT}, 64))  # the independent model

        k = lambda net: (net + "/64", PORT)  # noqa: E731
        syn60 = lambda n, extra=0: base.counters(syn=n, packets=n, bytes=n * (60 + extra))  # noqa
        self.assertEqual(got6[k(FLOOD_NET)], syn60(200))  # 200 addresses, one key
        self.assertEqual(got6[k("2001:db8:77:1::")], syn60(3, 8))
        self.assertEqual(got6[k("2001:db8:77:2::")],
                         base.counters(ack=2, handshake_ack=2, packets=2, bytes=2 * (60 + 24)))
        self.assertEqual(got6[k("2001:db8:77:3::")], syn60(1, 8 + 16))  # first fragment only
        self.assertEqual(got6[k("2001:db8:77:4::")], syn60(2))
        self.assertEqual(got6[k("2001:db8:77:5::")], base.counters(rst=1, packets=1, bytes=60))
        client = got6[k(re.sub(r"::2$", "::", self.pair.cli_ip6))]
        self.assertEqual((client["syn"], client["rst"]), (CONNECTIONS, 0))
        self.assertGreaterEqual(client["handshake_ack"], CONNECTIONS)
        self.assertEqual(len(got6), 7)
        order = [ipaddress.IPv6Network(b["src_ip"]).network_address.packed for b in v6["buckets"]]
        self.assertEqual(order, sorted(order))  # buckets by address bytes

        # The v3 line: exactly the IPv4 model of the same capture, nothing from IPv6.
        (v4,) = c.snapshots()
        self.assertEqual(buckets_table(v4), count(inbound, {PORT}))
        self.assertEqual(set(buckets_table(v4)),
                         {(ip_int(self.spoofed(h)), PORT) for h in (100, 102, 103)})
        self.assertEqual((v6["ts_unix_sec"], v6["interval_sec"], v6["aggregation"],
                          v6["prefix_len"], v6["dst_ports"]),
                         (v4["ts_unix_sec"], 3600, "src_net6", 64, [PORT]))
        self.assertLessEqual(v6["base_ts_unix_sec"], v6["ts_unix_sec"])
        snaps, beats = validate_counter_dir(c.out_dir)  # docs/schemas/, snapshot6 included
        self.assertEqual((len(snaps), len(beats)), (1, 1))
        self.assertEqual((beats[-1]["ipv6_keys"], beats[-1]["ipv6_sources"]), (7, 7))
        self.assertEqual(beats[-1]["ips_collected"], 3)


class Ipv6Keying(Ipv6Base):
    def run_collector(self, *extra):
        self.out = os.path.join(self.tmp, "run%d" % len(os.listdir(self.tmp)))
        c = self.collector([PORT], "--snapshot-interval-sec", 3600, *extra).start()
        self.send(self.flood(40) + self.ipv4_mix())
        self.stop(c)
        return c

    def test_slash128_keys_every_address_and_no_ipv6_leaves_v3_identical(self):
        exact = self.run_collector("--ipv6-prefix-len", 128)
        off = self.run_collector("--no-ipv6")

        (v6,) = exact.snapshots6()
        self.assertEqual((v6["aggregation"], v6["prefix_len"]), ("src_ip6", 128))
        self.assertEqual([(b["key_type"], b["src_ip"], b["syn"], b["bytes"]) for b in v6["buckets"]],
                         [("src_ip6", "%s%x" % (FLOOD_NET, i + 1), 1, 60) for i in range(40)])
        self.assertEqual(exact.status()[-1]["ipv6_keys"], 40)

        self.assertEqual(off.snapshots6(), [])
        self.assertEqual([f for f in os.listdir(off.out_dir) if f.startswith("snapshot6_")], [])
        self.assertNotIn("ipv6_keys", off.status()[-1])
        self.assertIn("IPv6 off", off.attached_line())
        # The v3 lines of the two runs differ only in their timestamp: byte for byte otherwise.
        lines = []
        for c in (exact, off):
            (path,) = c.snapshot_files()
            with open(path) as f:
                lines.append(re.sub(r'^\{"version":3,"ts_unix_sec":\d+,', "", f.read()))
        self.assertEqual(lines[0], lines[1])
        self.assertIn('"key_value":%d' % ip_int(self.spoofed(100)), lines[0])
        validate_counter_dir(exact.out_dir)
        validate_counter_dir(off.out_dir)


class Snapshot6Schema(unittest.TestCase):
    """The schema rejects what the reader must not accept, so validating real lines means
    something (the good line is the documented example's shape)."""
    GOOD = {"version": 5, "ts_unix_sec": 10, "interval_sec": 60, "run_id": "0123456789abcdef",
            "counter_mode": "cumulative", "base_ts_unix_sec": 5, "aggregation": "src_net6",
            "prefix_len": 64, "dst_ports": [443],
            "buckets": [{"key_type": "src_net6", "src_ip": "2001:db8:1:2::/64", "dst_port": 443,
                         "syn": 1, "ack": 0, "handshake_ack": 0, "rst": 0, "packets": 1,
                         "bytes": 60}]}

    def altered(self, change, message):
        doc = json.loads(json.dumps(self.GOOD))
        change(doc)
        with self.assertRaises(AssertionError) as cm:
            schema_check.validate(doc, schema_check.load("snapshot6-v5.schema.json"))
        self.assertIn(message, str(cm.exception))

    def test_good_line_validates_and_altered_lines_fail(self):
        schema_check.validate(self.GOOD, schema_check.load("snapshot6-v5.schema.json"))
        self.altered(lambda d: d.update(version=3), "$.version: 3 != 5")
        self.altered(lambda d: d.update(run_id="XYZ"), "$.run_id")
        self.altered(lambda d: d.update(counter_mode="delta"), "$.counter_mode")
        self.altered(lambda d: d.update(prefix_len=129), "$.prefix_len: 129 > maximum")
        self.altered(lambda d: d["buckets"][0].update(src_ip="2001:DB8::/64"), "src_ip")
        self.altered(lambda d: d["buckets"][0].update(src_ip="2001:db8::/128"), "src_ip")
        self.altered(lambda d: d["buckets"][0].update(key_value=1), "unexpected key_value")
        self.altered(lambda d: d.update(buckets=[dict(reversed(list(d["buckets"][0].items())))]),
                     "key order")


if __name__ == "__main__":
    unittest.main()
