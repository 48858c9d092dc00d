#!/usr/bin/env python3
"""An independent implementation of ibsr-report's application layer (docs/report-rpc.md), for
the golden tests: reads payload_*.jsonl files, and computes per source its class, totals and
simulated savings, and the layer's counterfactual, FP bound and readiness. Written from the
documentation, not from the C++ code; plain Python, no shortcuts (small inputs only).

Scope: what the golden fixtures use: one or more payload directories (one stream each, no
overlapping files), --window-sec, --block-duration-sec, --min-samples-for-fp,
--min-observation-sec, --require-multi-window and the rpc_* thresholds given as flags."""
import glob
import ipaddress
import json
import os

DEFAULTS = {
    "window_sec": 10, "block_duration_sec": 300, "min_samples_for_fp": 10,
    "min_observation_sec": 3600, "require_multi_window": False,
    "rpc_amplification": 10.0, "rpc_response_byte_rate": 1000000.0, "rpc_request_rate": 100.0,
    "rpc_calls_per_request": 50.0, "rpc_error_ratio": 0.9, "rpc_min_requests": 50,
    "rpc_expensive_share": 0.5, "rpc_expensive_rate": 10.0, "rpc_fp_error_ratio": 0.1,
    "rpc_expensive_methods": ["eth_getLogs", "debug_traceTransaction", "debug_traceCall",
                              "debug_traceBlockByNumber", "debug_traceBlockByHash",
                              "trace_filter", "trace_block", "trace_replayBlockTransactions"],
}
CLASSES = ["RPC_AMPLIFICATION", "RPC_FLOOD", "RPC_EXPENSIVE_METHODS", "RPC_BATCH_FANOUT",
           "RPC_ERROR_STORM"]
FIELDS = ["requests", "responses", "request_bytes", "response_bytes", "jsonrpc_calls",
          "jsonrpc_batches", "jsonrpc_errors", "http_errors", "expensive"]


def sort_key(key):
    addr = ipaddress.ip_address(key[0])
    return (addr.version, int(addr), key[1])


def counts_of(src, cfg):
    c = {f: src.get(f, 0) for f in FIELDS[:7]}
    c["http_errors"] = src["http_status"]["4xx"] + src["http_status"]["5xx"]
    c["expensive"] = sum(m["calls"] for m in src["methods"]
                         if m["method"] in cfg["rpc_expensive_methods"])
    return c


def add(a, b):
    for f in FIELDS:
        a[f] = a.get(f, 0) + b[f]


def amplification(c):
    return c["response_bytes"] / c["request_bytes"] if c["request_bytes"] else 0.0


def error_ratio(c):
    http = c["http_errors"] / c["responses"] if c["responses"] else 0.0
    rpc = c["jsonrpc_errors"] / c["jsonrpc_calls"] if c["jsonrpc_calls"] else 0.0
    return min(1.0, max(http, rpc))


def classes(c, dur, cfg):
    """The classes one window of duration `dur` flags, in priority order."""
    out = []
    if amplification(c) >= cfg["rpc_amplification"] and \
            c["response_bytes"] / dur >= cfg["rpc_response_byte_rate"]:
        out.append("RPC_AMPLIFICATION")
    if c["requests"] / dur >= cfg["rpc_request_rate"]:
        out.append("RPC_FLOOD")
    share = c["expensive"] / c["jsonrpc_calls"] if c["jsonrpc_calls"] else 0.0
    if share >= cfg["rpc_expensive_share"] and c["expensive"] / dur >= cfg["rpc_expensive_rate"]:
        out.append("RPC_EXPENSIVE_METHODS")
    cpr = c["jsonrpc_calls"] / c["requests"] if c["requests"] else 0.0
    if cpr >= cfg["rpc_calls_per_request"] and c["requests"] >= cfg["rpc_min_requests"]:
        out.append("RPC_BATCH_FANOUT")
    if error_ratio(c) >= cfg["rpc_error_ratio"] and c["requests"] >= cfg["rpc_min_requests"]:
        out.append("RPC_ERROR_STORM")
    return out


def streams_of(input_dir):
    """{directory: [line, ...]} in time order; each directory is one stream."""
    out = {}
    for path in sorted(glob.glob(os.path.join(input_dir, "**", "payload_*.jsonl"), recursive=True)):
        with open(path) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        out.setdefault(os.path.dirname(path), []).extend(lines)
    return out


