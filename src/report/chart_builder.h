// Second-pass observer that condenses per-window detail into at most kMaxBins chart bins, so the
// HTML charts cost O(bins x top offenders) memory whatever the length of the input.
#pragma once

#include <unordered_map>
#include <unordered_set>

#include "report/analyzer.h"
#include "report/report_data.h"

namespace ibsr::report {

class ChartBuilder : public WindowObserver {
 public:
  static constexpr size_t kMaxBins = 240;
  ChartBuilder(const AnalysisResult& firstPass, const Evaluation& evaluation);
  bool traced(uint64_t key) const override { return traced_.count(key) > 0; }
  bool blocked(uint64_t key) const override { return blocked_.count(key) > 0; }
  void onWindow(size_t index, const WindowTotals& totals) override;
  void onKeyWindow(size_t index, uint64_t key, const WindowStats& stats) override;
  ChartSeries take() { return std::move(series_); }

 private:
  size_t binOf(size_t window) const {
    return windows_ == 0 ? 0 : window * series_.bins.size() / windows_;
  }
  size_t windows_;
  std::unordered_map<uint64_t, size_t> traced_;
  std::unordered_set<uint64_t> blocked_;
  std::vector<bool> binStarted_;
  ChartSeries series_;
};

}  // namespace ibsr::report
