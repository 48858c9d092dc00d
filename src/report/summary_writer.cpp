// summary.json: every figure of the report, machine-readable, with the episodes. Per-source
// detail is given for blocked and allowlisted sources only: evidence.csv lists every key, and
// keeping this file O(decisions) keeps it readable (and small) with a million keys.
#include <nlohmann/json.hpp>

#include "report/report_data.h"
#include "report/rpc/rpc_writers.h"

namespace ibsr::report {
namespace {

using nlohmann::ordered_json;

ordered_json shareJson(const Share& s) {
  return {{"packets", round4(s.packets)},
          {"bytes", round4(s.bytes)},
          {"syn", round4(s.syn)},
          {"packets_pct", round4(s.packetsPct)},
          {"bytes_pct", round4(s.bytesPct)},
          {"syn_pct", round4(s.synPct)}};
}

ordered_json windowJson(const WindowStats& w) {
  return {{"start", formatTime(w.start)},    {"end", formatTime(w.end)},
          {"syn_rate", round4(w.synRate())}, {"success_ratio", round4(w.successRatio())},
          {"pkt_rate", round4(w.pktRate())}, {"byte_rate", round4(w.byteRate())}};
}

}  // namespace

std::string renderSummaryJson(const ReportData& d) {
  const AnalysisConfig& c = d.config;
  const AnalysisResult& r = d.result;
  const Evaluation& ev = d.evaluation;
  ordered_json s;
  s["report"] = "ibsr-report";
  s["summary_version"] = d.payloadInput ? 2 : 1;  // 2: with the application layer
  s["generated_at"] = formatTime(d.generatedAt);

  ordered_json files = ordered_json::array();
  for (const InputFile& f : d.files)
    if (f.kind == InputKind::Counters) files.push_back(f.display);
  s["input"] = {
      {"files", files},
      {"snapshots", r.snapshots},
      {"intervals", r.intervals},
      {"windows", r.windows},
      {"first_snapshot_ts", r.snapshots ? formatTime(r.firstTs) : ""},
      {"last_snapshot_ts", r.snapshots ? formatTime(r.lastTs) : ""},
      {"observed_start", r.snapshots ? formatTime(r.startTs) : ""},
      {"observed_sec", r.observedSec},
      {"first_snapshot", c.firstSnapshotBaseline ? "baseline" : "counted"},
  };
  s["config"] = {
      {"dst_ports", r.dstPorts},
      {"window_sec", c.windowSec},
      {"syn_rate_threshold", c.synRateThreshold},
      {"success_ratio_threshold", c.successRatioThreshold},
      {"block_duration_sec", c.blockDurationSec},
      {"fp_safe_ratio", c.fpSafeRatio},
      {"min_samples_for_fp", c.minSamplesForFp},
      {"vol_syn_rate", c.volSynRate},
      {"vol_pkt_rate", c.volPktRate},
      {"vol_byte_rate", c.volByteRate},
      {"min_observation_sec",
       c.minObservationSec ? ordered_json(*c.minObservationSec) : ordered_json()},
      {"require_multi_window", c.requireMultiWindow},
      {"allowlist_entries", d.allowlist.entries().size()},
  };
  const DataQuality& q = d.quality;
  s["data_quality"] = {
      {"files", q.files},
      {"lines", q.lines},
      {"blank_lines", q.blankLines},
      {"snapshots", q.snapshots},
      {"malformed_lines", q.malformedLines},
      {"torn_last_lines", q.tornLastLines},
      {"oversized_lines", q.oversizedLines},
      {"out_of_order_lines", q.outOfOrderLines},
      {"counter_resets", q.counterResets},
      {"buckets_outside_ports", q.bucketsOutsidePorts},
      {"zero_duration_intervals", q.zeroDurationIntervals},
  };
  if (!q.singleStream()) {
    ordered_json streams = ordered_json::array();
    for (const StreamInfo& st : q.streams) {
      ordered_json entry = {{"dir", st.dir}};
      if (st.family == IpFamily::V6) entry["family"] = "ipv6";  // absent: IPv4, as before IPv6
      entry.update(
          ordered_json{{"run_id", st.runId.empty() ? ordered_json() : ordered_json(st.runId)},
                       {"part", st.part + 1},
                       {"first_snapshot_ts", formatTime(st.firstTs)},
                       {"last_snapshot_ts", formatTime(st.lastTs)},
                       {"snapshots", st.snapshots}});
      streams.push_back(std::move(entry));
    }
    s["data_quality"]["stream_splits"] = q.streamSplits;
    s["data_quality"]["streams"] = std::move(streams);
  }
  s["totals"] = {
      {"keys", ev.keys},       {"allowlisted_keys", ev.allowlistedKeys},
      {"packets", ev.packets}, {"bytes", ev.bytes},
      {"syn", ev.syn},
  };
  s["abuse"] = {
      {"blocked_sources", ev.blockedKeys},
      {"syn_flood_like", ev.synFloodKeys},
      {"volumetric_tcp_abuse", ev.volumetricKeys},
      {"episodes", ev.episodes},
  };
  if (d.ipv6Input()) {
    auto family = [](const FamilyCounts& f) {
      return ordered_json{{"keys", f.keys},
                          {"allowlisted_keys", f.allowlistedKeys},
                          {"blocked_sources", f.blockedKeys},
                          {"packets", f.packets},
                          {"syn", f.syn},
                          {"blocked_packets", f.blockedPackets},
                          {"blocked_syn", f.blockedSyn}};
    };
    s["by_family"] = {{"ipv4", family(ev.ipv4)}, {"ipv6", family(ev.ipv6)}};
  }
  s["counterfactual"] = {{"upper_bound", shareJson(ev.upperBound)},
                         {"simulated_enforcement", shareJson(ev.simulated)}};
  s["fp_bound"] = {
      {"known", ev.fpKnown},
      {"pct", ev.fpKnown ? ordered_json(round4(ev.fpBoundPct)) : ordered_json()},
      {"reason", ev.fpKnown ? ordered_json() : ordered_json(ev.fpReason)},
      {"legit_looking_sources", ev.legitLookingKeys},
      {"legit_looking_packets", ev.legitLookingPackets},
  };
  s["readiness"] = {{"verdict", ev.safe ? "SAFE" : "NOT SAFE"}, {"reasons", ev.reasons}};
  if (d.payloadInput) s["ready_layers"] = readyLayers(d);

  ordered_json top = ordered_json::array();
  for (size_t i : ev.topOffenders) top.push_back(formatSource(r.keys[i].key));
  s["top_offenders"] = top;

  ordered_json sources = ordered_json::array();
  for (const KeyResult& k : r.keys) {
    if (!k.block && !k.allowlisted)
      continue;  // every key is in evidence.csv; here only the decisions
    ordered_json src = {
        {"source", formatSource(k.key)},
        {"key_type", keyTypeName(keyType(k.key))},
        {"key_value", formatKeyValue(k.key)},
        {"dst_port", keyPort(k.key)},
        {"abuse_class", k.abuseClass == AbuseClass::None
                            ? ordered_json()
                            : ordered_json(abuseClassName(k.abuseClass))},
        {"decision", k.block ? "block" : "allow"},
        {"allowlisted", k.allowlisted},
        {"shown_window", k.hasShown ? windowJson(k.shown) : ordered_json()},
        {"totals",
         {{"syn", k.total.syn},
          {"ack", k.total.ack},
          {"handshake_ack", k.total.handshakeAck},
          {"rst", k.total.rst},
          {"packets", k.total.packets},
          {"bytes", k.total.bytes}}},
        {"whole_input_success_ratio", round4(k.wholeSuccessRatio())},
    };
    if (!k.allowlisted) {
      src["simulated_blocked"] = {{"packets", round4(k.simulatedPackets)},
                                  {"bytes", round4(k.simulatedBytes)},
                                  {"syn", round4(k.simulatedSyn)}};
      ordered_json eps = ordered_json::array();
      for (const Episode& e : k.episodes) {
        ordered_json ep = ordered_json::object();
        if (!q.singleStream()) ep["stream"] = e.stream + 1;  // 1-based, as data_quality lists them
        ep.update(ordered_json{
            {"start", formatTime(e.start)},
            {"end", formatTime(e.end)},
            {"windows", e.windows},
            {"kind", e.synChurn ? "SYN_FLOOD_LIKE" : "VOLUMETRIC_TCP_ABUSE"},
            {"peak_syn_rate", round4(e.peakSynRate)},
            {"peak_pkt_rate", round4(e.peakPktRate)},
            {"peak_byte_rate", round4(e.peakByteRate)},
            {"min_success_ratio", round4(e.minSuccessRatio)},
            {"syn", e.syn},
            {"packets", e.packets},
            {"bytes", e.bytes},
        });
        eps.push_back(std::move(ep));
      }
      src["episodes"] = std::move(eps);
    }
    sources.push_back(std::move(src));
  }
  s["blocked_or_allowlisted_sources"] = std::move(sources);

  ordered_json exceptions = ordered_json::array();
  for (const AllowEntry& e : d.allowlist.entries()) {
    exceptions.push_back({{"key_type", e.keyType()}, {"key_value", e.text()}});
  }
  s["exceptions"] = std::move(exceptions);
  ordered_json allowlisted = ordered_json::array();
  for (const KeyResult& k : r.keys)
    if (k.allowlisted) allowlisted.push_back(formatSource(k.key));
  s["allowlisted_sources"] = std::move(allowlisted);
  if (d.payloadInput) s["application_layer"] = rpcSummaryJson(d);
  return s.dump(2) + "\n";
}

}  // namespace ibsr::report