def blocked_seconds(periods, start, dur):
    if dur == 0:
        return 1 if any(a <= start < b for a, b in periods) else 0
    return sum(max(0, min(b, start + dur) - max(a, start)) for a, b in periods)


def model(streams, cfg, allow):
    src = {}  # key -> state
    events = []  # (ts, stream order, line)
    for si, (d, lines) in enumerate(sorted(streams.items())):
        for li, line in enumerate(lines):
            events.append((line["ts_unix_sec"], si, li, line))
    events.sort(key=lambda e: e[:3])

    def state(key):
        return src.setdefault(key, {"total": {f: 0 for f in FIELDS}, "periods": [],
                                    "sim": [0.0, 0.0, 0.0], "classes": set(), "episodes": [],
                                    "allow": any(ipaddress.ip_address(key[0]) in n for n in allow)})

    st = {}  # stream -> window state
    windows = 0
    spans = []

    def close(si, end):
        nonlocal windows
        w = st[si]
        dur = end - w["start"]
        if dur > 0:
            windows += 1
            flagged_now = set()
            for key, c in w["keys"].items():
                s = src[key]
                if s["allow"]:
                    continue
                fl = classes(c, dur, cfg)
                if not fl:
                    continue
                s["classes"].update(fl)
                until = end + cfg["block_duration_sec"]
                if s["periods"] and end <= s["periods"][-1][1]:
                    s["periods"][-1][1] = max(s["periods"][-1][1], until)
                else:
                    s["periods"].append([end, until])
                ep = w["open"].get(key)
                if ep is None:
                    ep = {"stream": si, "start": w["start"], "windows": 0}
                    s["episodes"].append(ep)
                    w["open"][key] = ep
                ep["end"] = end
                ep["windows"] += 1
                flagged_now.add(key)
            # An episode ends at the first window of its stream that does not flag its source.
            w["open"] = {k: v for k, v in w["open"].items() if k in flagged_now}
        w["keys"], w["is_open"], w["dur"] = {}, False, 0

    for ts, si, _, line in events:
        w = st.setdefault(si, {"keys": {}, "is_open": False, "dur": 0, "prev": None, "open": {}})
        dur = line["interval_sec"]
        start = ts - dur
        if w["is_open"] and w["prev"] is not None and start > w["prev"]:
            close(si, w["prev"])
        if not w["is_open"]:
            w["is_open"], w["start"] = True, start
        spans.append((start, ts))  # observed: the time intervals cover (not collector downtime)
        for s in line["sources"]:
            key = (s["src_ip"], s["dst_port"])
            c = counts_of(s, cfg)
            k = state(key)
            add(k["total"], c)
            add(w["keys"].setdefault(key, {f: 0 for f in FIELDS}), c)
            if k["allow"]:
                continue
            b = blocked_seconds(k["periods"], start, dur)
            if b > 0:
                frac = 1.0 if dur == 0 else b / dur
                k["sim"][0] += frac * c["requests"]
                k["sim"][1] += frac * c["request_bytes"]
                k["sim"][2] += frac * c["response_bytes"]
        w["dur"] += dur
        w["prev"] = ts
        if w["dur"] >= cfg["window_sec"]:
            close(si, ts)
    for si, w in st.items():
        if w["is_open"] and w["dur"] > 0:
            close(si, w["prev"])
    covered, reach = 0, None
    for a, b in sorted(spans):
        begin = a if reach is None else max(a, reach)
        if b > begin:
            covered += b - begin
        reach = b if reach is None else max(reach, b)
    return src, windows, covered


