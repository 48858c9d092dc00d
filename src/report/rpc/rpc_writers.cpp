// What the application-layer parts of report.md and report.html say alike.
#include "report/rpc/rpc_writers.h"

#include <fmt/format.h>

namespace ibsr::report {

bool noCounterSnapshots(const ReportData& d) {
  return d.payloadInput && d.result.snapshots == 0;
}

size_t inputFiles(const ReportData& d, InputKind kind) {
  size_t n = 0;
  for (const InputFile& f : d.files) n += f.kind == kind ? 1 : 0;
  return n;
}

const char* safeWord(bool safe) {
  return safe ? "SAFE" : "NOT SAFE";
}

std::vector<std::string> readyLayers(const ReportData& d) {
  std::vector<std::string> layers;
  if (d.evaluation.safe) layers.emplace_back("transport");
  if (d.payloadInput && d.rpcEvaluation.safe) layers.emplace_back("application");
  return layers;
}

std::string layersSentence(const ReportData& d) {
  std::vector<std::string> ready = readyLayers(d);
  return fmt::format(
      "Transport layer (counters): {}; application layer (RPC): {}. Rules ready: {}.",
      safeWord(d.evaluation.safe), safeWord(d.rpcEvaluation.safe),
      ready.empty() ? std::string("none") : fmt::format("{}", fmt::join(ready, ", ")));
}

std::vector<std::pair<std::string, std::string>> rpcThresholdRows(const AnalysisConfig& c) {
  const RpcConfig& r = c.rpc;
  auto num = [](double x) { return fmt::format("{}", x); };
  std::string methods = r.expensiveMethods.empty()
                            ? std::string("(none)")
                            : fmt::format("{}", fmt::join(r.expensiveMethods, ", "));
  return {
      {"RPC_AMPLIFICATION", fmt::format("amplification >= {} and response byte rate >= {} B/s",
                                        num(r.amplification), num(r.responseByteRate))},
      {"RPC_FLOOD", fmt::format("request rate >= {}/s", num(r.requestRate))},
      {"RPC_EXPENSIVE_METHODS", fmt::format("expensive share >= {} and expensive calls >= {}/s",
                                            num(r.expensiveShare), num(r.expensiveRate))},
      {"RPC_BATCH_FANOUT", fmt::format("calls per request >= {} over >= {} requests",
                                       num(r.callsPerRequest), r.minRequests)},
      {"RPC_ERROR_STORM",
       fmt::format("error ratio >= {} over >= {} requests", num(r.errorRatio), r.minRequests)},
      {"Expensive methods", methods},
      {"FP bound", fmt::format("amplification < {} and error ratio < {} over the whole input look "
                               "legitimate; needs >= {} sources",
                               num(r.amplification), num(r.fpErrorRatio), c.minSamplesForFp)},
      {"Window, block", fmt::format("{} s windows, {} s blocks (shared with the counter rules)",
                                    c.windowSec, c.blockDurationSec)},
  };
}

std::string payloadQualityText(const PayloadQuality& q) {
  return fmt::format(
      "{} payload file(s), {} line(s) ({} blank), {} valid interval(s); skipped: {} malformed ({} "
      "torn last line(s)), {} oversized, {} out of order; {} zero-length interval(s); {} "
      "source(s) outside the ports.",
      q.files, q.lines, q.blankLines, q.intervals, q.malformedLines, q.tornLastLines,
      q.oversizedLines, q.outOfOrderLines, q.zeroDurationIntervals, q.sourcesOutsidePorts);
}

std::string collectorAccuracyText(const PayloadQuality& q) {
  std::string drops =
      q.intervalsWithDrops == 0
          ? std::string("no ring-buffer drops")
          : fmt::format("{} ring-buffer drop(s): counts of {} interval(s) are lower bounds",
                        q.ringbufDrops, q.intervalsWithDrops);
  return fmt::format("Collector: {}; {} HTTP parse error(s).", drops, q.parseErrors);
}

std::string classCountsText(const RpcEvaluation& ev) {
  std::vector<std::string> parts;
  for (size_t c = 1; c < ev.classKeys.size(); ++c)
    if (ev.classKeys[c] > 0)
      parts.push_back(fmt::format("{} {}", ev.classKeys[c], rpcClassName(RpcClass(c))));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string episodeClassesText(const RpcEpisode& e) {
  std::vector<std::string_view> names;
  for (size_t c = 1; c < e.classes.size(); ++c)
    if (e.classes[c]) names.push_back(rpcClassName(RpcClass(c)));
  return fmt::format("{}", fmt::join(names, "+"));
}

std::vector<size_t> blockedRpcKeys(const RpcAnalysisResult& r) {
  std::vector<size_t> out;
  for (size_t i = 0; i < r.keys.size(); ++i)
    if (r.keys[i].block) out.push_back(i);
  return out;
}

}  // namespace ibsr::report
