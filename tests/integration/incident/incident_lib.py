"""Helpers for the record-incident integration tests: run `ibsr record-incident` in a namespace,
read classic pcap files independently of the C++ writer, talk to the trigger socket, and an
independent FNV-1a-64 implementation for the scrub checks."""
import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from ibsr_process import IBSR, IbsrProcess  # noqa: E402,F401
from netns import NsPair, run, wait_for  # noqa: E402,F401

SEND = os.path.join(HERE, "..", "lib", "send_frames.py")
SNAPLEN = 256


class Recorder(IbsrProcess):
    """`ibsr record-incident` in namespace `ns` on interface `iface`."""
    READY = "attached TC"
    NAME = "record-incident"

    def __init__(self, pair, out_dir, *extra, ns=None, iface=None):
        super().__init__(pair, ["record-incident", "-i", iface or pair.srv_if, "-o", out_dir]
                         + list(extra), ns)
        self.out_dir = out_dir

    def run_dirs(self):
        """Run directories in creation order (name: TAG-TS or TAG-TS-N)."""
        return sorted((d for d in glob.glob(os.path.join(self.out_dir, "*")) if os.path.isdir(d)),
                      key=run_dir_order)

    def pcaps(self):
        return [os.path.join(d, "packets.pcap") for d in self.run_dirs()
                if os.path.exists(os.path.join(d, "packets.pcap"))]

    def records(self):
        out = []
        for p in self.pcaps():
            out += read_pcap(p)[1]
        return out

    def status(self):
        files = glob.glob(os.path.join(self.out_dir, "*", "status.jsonl"))
        assert len(files) == 1, files
        with open(files[0]) as f:
            return [json.loads(l) for l in f]

    def wait_records(self, n, timeout=20):
        def enough():
            try:
                return len(self.records()) >= n
            except (ValueError, struct.error, FileNotFoundError):
                return False  # a record being written: read again
        wait_for(enough, timeout=timeout, what="%d pcap records" % n)


def run_dir_order(path):
    """Sort key of a run directory name TAG-TS[-N]: (ts, N)."""
    parts = os.path.basename(path).split("-")
    # The tag itself may contain '-': the timestamp is the last all-digit part with 9+ digits.
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].isdigit() and len(parts[i]) >= 9:
            suffix = int(parts[i + 1]) if i + 1 < len(parts) else 0
            return (int(parts[i]), suffix)
    raise ValueError("not a run directory name: %s" % path)


class PcapRecord:
    __slots__ = ("ts_sec", "ts_usec", "caplen", "origlen", "data")

    def __init__(self, ts_sec, ts_usec, caplen, origlen, data):
        self.ts_sec, self.ts_usec, self.caplen, self.origlen, self.data = (
            ts_sec, ts_usec, caplen, origlen, data)

    def key(self):
        return (self.data, self.origlen)


def read_pcap_bytes(data):
    """(header dict, [PcapRecord]) of a classic pcap; raises on anything malformed."""
    if len(data) < 24:
        raise ValueError("short pcap header")
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        e = ">"
    else:
        raise ValueError("not a microsecond pcap: magic %s" % magic.hex())
    vmaj, vmin, _, _, snaplen, linktype = struct.unpack_from(e + "HHiIII", data, 4)
    header = {"version": (vmaj, vmin), "snaplen": snaplen, "linktype": linktype}
    recs, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("truncated record header")
        s, us, incl, orig = struct.unpack_from(e + "IIII", data, off)
        off += 16
        if off + incl > len(data):
            raise ValueError("truncated record")
        recs.append(PcapRecord(s, us, incl, orig, data[off:off + incl]))
        off += incl
    return header, recs


def read_pcap(path):
    with open(path, "rb") as f:
        return read_pcap_bytes(f.read())


def expected_record(frame):
    return (bytes(frame[:SNAPLEN]), len(frame))


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def scrub_ip(salt_hex, dotted):
    """The scrubbed address as dotted text: low 32 bits of FNV-1a-64(salt bytes || address)."""
    addr = socket.inet_aton(dotted)
    h = fnv1a64(bytes.fromhex(salt_hex) + addr) & 0xFFFFFFFF
    return socket.inet_ntoa(struct.pack("!I", h))


def scrub_ip6(salt_hex, text):
    """The scrubbed IPv6 address as text: h = FNV-1a-64(salt bytes || 16 address bytes), written
    big-endian twice."""
    h = fnv1a64(bytes.fromhex(salt_hex) + socket.inet_pton(socket.AF_INET6, text))
    return socket.inet_ntop(socket.AF_INET6, struct.pack("!QQ", h, h))