def figures(src, cfg, observed):
    rows = {}
    tot = {f: 0 for f in FIELDS}
    blocked = {f: 0 for f in FIELDS}
    sim = [0.0, 0.0, 0.0]
    keys = legit_req = 0
    single = []
    for key in sorted(src, key=sort_key):
        s = src[key]
        cls = next((c for c in CLASSES if c in s["classes"]), "")
        rows[key] = {"class": cls, "allowlisted": s["allow"], "total": s["total"],
                     "simulated": [round(x, 4) for x in s["sim"]],
                     "episodes": len(s["episodes"])}
        if s["allow"]:
            continue
        keys += 1
        add(tot, s["total"])
        if not cls:
            continue
        add(blocked, s["total"])
        sim = [a + b for a, b in zip(sim, s["sim"])]
        if amplification(s["total"]) < cfg["rpc_amplification"] and \
                error_ratio(s["total"]) < cfg["rpc_fp_error_ratio"]:
            legit_req += s["total"]["requests"]
        if not any(e["windows"] > 1 for e in s["episodes"]):
            single.append(key)

    def pct(a, b):
        return round(100.0 * a / b, 4) if b else 0.0
    nblocked = sum(1 for r in rows.values() if r["class"] and not r["allowlisted"])
    fig = {"sources": keys, "blocked": nblocked,
           "upper": {f: blocked[f] for f in ("requests", "request_bytes", "response_bytes")},
           "simulated": [round(x, 4) for x in sim]}
    fig["upper_response_bytes_pct"] = pct(blocked["response_bytes"], tot["response_bytes"])
    fig["simulated_response_bytes_pct"] = pct(sim[2], tot["response_bytes"])
    reasons = []
    if keys < cfg["min_samples_for_fp"]:
        fig["fp_known"], fig["fp"] = False, None
        reasons.append("FP bound unknown: Insufficient data: %d sources, need at least %d"
                       % (keys, cfg["min_samples_for_fp"]))
    else:
        fig["fp_known"] = True
        fig["fp"] = pct(legit_req, blocked["requests"])
        if 100.0 * legit_req / max(1, blocked["requests"]) > 5.0:
            reasons.append("FP bound %.2f%% is above 5.0%%" % (100.0 * legit_req / blocked["requests"]))
    if nblocked == 0:
        reasons.append("No application-layer abuse pattern detected")
    up_pct = 100.0 * blocked["response_bytes"] / tot["response_bytes"] if tot["response_bytes"] else 0.0
    if up_pct < 1.0:
        reasons.append("Less than 1%% of response bytes would be blocked (%.2f%%)" % up_pct)
    if tot["requests"] == 0 and tot["response_bytes"] == 0:
        reasons.append("No RPC traffic observed")
    if cfg["min_observation_sec"] and observed < cfg["min_observation_sec"]:
        reasons.append("Observed period %d s is shorter than the minimum %d s "
                       "(--min-observation-sec)" % (observed, cfg["min_observation_sec"]))
    if cfg["require_multi_window"] and single:
        names = ", ".join("%s:%d" % k if ":" not in k[0] else "[%s]:%d" % k for k in single[:10])
        if len(single) > 10:
            names += " and %d more" % (len(single) - 10)
        reasons.append("%d blocked source(s) have only single-window episodes and need manual "
                       "review: %s" % (len(single), names))
    fig["reasons"] = reasons
    fig["verdict"] = "NOT SAFE" if reasons else "SAFE"
    return rows, fig


def run(input_dir, args):
    cfg = dict(DEFAULTS)
    it = iter(args)
    allow = []
    for flag in it:
        name = flag.lstrip("-").replace("-", "_")
        if name == "require_multi_window":
            cfg[name] = True
            continue
        val = next(it)
        if name == "allowlist":
            with open(val) as f:
                allow = [ipaddress.ip_network(l.split("#")[0].strip(), strict=False)
                         for l in f if l.split("#")[0].strip()]
        elif name == "rpc_expensive_method":
            if cfg["rpc_expensive_methods"] is DEFAULTS["rpc_expensive_methods"]:
                cfg["rpc_expensive_methods"] = []
            cfg["rpc_expensive_methods"].append(val)
        elif name in DEFAULTS:
            cfg[name] = type(DEFAULTS[name])(val)
    streams = streams_of(input_dir)
    if not streams:
        return None
    src, windows, observed = model(streams, cfg, allow)
    rows, fig = figures(src, cfg, observed)
    fig["windows"] = windows
    fig["observed_sec"] = observed
    return rows, fig


if __name__ == "__main__":
    import sys
    res = run(sys.argv[1], sys.argv[2:])
    if res is None:
        print("no payload input")
        sys.exit(1)
    rows, fig = res
    for k, r in rows.items():
        print(k, json.dumps(r))
    print(json.dumps(fig, indent=1))
