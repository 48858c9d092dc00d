"""What BPF program of ours is attached at an interface's TC hooks, whatever the path: TCX links
(Linux >= 6.6; bookworm's bpftool and tc do not list them) and classic clsact filters.

Run as a script inside the namespace (`ip netns exec NS python3 tc_programs.py IFNAME`): prints
{"tcx_ingress": [names], "tcx_egress": [names]}, queried with BPF_PROG_QUERY."""
import ctypes
import json
import os
import platform
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SYS_BPF = {"x86_64": 321, "aarch64": 280}[platform.machine()]
BPF_PROG_QUERY = 16
TCX = {"tcx_ingress": 46, "tcx_egress": 47}  # enum bpf_attach_type, Linux 6.6


def _query(ifindex, attach_type):
    libc = ctypes.CDLL(None, use_errno=True)
    ids = (ctypes.c_uint32 * 64)()
    attr = ctypes.create_string_buffer(64)  # union bpf_attr's query member
    struct.pack_into("II", attr, 0, ifindex, attach_type)
    struct.pack_into("Q", attr, 16, ctypes.addressof(ids))
    struct.pack_into("I", attr, 24, len(ids))
    if libc.syscall(SYS_BPF, BPF_PROG_QUERY, attr, len(attr)) != 0:
        raise OSError(ctypes.get_errno(), "BPF_PROG_QUERY")
    return list(ids[:struct.unpack_from("I", attr, 24)[0]])


def _name(prog_id):
    out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(prog_id)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out).get("name", "")


def tcx_programs(pair, ns=None, iface=None):
    """{"tcx_ingress": [...], "tcx_egress": [...]} program names on the server veth."""
    out = pair.ns(ns or pair.srv, "/usr/bin/python3", os.path.join(HERE, "tc_programs.py"),
                  iface or pair.srv_if, capture=True).stdout
    return json.loads(out)


def clsact_text(pair, ns=None, iface=None):
    """`tc filter show` of both clsact directions plus `tc qdisc show`, as one text."""
    ns, iface = ns or pair.srv, iface or pair.srv_if
    out = pair.ns(ns, "tc", "qdisc", "show", "dev", iface, capture=True).stdout
    for d in ("ingress", "egress"):
        out += pair.ns(ns, "tc", "filter", "show", "dev", iface, d, capture=True).stdout
    return out


def ours_attached(pair, ns=None, iface=None):
    """Every trace of an IBSR TC program on the interface: TCX program names and clsact filter
    lines naming ibsr_* (empty when nothing of ours is attached)."""
    found = [n for names in tcx_programs(pair, ns, iface).values() for n in names
             if n.startswith("ibsr_")]
    found += [l.strip() for l in clsact_text(pair, ns, iface).splitlines() if "ibsr_" in l]
    return found


def force_clsact(test):
    """Makes every ibsr the test starts from now on use the classic clsact path (the fallback of
    kernels without TCX), until the test ends."""
    os.environ["IBSR_TC_ATTACH"] = "clsact"
    test.addCleanup(os.environ.pop, "IBSR_TC_ATTACH", None)


if __name__ == "__main__":
    idx = socket.if_nametoindex(sys.argv[1])
    print(json.dumps({k: [_name(i) for i in _query(idx, t)] for k, t in TCX.items()}))
