#include "report/rpc/rpc_analyzer.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string>

#include "report/model.h"
#include "report/timeline.h"

namespace ibsr::report {

std::string_view rpcClassName(RpcClass c) {
  switch (c) {
    case RpcClass::Amplification:
      return "RPC_AMPLIFICATION";
    case RpcClass::Flood:
      return "RPC_FLOOD";
    case RpcClass::ExpensiveMethods:
      return "RPC_EXPENSIVE_METHODS";
    case RpcClass::BatchFanout:
      return "RPC_BATCH_FANOUT";
    case RpcClass::ErrorStorm:
      return "RPC_ERROR_STORM";
    case RpcClass::None:
      break;
  }
  return "";
}

namespace {

double ratio(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : double(part) / double(whole);
}

constexpr size_t kClasses = 6;  // RpcClass values, None included

// The figure a class's peak window is chosen by: the one that makes the class.
double classMetric(RpcClass c, const RpcWindowStats& w) {
  switch (c) {
    case RpcClass::Amplification:
      return w.amplification();
    case RpcClass::Flood:
      return w.requestRate();
    case RpcClass::ExpensiveMethods:
      return w.expensiveRate();
    case RpcClass::BatchFanout:
      return w.callsPerRequest();
    case RpcClass::ErrorStorm:
      return w.errorRatio();
    case RpcClass::None:
      break;
  }
  return 0;
}

}  // namespace

double RpcWindowStats::amplification() const {
  return ratio(counts.responseBytes, counts.requestBytes);
}

double RpcWindowStats::callsPerRequest() const {
  return ratio(counts.jsonrpcCalls, counts.requests);
}

double RpcWindowStats::errorRatio() const {
  return std::min(1.0, std::max(ratio(counts.httpErrors(), counts.responses),
                                ratio(counts.jsonrpcErrors, counts.jsonrpcCalls)));
}

double RpcWindowStats::expensiveShare() const {
  return ratio(counts.expensiveCalls, counts.jsonrpcCalls);
}

double RpcKeyResult::wholeAmplification() const {
  return RpcWindowStats{.counts = total}.amplification();
}

double RpcKeyResult::wholeErrorRatio() const {
  return RpcWindowStats{.counts = total}.errorRatio();
}

struct RpcAnalyzer::Impl {
  // A source across all streams: what the report shows for it.
  struct KeyState {
    RpcKey key;
    RpcCounts total;
    BlockPeriods blocks;
    double simRequests = 0, simRequestBytes = 0, simResponseBytes = 0;
    bool allowlisted = false;
    bool traced = false;
    bool upperBlocked = false;
    // Per class (RpcClass index): flagged at least once, and its peak window by its metric.
    std::array<bool, kClasses> flagged{};
    std::array<RpcWindowStats, kClasses> best{};
    bool hasBestRate = false;
    RpcWindowStats bestRate;  // peak response byte rate, flagged or not
    std::map<std::string, RpcMethodTotal> methods;
  };
  // A source within one stream: its current window.
  struct SlotState {
    uint32_t keyId = 0;
    RpcCounts window;
    int64_t windowIndex = -1;
    int32_t openEpisode = -1;
    int64_t lastFlaggedWindow = -1;
  };
  struct StreamState {
    bool haveLine = false;
    int64_t prevTs = 0;
    int64_t runStart = 0;  // start of its current gap-free run of intervals
    size_t windowIndex = 0;
    int64_t windowStart = 0;
    bool windowOpen = false;
    RpcWindowTotals windowTotals;
    std::vector<uint32_t> touched;  // slots
    std::vector<uint32_t> openEpisodeSlots;
  };

  const AnalysisConfig& config;
  const Allowlist& allowlist;
  PayloadQuality& quality;
  RpcWindowObserver* observer;
  std::vector<uint16_t> portFilter;  // sorted; empty = all
  std::set<uint16_t> portsSeen;
  std::set<std::string, std::less<>> expensive;

  std::map<RpcKey, uint32_t> keyIds;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> slotIds;  // (stream, key id) -> slots
  std::vector<KeyState> keys;
  std::vector<SlotState> slots;
  std::vector<StreamState> streams;
  std::vector<std::pair<int64_t, int64_t>> spans;  // closed runs of every stream
  std::vector<RpcEpisode> episodes;
  std::vector<uint32_t> episodeKeys;  // key id of each episode
  RpcAnalysisResult result;
  size_t windowsClosed = 0;  // over all streams: the observer's window index