def disk_usage(*roots):
    """Sum of st_size of the regular files in each root and its subdirectories (one level), each
    file once: what --max-disk-bytes counts."""
    seen, total = set(), 0
    for root in roots:
        try:
            top = list(os.scandir(root))
        except FileNotFoundError:
            continue
        entries = []
        for e in top:
            entries.append(e)
            if e.is_dir(follow_symlinks=False):
                try:
                    entries += list(os.scandir(e.path))
                except FileNotFoundError:
                    pass  # removed meanwhile
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if e.is_file(follow_symlinks=False) and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def trigger(path, payload, timeout=10, raw=False):
    """Sends one command (a dict, or raw bytes when raw=True), returns the parsed reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        data = payload if raw else (json.dumps(payload) + "\n").encode()
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early (line too long) and closed: read the reply
        return read_reply(s)
    finally:
        s.close()


def read_reply(s):
    buf = b""
    while not buf.endswith(b"\n"):
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
    if not buf:
        raise AssertionError("no reply")
    assert buf.count(b"\n") == 1 and buf.endswith(b"\n"), buf
    return json.loads(buf)


def enable_quiet_ipv6(pair, extra=()):
    """IPv6 back on for the pair's veths (IncidentTestBase turns it off), without link-local
    addresses, router solicitations or neighbour discovery: the kernel then sends nothing that
    quotes an address in its payload (NDP targets), and traffic between the pair's addresses
    (plus each (srv_addr, cli_addr) of `extra`, IPv4 or IPv6, added with a /64 or /24) is the
    test's own. The MLD reports sent after an address is set remain (:: -> ff02::16)."""
    p = pair
    for ns, ifc in ((p.srv, p.srv_if), (p.cli, p.cli_if)):
        for key, value in (("addr_gen_mode", 1), ("router_solicitations", 0),
                           ("disable_ipv6", 0)):
            p.ns(ns, "sysctl", "-qw", "net.ipv6.conf.%s.%s=%d" % (ifc, key, value))
    for srv_addr, cli_addr in ((p.srv_ip6, p.cli_ip6),) + tuple(extra):
        v6 = ":" in srv_addr
        for ns, ifc, addr, peer, peer_mac in ((p.srv, p.srv_if, srv_addr, cli_addr, p.cli_mac),
                                              (p.cli, p.cli_if, cli_addr, srv_addr, p.srv_mac)):
            if v6:
                p.ns(ns, "ip", "-6", "addr", "replace", addr + "/64", "dev", ifc, "nodad")
            else:
                p.ns(ns, "ip", "addr", "replace", addr + "/24", "dev", ifc)
            p.ns(ns, "ip", "-6" if v6 else "-4", "neigh", "replace", peer, "lladdr", peer_mac,
                 "dev", ifc, "nud", "permanent")


class IncidentTestBase(unittest.TestCase):
    """A fresh namespace pair per test (IPv6 off on the veths so that the kernel sends nothing
    of its own: every captured frame is one the test sent)."""

    def setUp(self):
        self.pair = NsPair().setup()
        self.addCleanup(self.pair.teardown)
        for ns, ifc in ((self.pair.srv, self.pair.srv_if), (self.pair.cli, self.pair.cli_if)):
            self.pair.ns(ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % ifc)
        self.tmp = tempfile.mkdtemp(prefix="ibsr-incident-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.out = os.path.join(self.tmp, "incidents")

    def recorder(self, *extra, **kw):
        r = Recorder(self.pair, kw.pop("out", self.out), *extra, **kw)
        self.addCleanup(r.kill)
        return r

    def send(self, frames, ns=None, iface=None):
        """Sends raw frames from the client (ingress on the server's veth) or, with
        ns=srv, from the server (egress)."""
        from scapy.all import raw
        ns = ns or self.pair.cli
        iface = iface or (self.pair.cli_if if ns == self.pair.cli else self.pair.srv_if)
        data = "".join(raw(f).hex() + "\n" for f in frames)
        out = self.pair.ns(ns, "/usr/bin/python3", SEND, iface, input=data, capture=True).stdout
        self.assertEqual(int(out), len(frames))

    def send_and_stop(self, r, frames, kept):
        """Sends frames, waits for `kept` records and a moment longer (so a frame that should
        have been dropped would arrive too), stops recorder r and returns its records, checked
        to be exactly `kept` many."""
        self.send(frames)
        r.wait_records(kept)
        time.sleep(0.3)
        self.assertEqual(r.stop(), 0, r.stderr())
        recs = r.records()
        self.assertEqual(len(recs), kept)
        return recs

    def c2s(self):
        from scapy.all import Ether
        return Ether(src=self.pair.cli_mac, dst=self.pair.srv_mac)

    def s2c(self):
        from scapy.all import Ether
        return Ether(src=self.pair.srv_mac, dst=self.pair.cli_mac)

    def qdiscs(self):
        return self.pair.ns(self.pair.srv, "tc", "qdisc", "show", "dev", self.pair.srv_if,
                            capture=True).stdout

    def filters(self, direction):
        return self.pair.ns(self.pair.srv, "tc", "filter", "show", "dev", self.pair.srv_if,
                            direction, capture=True).stdout
