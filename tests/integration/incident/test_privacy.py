"""Scrubbing on the real kernel with the shipped unit's own command line
(packaging/systemd/ibsr-record-incident@.service with the shipped record-incident.env, paths
moved into the test's directory): real IPv4 and
IPv6 traffic (ping and a TCP exchange) between two namespaces; no original address may appear in
the pcap, neither in a header (read with tshark) nor anywhere in its bytes; the pseudonyms are the
documented FNV construction, and they stay the same across a restart (the salt file is kept)."""
import os
import re
import socket
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from incident_lib import (IncidentTestBase, Recorder, enable_quiet_ipv6, run,  # noqa: E402
                          scrub_ip, scrub_ip6, wait_for)

import shipped_units  # noqa: E402


def shipped_args(iface="eth0"):
    """The shipped unit's ExecStart arguments after `ibsr record-incident`."""
    argv = shipped_units.exec_args("ibsr-record-incident@.service", iface)
    assert argv[:2] == ["/usr/sbin/ibsr", "record-incident"], argv
    return argv[2:]


class ShippedUnit(IncidentTestBase):
    def setUp(self):
        super().setUp()
        # Every address in the capture is then in a header (no NDP targets in payloads).
        enable_quiet_ipv6(self.pair)
        self.salt_file = os.path.join(self.tmp, "lib", "scrub-salt")

    def shipped_recorder(self, out):
        args, shipped = [], shipped_args(self.pair.srv_if)
        # Interface and out-dir come from Recorder; every packet is sampled so the check
        # covers all of the traffic.
        for flag in ("--interface", "--out-dir", "--sample-rate"):
            i = shipped.index(flag)
            del shipped[i:i + 2]
        for a in shipped:
            a = a.replace("/var/lib/ibsr/incidents", out)
            a = a.replace("/var/lib/ibsr", os.path.join(self.tmp, "lib"))
            a = a.replace("/run/ibsr", self.tmp)
            args.append(a)
        os.makedirs(os.path.join(self.tmp, "lib", "metrics"), exist_ok=True)
        r = Recorder(self.pair, out, *(args + ["--sample-rate", "1", "--status-interval-sec", 1]),
                     iface=self.pair.srv_if)
        self.addCleanup(r.kill)
        return r

    def traffic(self):
        p = self.pair
        for addr in (p.srv_ip, p.srv_ip6):
            p.ns(p.cli, "ping", "-c", "3", "-i", "0.2", "-W", "2", addr, capture=True)
        # A TCP exchange over IPv6 (a listener, so no ICMP error quotes a header).
        srv = p.popen(p.srv, "python3", "-c",
                      "import socket;s=socket.socket(socket.AF_INET6);"
                      "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);"
                      "s.bind(('%s',9000));s.listen();s.settimeout(10);c,_=s.accept();"
                      "c.sendall(c.recv(100).upper());c.close()" % p.srv_ip6)
        self.addCleanup(srv.kill)
        time.sleep(0.3)
        out = p.ns(p.cli, "python3", "-c",
                   "import socket;c=socket.create_connection(('%s',9000),timeout=10);"
                   "c.sendall(b'hello');print(c.recv(100).decode())" % p.srv_ip6,
                   capture=True).stdout
        self.assertEqual(out.strip(), "HELLO")
        self.assertEqual(srv.wait(timeout=10), 0)

    def header_addresses(self, pcap):
        out = run("tshark", "-r", pcap, "-T", "fields", "-e", "ipv6.src", "-e", "ipv6.dst",
                  "-e", "ip.src", "-e", "ip.dst", capture=True).stdout
        return {a for line in out.splitlines() for a in re.split(r"[\t,]", line) if a}

    def test_shipped_unit_sets_the_budget_rotation_and_salt_file(self):
        args = shipped_args()
        for flag in ("--max-pcap-bytes", "--max-disk-bytes", "--scrub-ip-salt-file"):
            self.assertIn(flag, args)
        self.assertNotIn("--scrub-ip-salt", args)  # never the salt itself on a command line
        salt_path = args[args.index("--scrub-ip-salt-file") + 1]
        # Outside every exported directory (packaging/etc/export.env).
        exported = shipped_units.exported_sources()
        self.assertTrue(exported)
        for d in exported:
            self.assertFalse(salt_path.startswith(d.rstrip("/") + "/"), (salt_path, d))

    def test_no_original_address_in_the_pcap_and_stable_pseudonyms(self):
        p = self.pair
        out = os.path.join(self.tmp, "incidents")
        r = self.shipped_recorder(out).start()
        self.traffic()
        # 6 pings and their replies, and at least 6 TCP segments, all seen once on the veth.
        wait_for(lambda: len(r.records()) >= 18, timeout=10, what="the traffic")
        time.sleep(0.5)
        self.assertEqual(r.stop(), 0, r.stderr())
        [pcap] = r.pcaps()
        originals6 = [p.srv_ip6, p.cli_ip6]
        originals4 = [p.srv_ip, p.cli_ip]
        # No original address anywhere: not in a header, not in any byte of the file.
        seen = self.header_addresses(pcap)
        self.assertFalse(seen & set(originals6 + originals4), seen)
        with open(pcap, "rb") as f:
            data = f.read()
        for a in originals6:
            self.assertNotIn(socket.inet_pton(socket.AF_INET6, a), data, a)
        for a in originals4:
            self.assertNotIn(socket.inet_aton(a), data, a)
        # The salt file was created private, and holds the salt the pseudonyms use.
        st = os.stat(self.salt_file)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        with open(self.salt_file) as f:
            salt = f.read().strip()
        self.assertRegex(salt, r"^[0-9a-f]{16}$")
        want6 = {scrub_ip6(salt, a) for a in originals6}
        want4 = {scrub_ip(salt, a) for a in originals4}
        # Every header address is a pseudonym: all four of ours appear, and the only others
        # are those of the kernel's MLD reports after the addresses were set (:: -> ff02::16).
        mld = {scrub_ip6(salt, "::"), scrub_ip6(salt, "ff02::16")}
        self.assertLessEqual(want6 | want4, seen)
        self.assertLessEqual(seen, want6 | want4 | mld)
        tcp = run("tshark", "-r", pcap, "-Y", "tcp.payload", "-T", "fields", "-e", "tcp.payload",
                  capture=True).stdout.split()
        self.assertEqual(sorted(tcp), sorted([b"hello".hex(), b"HELLO".hex()]))

        # A restart keeps the salt file and so the pseudonyms.
        out2 = os.path.join(self.tmp, "incidents2")
        r2 = self.shipped_recorder(out2).start()
        p.ns(p.cli, "ping", "-c", "1", "-W", "2", p.srv_ip6, capture=True)
        wait_for(lambda: len(r2.records()) >= 2, timeout=10, what="one ping")
        self.assertEqual(r2.stop(), 0, r2.stderr())
        self.assertLessEqual(want6, self.header_addresses(r2.pcaps()[0]))


if __name__ == "__main__":
    unittest.main()
