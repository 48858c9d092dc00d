"""Network namespace pairs for integration tests: a client and a server namespace joined by a
veth pair, with static neighbours and no IPv6 DAD, so tests never wait on ARP or address
configuration. Every namespace a test creates is removed when the test ends, even on failure.

Addresses live only inside the namespaces the test creates (10.199.N.0/24 per pair)."""
import contextlib
import itertools
import os
import subprocess
import time

_counter = itertools.count()


def run(*cmd, check=True, capture=False, timeout=60, **kw):
    return subprocess.run(cmd, check=check, timeout=timeout,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.PIPE if capture else None, text=True, **kw)


class NsPair:
    """srv/cli namespaces; veth `vs` in srv (SRV_IP), `vc` in cli (CLI_IP)."""

    def __init__(self):
        n = next(_counter)
        tag = "%d%d" % (os.getpid() % 100000, n)
        self.srv = "ibsr-s" + tag
        self.cli = "ibsr-c" + tag
        self.subnet = 10 + (os.getpid() + n) % 200
        self.srv_ip = "10.199.%d.1" % self.subnet
        self.cli_ip = "10.199.%d.2" % self.subnet
        self.srv_if = "vs"
        self.cli_if = "vc"
        self.srv_ip6 = "fd00:199:%x::1" % self.subnet
        self.cli_ip6 = "fd00:199:%x::2" % self.subnet

    def setup(self):
        run("ip", "netns", "add", self.srv)
        run("ip", "netns", "add", self.cli)
        run("ip", "link", "add", "tmp" + self.srv[-8:], "type", "veth", "peer", "name",
            "tmp" + self.cli[-8:])
        run("ip", "link", "set", "tmp" + self.srv[-8:], "netns", self.srv, "name", self.srv_if)
        run("ip", "link", "set", "tmp" + self.cli[-8:], "netns", self.cli, "name", self.cli_if)
        for ns, ifc, ip, ip6 in ((self.srv, self.srv_if, self.srv_ip, self.srv_ip6),
                                 (self.cli, self.cli_if, self.cli_ip, self.cli_ip6)):
            self.ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", check=False)
            self.ns(ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", check=False)
            self.ns(ns, "ip", "link", "set", "lo", "up")
            self.ns(ns, "ip", "addr", "add", ip + "/24", "dev", ifc)
            self.ns(ns, "ip", "-6", "addr", "add", ip6 + "/64", "dev", ifc, "nodad")
            self.ns(ns, "ip", "link", "set", ifc, "up")
            # One wire packet per skb: with segmentation/GRO offloads a capture and the XDP
            # program could see differently sized packets, and exact counts would be ambiguous.
            self.ns(ns, "ethtool", "-K", ifc, "tso", "off", "gso", "off", "gro", "off",
                    capture=True)
        self.srv_mac = self._mac(self.srv, self.srv_if)
        self.cli_mac = self._mac(self.cli, self.cli_if)
        self.ns(self.srv, "ip", "neigh", "replace", self.cli_ip, "lladdr", self.cli_mac, "dev",
                self.srv_if, "nud", "permanent")
        self.ns(self.cli, "ip", "neigh", "replace", self.srv_ip, "lladdr", self.srv_mac, "dev",
                self.cli_if, "nud", "permanent")
        # Spoofed test sources get no replies routed anywhere; keep the kernel from logging them.
        self.ns(self.srv, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", check=False)
        return self

    def _mac(self, ns, ifc):
        out = self.ns(ns, "cat", "/sys/class/net/%s/address" % ifc, capture=True).stdout
        return out.strip()

    def ns(self, ns, *cmd, **kw):
        return run("ip", "netns", "exec", ns, *cmd, **kw)

    def popen(self, ns, *cmd, **kw):
        return subprocess.Popen(("ip", "netns", "exec", ns) + tuple(cmd), **kw)

    def teardown(self):
        for ns in (self.srv, self.cli):
            # Killing everything left in the namespace first lets `ip netns del` free it at once.
            pids = run("ip", "netns", "pids", ns, check=False, capture=True).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), 9)
            run("ip", "netns", "del", ns, check=False, capture=True)

    def xdp_attached(self):
        out = self.ns(self.srv, "ip", "-d", "link", "show", self.srv_if, capture=True).stdout
        return "prog/xdp" in out or " xdp" in out.split("\n")[0]

    def __enter__(self):
        try:
            return self.setup()
        except BaseException:
            self.teardown()
            raise

    def __exit__(self, *exc):
        self.teardown()


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Polls until predicate() is truthy; fails loudly after timeout (no silent skips)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