  Impl(const AnalysisConfig& c, const Allowlist& a, PayloadQuality& q, RpcWindowObserver* o)
      : config(c), allowlist(a), quality(q), observer(o) {
    portFilter = c.dstPorts;
    std::sort(portFilter.begin(), portFilter.end());
    portFilter.erase(std::unique(portFilter.begin(), portFilter.end()), portFilter.end());
    // "other" is the collector's merged rest of the methods, never one method.
    for (const std::string& m : c.rpc.expensiveMethods)
      if (m != "other") expensive.insert(m);
  }

  uint32_t slotId(uint32_t stream, const RpcKey& key) {
    auto [kit, newKey] = keyIds.try_emplace(key, uint32_t(keys.size()));
    if (newKey) {
      KeyState& k = keys.emplace_back();
      k.key = key;
      k.allowlisted = allowlist.containsAddress(key.address);
      if (observer != nullptr) {
        k.traced = observer->traced(key);
        k.upperBlocked = observer->blocked(key);
      }
    }
    auto [sit, newSlot] = slotIds.try_emplace({stream, kit->second}, uint32_t(slots.size()));
    if (newSlot) slots.emplace_back().keyId = kit->second;
    return sit->second;
  }

  void add(const PayloadInterval& line);
  void addSource(StreamState& st, uint32_t stream, const PayloadSource& src, int64_t start,
                 int64_t duration);
  void endWindow(StreamState& st, uint32_t stream, int64_t end);
  void closeWindow(StreamState& st, uint32_t stream, int64_t end);
  void evaluate(uint32_t sid, StreamState& st, uint32_t stream, const RpcWindowStats& w,
                int64_t index);
  RpcAnalysisResult finish();
};

void RpcAnalyzer::Impl::add(const PayloadInterval& line) {
  if (line.stream >= streams.size()) streams.resize(size_t(line.stream) + 1);
  StreamState& st = streams[line.stream];
  const bool filtered = !portFilter.empty();
  if (!filtered) portsSeen.insert(line.dstPorts.begin(), line.dstPorts.end());

  const int64_t duration = std::max<int64_t>(0, line.intervalSec);
  const int64_t start = line.ts - duration;
  if (duration == 0) ++quality.zeroDurationIntervals;
  if (result.intervals == 0) result.firstTs = result.lastTs = result.startTs = line.ts;
  result.firstTs = std::min(result.firstTs, line.ts);
  result.lastTs = std::max(result.lastTs, line.ts);
  result.startTs = std::min(result.startTs, start);
  ++result.intervals;

  // A window never spans a gap (the collector was down): it ends where the evidence ends.
  if (st.haveLine && start > st.prevTs) {
    if (st.windowOpen) endWindow(st, line.stream, st.prevTs);
    spans.emplace_back(st.runStart, st.prevTs);
    st.runStart = start;
  }
  if (!st.haveLine) st.runStart = start;
  if (!st.windowOpen) {
    st.windowOpen = true;
    // An interval overlapping the previous one (a restarted collector) opens its window where the
    // previous window ended, so that windows never overlap.
    st.windowStart = st.haveLine ? std::min(line.ts, std::max(start, st.prevTs)) : start;
    st.windowTotals = RpcWindowTotals{};
  }

  // Sources in key order: the floating-point sums of a window do not depend on the line's order.
  std::vector<const PayloadSource*> sources;
  sources.reserve(line.sources.size());
  for (const PayloadSource& src : line.sources) {
    if (filtered && !std::binary_search(portFilter.begin(), portFilter.end(), src.key.port)) {
      ++quality.sourcesOutsidePorts;
      continue;
    }
    if (!filtered) portsSeen.insert(src.key.port);
    sources.push_back(&src);
  }
  std::stable_sort(sources.begin(), sources.end(),
                   [](const PayloadSource* a, const PayloadSource* b) { return a->key < b->key; });
  for (const PayloadSource* src : sources) addSource(st, line.stream, *src, start, duration);

  st.haveLine = true;
  st.prevTs = std::max(st.prevTs, line.ts);
  if (st.prevTs - st.windowStart >= config.windowSec) closeWindow(st, line.stream, st.prevTs);
}

void RpcAnalyzer::Impl::addSource(StreamState& st, uint32_t stream, const PayloadSource& src,
                                  int64_t start, int64_t duration) {
  const uint32_t sid = slotId(stream, src.key);
  SlotState& sl = slots[sid];
  KeyState& k = keys[sl.keyId];
  RpcCounts c = src.counts;
  c.expensiveCalls = 0;
  for (const RpcMethodStats& m : src.methods) {
    const bool isExpensive = expensive.count(m.method) > 0;
    if (isExpensive) c.expensiveCalls = satAdd(c.expensiveCalls, m.calls);
    RpcMethodTotal& t = k.methods[m.method];
    t.method = m.method;
    t.calls = satAdd(t.calls, m.calls);
    t.requestBytes = satAdd(t.requestBytes, m.requestBytes);
    t.responseBytes = satAdd(t.responseBytes, m.responseBytes);
    t.expensive = isExpensive;
  }
  k.total.add(c);
  if (sl.windowIndex != int64_t(st.windowIndex)) {
    sl.windowIndex = int64_t(st.windowIndex);
    sl.window = RpcCounts{};
    st.touched.push_back(sid);
  }
  sl.window.add(c);

  if (k.allowlisted) return;
  RpcWindowTotals& wt = st.windowTotals;
  wt.requests = satAdd(wt.requests, c.requests);
  wt.responseBytes = satAdd(wt.responseBytes, c.responseBytes);
  if (k.upperBlocked)
    wt.upperBoundBlockedResponseBytes = satAdd(wt.upperBoundBlockedResponseBytes, c.responseBytes);
  // Simulated enforcement: the blocked part of the interval, traffic assumed evenly spread.
  const double frac = k.blocks.blockedFraction(start, duration);
  if (frac > 0) {
    k.simRequests += frac * double(c.requests);
    k.simRequestBytes += frac * double(c.requestBytes);
    k.simResponseBytes += frac * double(c.responseBytes);
    wt.simulatedBlockedResponseBytes += frac * double(c.responseBytes);
  }
}

// Ends the open window at `end`: evaluated when it spans time, else dropped (it has no rate).
void RpcAnalyzer::Impl::endWindow(StreamState& st, uint32_t stream, int64_t end) {
  if (end > st.windowStart) {
    closeWindow(st, stream, end);
    return;
  }
  st.touched.clear();
  ++st.windowIndex;
  st.windowOpen = false;
}

void RpcAnalyzer::Impl::closeWindow(StreamState& st, uint32_t stream, int64_t end) {
  const int64_t index = int64_t(st.windowIndex);
  for (uint32_t sid : st.touched) {
    SlotState& sl = slots[sid];
    KeyState& k = keys[sl.keyId];
    const RpcWindowStats w{.start = st.windowStart, .end = end, .counts = sl.window};
    if (observer != nullptr && k.traced) observer->onKeyWindow(windowsClosed, k.key, w);
    if (!k.hasBestRate || w.responseByteRate() > k.bestRate.responseByteRate()) {
      k.bestRate = w;
      k.hasBestRate = true;
    }
    if (!k.allowlisted) evaluate(sid, st, stream, w, index);
  }
  // An episode ends at the first window of its stream that is not flagged for its source (or has
  // no traffic from it).
  std::erase_if(st.openEpisodeSlots, [&](uint32_t sid) {
    SlotState& sl = slots[sid];
    if (sl.lastFlaggedWindow == index) return false;
    sl.openEpisode = -1;
    return true;
  });
  RpcWindowTotals totals = st.windowTotals;
  totals.start = st.windowStart;
  totals.end = end;
  if (observer != nullptr) observer->onWindow(windowsClosed, totals);
  st.touched.clear();
  ++st.windowIndex;
  ++windowsClosed;
  ++result.windows;
  st.windowOpen = false;
}

// The classes of one window of a non-allowlisted source, and what a flag does: a block from the
// window's end, and the source's episode on this stream.
void RpcAnalyzer::Impl::evaluate(uint32_t sid, StreamState& st, uint32_t stream,
                                 const RpcWindowStats& w, int64_t index) {
  const RpcConfig& rc = config.rpc;
  SlotState& sl = slots[sid];
  KeyState& k = keys[sl.keyId];
  std::array<bool, kClasses> hit{};
  hit[size_t(RpcClass::Amplification)] =
      w.amplification() >= rc.amplification && w.responseByteRate() >= rc.responseByteRate;
  hit[size_t(RpcClass::Flood)] = w.requestRate() >= rc.requestRate;
  hit[size_t(RpcClass::ExpensiveMethods)] =
      w.expensiveShare() >= rc.expensiveShare && w.expensiveRate() >= rc.expensiveRate;
  const bool enough = w.counts.requests >= rc.minRequests;
  hit[size_t(RpcClass::BatchFanout)] = enough && w.callsPerRequest() >= rc.callsPerRequest;
  hit[size_t(RpcClass::ErrorStorm)] = enough && w.errorRatio() >= rc.errorRatio;

  bool any = false;
  for (size_t c = 1; c < kClasses; ++c) {
    if (!hit[c]) continue;
    any = true;
    const RpcClass cls = RpcClass(c);
    // The earliest window wins a tie.
    if (!k.flagged[c] || classMetric(cls, w) > classMetric(cls, k.best[c])) k.best[c] = w;
    k.flagged[c] = true;
  }
  if (!any) return;
  k.blocks.add(w.end, config.blockDurationSec);
  if (sl.openEpisode < 0) {
    sl.openEpisode = int32_t(episodes.size());
    RpcEpisode& e = episodes.emplace_back();
    episodeKeys.push_back(sl.keyId);
    e.key = k.key;
    e.stream = stream;
    e.start = w.start;
    st.openEpisodeSlots.push_back(sid);
  }
  RpcEpisode& e = episodes[size_t(sl.openEpisode)];
  e.end = w.end;
  ++e.windows;
  for (size_t c = 1; c < kClasses; ++c) e.classes[c] = e.classes[c] || hit[c];
  e.peakAmplification = std::max(e.peakAmplification, w.amplification());
  e.peakRequestRate = std::max(e.peakRequestRate, w.requestRate());
  e.peakResponseByteRate = std::max(e.peakResponseByteRate, w.responseByteRate());
  e.peakCallsPerRequest = std::max(e.peakCallsPerRequest, w.callsPerRequest());
  e.peakErrorRatio = std::max(e.peakErrorRatio, w.errorRatio());
  e.peakExpensiveRate = std::max(e.peakExpensiveRate, w.expensiveRate());
  e.counts.add(w.counts);
  sl.lastFlaggedWindow = index;
}

RpcAnalysisResult RpcAnalyzer::Impl::finish() {
  // A trailing window shorter than window_sec is still evaluated (rates are per second of its own
  // span); one of zero span has no rate and is dropped.
  for (uint32_t i = 0; i < streams.size(); ++i) {
    StreamState& st = streams[i];
    if (st.windowOpen) endWindow(st, i, st.prevTs);
    if (st.haveLine) spans.emplace_back(st.runStart, st.prevTs);
  }
  result.observedSec = coveredSeconds(std::move(spans));
  RpcAnalysisResult out = std::move(result);
  if (portFilter.empty()) {
    out.dstPorts.assign(portsSeen.begin(), portsSeen.end());
  } else {
    out.dstPorts = portFilter;
  }
  std::vector<int64_t> slot(keys.size(), -1);
  out.keys.reserve(keys.size());
  for (const auto& [key, id] : keyIds) {  // RpcKey order
    const KeyState& k = keys[id];
    slot[id] = int64_t(out.keys.size());
    RpcKeyResult& r = out.keys.emplace_back();
    r.key = k.key;
    r.allowlisted = k.allowlisted;
    for (size_t c = 1; c < kClasses && !k.allowlisted; ++c) {
      if (!k.flagged[c]) continue;
      r.rpcClass = RpcClass(c);
      break;
    }
    r.block = r.rpcClass != RpcClass::None;
    if (r.block) {
      r.shown = k.best[size_t(r.rpcClass)], r.hasShown = true;
    } else if (k.hasBestRate) {
      r.shown = k.bestRate, r.hasShown = true;
    }
    r.total = k.total;
    r.simulatedRequests = k.simRequests;
    r.simulatedRequestBytes = k.simRequestBytes;
    r.simulatedResponseBytes = k.simResponseBytes;
    for (const auto& [name, m] : k.methods) r.methods.push_back(m);
    std::stable_sort(r.methods.begin(), r.methods.end(),
                     [](const RpcMethodTotal& a, const RpcMethodTotal& b) {
                       return a.calls > b.calls;  // names already in order
                     });
    if (r.methods.size() > kMaxMethodsKept) r.methods.resize(kMaxMethodsKept);
  }
  // Episodes are listed per stream, each stream's in time order.
  std::vector<size_t> order(episodes.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return episodes[a].stream < episodes[b].stream; });
  for (size_t i : order) out.keys[size_t(slot[episodeKeys[i]])].episodes.push_back(episodes[i]);
  return out;
}

RpcAnalyzer::RpcAnalyzer(const AnalysisConfig& config, const Allowlist& allowlist,
                         PayloadQuality& quality, RpcWindowObserver* observer)
    : impl_(std::make_unique<Impl>(config, allowlist, quality, observer)) {}

RpcAnalyzer::~RpcAnalyzer() = default;

void RpcAnalyzer::add(const PayloadInterval& interval) {
  impl_->add(interval);
}

RpcAnalysisResult RpcAnalyzer::finish() {
  return impl_->finish();
}

}  // namespace ibsr::report
