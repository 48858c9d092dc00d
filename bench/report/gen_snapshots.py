#!/usr/bin/env python3
"""Generates realistic IBSR schema-v3 snapshot files for benchmarking ibsr-report.

A collector at a 60 s interval with SOURCES keys in its map: every snapshot lists every key with
its cumulative counters (sorted, as the collector writes them), one hourly file per 60 snapshots.
Most sources are ordinary clients; 1% are SYN flooders; 2% are evicted and re-created now and then
(counter resets); new sources appear over time. Deterministic for a given seed.

  gen_snapshots.py OUTDIR --sources 100000 --bytes 1e9
  gen_snapshots.py OUTDIR --form v5-ipv6 ...   # the same counters as snapshot6_ lines, /64 keys
  gen_snapshots.py OUTDIR --form v5-ipv4 ...   # ... as v5 IPv4 text lines (the same parser path)
"""
import argparse
import os
import random

T0 = 1736935200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--sources", type=int, default=100000)
    ap.add_argument("--bytes", type=float, default=1e9, help="stop after about this many bytes")
    ap.add_argument("--interval", type=int, default=60)
    ap.add_argument("--ports", default="8899,8900")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--form", choices=("v3", "v5-ipv4", "v5-ipv6"), default="v3")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    ports = [int(p) for p in args.ports.split(",")]
    os.makedirs(args.outdir, exist_ok=True)
    n = args.sources
    # Key: (ip, port); sorted once; ips spread over 10.0.0.0/8 and 100.64.0.0/10.
    ips = sorted(rnd.sample(range(0x0A000000, 0x0B000000), n))
    keys = [(ip, ports[i % len(ports)]) for i, ip in enumerate(ips)]
    kind = [0] * n
    for i in rnd.sample(range(n), max(1, n // 100)):
        kind[i] = 1  # flooder
    for i in rnd.sample(range(n), n // 50):
        if kind[i] == 0:
            kind[i] = 2  # gets evicted and re-created
    rate = [rnd.randint(1, 40) for _ in range(n)]
    cum = [[0, 0, 0, 0, 0, 0] for _ in range(n)]
    written, snap = 0, 0
    dst = "[" + ",".join(str(p) for p in ports) + "]"
    files = {}
    while written < args.bytes:
        snap += 1
        ts = T0 + args.interval * snap
        parts = []
        for i in range(n):
            c = cum[i]
            r = rate[i]
            if kind[i] == 1:
                syn = 6000 + r * 100
                c[0] += syn; c[4] += syn; c[5] += syn * 40
            else:
                if kind[i] == 2 and snap % 7 == i % 7:
                    c[:] = [0, 0, 0, 0, 0, 0]
                c[0] += r; c[1] += 4 * r; c[2] += r; c[3] += r // 20; c[4] += 5 * r; c[5] += 600 * r
            ip, port = keys[i]
            if args.form == "v3":
                key = '"key_type":"src_ip","key_value":%d' % ip
            elif args.form == "v5-ipv4":
                key = '"key_type":"src_ip","src_ip":"%d.%d.%d.%d"' % (
                    ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255)
            else:  # one /64 per source, in the same (numeric) order
                key = '"key_type":"src_net6","src_ip":"2001:db8:%x:%x::/64"' % (ip >> 16, ip & 0xFFFF)
            parts.append('{%s,"dst_port":%d,"syn":%d,"ack":%d,'
                         '"handshake_ack":%d,"rst":%d,"packets":%d,"bytes":%d}'
                         % (key, port, c[0], c[1], c[2], c[3], c[4], c[5]))
        if args.form == "v3":
            head = '{"version":3,"ts_unix_sec":%d' % ts
        else:
            head = ('{"version":5,"ts_unix_sec":%d,"interval_sec":%d,"run_id":"bench","counter_mode":'
                    '"cumulative","base_ts_unix_sec":%d' % (ts, args.interval, T0))
            if args.form == "v5-ipv6":
                head += ',"aggregation":"src_net6","prefix_len":64'
        line = '%s,"dst_ports":%s,"buckets":[%s]}\n' % (head, dst, ",".join(parts))
        hour = (ts - T0) // 3600
        prefix = "snapshot6_" if args.form == "v5-ipv6" else "snapshot_"
        name = os.path.join(args.outdir, prefix + "20250115%02d.jsonl" % (10 + hour) if hour < 14
                            else prefix + "h%04d.jsonl" % hour)
        if name not in files:
            files[name] = open(name, "w")
        files[name].write(line)
        written += len(line)
    for f in files.values():
        f.close()
    print("%d snapshots, %d sources, %.1f MB in %s" % (snap, n, written / 1e6, args.outdir))


if __name__ == "__main__":
    main()
