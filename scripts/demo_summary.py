"""Prints a short human summary of a snapshot directory: where the files are and the top
sources by SYN count with their success ratio (handshake_ack / syn) (from the last snapshot of each
family, snapshot_ for IPv4 and snapshot6_ for IPv6 prefixes, whose counters are cumulative since
the collector started)."""
import glob
import json
import os
import sys

out = sys.argv[1]
files = sorted(glob.glob(os.path.join(out, "snapshot_[0-9]*.jsonl")))
if not files:
    sys.exit("no snapshot files in %s" % out)
lines = [json.loads(l) for f in files for l in open(f)]
last = lines[-1]
print("== %d snapshots in %s (%s)" % (len(lines), out, ", ".join(os.path.basename(f) for f in files)))
print("   last snapshot at %d: %d sources on ports %s" % (
    last["ts_unix_sec"], len({b["key_value"] for b in last["buckets"]}), last["dst_ports"]))
ip = lambda v: "%d.%d.%d.%d" % (v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255)  # noqa: E731
rows = [("%s:%d" % (ip(b["key_value"]), b["dst_port"]), b) for b in last["buckets"]]
files6 = sorted(glob.glob(os.path.join(out, "snapshot6_[0-9]*.jsonl")))
if files6:
    with open(files6[-1]) as f:
        last6 = [json.loads(line) for line in f][-1]
    for b in last6["buckets"]:
        addr, _, plen = b["src_ip"].partition("/")
        rows.append(("[%s]%s:%d" % (addr, "/" + plen if plen else "", b["dst_port"]), b))
rows = sorted(rows, key=lambda r: (-r[1]["syn"], r[0]))[:12]
print("   %-28s %8s %8s %10s %10s" % ("source:port", "SYN", "hs-ACK", "success", "packets"))
for name, b in rows:
    ratio = b["handshake_ack"] / b["syn"] if b["syn"] else 0.0
    print("   %-28s %8d %8d %10.3f %10d" % (name, b["syn"], b["handshake_ack"], ratio,
                                           b["packets"]))
print("   success = handshake_ack / SYN, the report's success ratio: near 0 for a SYN flood;"
      " 1 or more\n   for real clients, whose pure ACKs after the handshake count too.")
