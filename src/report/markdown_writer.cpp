// report.md: the five sections of REPORT.md, for people.
#include <fmt/format.h>

#include "report/report_data.h"
#include "report/rpc/rpc_writers.h"

namespace ibsr::report {
namespace {

std::string num(double x) {
  return fmt::format("{}", x);
}  // shortest round-trip form

std::string portsText(const std::vector<uint16_t>& ports) {
  return ports.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(ports, ", "));
}

void writeTransportImpact(std::back_insert_iterator<std::string> out, const ReportData& d) {
  const AnalysisConfig& c = d.config;
  const Evaluation& ev = d.evaluation;
  fmt::format_to(out, "| Measure | Packets | Bytes | SYNs |\n|---|---:|---:|---:|\n");
  fmt::format_to(out, "| Upper bound: blocked sources over the whole input | {} | {} | {} |\n",
                 formatPct(ev.upperBound.packetsPct), formatPct(ev.upperBound.bytesPct),
                 formatPct(ev.upperBound.synPct));
  fmt::format_to(
      out, "| Simulated enforcement: {} s blocks from the first flagged window | {} | {} | {} |\n",
      c.blockDurationSec, formatPct(ev.simulated.packetsPct), formatPct(ev.simulated.bytesPct),
      formatPct(ev.simulated.synPct));
  if (ev.fpKnown) {
    fmt::format_to(out,
                   "\nFalse-positive bound: **{}** ({} blocked source(s) with success ratio >= {}, "
                   "{} packets).\n",
                   formatPct(ev.fpBoundPct), ev.legitLookingKeys, num(c.fpSafeRatio),
                   ev.legitLookingPackets);
  } else {
    fmt::format_to(out, "\nFalse-positive bound: **UNKNOWN** ({}).\n", ev.fpReason);
  }
}

}  // namespace

