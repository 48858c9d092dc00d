#include "report/rpc/rpc_chart_builder.h"

#include <algorithm>

#include "report/chart_builder.h"

namespace ibsr::report {

// Windows are spread over the bins exactly as ChartBuilder does it, so both layers' charts of one
// report have the same resolution.
RpcChartBuilder::RpcChartBuilder(const RpcAnalysisResult& firstPass,
                                 const RpcEvaluation& evaluation)
    : windows_(firstPass.windows) {
  series_.bins.resize(std::min<size_t>(windows_, ChartBuilder::kMaxBins));
  binStarted_.assign(series_.bins.size(), false);
  for (size_t i : evaluation.topOffenders) {
    traced_[firstPass.keys[i].key] = series_.keys.size();
    series_.keys.push_back(firstPass.keys[i].key);
  }
  series_.points.assign(series_.keys.size(),
                        std::vector<RpcChartSeries::KeyPoint>(series_.bins.size()));
  for (const RpcKeyResult& k : firstPass.keys)
    if (k.block) blocked_.insert(k.key);
}

bool RpcChartBuilder::traced(const RpcKey& key) const {
  return traced_.count(key) > 0;
}

bool RpcChartBuilder::blocked(const RpcKey& key) const {
  return blocked_.count(key) > 0;
}

void RpcChartBuilder::onWindow(size_t index, const RpcWindowTotals& t) {
  size_t b = binOf(index);
  if (b >= series_.bins.size()) return;
  RpcChartSeries::Bin& bin = series_.bins[b];
  if (!binStarted_[b]) {
    bin.start = t.start;
    binStarted_[b] = true;
  }
  bin.end = t.end;
  bin.requests = satAdd(bin.requests, t.requests);
  bin.responseBytes = satAdd(bin.responseBytes, t.responseBytes);
  bin.simulatedBlockedResponseBytes += t.simulatedBlockedResponseBytes;
  bin.upperBoundBlockedResponseBytes =
      satAdd(bin.upperBoundBlockedResponseBytes, t.upperBoundBlockedResponseBytes);
}

void RpcChartBuilder::onKeyWindow(size_t index, const RpcKey& key, const RpcWindowStats& w) {
  size_t b = binOf(index);
  auto it = traced_.find(key);
  if (it == traced_.end() || b >= series_.bins.size() || w.duration() <= 0) return;
  RpcChartSeries::KeyPoint& p = series_.points[it->second][b];
  p.present = true;
  p.peakResponseByteRate = std::max(p.peakResponseByteRate, w.responseByteRate());
  p.peakRequestRate = std::max(p.peakRequestRate, w.requestRate());
  p.requestBytes = satAdd(p.requestBytes, w.counts.requestBytes);
  p.responseBytes = satAdd(p.responseBytes, w.counts.responseBytes);
}

}  // namespace ibsr::report
