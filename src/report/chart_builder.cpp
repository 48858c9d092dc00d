#include "report/chart_builder.h"

#include <algorithm>

namespace ibsr::report {

ChartBuilder::ChartBuilder(const AnalysisResult& firstPass, const Evaluation& evaluation)
    : windows_(firstPass.windows) {
  series_.bins.resize(std::min<size_t>(windows_, kMaxBins));
  binStarted_.assign(series_.bins.size(), false);
  for (size_t i : evaluation.topOffenders) {
    traced_[firstPass.keys[i].key] = series_.keys.size();
    series_.keys.push_back(firstPass.keys[i].key);
  }
  series_.points.assign(series_.keys.size(),
                        std::vector<ChartSeries::KeyPoint>(series_.bins.size()));
  for (const KeyResult& k : firstPass.keys)
    if (k.block) blocked_.insert(k.key);
}

void ChartBuilder::onWindow(size_t index, const WindowTotals& t) {
  size_t b = binOf(index);
  if (b >= series_.bins.size()) return;
  ChartSeries::Bin& bin = series_.bins[b];
  if (!binStarted_[b]) {
    bin.start = t.start;
    binStarted_[b] = true;
  }
  bin.end = t.end;
  bin.packets = satAdd(bin.packets, t.packets);
  bin.simulatedBlocked += t.simulatedBlockedPackets;
  bin.upperBoundBlocked = satAdd(bin.upperBoundBlocked, t.upperBoundBlockedPackets);
}

void ChartBuilder::onKeyWindow(size_t index, uint64_t key, const WindowStats& w) {
  size_t b = binOf(index);
  auto it = traced_.find(key);
  if (it == traced_.end() || b >= series_.bins.size()) return;
  ChartSeries::KeyPoint& p = series_.points[it->second][b];
  p.present = true;
  p.peakSynRate = std::max(p.peakSynRate, w.synRate());
  p.syn = satAdd(p.syn, w.syn);
  p.handshakeAck = satAdd(p.handshakeAck, w.handshakeAck);
}

}  // namespace ibsr::report
