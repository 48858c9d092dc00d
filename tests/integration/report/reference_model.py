#!/usr/bin/env python3
"""An independent, deliberately simple implementation of the REPORT.md evidence model.

It loads everything into memory and recomputes, from the raw snapshot files, the figures the
golden files must show: evidence.csv and the key numbers of summary.json. It shares no code with
the C++ implementation; test_golden.py compares the two and the committed expected files.
"""
import datetime
import gzip
import ipaddress
import json
import math
import os
import sys

COUNTERS = ("syn", "ack", "handshake_ack", "rst", "packets", "bytes")
DEFAULTS = dict(window_sec=10, syn_rate_threshold=100.0, success_ratio_threshold=0.1,
                block_duration_sec=300, fp_safe_ratio=0.5, min_samples_for_fp=10,
                vol_syn_rate=500.0, vol_pkt_rate=1000.0, vol_byte_rate=1000000.0,
                first_snapshot="counted", dst_ports=None, allowlist=None, max_line_bytes=256 << 20,
                min_observation_sec=3600)


def ip_to_int(text):
    parts = text.split(".")
    if len(parts) != 4 or any(not p.isdigit() or len(p) > 3 or (len(p) > 1 and p[0] == "0") or int(p) > 255 for p in parts):
        raise ValueError(text)
    a, b, c, d = (int(p) for p in parts)
    return (a << 24) | (b << 16) | (c << 8) | d


