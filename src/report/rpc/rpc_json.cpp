// The application layer's parts of summary.json ("application_layer") and rules.json (RPC
// triggers); field lists in docs/schemas/report-summary-v1.schema.json and
// report-rules-v3.schema.json (both accept the version with and without the application layer).
#include <fmt/format.h>

#include "report/rpc/rpc_writers.h"

namespace ibsr::report {
namespace {

using nlohmann::ordered_json;

const char* keyTypeOf(const RpcKey& k) {
  return k.address.isV4() ? "src_ip" : "src_ip6";
}

ordered_json shareJson(const RpcShare& s) {
  return {{"requests", round4(s.requests)},
          {"request_bytes", round4(s.requestBytes)},
          {"response_bytes", round4(s.responseBytes)},
          {"requests_pct", round4(s.requestsPct)},
          {"request_bytes_pct", round4(s.requestBytesPct)},
          {"response_bytes_pct", round4(s.responseBytesPct)}};
}

ordered_json windowJson(const RpcWindowStats& w) {
  return {{"start", formatTime(w.start)},
          {"end", formatTime(w.end)},
          {"request_rate", round4(w.requestRate())},
          {"response_byte_rate", round4(w.responseByteRate())},
          {"amplification", round4(w.amplification())},
          {"calls_per_request", round4(w.callsPerRequest())},
          {"error_ratio", round4(w.errorRatio())},
          {"expensive_share", round4(w.expensiveShare())},
          {"expensive_rate", round4(w.expensiveRate())}};
}

ordered_json countsJson(const RpcCounts& c) {
  return {{"requests", c.requests},
          {"responses", c.responses},
          {"request_bytes", c.requestBytes},
          {"response_bytes", c.responseBytes},
          {"http_4xx", c.httpStatus[3]},
          {"http_5xx", c.httpStatus[4]},
          {"jsonrpc_calls", c.jsonrpcCalls},
          {"jsonrpc_batches", c.jsonrpcBatches},
          {"jsonrpc_errors", c.jsonrpcErrors},
          {"expensive_calls", c.expensiveCalls}};
}

ordered_json episodeJson(const RpcEpisode& e) {
  ordered_json classes = ordered_json::array();
  for (size_t c = 1; c < e.classes.size(); ++c)
    if (e.classes[c]) classes.push_back(rpcClassName(RpcClass(c)));
  return {{"stream", e.stream + 1},
          {"start", formatTime(e.start)},
          {"end", formatTime(e.end)},
          {"windows", e.windows},
          {"classes", classes},
          {"peak_amplification", round4(e.peakAmplification)},
          {"peak_request_rate", round4(e.peakRequestRate)},
          {"peak_response_byte_rate", round4(e.peakResponseByteRate)},
          {"peak_calls_per_request", round4(e.peakCallsPerRequest)},
          {"peak_error_ratio", round4(e.peakErrorRatio)},
          {"peak_expensive_rate", round4(e.peakExpensiveRate)},
          {"counts", countsJson(e.counts)}};
}

ordered_json sourceJson(const RpcKeyResult& k) {
  ordered_json methods = ordered_json::array();
  for (const RpcMethodTotal& m : k.methods)
    methods.push_back({{"method", m.method},
                       {"calls", m.calls},
                       {"request_bytes", m.requestBytes},
                       {"response_bytes", m.responseBytes},
                       {"expensive", m.expensive}});
  ordered_json src = {
      {"source", formatRpcKey(k.key)},
      {"key_type", keyTypeOf(k.key)},
      {"key_value", k.key.address.toString()},
      {"dst_port", k.key.port},
      {"rpc_class",
       k.rpcClass == RpcClass::None ? ordered_json() : ordered_json(rpcClassName(k.rpcClass))},
      {"decision", k.block ? "block" : "allow"},
      {"allowlisted", k.allowlisted},
      {"shown_window", k.hasShown ? windowJson(k.shown) : ordered_json()},
      {"totals", countsJson(k.total)},
      {"whole_input_amplification", round4(k.wholeAmplification())},
      {"whole_input_error_ratio", round4(k.wholeErrorRatio())},
      {"methods", methods},
  };
  if (!k.allowlisted) {
    src["simulated_blocked"] = {{"requests", round4(k.simulatedRequests)},
                                {"request_bytes", round4(k.simulatedRequestBytes)},
                                {"response_bytes", round4(k.simulatedResponseBytes)}};
    ordered_json eps = ordered_json::array();
    for (const RpcEpisode& e : k.episodes) eps.push_back(episodeJson(e));
    src["episodes"] = std::move(eps);
  }
  return src;
}

// The thresholds of the class that flagged a source: what a rule engine would re-check.
ordered_json classThresholds(RpcClass c, const RpcConfig& r) {
  switch (c) {
    case RpcClass::Amplification:
      return {{"amplification", r.amplification}, {"response_byte_rate", r.responseByteRate}};
    case RpcClass::Flood:
      return {{"request_rate", r.requestRate}};
    case RpcClass::ExpensiveMethods:
      return {{"expensive_share", r.expensiveShare},
              {"expensive_rate", r.expensiveRate},
              {"expensive_methods", r.expensiveMethods}};
    case RpcClass::BatchFanout:
      return {{"calls_per_request", r.callsPerRequest}, {"min_requests", r.minRequests}};
    case RpcClass::ErrorStorm:
      return {{"error_ratio", r.errorRatio}, {"min_requests", r.minRequests}};
    case RpcClass::None:
      break;
  }
  return ordered_json::object();
}

}  // namespace

ordered_json rpcSummaryJson(const ReportData& d) {
  const RpcConfig& rc = d.config.rpc;
  const RpcAnalysisResult& r = d.rpc;
  const RpcEvaluation& ev = d.rpcEvaluation;
  const PayloadQuality& q = d.payloadQuality;
  ordered_json a;
  a["verdict"] = safeWord(ev.safe);
  a["reasons"] = ev.reasons;
  bool any = !r.empty();
  ordered_json files = ordered_json::array();
  for (const InputFile& f : d.files)
    if (f.kind == InputKind::Payload) files.push_back(f.display);
  a["input"] = {{"files", files},
                {"intervals", r.intervals},
                {"windows", r.windows},
                {"first_ts", any ? formatTime(r.firstTs) : ""},
                {"last_ts", any ? formatTime(r.lastTs) : ""},
                {"observed_start", any ? formatTime(r.startTs) : ""},
                {"observed_sec", r.observedSec},
                {"dst_ports", r.dstPorts}};
  a["config"] = {{"amplification", rc.amplification},
                 {"response_byte_rate", rc.responseByteRate},
                 {"request_rate", rc.requestRate},
                 {"calls_per_request", rc.callsPerRequest},
                 {"error_ratio", rc.errorRatio},
                 {"min_requests", rc.minRequests},
                 {"expensive_methods", rc.expensiveMethods},
                 {"expensive_share", rc.expensiveShare},
                 {"expensive_rate", rc.expensiveRate},
                 {"fp_error_ratio", rc.fpErrorRatio}};
  ordered_json streams = ordered_json::array();
  for (const StreamInfo& st : q.streams)
    streams.push_back({{"dir", st.dir},
                       {"part", st.part + 1},
                       {"first_ts", formatTime(st.firstTs)},
                       {"last_ts", formatTime(st.lastTs)},
                       {"intervals", st.snapshots}});
  a["data_quality"] = {{"files", q.files},
                       {"lines", q.lines},
                       {"blank_lines", q.blankLines},
                       {"intervals", q.intervals},
                       {"malformed_lines", q.malformedLines},
                       {"torn_last_lines", q.tornLastLines},
                       {"oversized_lines", q.oversizedLines},
                       {"out_of_order_lines", q.outOfOrderLines},
                       {"zero_duration_intervals", q.zeroDurationIntervals},
                       {"sources_outside_ports", q.sourcesOutsidePorts},
                       {"ringbuf_drops", q.ringbufDrops},
                       {"intervals_with_drops", q.intervalsWithDrops},
                       {"parse_errors", q.parseErrors},
                       {"stream_splits", q.streamSplits},
                       {"streams", streams}};
  a["totals"] = {{"keys", ev.keys},
                 {"allowlisted_keys", ev.allowlistedKeys},
                 {"requests", ev.total.requests},
                 {"responses", ev.total.responses},
                 {"request_bytes", ev.total.requestBytes},
                 {"response_bytes", ev.total.responseBytes},
                 {"jsonrpc_calls", ev.total.jsonrpcCalls},
                 {"jsonrpc_errors", ev.total.jsonrpcErrors}};
  ordered_json abuse = {{"blocked_sources", ev.blockedKeys}};
  for (size_t c = 1; c < ev.classKeys.size(); ++c) {
    std::string name(rpcClassName(RpcClass(c)));
    for (char& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    abuse[name] = ev.classKeys[c];
  }
  abuse["episodes"] = ev.episodes;
  a["abuse"] = std::move(abuse);
  a["counterfactual"] = {{"upper_bound", shareJson(ev.upperBound)},
                         {"simulated_enforcement", shareJson(ev.simulated)}};
  a["fp_bound"] = {
      {"known", ev.fpKnown},
      {"pct", ev.fpKnown ? ordered_json(round4(ev.fpBoundPct)) : ordered_json()},
      {"reason", ev.fpKnown ? ordered_json() : ordered_json(ev.fpReason)},
      {"legit_looking_sources", ev.legitLookingKeys},
      {"legit_looking_requests", ev.legitLookingRequests},
  };
  ordered_json top = ordered_json::array();
  for (size_t i : ev.topOffenders) top.push_back(formatRpcKey(r.keys[i].key));
  a["top_offenders"] = std::move(top);
  ordered_json sources = ordered_json::array();
  ordered_json allowlisted = ordered_json::array();
  for (const RpcKeyResult& k : r.keys) {
    if (k.allowlisted) allowlisted.push_back(formatRpcKey(k.key));
    if (k.block || k.allowlisted) sources.push_back(sourceJson(k));
  }
  a["blocked_or_allowlisted_sources"] = std::move(sources);
  a["allowlisted_sources"] = std::move(allowlisted);
  return a;
}

void appendRpcTriggers(ordered_json& triggers, const ReportData& d) {
  for (const RpcKeyResult& k : d.rpc.keys) {
    if (!k.block) continue;
    triggers.push_back({
        {"key_type", keyTypeOf(k.key)},
        {"key_value", k.key.address.toString()},
        {"dst_port", k.key.port},
        {"abuse_class", rpcClassName(k.rpcClass)},
        {"layer", "application"},
        {"window_sec", d.config.windowSec},
        {"thresholds", classThresholds(k.rpcClass, d.config.rpc)},
        {"action", {{"action_type", "drop"}, {"duration_sec", d.config.blockDurationSec}}},
    });
  }
}

}  // namespace ibsr::report
