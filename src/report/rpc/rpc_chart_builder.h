// Second-pass observer that condenses the application layer's per-window detail into at most
// ChartBuilder::kMaxBins bins (report/chart_builder.h), for the HTML charts.
#pragma once

#include <map>
#include <set>

#include "report/report_data.h"
#include "report/rpc/rpc_analyzer.h"

namespace ibsr::report {

class RpcChartBuilder : public RpcWindowObserver {
 public:
  RpcChartBuilder(const RpcAnalysisResult& firstPass, const RpcEvaluation& evaluation);
  bool traced(const RpcKey& key) const override;
  bool blocked(const RpcKey& key) const override;
  void onWindow(size_t index, const RpcWindowTotals& totals) override;
  void onKeyWindow(size_t index, const RpcKey& key, const RpcWindowStats& stats) override;
  RpcChartSeries take() { return std::move(series_); }

 private:
  size_t binOf(size_t window) const {
    return windows_ == 0 ? 0 : window * series_.bins.size() / windows_;
  }
  size_t windows_;
  std::map<RpcKey, size_t> traced_;  // -> index into series_.keys
  std::set<RpcKey> blocked_;
  std::vector<bool> binStarted_;
  RpcChartSeries series_;
};

}  // namespace ibsr::report