def int_to_ip(n):
    return "%d.%d.%d.%d" % (n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def v6_key(kt, text, prefix_len):
    """(2, network as int, prefix length) for src_ip6 / src_net6 text, or ValueError."""
    if ":" not in text.split("/")[0]:
        raise ValueError("not IPv6")
    if kt == "src_ip6":
        if "/" in text:
            raise ValueError("src_ip6 with a prefix")
        net = ipaddress.IPv6Network(text + "/128")
    else:
        if "/" not in text:
            raise ValueError("src_net6 without a prefix")
        addr, plen = text.split("/")
        if not plen.isdigit() or (len(plen) > 1 and plen[0] == "0") or not 1 <= int(plen) <= 127:
            raise ValueError("prefix length")
        net = ipaddress.IPv6Network(text, strict=False)
    if prefix_len is not None and net.prefixlen != prefix_len:
        raise ValueError("prefix_len mismatch")
    return (2, int(net.network_address), net.prefixlen)


def no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def is_u64(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2 ** 64


def parse_line(raw):
    """Returns a snapshot dict or raises ValueError."""
    text = raw.decode("utf-8")  # non-UTF-8 -> UnicodeDecodeError (a ValueError)

    def bad_constant(c):
        raise ValueError(c)
    obj = json.loads(text, object_pairs_hook=no_dups, parse_constant=bad_constant)
    if not isinstance(obj, dict):
        raise ValueError("not an object")
    v = obj.get("version")
    if not is_u64(v):
        raise ValueError("version")
    if not 3 <= v <= 7:
        raise RuntimeError("unsupported version %d" % v)
    ts = obj.get("ts_unix_sec")
    if not is_u64(ts) or ts > 253402300799:
        raise ValueError("ts")
    base = obj.get("base_ts_unix_sec")
    if base is not None and (not is_u64(base) or base > 253402300799):
        raise ValueError("base")
    run = obj.get("run_id", "")
    if not isinstance(run, str):
        raise ValueError("run_id")
    if "counter_mode" in obj and obj["counter_mode"] != "cumulative":
        raise ValueError("counter_mode")
    ports = obj.get("dst_ports", [])
    if not isinstance(ports, list) or any(not is_u64(p) or p > 65535 for p in ports):
        raise ValueError("dst_ports")
    buckets = obj.get("buckets")
    if not isinstance(buckets, list):
        raise ValueError("buckets")
    prefix_len = obj.get("prefix_len")
    if prefix_len is not None and (not is_u64(prefix_len) or not 1 <= prefix_len <= 128):
        raise ValueError("prefix_len")
    out = []
    for b in buckets:
        if not isinstance(b, dict):
            raise ValueError("bucket")
        kt = b.get("key_type")
        if kt not in ("src_ip", "src_cidr24", "src_ip6", "src_net6"):
            raise ValueError("key_type")
        port = b.get("dst_port")
        if not is_u64(port) or port > 65535:
            raise ValueError("dst_port")
        if kt in ("src_ip6", "src_net6"):
            text = b.get("src_ip")
            if not isinstance(text, str):
                raise ValueError("src_ip")
            vals = []
            for c in COUNTERS:
                if not is_u64(b.get(c)):
                    raise ValueError(c)
                vals.append(b[c])
            out.append((v6_key(kt, text, prefix_len) + (port,), vals))
            continue
        if "src_ip" in b:
            s = b["src_ip"]
            if not isinstance(s, str):
                raise ValueError("src_ip")
            if s.endswith("/24"):
                if kt != "src_cidr24":
                    raise ValueError("prefix")
                s = s[:-3]
            addr = ip_to_int(s)
        elif "key_value" in b:
            kv = b["key_value"]
            if not is_u64(kv) or kv >= 2 ** 32:
                raise ValueError("key_value")
            addr = kv
        else:
            raise ValueError("no key")
        if kt == "src_cidr24":
            addr &= 0xFFFFFF00
        vals = []
        for c in COUNTERS:
            if not is_u64(b.get(c)):
                raise ValueError(c)
            vals.append(b[c])
        out.append(((0 if kt == "src_cidr24" else 1, addr, 24 if kt == "src_cidr24" else 32, port), vals))
    keys = [k for k, _ in out]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate bucket")
    return {"ts": ts, "base": base, "ports": ports, "buckets": out, "run": run}


def read_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    elif path.endswith(".zst"):
        import subprocess
        data = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def list_files(inp):
    if os.path.isfile(inp):
        return [inp]
    found = []
    for root, _, names in os.walk(inp):
        for n in names:
            if (n.startswith("snapshot_") or n.startswith("snapshot6_")) and (n.endswith(".jsonl") or n.endswith(".jsonl.gz") or n.endswith(".jsonl.zst")):
                found.append(os.path.join(root, n))
    return sorted(found, key=lambda p: os.path.relpath(p, inp))


def load(inp, files, cfg):
    """All valid snapshots in (ts, file, line) order, each with its stream index, and the streams.

    A stream is (directory, part, run_id). A directory's files are taken in order of their first
    timestamp; each joins the lowest part whose files have all ended before it begins, or opens a
    new part (a split: two files of one directory overlap in time)."""
    per_file = []
    dq = dict(malformed=0, oversized=0, out_of_order=0, splits=0)
    for fi, path in enumerate(files):
        last_ts = None
        got = []
        for li, raw in enumerate(read_lines(path)):
            if raw.strip(b" \t\r") == b"":
                continue
            if len(raw) > cfg["max_line_bytes"]:
                dq["oversized"] += 1
                continue
            try:
                s = parse_line(raw)
            except (ValueError, UnicodeDecodeError, RecursionError):
                dq["malformed"] += 1
                continue
            if last_ts is not None and s["ts"] < last_ts:
                dq["out_of_order"] += 1
                continue
            last_ts = s["ts"]
            got.append((s["ts"], fi, li, s))
        per_file.append(got)
    label = {}
    for path in files:
        d = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(inp):
            label[d] = os.path.normpath(os.path.join(os.path.basename(os.path.normpath(inp)),
                                                     os.path.relpath(d, inp)))
        else:
            label[d] = os.path.normpath(os.path.dirname(inp) or ".")
    # snapshot_ and snapshot6_ files of one directory are two streams (their own counters).
    dir_of = [(os.path.dirname(os.path.abspath(p)), os.path.basename(p).startswith("snapshot6_"))
              for p in files]
    parts, part_of = {}, {}
    for first, fi in sorted((got[0][0], fi) for fi, got in enumerate(per_file) if got):
        ends = parts.setdefault(dir_of[fi], [])
        p = next((i for i, end in enumerate(ends) if end < first), len(ends))
        if p == len(ends):
            ends.append(None)
            if p > 0:
                dq["splits"] += 1
        last = per_file[fi][-1][0]
        ends[p] = last if ends[p] is None else max(ends[p], last)
        part_of[fi] = p
    snaps = sorted((t for got in per_file for t in got), key=lambda t: (t[0], t[1], t[2]))
    index, streams, out = {}, [], []
    for ts, fi, _, s in snaps:
        key = (dir_of[fi], part_of[fi], s["run"])
        if key not in index:
            index[key] = len(streams)
            streams.append(dict(dir=label[dir_of[fi][0]], v6=dir_of[fi][1], run_id=s["run"] or None,
                                part=part_of[fi] + 1, first=ts, last=ts, snapshots=0))
        st = streams[index[key]]
        st["last"] = ts
        st["snapshots"] += 1
        s = dict(s)
        s["stream"] = index[key]
        out.append(s)
    return out, dq, streams


def allowlisted(key, allow):
    """Whether the key's range overlaps an entry of its family (a /64 holding one allowlisted
    address is exempt)."""
    rank, addr, kp, _ = key
    bits = 128 if rank == 2 else 32
    for v6, net, p in allow:
        if v6 != (rank == 2):
            continue
        m = min(kp, p)
        mask = ((1 << bits) - 1) ^ ((1 << (bits - m)) - 1)
        if addr & mask == net & mask:
            return True
    return False


def model(snaps, cfg, allow):
    """Deltas, intervals and windows per stream; a key's figures over all its stream-windows."""
    W = cfg["window_sec"]
    filt = set(cfg["dst_ports"]) if cfg["dst_ports"] else None
    prev = {}         # (stream, key) -> counters
    prev_ts = {}      # stream -> ts of its previous snapshot
    deltas = {}       # key -> list of (stream, interval index, delta list)
    intervals = {}    # stream -> list of (start, end)
    resets = 0
    for s in snaps:
        st = s["stream"]
        ivs = intervals.setdefault(st, [])
        if st not in prev_ts and cfg["first_snapshot"] == "baseline":
            for key, vals in s["buckets"]:
                if filt is None or key[3] in filt:
                    prev[(st, key)] = vals
            prev_ts[st] = s["ts"]
            continue
        if st not in prev_ts:
            dur = s["ts"] - s["base"] if s["base"] is not None and s["ts"] - s["base"] > 0 else W
        else:
            dur = s["ts"] - prev_ts[st]
        idx = len(ivs)
        ivs.append((s["ts"] - dur, s["ts"]))
        for key, vals in s["buckets"]:
            if filt is not None and key[3] not in filt:
                continue
            p = prev.get((st, key))
            if p is None:
                d = list(vals)
            elif any(c < q for c, q in zip(vals, p)):
                resets += 1
                d = list(vals)
            else:
                d = [c - q for c, q in zip(vals, p)]
            prev[(st, key)] = vals
            deltas.setdefault(key, []).append((st, idx, d))
        prev_ts[st] = s["ts"]
    # Windows per stream: consecutive intervals until they span >= W; a zero-span tail is dropped.
    # A window still open when its stream ends (its tail) is evaluated but blocks nothing after it.
    windows, win_of, tails = {}, {}, set()
    for st, ivs in intervals.items():
        ws, cur, acc = [], [], 0
        for i, (a, b) in enumerate(ivs):
            cur.append(i)
            acc += b - a
            if acc >= W:
                ws.append(cur)
                cur, acc = [], 0
        if cur and acc > 0:
            ws.append(cur)
            tails.add((st, len(ws) - 1))
        windows[st] = ws
        for w, members in enumerate(ws):
            for i in members:
                win_of[(st, i)] = w
    rows = {}
    for key, ds in deltas.items():
        per_win = {}
        tot = [0] * 6
        for st, i, d in ds:
            tot = [x + y for x, y in zip(tot, d)]
            if (st, i) in win_of:
                w = per_win.setdefault((st, win_of[(st, i)]), [0] * 6)
                for j in range(6):
                    w[j] += d[j]
        al = allowlisted(key, allow)
        stats = []
        for st, w in per_win:
            ivs = intervals[st]
            start = ivs[windows[st][w][0]][0]
            end = ivs[windows[st][w][-1]][1]
            dur = end - start
            c = per_win[(st, w)]
            sr, pr, br = c[0] / dur, c[4] / dur, c[5] / dur
            ratio = c[2] / c[0] if c[0] else 0.0
            churn = sr >= cfg["syn_rate_threshold"] and ratio <= cfg["success_ratio_threshold"]
            vol = (sr >= cfg["vol_syn_rate"]) + (pr >= cfg["vol_pkt_rate"]) + (br >= cfg["vol_byte_rate"]) >= 2
            stats.append(dict(st=st, w=w, start=start, end=end, sr=sr, pr=pr, ratio=ratio,
                              churn=churn and not al, vol=vol and not al, tail=(st, w) in tails))
        # The order windows close in: by end time, tails last (they close when the input ends).
        stats.sort(key=lambda x: (x["tail"], x["end"], x["st"]))
        cls = ""
        if not al:
            if any(x["churn"] for x in stats):
                cls = "SYN_FLOOD_LIKE"
            elif any(x["vol"] for x in stats):
                cls = "VOLUMETRIC_TCP_ABUSE"

        def first_max(cands, field):
            best = None
            for x in cands:
                if best is None or x[field] > best[field]:
                    best = x
            return best
        if cls == "SYN_FLOOD_LIKE":
            shown = first_max([x for x in stats if x["churn"]], "sr")
        elif cls == "VOLUMETRIC_TCP_ABUSE":
            shown = first_max([x for x in stats if x["vol"]], "pr")
        else:
            shown = first_max(stats, "sr")
        flagged = [x for x in stats if x["churn"] or x["vol"]]
        # Episodes: per stream, runs of consecutive window indexes of that stream that are flagged.
        episodes = []
        for x in sorted(flagged, key=lambda x: (x["st"], x["w"])):
            if episodes and episodes[-1][-1] == (x["st"], x["w"] - 1):
                episodes[-1].append((x["st"], x["w"]))
            else:
                episodes.append([(x["st"], x["w"])])
        # Simulated enforcement on every stream: block periods [end(w), end(w) + D) of every
        # flagged window of any stream (tails excepted); an interval's blocked share is the part of
        # it inside their union.
        periods = sorted((x["end"], x["end"] + cfg["block_duration_sec"]) for x in flagged if not x["tail"])
        union = []
        for p0, p1 in periods:
            if union and p0 <= union[-1][1]:
                union[-1][1] = max(union[-1][1], p1)
            else:
                union.append([p0, p1])
        sim = [0.0, 0.0, 0.0]
        for st, i, d in ds:
            a, b = intervals[st][i]
            if b == a:
                frac = 1.0 if any(p0 <= a < p1 for p0, p1 in union) else 0.0
            else:
                frac = sum(max(0, min(p1, b) - max(p0, a)) for p0, p1 in union) / (b - a)
            sim[0] += frac * d[4]
            sim[1] += frac * d[5]
            sim[2] += frac * d[0]
        rows[key] = dict(key=key, al=al, cls=cls, shown=shown, tot=tot, sim=sim, episodes=episodes)
    return rows, resets, intervals, windows


def observed_sec(snaps, intervals):
    """Seconds covered by at least one stream, from its first interval's start to its last ts."""
    spans = []
    for st in sorted({s["stream"] for s in snaps}):
        ts = [s["ts"] for s in snaps if s["stream"] == st]
        ivs = intervals.get(st, [])
        spans.append((ivs[0][0] if ivs and ivs[0][0] < ts[0] else ts[0], ts[-1]))
    covered, reach = 0, None
    for a, b in sorted(spans):
        begin = a if reach is None else max(a, reach)
        covered += max(0, b - begin)
        reach = b if reach is None else max(reach, b)
    return covered


def windows_end(intervals, windows, w):
    return intervals[windows[w][-1]][1]


def source_name(key):
    rank, addr, plen, port = key
    if rank == 2:
        text = "[%s]" % ipaddress.IPv6Address(addr)  # Python prints RFC 5952 text
        return "%s%s:%d" % (text, "" if plen == 128 else "/%d" % plen, port)
    return "%s%s:%d" % (int_to_ip(addr), "/24" if rank == 0 else "", port)


def evidence_csv(rows):
    out = ["source,abuse_class,syn_rate,success_ratio,decision,packets,bytes,syn"]
    for key in sorted(rows):
        r = rows[key]
        sr = r["shown"]["sr"] if r["shown"] else 0.0
        ratio = r["shown"]["ratio"] if r["shown"] else 0.0
        out.append("%s,%s,%.2f,%.4f,%s,%d,%d,%d" % (source_name(key), r["cls"], sr, ratio,
                                                     "block" if r["cls"] else "allow",
                                                     r["tot"][4], r["tot"][5], r["tot"][0]))
    return "\n".join(out) + "\n"


def figures(rows, cfg, observed):
    pct = lambda a, b: a / b * 100.0 if b else 0.0
    keys = [r for r in rows.values() if not r["al"]]
    blocked = [r for r in keys if r["cls"]]
    tp = sum(r["tot"][4] for r in keys)
    tb = sum(r["tot"][5] for r in keys)
    ts = sum(r["tot"][0] for r in keys)
    bp = sum(r["tot"][4] for r in blocked)
    bb = sum(r["tot"][5] for r in blocked)
    bs = sum(r["tot"][0] for r in blocked)
    sp = sum(r["sim"][0] for r in blocked)
    sb = sum(r["sim"][1] for r in blocked)
    ss = sum(r["sim"][2] for r in blocked)
    legit = [r for r in blocked if (r["tot"][2] / r["tot"][0] if r["tot"][0] else 0.0) >= cfg["fp_safe_ratio"]]
    fp_known = len(keys) >= cfg["min_samples_for_fp"]
    fp = (pct(sum(r["tot"][4] for r in legit), bp) if bp else 0.0) if fp_known else None
    reasons = []
    if not fp_known:
        reasons.append("FP bound unknown: Insufficient data: %d keys, need at least %d" % (len(keys), cfg["min_samples_for_fp"]))
    elif fp > 5.0:
        reasons.append("FP bound %.2f%% is above 5.0%%" % fp)
    if not blocked:
        reasons.append("No abuse pattern detected")
    if pct(bs, ts) < 1.0:
        reasons.append("Less than 1%% of SYNs would be blocked (%.2f%%)" % pct(bs, ts))
    if tp == 0 and tb == 0 and ts == 0:
        reasons.append("No traffic observed")
    if cfg["min_observation_sec"] and observed < cfg["min_observation_sec"]:
        reasons.append("Observed period %d s is shorter than the minimum %d s (--min-observation-sec)"
                       % (observed, cfg["min_observation_sec"]))
    return dict(
        keys=len(keys), blocked=len(blocked),
        upper=(round(pct(bp, tp), 4), round(pct(bb, tb), 4), round(pct(bs, ts), 4)),
        simulated=(round(pct(sp, tp), 4), round(pct(sb, tb), 4), round(pct(ss, ts), 4)),
        fp=None if fp is None else round(fp, 4),
        episodes=sum(len(r["episodes"]) for r in blocked),
        verdict="SAFE" if not reasons else "NOT SAFE", reasons=reasons)


def load_allowlist(path):
    allow = []
    if not path:
        return allow
    with open(path) as f:
        text = f.read()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        net = ipaddress.ip_network(line, strict=False)
        allow.append((net.version == 6, int(net.network_address), net.prefixlen))
    return allow


def run(input_dir, args):
    """args: the case's flag list (the subset of flags the fixtures use)."""
    cfg = dict(DEFAULTS)
    it = iter(args)
    for flag in it:
        name = flag.lstrip("-").replace("-", "_")
        val = next(it)
        if name.startswith("rpc_"):  # the application layer: rpc_reference_model.py
            continue
        if name == "dst_port":  # --dst-port, a comma list here
            cfg["dst_ports"] = [int(p) for p in val.split(",")]
        elif name in ("first_snapshot", "allowlist"):
            cfg[name] = val
        else:
            cfg[name] = type(DEFAULTS[name])(val)
    snaps, dq, streams = load(input_dir, list_files(input_dir), cfg)
    if not snaps:
        return None
    rows, resets, intervals, windows = model(snaps, cfg, load_allowlist(cfg["allowlist"]))
    observed = observed_sec(snaps, intervals)
    fig = figures(rows, cfg, observed)
    fig["counter_resets"] = resets
    fig["malformed"] = dq["malformed"]
    fig["oversized"] = dq["oversized"]
    fig["out_of_order"] = dq["out_of_order"]
    fig["windows"] = sum(len(ws) for ws in windows.values())
    fig["observed_sec"] = observed
    fig["stream_splits"] = dq["splits"]
    fig["streams"] = None if len(streams) <= 1 else [
        dict(dir=st["dir"], run_id=st["run_id"], part=st["part"], first_snapshot_ts=iso(st["first"]),
             last_snapshot_ts=iso(st["last"]), snapshots=st["snapshots"], **({"family": "ipv6"} if st["v6"] else {}))
        for st in streams]
    return evidence_csv(rows), fig


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    res = run(sys.argv[1], sys.argv[2:])
    if res is None:
        print("no valid input")
        sys.exit(1)
    csv, fig = res
    sys.stdout.write(csv)
    print(json.dumps(fig, indent=1))
