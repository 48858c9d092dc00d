#!/usr/bin/env python3
"""ClickHouse scale-out benchmark (docs/performance.md, "ClickHouse: deltas at 10M+ rows"): on one
run and one data set, measures
  - ibsr-report's own time for the per-host reports (json,csv) over the snapshots;
  - ibsr-report --format deltas (the export of the per-interval deltas);
  - the load of those rows into a two-shard clickhouse-server cluster on 127.0.0.1 through the
    Distributed table (rows/s);
  - the shipped window-evidence query (every window, aggregated; and written out in full) and the
    cross-host query;
and checks that the cluster flags the same keys the report blocks. Not a timed test.

  /usr/bin/python3 bench/clickhouse/run.py [--build BUILD] [--data DIR] [--hosts N]
      [--sources PER_HOST] [--bytes PER_HOST]

The fleet: N hosts (default 4, half on each shard), each a bench/report/gen_snapshots.py
collector (25k sources, every key active in every 60 s interval: one delta row per key and
snapshot, about 2.7M rows per host), generated into --data when absent and kept; the deltas and
the cluster live in a temporary directory that is removed."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "integration", "lib"))
from clickhouse_cluster import ClickHouseCluster  # noqa: E402

DEPLOY = os.path.join(SRC, "deploy", "clickhouse")


def timed(label, fn):
    t = time.monotonic()
    out = fn()
    dt = time.monotonic() - t
    print("%-58s %8.1f s" % (label, dt), flush=True)
    return dt, out


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def pick_hosts(cluster, n):
    """n host names, half on each shard (the Distributed table shards by cityHash64(host) % 2)."""
    names = ["bench-h%d" % i for i in range(1, 50)]
    shard = cluster.client("SELECT arrayMap(h -> cityHash64(h) %% 2, [%s])" % ",".join(
        "'%s'" % h for h in names)).strip().strip("[]").split(",")
    out = [h for h, s in zip(names, shard) if s == "0"][:n // 2]
    return out + [h for h, s in zip(names, shard) if s == "1"][:n - n // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--data", default="/tmp/ibsr-ch-bench/fleet")
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--sources", type=int, default=25000, help="per host")
    ap.add_argument("--bytes", default="3.75e8", help="of snapshots per host")
    args = ap.parse_args()
    report = os.path.join(args.build, "src", "report", "ibsr-report")
    dirs = [os.path.join(args.data, "host%d" % i) for i in range(1, args.hosts + 1)]
    for i, d in enumerate(dirs, 1):
        if not os.path.isdir(d):
            run(["/usr/bin/python3", os.path.join(SRC, "bench", "report", "gen_snapshots.py"), d,
                 "--sources", str(args.sources), "--bytes", args.bytes, "--seed", str(i)],
                stdout=subprocess.DEVNULL)
    size = sum(os.path.getsize(os.path.join(d, f)) for d in dirs for f in os.listdir(d))
    print("snapshots: %d hosts under %s, %.2f GB" % (len(dirs), args.data, size / 1e9))
    run(["sh", "-c", "cat %s/*/* > /dev/null" % args.data])  # every run reads from the page cache

    tmp = tempfile.mkdtemp(prefix="ibsr-ch-bench-")
    cluster = None
    try:
        cluster = ClickHouseCluster(os.path.join(tmp, "cluster"))
        cluster.start()
        for shard in (0, 1):
            with open(os.path.join(DEPLOY, "schema.sql"), "rb") as f:
                cluster.client(shard=shard, stdin=f, multiquery=True)
        hosts = pick_hosts(cluster, len(dirs))

        def reports():
            for d, h in zip(dirs, hosts):
                run([report, "--input", d, "-o", os.path.join(tmp, "report", h),
                     "--format", "json,csv"], stdout=subprocess.DEVNULL)
        t_report, _ = timed("ibsr-report --format json,csv, one run per host", reports)

        def exports():
            for d, h in zip(dirs, hosts):
                run([report, "--input", d, "-o", os.path.join(tmp, "d"), "--format", "deltas",
                     "--host-id", h, "--deltas-out", os.path.join(tmp, h + ".jsonl")],
                    stdout=subprocess.DEVNULL)
        t_export, _ = timed("ibsr-report --format deltas, one run per host", exports)
        files = [os.path.join(tmp, h + ".jsonl") for h in hosts]
        rows = 0
        for path in files:
            with open(path, "rb") as f:
                rows += sum(1 for _ in f)
        print("delta rows: %d (%.2f GB of JSONEachRow)" % (
            rows, sum(os.path.getsize(p) for p in files) / 1e9))

        def load():
            for path in files:
                with open(path, "rb") as f:
                    cluster.client("INSERT INTO ibsr.deltas FORMAT JSONEachRow", stdin=f,
                                   settings=[("insert_distributed_sync", 1)])
        t_load, _ = timed("INSERT INTO ibsr.deltas (Distributed, 2 shards, sync)", load)
        loaded = int(cluster.client("SELECT count() FROM ibsr.deltas"))
        assert loaded == rows, (loaded, rows)
        shards = [int(cluster.client("SELECT count() FROM ibsr.deltas_local", shard=s))
                  for s in (0, 1)]
        print("rows per shard: %s" % shards)

        t_agg, agg = timed("window evidence, every window aggregated", lambda: cluster.client(
            "SELECT count(), sum(flagged) FROM ibsr.window_evidence"))
        # Exact here: host is part of the view's GROUP BY and all of a host's rows are on one
        # shard, so no group is split between shards and the initiator need not merge.
        no_merge = [("distributed_group_by_no_merge", 1)]
        t_agg_nm, agg_nm = timed("... with distributed_group_by_no_merge=1",
                                 lambda: cluster.client(
                                     "SELECT count(), sum(flagged) FROM ibsr.window_evidence",
                                     settings=no_merge))
        assert agg_nm == agg, (agg_nm, agg)
        t_host, _ = timed("window evidence, flagged windows of one host", lambda: cluster.client(
            "SELECT count() FROM ibsr.window_evidence WHERE host = '%s' AND flagged" % hosts[0]))
        with open(os.path.join(DEPLOY, "cross_host.sql")) as f:
            t_cross, _ = timed("cross_host.sql", lambda: cluster.client(f.read()))
        t_keys, flagged = timed("flagged keys per host (DISTINCT ... WHERE flagged)",
                                lambda: cluster.client(
                                    "SELECT DISTINCT host, key_type, source, dst_port "
                                    "FROM ibsr.window_evidence WHERE flagged"))
        blocked = set()
        for h in hosts:
            with open(os.path.join(tmp, "report", h, "summary.json")) as f:
                summary = json.load(f)
            blocked |= {(h, s["key_type"], s["key_value"], str(s["dst_port"]))
                        for s in summary["blocked_or_allowlisted_sources"]
                        if s["decision"] == "block"}
        got = {tuple(line.split("\t")) for line in flagged.splitlines()}
        assert got == blocked, "cluster flags %d keys, the reports block %d" % (
            len(got), len(blocked))
        windows, flagged_windows = (int(x) for x in agg.split())
        print("windows: %d, flagged windows: %d, flagged keys: %d (= the reports' blocked keys)"
              % (windows, flagged_windows, len(got)))
        print()
        print("| step | time | rows/s |")
        print("|---|---:|---:|")
        for label, t in (("ibsr-report json,csv (%d runs)" % len(hosts), t_report),
                         ("ibsr-report --format deltas (%d runs)" % len(hosts), t_export),
                         ("load into 2 shards", t_load),
                         ("window evidence, all windows aggregated", t_agg),
                         ("... with distributed_group_by_no_merge=1", t_agg_nm)):
            print("| %s | %.1f s | %.0f |" % (label, t, rows / t))
        for label, t in (("window evidence, one host's flagged windows", t_host),
                         ("cross_host.sql", t_cross), ("flagged keys of every host", t_keys)):
            print("| %s | %.1f s | |" % (label, t))
    finally:
        if cluster is not None:
            cluster.remove()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
