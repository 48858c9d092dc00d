"""--scrub-internal-subnet with several IPv4 and IPv6 prefixes on the real kernel: a frame whose
source and destination both lie in listed prefixes (each in any of them) is not recorded and is
counted exactly in events_scrubbed; every other frame is recorded, its addresses hashed.
Injected frames cover VLAN tags, extension headers and the family rules exactly; real pings
between the namespaces cover the kernel's own IPv4 and IPv6 traffic."""
import itertools
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from incident_lib import (IncidentTestBase, enable_quiet_ipv6, scrub_ip,  # noqa: E402
                          scrub_ip6)

from scapy.all import (ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, ICMPv6EchoReply,  # noqa: E402
                       ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, Ether)

SALT = "0123456789abcdef"
# RFC 1918's three ranges and the unique-local fd00::/8, as the shipped env example lists them.
PREFIXES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8"]
EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "packaging",
                       "examples", "record-incident-IFACE.env")


def example_args():
    """The arguments of the commented IBSR_INTERFACE_OPTIONS example in the shipped
    per-interface env file."""
    with open(EXAMPLE) as f:
        [line] = [l for l in f if l.startswith("# IBSR_INTERFACE_OPTIONS=")]
    value = line.split("=", 1)[1].strip()
    assert value[0] == value[-1] == '"', value
    return value[1:-1].split()


def prefix_args(prefixes=PREFIXES):
    args = []
    for p in prefixes:
        args += ["--scrub-internal-subnet", p]
    return args


def addresses(frame):
    """(src, dst) of the IPv4 or IPv6 header of a scapy frame."""
    layer = frame[IPv6] if IPv6 in frame else frame[IP]
    return layer.src, layer.dst


def with_addresses(frame, src, dst):
    """The frame's bytes with the addresses of its IPv4 or IPv6 header replaced."""
    data = bytearray(bytes(frame))
    v6 = IPv6 in frame
    start = len(data) - len(bytes(frame[IPv6] if v6 else frame[IP]))
    family, off = (socket.AF_INET6, start + 8) if v6 else (socket.AF_INET, start + 12)
    packed = socket.inet_pton(family, src) + socket.inet_pton(family, dst)
    data[off:off + len(packed)] = packed
    return bytes(data)


def scrubbed(src, dst):
    h = scrub_ip6 if ":" in src else scrub_ip
    return h(SALT, src), h(SALT, dst)


class InjectedFrames(IncidentTestBase):
    """Frames sent from the client namespace with IPv6 off on the veths: every captured frame is
    one the test sent, so the record list and both counters are exact."""

    def test_internal_frames_of_both_families_are_dropped_and_counted_exactly(self):
        r = self.recorder("--tag", "internal", "--sample-rate", 1, "--scrub-ip-salt", SALT,
                          *prefix_args()).start()
        e = self.c2s()
        internal = [
            # Inside one prefix, and across the listed ranges.
            e / IP(src="10.1.2.3", dst="10.200.0.1") / TCP(dport=22, flags="S"),
            e / IP(src="10.1.2.3", dst="192.168.1.1") / UDP(dport=53),
            e / IP(src="172.31.255.254", dst="172.16.0.1") / TCP(dport=443, flags="S"),
            e / Dot1Q(vlan=7) / IP(src="192.168.9.9", dst="10.0.0.1") / UDP(dport=9),
            e / IPv6(src="fd00:1::1", dst="fdff:ffff::2") / TCP(dport=443, flags="S"),
            e / Dot1Q(vlan=5) / IPv6(src="fd12::1", dst="fd34::2") / UDP(dport=9),
            e / Dot1AD(vlan=100) / Dot1Q(vlan=5) / IPv6(src="fd12::3", dst="fd34::4") /
            UDP(dport=9),
            e / Dot1AD(vlan=100) / Dot1Q(vlan=5) / Dot1Q(vlan=6) / IP(src="10.0.0.7",
                                                                       dst="10.0.0.8") /
            UDP(dport=9),
            # Extension headers: the fixed header's addresses decide.
            e / IPv6(src="fd00::a", dst="fd00::b") / IPv6ExtHdrHopByHop() / UDP(dport=9),
            e / IPv6(src="fd00::a", dst="fd00::b") / IPv6ExtHdrDestOpt() /
            IPv6ExtHdrFragment(offset=0, m=1, id=1) / UDP(dport=9),
            e / IPv6(src="fd00::a", dst="fd00::b") / IPv6ExtHdrFragment(offset=8, m=0, id=1) /
            (b"x" * 16),
        ]
        kept = [
            e / IP(src="10.1.2.3", dst="198.51.100.1") / TCP(dport=22, flags="S"),
            e / IP(src="198.51.100.1", dst="192.168.0.1") / UDP(dport=53),
            e / IP(src="172.32.0.1", dst="10.0.0.1") / UDP(dport=9),  # just outside /12
            e / IP(src="172.16.0.1", dst="172.15.255.255") / UDP(dport=9),
            e / IPv6(src="fd00::1", dst="2001:db8::1") / TCP(dport=443, flags="S"),
            e / IPv6(src="2001:db8::1", dst="fd00::1") / UDP(dport=9),
            e / IPv6(src="fc00::1", dst="fd00::1") / UDP(dport=9),  # fc00::/8 is not listed
            e / Dot1AD(vlan=100) / Dot1Q(vlan=5) / IPv6(src="fd12::3", dst="2001:db8::4") /
            UDP(dport=9),
            # A third tag: scrubbed all the same (the counters parse two).
            e / Dot1AD(vlan=100) / Dot1Q(vlan=5) / Dot1Q(vlan=6) /
            IPv6(src="fd12::3", dst="2001:db8::4") / UDP(dport=9),
            # IPv4-mapped IPv6 addresses are IPv6: 10.0.0.0/8 does not hold them.
            e / IPv6(src="::ffff:10.0.0.1", dst="::ffff:10.0.0.2") / UDP(dport=9),
            e / IPv6(src="fd00::a", dst="2001:db8::b") / IPv6ExtHdrHopByHop() / UDP(dport=9),
        ]
        # Interleaved, so a drop cannot shift which frame is recorded next.
        frames = [f for pair in itertools.zip_longest(internal, kept) for f in pair if f is not None]
        recs = self.send_and_stop(r, frames, len(kept))
        for rec, f in zip(recs, kept):
            # Only the addresses changed: the sent frame with the hashed addresses written in.
            self.assertEqual(bytes(rec.data), with_addresses(f, *scrubbed(*addresses(f))),
                             f.summary())
        last = r.status()[-1]
        self.assertEqual(last["events_scrubbed"], len(internal))
        self.assertEqual(last["events_written"], len(kept))

    def test_a_comma_list_is_the_same_as_repeating_the_flag(self):
        r = self.recorder("--tag", "comma", "--sample-rate", 1,
                          "--scrub-internal-subnet", "10.0.0.0/8,fd00::/8").start()
        e = self.c2s()
        internal = [e / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(dport=9),
                    e / IPv6(src="fd00::1", dst="fd00::2") / UDP(dport=9)]
        kept = [e / IP(src="10.0.0.1", dst="192.168.0.2") / UDP(dport=9),
                e / IPv6(src="fd00::1", dst="2001:db8::2") / UDP(dport=9)]
        recs = self.send_and_stop(r, internal + kept, len(kept))
        # No salt: the recorded frames are the sent ones, byte for byte.
        self.assertEqual([bytes(x.data) for x in recs], [bytes(f) for f in kept])
        self.assertEqual(r.status()[-1]["events_scrubbed"], len(internal))


