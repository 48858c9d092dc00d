// evidence_rpc.csv: one row per analysed source x port (allowlisted ones included and marked), in
// RpcKey order; columns in docs/report-rpc.md "Outputs".
#include <fmt/format.h>

#include "report/report_data.h"

namespace ibsr::report {
namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. Method names
// are sanitised by the collector, but the CSV must stay parseable whatever they hold.
std::string csvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string renderRpcEvidenceCsv(const ReportData& d) {
  std::string out =
      "source,address,dst_port,rpc_class,decision,allowlisted,window_start,window_end,"
      "request_rate,response_byte_rate,amplification,calls_per_request,error_ratio,"
      "expensive_share,requests,responses,request_bytes,response_bytes,jsonrpc_calls,"
      "jsonrpc_batches,jsonrpc_errors,http_errors,whole_amplification,whole_error_ratio,"
      "simulated_requests,simulated_response_bytes,episodes,top_method,top_method_calls\n";
  for (const RpcKeyResult& k : d.rpc.keys) {
    const RpcWindowStats& w = k.shown;
    const RpcCounts& t = k.total;
    bool shown = k.hasShown && w.duration() > 0;
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},", csvField(formatRpcKey(k.key)),
                   k.key.address.toString(), k.key.port, rpcClassName(k.rpcClass),
                   k.block ? "block" : "allow", k.allowlisted ? "true" : "false");
    if (shown) {
      fmt::format_to(std::back_inserter(out), "{},{},{:.2f},{:.2f},{:.2f},{:.2f},{:.4f},{:.4f},",
                     formatTime(w.start), formatTime(w.end), w.requestRate(), w.responseByteRate(),
                     w.amplification(), w.callsPerRequest(), w.errorRatio(), w.expensiveShare());
    } else {
      out += ",,0.00,0.00,0.00,0.00,0.0000,0.0000,";
    }
    fmt::format_to(std::back_inserter(out),
                   "{},{},{},{},{},{},{},{},{:.2f},{:.4f},{:.2f},{:.2f},{},{},{}\n", t.requests,
                   t.responses, t.requestBytes, t.responseBytes, t.jsonrpcCalls, t.jsonrpcBatches,
                   t.jsonrpcErrors, t.httpErrors(), k.wholeAmplification(), k.wholeErrorRatio(),
                   k.simulatedRequests, k.simulatedResponseBytes, k.episodes.size(),
                   k.methods.empty() ? std::string() : csvField(k.methods.front().method),
                   k.methods.empty() ? 0 : k.methods.front().calls);
  }
  return out;
}

}  // namespace ibsr::report
