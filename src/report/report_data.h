// Everything a writer needs, gathered once; writers are pure functions of it, so every output is
// byte-identical for the same input and flags.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/allowlist.h"
#include "report/analyzer.h"
#include "report/config.h"
#include "report/evaluation.h"
#include "report/input_set.h"
#include "report/rpc/rpc_evaluation.h"

namespace ibsr::report {

// Per-window series for the HTML charts, from a second pass (empty when HTML is not requested).
struct ChartSeries {
  struct Bin {
    int64_t start = 0;
    int64_t end = 0;
    uint64_t packets = 0;
    double simulatedBlocked = 0;
    uint64_t upperBoundBlocked = 0;
  };
  struct KeyPoint {
    bool present = false;
    double peakSynRate = 0;  // highest window SYN rate in the bin (bursts stay visible)
    uint64_t syn = 0;
    uint64_t handshakeAck = 0;  // success ratio of the bin = handshakeAck / syn
  };
  std::vector<Bin> bins;
  std::vector<uint64_t> keys;                 // the traced keys (top offenders)
  std::vector<std::vector<KeyPoint>> points;  // [key][bin]
};

// The application layer's charts, from a second pass over the payload input (empty when HTML is
// not requested or there is no payload input).
struct RpcChartSeries {
  struct Bin {
    int64_t start = 0;
    int64_t end = 0;
    uint64_t requests = 0;
    uint64_t responseBytes = 0;
    double simulatedBlockedResponseBytes = 0;
    uint64_t upperBoundBlockedResponseBytes = 0;
  };
  struct KeyPoint {
    bool present = false;
    double peakResponseByteRate = 0;  // highest window rate in the bin
    double peakRequestRate = 0;
    uint64_t requestBytes = 0;  // amplification of the bin = responseBytes / requestBytes
    uint64_t responseBytes = 0;
  };
  std::vector<Bin> bins;
  std::vector<RpcKey> keys;                   // the traced sources (top offenders)
  std::vector<std::vector<KeyPoint>> points;  // [key][bin]
};

struct ReportData {
  AnalysisConfig config;
  Allowlist allowlist;
  std::vector<InputFile> files;
  DataQuality quality;
  AnalysisResult result;
  Evaluation evaluation;
  int64_t generatedAt = 0;
  ChartSeries chart;
  // The application layer, present when the input held payload files: every output then adds its
  // application-layer part. Without payload input every output is exactly what it was before.
  bool payloadInput = false;
  PayloadQuality payloadQuality;
  RpcAnalysisResult rpc;
  RpcEvaluation rpcEvaluation;
  RpcChartSeries rpcChart;
  // Whether the input held IPv6 sources or streams: the outputs then add their per-family lines
  // and IPv6 sets. An IPv4-only input gives exactly the outputs it gave before IPv6 support.
  bool ipv6Input() const {
    return quality.anyIpv6Stream() || evaluation.ipv6.keys + evaluation.ipv6.allowlistedKeys > 0;
  }
};

// Text for HTML element content and attributes (double- or single-quoted).
std::string htmlEscape(std::string_view s);
std::string formatPct(double pct);    // "12.34%"
double round4(double x);              // for machine-readable figures
std::string formatCount(uint64_t n);  // 1234567 -> "1,234,567"
// "IPv4: N analysed, N allowlisted, N blocked (N of N SYNs); IPv6: ...".
std::string familySummary(const Evaluation& ev);
// "DIR", "DIR run R", "DIR part N" or "DIR run R part N", with " IPv6" after DIR for a snapshot6_
// stream: one stream as the report names it.
std::string streamName(const StreamInfo& s);

std::string renderEvidenceCsv(const ReportData& d);
std::string renderRpcEvidenceCsv(const ReportData& d);  // evidence_rpc.csv
std::string renderRulesJson(const ReportData& d);
std::string renderSummaryJson(const ReportData& d);
std::string renderMarkdown(const ReportData& d);
std::string renderHtml(const ReportData& d);
std::string renderNft(const ReportData& d);

}  // namespace ibsr::report
