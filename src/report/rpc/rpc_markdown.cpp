// report.md's "## Application layer (RPC)" section: the layer's verdict first, then what a block
// would save and whom it would hit, then each blocked source's evidence, then data quality and
// the thresholds used.
#include <fmt/format.h>

#include <algorithm>

#include "report/rpc/rpc_writers.h"

namespace ibsr::report {
namespace {

constexpr size_t kMaxDetailedSources = 50;  // evidence_rpc.csv and summary.json have them all
constexpr size_t kMethodsShown = 5;

using Out = std::back_insert_iterator<std::string>;

// A table cell: markup in a method name must stay text in every Markdown renderer (many pass raw
// HTML through; entities render as the characters), and a '|' would end the cell. `ours`: text
// this program wrote (with its own "<" and ">="), where only the cell separator needs escaping.
std::string cell(std::string_view s, bool ours = false) {
  std::string out;
  for (char c : ours ? std::string(s) : htmlEscape(s)) {
    if (c == '|' || (!ours && (c == '\\' || c == '`'))) out += '\\';
    out += c;
  }
  return out;
}

std::string countPct(double value, double pct) {
  return fmt::format("{} ({})", formatCount(uint64_t(value + 0.5)), formatPct(pct));
}

void writeVerdict(Out out, const RpcEvaluation& ev) {
  fmt::format_to(out, "Verdict for the application layer: **{}**.\n", safeWord(ev.safe));
  if (ev.safe) {
    fmt::format_to(out,
                   "\nNo blocking reason applies: abuse was detected, the FP bound is at most "
                   "{:.1f}%, and at least 1% of response bytes would be blocked.\n",
                   kMaxFpBoundPct);
  } else {
    fmt::format_to(out, "\nReasons:\n\n");
    size_t n = 0;
    for (const std::string& reason : ev.reasons) fmt::format_to(out, "{}. {}\n", ++n, reason);
  }
}

void writeScope(Out out, const ReportData& d) {
  const RpcAnalysisResult& r = d.rpc;
  const RpcEvaluation& ev = d.rpcEvaluation;
  fmt::format_to(out, "\n| Item | Value |\n|---|---|\n");
  fmt::format_to(out, "| Input | {} payload file(s), {} interval(s), {} window(s) |\n",
                 inputFiles(d, InputKind::Payload), r.intervals, r.windows);
  if (r.empty())
    fmt::format_to(out, "| Observed period | no valid payload interval in the input |\n");
  else
    fmt::format_to(out, "| Observed period | {} to {} ({} s) |\n", formatTime(r.startTs),
                   formatTime(r.lastTs), r.observedSec);
  fmt::format_to(
      out, "| Destination ports | {} |\n",
      r.dstPorts.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(r.dstPorts, ", ")));
  fmt::format_to(out, "| Sources analysed | {} ({} allowlisted, excluded) |\n", ev.keys,
                 ev.allowlistedKeys);
  fmt::format_to(out,
                 "| Traffic analysed | {} requests, {} responses, {} request bytes, {} response "
                 "bytes, {} JSON-RPC calls ({} errors) |\n",
                 formatCount(ev.total.requests), formatCount(ev.total.responses),
                 formatCount(ev.total.requestBytes), formatCount(ev.total.responseBytes),
                 formatCount(ev.total.jsonrpcCalls), formatCount(ev.total.jsonrpcErrors));
  if (ev.blockedKeys == 0)
    fmt::format_to(out, "| Blocked sources | none matched an application-layer class |\n");
  else
    fmt::format_to(out, "| Blocked sources | {} ({}) in {} episode(s) |\n", ev.blockedKeys,
                   classCountsText(ev), ev.episodes);
}

void writeCounterfactual(Out out, const ReportData& d) {
  const RpcEvaluation& ev = d.rpcEvaluation;
  const RpcConfig& rc = d.config.rpc;
  fmt::format_to(out, "\n### Counterfactual enforcement impact (application layer)\n\n");
  fmt::format_to(out,
                 "| Measure | Requests | Request bytes | Response bytes |\n|---|---:|---:|---:|\n");
  auto row = [&](const std::string& name, const RpcShare& s) {
    fmt::format_to(out, "| {} | {} | {} | {} |\n", name, countPct(s.requests, s.requestsPct),
                   countPct(s.requestBytes, s.requestBytesPct),
                   countPct(s.responseBytes, s.responseBytesPct));
  };
  row("Upper bound: blocked sources over the whole input", ev.upperBound);
  row(fmt::format("Simulated enforcement: {} s blocks from the first flagged window",
                  d.config.blockDurationSec),
      ev.simulated);
  if (ev.fpKnown)
    fmt::format_to(out,
                   "\nFalse-positive bound: **{}** ({} blocked source(s) look legitimate: "
                   "amplification < {} and error ratio < {} over the whole input; {} requests).\n",
                   formatPct(ev.fpBoundPct), ev.legitLookingKeys,
                   fmt::format("{}", rc.amplification), fmt::format("{}", rc.fpErrorRatio),
                   formatCount(ev.legitLookingRequests));
  else
    fmt::format_to(out, "\nFalse-positive bound: **UNKNOWN** ({}).\n", ev.fpReason);
}

void writeSource(Out out, size_t rank, const RpcKeyResult& k, bool multiStream) {
  const RpcWindowStats& w = k.shown;
  const RpcCounts& t = k.total;
  fmt::format_to(out, "\n#### {}. {} ({})\n\n", rank, formatRpcKey(k.key),
                 rpcClassName(k.rpcClass));
  if (k.hasShown && w.duration() > 0)
    fmt::format_to(out,
                   "- Shown window: {} to {} ({:.0f} s): {:.2f} requests/s, {:.2f} response B/s, "
                   "amplification {:.2f}, {:.2f} calls/request, error ratio {:.4f}, expensive "
                   "share {:.4f}\n",
                   formatTime(w.start), formatTime(w.end), w.duration(), w.requestRate(),
                   w.responseByteRate(), w.amplification(), w.callsPerRequest(), w.errorRatio(),
                   w.expensiveShare());
  fmt::format_to(out,
                 "- Totals: {} requests, {} responses, {} request bytes, {} response bytes "
                 "(amplification {:.2f}), {} JSON-RPC calls in {} batch(es), {} JSON-RPC errors, "
                 "{} HTTP 4xx/5xx (error ratio {:.4f})\n",
                 formatCount(t.requests), formatCount(t.responses), formatCount(t.requestBytes),
                 formatCount(t.responseBytes), k.wholeAmplification(), formatCount(t.jsonrpcCalls),
                 formatCount(t.jsonrpcBatches), formatCount(t.jsonrpcErrors),
                 formatCount(t.httpErrors()), k.wholeErrorRatio());
  fmt::format_to(out,
                 "- Simulated block would have saved: {:.2f} requests, {:.2f} request bytes, "
                 "{:.2f} response bytes\n",
                 k.simulatedRequests, k.simulatedRequestBytes, k.simulatedResponseBytes);
  if (!k.methods.empty()) {
    fmt::format_to(out,
                   "\n| Method | Calls | Request bytes | Response bytes | Amplification | "
                   "Expensive |\n"
                   "|---|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < std::min(k.methods.size(), kMethodsShown); ++i) {
      const RpcMethodTotal& m = k.methods[i];
      fmt::format_to(out, "| {} | {} | {} | {} | {:.2f} | {} |\n", cell(m.method),
                     formatCount(m.calls), formatCount(m.requestBytes),
                     formatCount(m.responseBytes), m.amplification(), m.expensive ? "yes" : "no");
    }
  }
  if (!k.episodes.empty()) {
    fmt::format_to(out,
                   "\n| Episode | {}Start | End | Windows | Classes | Peak amplification | Peak "
                   "requests/s | Peak response B/s | Requests | Response bytes |\n"
                   "|---:|{}---|---|---:|---|---:|---:|---:|---:|---:|\n",
                   multiStream ? "Stream | " : "", multiStream ? "---:|" : "");
    size_t n = 0;
    for (const RpcEpisode& e : k.episodes)
      fmt::format_to(out, "| {} | {}{} | {} | {} | {} | {:.2f} | {:.2f} | {:.2f} | {} | {} |\n",
                     ++n, multiStream ? fmt::format("{} | ", e.stream + 1) : "",
                     formatTime(e.start), formatTime(e.end), e.windows, episodeClassesText(e),
                     e.peakAmplification, e.peakRequestRate, e.peakResponseByteRate,
                     formatCount(e.counts.requests), formatCount(e.counts.responseBytes));
  }
}

void writeSources(Out out, const ReportData& d) {
  const RpcAnalysisResult& r = d.rpc;
  const RpcEvaluation& ev = d.rpcEvaluation;
  if (!ev.topOffenders.empty()) {
    fmt::format_to(out, "\n### Top offenders (by response bytes)\n\n");
    fmt::format_to(out,
                   "| # | Source | Class | Requests | Response bytes | Amplification | Error "
                   "ratio | Episodes |\n|---:|---|---|---:|---:|---:|---:|---:|\n");
    size_t rank = 0;
    for (size_t i : ev.topOffenders) {
      const RpcKeyResult& k = r.keys[i];
      fmt::format_to(out, "| {} | {} | {} | {} | {} | {:.2f} | {:.4f} | {} |\n", ++rank,
                     formatRpcKey(k.key), rpcClassName(k.rpcClass), formatCount(k.total.requests),
                     formatCount(k.total.responseBytes), k.wholeAmplification(),
                     k.wholeErrorRatio(), k.episodes.size());
    }
  }
  std::vector<size_t> blocked = blockedRpcKeys(r);
  if (!blocked.empty()) {
    fmt::format_to(out, "\n### Blocked sources\n");
    if (blocked.size() > kMaxDetailedSources)
      fmt::format_to(out,
                     "\nShowing the first {} of {} blocked sources; evidence_rpc.csv and "
                     "summary.json have all of them.\n",
                     kMaxDetailedSources, blocked.size());
    size_t rank = 0;
    for (size_t i : blocked) {
      if (rank == kMaxDetailedSources) break;
      writeSource(out, ++rank, r.keys[i], !d.payloadQuality.singleStream());
    }
  }
  bool any = false;
  for (const RpcKeyResult& k : r.keys) {
    if (!k.allowlisted) continue;
    if (!any)
      fmt::format_to(out, "\nAllowlisted sources (never blocked, excluded from all figures):\n\n");
    any = true;
    fmt::format_to(out, "- {} ({} requests, {} response bytes)\n", formatRpcKey(k.key),
                   formatCount(k.total.requests), formatCount(k.total.responseBytes));
  }
}

void writeQuality(Out out, const ReportData& d) {
  const PayloadQuality& q = d.payloadQuality;
  fmt::format_to(out, "\n### Data quality (payload input)\n\n- {}\n- {}\n", payloadQualityText(q),
                 collectorAccuracyText(q));
  fmt::format_to(out,
                 "- Payload lines count their own interval only: traffic inside an interval is "
                 "assumed evenly spread when a simulated block covers part of it.\n");
  if (q.streams.empty()) return;
  fmt::format_to(out,
                 "- Streams: {} (one collector's payload files each; windows never cross them); "
                 "{} split because files of one directory overlap in time.\n",
                 q.streams.size(), q.streamSplits);
  fmt::format_to(out,
                 "\n| # | Stream | First interval | Last interval | Intervals |\n"
                 "|---:|---|---|---|---:|\n");
  size_t n = 0;
  for (const StreamInfo& st : q.streams)
    fmt::format_to(out, "| {} | {} | {} | {} | {} |\n", ++n, cell(streamName(st)),
                   formatTime(st.firstTs), formatTime(st.lastTs), st.snapshots);
}

void writeThresholds(Out out, const ReportData& d) {
  fmt::format_to(
      out, "\n### Thresholds used\n\n| Rule | Condition (per window, inclusive) |\n|---|---|\n");
  for (const auto& [name, value] : rpcThresholdRows(d.config))
    fmt::format_to(out, "| {} | {} |\n", name, cell(value, true));
}

}  // namespace

void appendRpcMarkdown(std::string& o, const ReportData& d) {
  auto out = std::back_inserter(o);
  fmt::format_to(out, "\n## Application layer (RPC)\n\n");
  writeVerdict(out, d.rpcEvaluation);
  writeScope(out, d);
  writeCounterfactual(out, d);
  writeSources(out, d);
  writeQuality(out, d);
  writeThresholds(out, d);
}

}  // namespace ibsr::report