std::string renderMarkdown(const ReportData& d) {
  const AnalysisConfig& c = d.config;
  const AnalysisResult& r = d.result;
  const Evaluation& ev = d.evaluation;
  const DataQuality& q = d.quality;
  std::string o;
  auto out = std::back_inserter(o);

  fmt::format_to(out, "# IBSR Report\n\n");
  fmt::format_to(out, "Verdict: **{}**. Generated at {}.\n\n", ev.safe ? "SAFE" : "NOT SAFE",
                 formatTime(d.generatedAt));
  if (d.payloadInput) fmt::format_to(out, "{}\n\n", layersSentence(d));

  fmt::format_to(out, "## 1. Scope & Configuration\n\n| Item | Value |\n|---|---|\n");
  fmt::format_to(out, "| Input | {} file(s), {} snapshot(s) |\n",
                 inputFiles(d, InputKind::Counters), r.snapshots);
  if (noCounterSnapshots(d))
    fmt::format_to(out, "| Observed period | {} |\n", kNoCounterSnapshots);
  else
    fmt::format_to(out, "| Observed period | {} to {} ({} s) |\n", formatTime(r.startTs),
                   formatTime(r.lastTs), r.observedSec);
  fmt::format_to(out, "| First snapshot | {} |\n",
                 c.firstSnapshotBaseline ? "baseline (its counts are not analysed)"
                                         : "counted (the run started with an empty map)");
  fmt::format_to(out, "| Destination ports | {} |\n", portsText(r.dstPorts));
  fmt::format_to(out, "| Sources analysed | {} ({} allowlisted, excluded) |\n", ev.keys,
                 ev.allowlistedKeys);
  if (d.ipv6Input()) fmt::format_to(out, "| Sources by family | {} |\n", familySummary(ev));
  fmt::format_to(out, "| Evaluation window | {} s ({} window(s)) |\n", c.windowSec, r.windows);
  fmt::format_to(out, "| SYN-churn rule | SYN rate >= {}/s and success ratio <= {} |\n",
                 num(c.synRateThreshold), num(c.successRatioThreshold));
  fmt::format_to(
      out,
      "| Volumetric rule | two of: SYN rate >= {}/s, packet rate >= {}/s, byte rate >= {} B/s |\n",
      num(c.volSynRate), num(c.volPktRate), num(c.volByteRate));
  fmt::format_to(out, "| Block duration | {} s |\n", c.blockDurationSec);
  fmt::format_to(
      out, "| FP bound | sources with success ratio >= {} look legitimate; needs >= {} sources |\n",
      num(c.fpSafeRatio), c.minSamplesForFp);
  fmt::format_to(out, "| Allowlist | {} entr{} |\n", d.allowlist.entries().size(),
                 d.allowlist.entries().size() == 1 ? "y" : "ies");
  if (c.minObservationSec)
    fmt::format_to(out, "| Minimum observation | {} s |\n", *c.minObservationSec);
  if (c.requireMultiWindow) fmt::format_to(out, "| Multi-window episodes | required |\n");

  fmt::format_to(out, "\n## 2. Abuse Pattern Observed\n\n");
  if (noCounterSnapshots(d)) {
    fmt::format_to(out,
                   "No counter snapshots in the input: the transport layer has no evidence "
                   "(the application layer has its own section below).\n");
  } else if (ev.blockedKeys == 0) {
    fmt::format_to(out, "No source matched an abuse pattern.\n");
  } else {
    fmt::format_to(out,
                   "{} source(s) matched an abuse pattern ({} SYN_FLOOD_LIKE, {} "
                   "VOLUMETRIC_TCP_ABUSE) in {} episode(s).\n\n",
                   ev.blockedKeys, ev.synFloodKeys, ev.volumetricKeys, ev.episodes);
    fmt::format_to(out, "### Top Offenders\n\n");
    fmt::format_to(out,
                   "| # | Source | Class | SYN rate (/s) | Success ratio | SYNs | Packets | Bytes "
                   "| Episodes |\n");
    fmt::format_to(out, "|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
    size_t rank = 0;
    for (size_t i : ev.topOffenders) {
      const KeyResult& k = r.keys[i];
      fmt::format_to(out, "| {} | {} | {} | {:.2f} | {:.4f} | {} | {} | {} | {} |\n", ++rank,
                     formatSource(k.key), abuseClassName(k.abuseClass), k.shown.synRate(),
                     k.shown.successRatio(), k.total.syn, k.total.packets, k.total.bytes,
                     k.episodes.size());
    }
  }
  bool anyAllowlisted = false;
  for (const KeyResult& k : r.keys) {
    if (!k.allowlisted) continue;
    if (!anyAllowlisted)
      fmt::format_to(out, "\nAllowlisted sources (never blocked, excluded from all figures):\n\n");
    anyAllowlisted = true;
    fmt::format_to(out, "- {} ({} SYNs, {} packets)\n", formatSource(k.key), k.total.syn,
                   k.total.packets);
  }

  fmt::format_to(out, "\n## 3. Counterfactual Enforcement Impact\n\n");
  if (noCounterSnapshots(d)) {
    fmt::format_to(out,
                   "No counter snapshots in the input: nothing to measure at the transport "
                   "layer.\n");
  } else {
    writeTransportImpact(out, d);
  }
  fmt::format_to(out, "\nUncertainty:\n\n");
  fmt::format_to(out,
                 "- Totals analysed: {} packets, {} bytes, {} SYNs from {} source(s) over {} s.\n",
                 ev.packets, ev.bytes, ev.syn, ev.keys, r.observedSec);
  fmt::format_to(out,
                 "- Data quality: {} file(s), {} line(s), {} valid snapshot(s); skipped: {} "
                 "malformed ({} torn last line(s)), {} oversized, {} out of order; {} counter "
                 "reset(s); {} bucket(s) outside the ports; {} zero-length interval(s).\n",
                 q.files, q.lines, q.snapshots, q.malformedLines, q.tornLastLines, q.oversizedLines,
                 q.outOfOrderLines, q.counterResets, q.bucketsOutsidePorts,
                 q.zeroDurationIntervals);
  fmt::format_to(out,
                 "- Counters are sampled every snapshot: traffic inside an interval is assumed "
                 "evenly spread when a simulated block covers part of it.\n");
  if (!q.singleStream()) {
    fmt::format_to(out,
                   "- Streams: {} (one collector's counters each; deltas and windows never cross "
                   "them, a source's figures add up over them); {} split because files of one "
                   "directory overlap in time.\n",
                   q.streams.size(), q.streamSplits);
    fmt::format_to(out,
                   "\n| # | Stream | First snapshot | Last snapshot | Snapshots |\n"
                   "|---:|---|---|---|---:|\n");
    size_t n = 0;
    for (const StreamInfo& st : q.streams)
      fmt::format_to(out, "| {} | {} | {} | {} | {} |\n", ++n, streamName(st),
                     formatTime(st.firstTs), formatTime(st.lastTs), st.snapshots);
  }

  fmt::format_to(out, "\n## 4. Candidate Enforcement Rules\n\n");
  if (d.payloadInput)
    fmt::format_to(out,
                   "{} trigger(s) ({} transport, {} application), {} exception(s). Never applied "
                   "by IBSR.\n\n",
                   ev.blockedKeys + d.rpcEvaluation.blockedKeys, ev.blockedKeys,
                   d.rpcEvaluation.blockedKeys, d.allowlist.entries().size());
  else
    fmt::format_to(out, "{} trigger(s), {} exception(s). Never applied by IBSR.\n\n",
                   ev.blockedKeys, d.allowlist.entries().size());
  fmt::format_to(out, "```json\n{}```\n", renderRulesJson(d));

  fmt::format_to(out, "\n## 5. Readiness Judgment\n\n**{}**\n", ev.safe ? "SAFE" : "NOT SAFE");
  if (ev.safe) {
    fmt::format_to(out,
                   "\nNo blocking reason applies: abuse was detected, the FP bound is at most "
                   "{:.1f}%, and at least {:.0f}% of SYNs would be blocked.\n",
                   kMaxFpBoundPct, kMinBlockedSynPct);
  } else {
    fmt::format_to(out, "\nReasons:\n\n");
    size_t n = 0;
    for (const std::string& reason : ev.reasons) fmt::format_to(out, "{}. {}\n", ++n, reason);
  }
  if (d.payloadInput) appendRpcMarkdown(o, d);
  return o;
}

}  // namespace ibsr::report