class RealTraffic(IncidentTestBase):
    """Pings between the namespaces over IPv4 and IPv6: internal-to-internal ones vanish from
    the capture and are counted exactly; outside and half-outside ones are recorded."""

    OUT4 = ("198.51.100.1", "198.51.100.2")
    OUT6 = ("2001:db8:77::1", "2001:db8:77::2")

    def setUp(self):
        super().setUp()
        enable_quiet_ipv6(self.pair, extra=(self.OUT4, self.OUT6))

    def ping(self, dst, src, count=3):
        self.pair.ns(self.pair.cli, "ping", "-c", str(count), "-i", "0.2", "-W", "2", "-I", src, dst,
                     capture=True)

    def test_pings_between_internal_addresses_are_dropped_the_others_kept(self):
        p = self.pair
        # The shipped example's options, so the example is known to do what it says.
        self.assertEqual(example_args(), prefix_args())
        r = self.recorder("--tag", "real", "--sample-rate", 1, "--scrub-ip-salt", SALT,
                          *example_args()).start()
        internal = [(p.srv_ip, p.cli_ip), (p.srv_ip6, p.cli_ip6)]
        outside = [self.OUT4, self.OUT6,
                   (p.srv_ip, self.OUT4[1]),     # outside source, internal destination
                   (p.srv_ip6, self.OUT6[1])]
        for dst, src in internal + outside:
            self.ping(dst, src)
        # 3 requests and 3 replies per ping run, each seen once on the server's veth.
        want = {}
        for dst, src in outside:
            want[scrubbed(src, dst)] = 3
            want[scrubbed(dst, src)] = 3
        echo_types = {(1, 8), (1, 0), (58, 128), (58, 129)}

        def echoes():
            got = {}
            for rec in r.records():
                f = Ether(rec.data)
                layer = f[IPv6] if IPv6 in f else f[IP] if IP in f else None
                if layer is None:
                    continue
                kind = ((58, f[ICMPv6EchoRequest].type) if ICMPv6EchoRequest in f else
                        (58, f[ICMPv6EchoReply].type) if ICMPv6EchoReply in f else
                        (1, f[ICMP].type) if ICMP in f else None)
                if kind in echo_types:
                    key = (layer.src, layer.dst)
                    got[key] = got.get(key, 0) + 1
            return got

        r.wait_records(sum(want.values()))
        time.sleep(0.3)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual(echoes(), want)
        # Exactly the internal pings' 12 frames; the kernel's other frames (MLD reports from
        # :: to ff02::16) are not internal and are recorded.
        last = r.status()[-1]
        self.assertEqual(last["events_scrubbed"], 12)
        self.assertEqual(last["events_written"], len(r.records()))


if __name__ == "__main__":
    unittest.main()
