// The application-layer analysis (docs/report-rpc.md "Classes, thresholds and windows"): every
// class on both sides of every threshold, windows, streams, episodes, simulated blocks, the
// allowlist, the port filter and determinism. Thresholds and counts are chosen so that every rate
// and ratio is exactly representable: "at the threshold" really is equal to it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "report/rpc/rpc_analyzer.h"

namespace ibsr::report {
namespace {

RpcKey key(const char* addr, uint16_t port = 8545) {
  return RpcKey{*IpAddress::parse(addr), port};
}
const RpcKey kA = key("10.0.0.1");
const RpcKey kB = key("10.0.0.2");
const RpcKey kV6 = key("2001:db8::5");

// requests (= responses), request bytes, response bytes, JSON-RPC calls, JSON-RPC errors.
RpcCounts counts(uint64_t requests, uint64_t reqBytes = 0, uint64_t respBytes = 0,
                 uint64_t calls = 0, uint64_t rpcErrors = 0) {
  RpcCounts c;
  c.requests = c.responses = requests;
  c.requestBytes = reqBytes;
  c.responseBytes = respBytes;
  c.httpStatus[1] = requests;  // 2xx
  c.jsonrpcCalls = calls;
  c.jsonrpcErrors = rpcErrors;
  return c;
}

PayloadSource source(const RpcKey& k, const RpcCounts& c, std::vector<RpcMethodStats> m = {}) {
  return PayloadSource{k, c, std::move(m)};
}

PayloadInterval line(int64_t ts, int64_t intervalSec, std::vector<PayloadSource> sources,
                     uint32_t stream = 0) {
  PayloadInterval p;
  p.version = 1;
  p.ts = ts;
  p.intervalSec = intervalSec;
  p.dstPorts = {8545};
  p.sources = std::move(sources);
  p.stream = stream;
  return p;
}

struct KeyWindow {
  size_t index;
  RpcKey key;
  int64_t start, end;
  uint64_t requests;
  bool operator==(const KeyWindow&) const = default;
};

// Traces every source; "blocked" (the upper bound's set) is given.
struct Recorder : RpcWindowObserver {
  std::vector<RpcKey> blockedSet;
  std::vector<RpcWindowTotals> windows;
  std::vector<KeyWindow> keyWindows;
  bool traced(const RpcKey&) const override { return true; }
  bool blocked(const RpcKey& k) const override {
    return std::find(blockedSet.begin(), blockedSet.end(), k) != blockedSet.end();
  }
  void onWindow(size_t index, const RpcWindowTotals& t) override {
    EXPECT_EQ(index, windows.size());
    windows.push_back(t);
  }
  void onKeyWindow(size_t index, const RpcKey& k, const RpcWindowStats& s) override {
    keyWindows.push_back({index, k, s.start, s.end, s.counts.requests});
  }
};

struct Scenario {
  AnalysisConfig config;
  Allowlist allowlist;
  PayloadQuality quality;
  RpcAnalysisResult result;
  Recorder recorder;
  void go(const std::vector<PayloadInterval>& lines) {
    RpcAnalyzer a(config, allowlist, quality, &recorder);
    for (const auto& l : lines) a.add(l);
    result = a.finish();
  }
  const RpcKeyResult& key(const RpcKey& k) const {
    for (const auto& r : result.keys)
      if (r.key == k) return r;
    throw std::runtime_error("no source " + formatRpcKey(k));
  }
};

// The class of a source seen in one 10 s interval (= one window, the default window_sec).
RpcClass classOf(const RpcCounts& c, const AnalysisConfig& config = {},
                 std::vector<RpcMethodStats> methods = {}) {
  Scenario s;
  s.config = config;
  s.go({line(10, 10, {source(kA, c, std::move(methods))})});
  return s.key(kA).rpcClass;
}

TEST(ReportRpcAnalyzer, ClassNames) {
  EXPECT_EQ(rpcClassName(RpcClass::None), "");
  EXPECT_EQ(rpcClassName(RpcClass::Amplification), "RPC_AMPLIFICATION");
  EXPECT_EQ(rpcClassName(RpcClass::Flood), "RPC_FLOOD");
  EXPECT_EQ(rpcClassName(RpcClass::ExpensiveMethods), "RPC_EXPENSIVE_METHODS");
  EXPECT_EQ(rpcClassName(RpcClass::BatchFanout), "RPC_BATCH_FANOUT");
  EXPECT_EQ(rpcClassName(RpcClass::ErrorStorm), "RPC_ERROR_STORM");
}

TEST(ReportRpcAnalyzer, DerivedFiguresAndTheirZeroDenominators) {
  RpcWindowStats w{.start = 0, .end = 4, .counts = counts(8, 100, 250, 24, 3)};
  w.counts.httpStatus = {0, 6, 0, 1, 1};  // 2 of 8 responses are 4xx/5xx
  w.counts.expensiveCalls = 6;
  EXPECT_DOUBLE_EQ(w.requestRate(), 2.0);
  EXPECT_DOUBLE_EQ(w.responseByteRate(), 62.5);
  EXPECT_DOUBLE_EQ(w.amplification(), 2.5);
  EXPECT_DOUBLE_EQ(w.callsPerRequest(), 3.0);
  EXPECT_DOUBLE_EQ(w.errorRatio(), 0.25);  // max(2/8, 3/24)
  w.counts.jsonrpcErrors = 12;
  EXPECT_DOUBLE_EQ(w.errorRatio(), 0.5);  // the JSON-RPC side is larger now
  EXPECT_DOUBLE_EQ(w.expensiveShare(), 0.25);
  EXPECT_DOUBLE_EQ(w.expensiveRate(), 1.5);
  w.counts.jsonrpcErrors = 30;  // more errors than calls (counted apart): capped at 1
  EXPECT_DOUBLE_EQ(w.errorRatio(), 1.0);
  RpcWindowStats empty{.start = 0, .end = 10, .counts = {}};
  EXPECT_EQ(empty.amplification(), 0.0);
  EXPECT_EQ(empty.callsPerRequest(), 0.0);
  EXPECT_EQ(empty.errorRatio(), 0.0);
  EXPECT_EQ(empty.expensiveShare(), 0.0);
  RpcKeyResult k;
  k.total = counts(4, 10, 40, 4, 1);
  EXPECT_DOUBLE_EQ(k.wholeAmplification(), 4.0);
  EXPECT_DOUBLE_EQ(k.wholeErrorRatio(), 0.25);
}

TEST(ReportRpcAnalyzer, AmplificationNeedsBothRatioAndByteRateInclusive) {
  // Defaults: amplification >= 10 and >= 1,000,000 response bytes/s; 10 s window.
  EXPECT_EQ(classOf(counts(10, 1000000, 10000000)), RpcClass::Amplification);
  EXPECT_EQ(classOf(counts(10, 1000001, 10000000)), RpcClass::None);  // ratio just below 10
  EXPECT_EQ(classOf(counts(10, 999999, 9999990)), RpcClass::None);    // ratio 10, 999999 B/s
  EXPECT_EQ(classOf(counts(10, 0, 100000000)), RpcClass::None);       // no request bytes: no ratio
  AnalysisConfig c;
  c.rpc.amplification = 2.5;
  c.rpc.responseByteRate = 250;
  EXPECT_EQ(classOf(counts(1, 1000, 2500), c), RpcClass::Amplification);
  EXPECT_EQ(classOf(counts(1, 1000, 2499), c), RpcClass::None);
}

TEST(ReportRpcAnalyzer, FloodInclusive) {
  EXPECT_EQ(classOf(counts(1000)), RpcClass::Flood);  // 100 requests/s
  EXPECT_EQ(classOf(counts(999)), RpcClass::None);
  AnalysisConfig c;
  c.rpc.requestRate = 0.5;
  EXPECT_EQ(classOf(counts(5), c), RpcClass::Flood);
  EXPECT_EQ(classOf(counts(4), c), RpcClass::None);
}

TEST(ReportRpcAnalyzer, ExpensiveMethodsShareAndRateInclusiveExactNamesOnly) {
  auto methods = [](uint64_t expensive, uint64_t cheap, const char* name = "eth_getLogs") {
    return std::vector<RpcMethodStats>{{name, expensive, 0, 0}, {"eth_call", cheap, 0, 0}};
  };
  // Defaults: share >= 0.5 and >= 10 expensive calls/s.
  EXPECT_EQ(classOf(counts(200, 0, 0, 200), {}, methods(100, 100)), RpcClass::ExpensiveMethods);
  EXPECT_EQ(classOf(counts(200, 0, 0, 201), {}, methods(100, 101)), RpcClass::None);  // share
  EXPECT_EQ(classOf(counts(198, 0, 0, 198), {}, methods(99, 99)), RpcClass::None);    // 9.9/s
  EXPECT_EQ(classOf(counts(200, 0, 0, 200), {}, methods(100, 100, "eth_getlogs")),
            RpcClass::None);  // names match exactly
  EXPECT_EQ(classOf(counts(200, 0, 0, 200), {}, methods(100, 100, "other")), RpcClass::None);
  AnalysisConfig c;
  c.rpc.expensiveMethods = {"other", "eth_call"};  // "other" never matches, even when listed
  EXPECT_EQ(classOf(counts(200, 0, 0, 200), c, methods(100, 100, "other")),
            RpcClass::ExpensiveMethods);  // eth_call: 100 of 200
  c.rpc.expensiveMethods = {"other"};
  EXPECT_EQ(classOf(counts(200, 0, 0, 200), c, methods(200, 0, "other")), RpcClass::None);
}

TEST(ReportRpcAnalyzer, BatchFanoutInclusiveAndGatedByMinRequests) {
  // Defaults: >= 50 calls per request over >= 50 requests.
  EXPECT_EQ(classOf(counts(50, 0, 0, 2500)), RpcClass::BatchFanout);
  EXPECT_EQ(classOf(counts(50, 0, 0, 2499)), RpcClass::None);
  EXPECT_EQ(classOf(counts(49, 0, 0, 2450)), RpcClass::None);  // 50 per request, 49 requests
  AnalysisConfig c;
  c.rpc.minRequests = 49;
  EXPECT_EQ(classOf(counts(49, 0, 0, 2450), c), RpcClass::BatchFanout);
}

TEST(ReportRpcAnalyzer, ErrorStormInclusiveEitherErrorKindAndGatedByMinRequests) {
  AnalysisConfig c;
  c.rpc.errorRatio = 0.75;
  RpcCounts http = counts(60);
  http.responses = 40;
  http.httpStatus = {0, 10, 0, 20, 10};  // 30 of 40 responses are 4xx/5xx
  EXPECT_EQ(classOf(http, c), RpcClass::ErrorStorm);
  http.httpStatus = {0, 11, 0, 20, 9};  // 29 of 40
  EXPECT_EQ(classOf(http, c), RpcClass::None);
  EXPECT_EQ(classOf(counts(50, 0, 0, 40, 30), c), RpcClass::ErrorStorm);  // JSON-RPC errors
  EXPECT_EQ(classOf(counts(50, 0, 0, 40, 29), c), RpcClass::None);
  EXPECT_EQ(classOf(counts(49, 0, 0, 40, 40), c), RpcClass::None);  // below min_requests
}

TEST(ReportRpcAnalyzer, ClassPriorityIsFixedNotChronological) {
  // Window 1 is an error storm, window 2 a flood and a batch fan-out: RPC_FLOOD comes first.
  AnalysisConfig c;
  c.rpc.errorRatio = 0.5;
  Scenario s;
  s.config = c;
  s.go({line(10, 10, {source(kA, counts(60, 0, 0, 60, 60))}),
        line(20, 10, {source(kA, counts(1000, 0, 0, 50000))})});
  const RpcKeyResult& k = s.key(kA);
  EXPECT_EQ(k.rpcClass, RpcClass::Flood);
  EXPECT_TRUE(k.block);
  ASSERT_TRUE(k.hasShown);
  EXPECT_EQ(k.shown.start, 10);  // its class's peak window
  ASSERT_EQ(k.episodes.size(), 1u);
  const RpcEpisode& e = k.episodes[0];
  EXPECT_EQ(e.classes, (std::array<bool, 6>{false, false, true, false, true, true}));
  EXPECT_EQ(e.windows, 2u);
  // Amplification outranks everything.
  RpcCounts all = counts(1000, 1000000, 10000000, 50000, 50000);
  EXPECT_EQ(classOf(all, c), RpcClass::Amplification);
  all.requestBytes = 2000000;
  EXPECT_EQ(classOf(all, c), RpcClass::Flood);
  all.requests = 500;
  EXPECT_EQ(classOf(all, c), RpcClass::BatchFanout);  // 100 calls per request
  all.jsonrpcCalls = 500;
  EXPECT_EQ(classOf(all, c), RpcClass::ErrorStorm);
}

TEST(ReportRpcAnalyzer, WindowsCloseAtWindowSecWithATrailingWindow) {
  // 4 s intervals, 10 s windows: [0,12] then the 8 s tail [12,20].
  Scenario s;
  std::vector<PayloadInterval> lines;
  for (int i = 1; i <= 5; ++i) lines.push_back(line(4 * i, 4, {source(kA, counts(uint64_t(i)))}));
  s.go(lines);
  EXPECT_EQ(s.result.windows, 2u);
  EXPECT_EQ(s.result.intervals, 5u);
  EXPECT_EQ(s.recorder.keyWindows,
            (std::vector<KeyWindow>{{0, kA, 0, 12, 1 + 2 + 3}, {1, kA, 12, 20, 4 + 5}}));
  ASSERT_EQ(s.recorder.windows.size(), 2u);
  EXPECT_EQ(s.recorder.windows[1].start, 12);
  EXPECT_EQ(s.recorder.windows[1].end, 20);
  EXPECT_EQ(s.recorder.windows[1].requests, 9u);
  EXPECT_EQ(s.result.observedSec, 20);
  EXPECT_EQ(s.result.startTs, 0);
  EXPECT_EQ(s.result.firstTs, 4);
  EXPECT_EQ(s.result.lastTs, 20);
  EXPECT_EQ(s.key(kA).total.requests, 15u);
  // Exactly window_sec closes it: 10 s intervals are one window each.
  Scenario t;
  t.go({line(10, 10, {source(kA, counts(1))}), line(20, 10, {source(kA, counts(2))})});
  EXPECT_EQ(t.recorder.keyWindows, (std::vector<KeyWindow>{{0, kA, 0, 10, 1}, {1, kA, 10, 20, 2}}));
}

TEST(ReportRpcAnalyzer, AGapClosesTheWindowAndIsNotObserved) {
  Scenario s;
  s.go({line(4, 4, {source(kA, counts(1))}), line(8, 4, {source(kA, counts(2))}),
        // the collector was down from 8 to 16
        line(20, 4, {source(kA, counts(3))}), line(24, 4, {source(kA, counts(4))}),
        line(28, 4, {source(kA, counts(5))})});
  EXPECT_EQ(s.recorder.keyWindows, (std::vector<KeyWindow>{{0, kA, 0, 8, 3}, {1, kA, 16, 28, 12}}));
  EXPECT_EQ(s.result.observedSec, 8 + 12);
}

TEST(ReportRpcAnalyzer, ZeroDurationIntervalsAreCountedAndAWindowWithoutSpanIsDropped) {
  Scenario s;
  s.go({line(10, 0, {source(kA, counts(7))})});
  EXPECT_EQ(s.quality.zeroDurationIntervals, 1u);
  EXPECT_EQ(s.result.intervals, 1u);
  EXPECT_EQ(s.result.windows, 0u);
  EXPECT_TRUE(s.recorder.keyWindows.empty());
  EXPECT_EQ(s.key(kA).total.requests, 7u);
  EXPECT_FALSE(s.key(kA).hasShown);
  EXPECT_EQ(s.result.observedSec, 0);
  // Inside a window, a zero-length interval adds its counts to it.
  Scenario t;
  t.go({line(5, 5, {source(kA, counts(1))}), line(5, 0, {source(kA, counts(2))}),
        line(10, 5, {source(kA, counts(4))})});
  EXPECT_EQ(t.quality.zeroDurationIntervals, 1u);
  EXPECT_EQ(t.recorder.keyWindows, (std::vector<KeyWindow>{{0, kA, 0, 10, 7}}));
}

TEST(ReportRpcAnalyzer, StreamsAreWindowedApartButABlockSpansThem) {
  // 60 requests/s on each of two streams in the same 10 s: never 120/s in one window.
  Scenario apart;
  apart.go(
      {line(10, 10, {source(kA, counts(600))}, 0), line(10, 10, {source(kA, counts(600))}, 1)});
  EXPECT_EQ(apart.key(kA).rpcClass, RpcClass::None);
  EXPECT_EQ(apart.key(kA).total.requests, 1200u);
  EXPECT_EQ(apart.result.windows, 2u);
  EXPECT_EQ(apart.result.observedSec, 10);  // the same 10 s seen twice

  // Flagged on stream 0 in [0,10]: blocked from 10 on every stream.
  Scenario s;
  s.go({line(10, 10, {source(kA, counts(1000))}, 0), line(10, 10, {source(kA, counts(5))}, 1),
        line(20, 10, {source(kA, counts(7))}, 0), line(20, 10, {source(kA, counts(11))}, 1)});
  const RpcKeyResult& k = s.key(kA);
  EXPECT_EQ(k.rpcClass, RpcClass::Flood);
  EXPECT_DOUBLE_EQ(k.simulatedRequests, 7 + 11);
  ASSERT_EQ(k.episodes.size(), 1u);
  EXPECT_EQ(k.episodes[0].stream, 0u);
}

TEST(ReportRpcAnalyzer, EpisodesRenewedBlocksAndExactSimulatedSavings) {
  Scenario s;
  s.config.blockDurationSec = 15;
  // 10 s windows. Flagged: 1, 2, 4. Quiet: 3, 5.
  const uint64_t per[] = {1000, 2000, 10, 1000, 10};
  std::vector<PayloadInterval> lines;
  for (int i = 0; i < 5; ++i)
    lines.push_back(line(10 * (i + 1), 10, {source(kA, counts(per[i], per[i], 3 * per[i]))}));
  s.go(lines);
  const RpcKeyResult& k = s.key(kA);
  ASSERT_EQ(k.episodes.size(), 2u);
  const RpcEpisode& e0 = k.episodes[0];
  EXPECT_EQ(e0.key, kA);
  EXPECT_EQ(e0.start, 0);
  EXPECT_EQ(e0.end, 20);
  EXPECT_EQ(e0.windows, 2u);
  EXPECT_DOUBLE_EQ(e0.peakRequestRate, 200.0);
  EXPECT_DOUBLE_EQ(e0.peakResponseByteRate, 600.0);
  EXPECT_DOUBLE_EQ(e0.peakAmplification, 3.0);
  EXPECT_EQ(e0.counts.requests, 3000u);
  EXPECT_EQ(e0.counts.responseBytes, 9000u);
  EXPECT_EQ(k.episodes[1].start, 30);
  EXPECT_EQ(k.episodes[1].end, 40);
  EXPECT_EQ(k.episodes[1].windows, 1u);
  EXPECT_EQ(k.shown.start, 10);  // peak request rate
  // Blocks: after w1 [10,25), renewed by w2 to [10,35), after w4 [40,55).
  // Interval 2 wholly (2000), 3 wholly (10), 4 half (500), 5 wholly (10).
  EXPECT_DOUBLE_EQ(k.simulatedRequests, 2000 + 10 + 500 + 10);
  EXPECT_DOUBLE_EQ(k.simulatedRequestBytes, 2000 + 10 + 500 + 10);
  EXPECT_DOUBLE_EQ(k.simulatedResponseBytes, 3 * (2000 + 10 + 500 + 10));
  EXPECT_EQ(k.total.requests, 4020u);  // the upper bound: everything it sent
  // The observer's per-window totals carry the same simulation.
  ASSERT_EQ(s.recorder.windows.size(), 5u);
  EXPECT_DOUBLE_EQ(s.recorder.windows[0].simulatedBlockedResponseBytes, 0);
  EXPECT_DOUBLE_EQ(s.recorder.windows[3].simulatedBlockedResponseBytes, 1500);
  EXPECT_EQ(s.recorder.windows[3].responseBytes, 3000u);
}

TEST(ReportRpcAnalyzer, FractionalSimulationOfAZeroLengthIntervalIsAllOrNothing) {
  Scenario s;
  s.config.blockDurationSec = 5;
  s.go({line(10, 10, {source(kA, counts(1000))}), line(12, 0, {source(kA, counts(3))}),
        line(15, 0, {source(kA, counts(4))}), line(20, 5, {source(kA, counts(8))})});
  // Block [10,15): the instant 12 is inside, 15 is not, nothing of (15,20].
  EXPECT_DOUBLE_EQ(s.key(kA).simulatedRequests, 3);
  EXPECT_EQ(s.quality.zeroDurationIntervals, 2u);
}

TEST(ReportRpcAnalyzer, UpperBoundWindowTotalsFollowTheObserversBlockedSet) {
  Scenario s;
  s.recorder.blockedSet = {kB};
  s.go({line(10, 10, {source(kA, counts(1, 0, 100)), source(kB, counts(1, 0, 40))})});
  ASSERT_EQ(s.recorder.windows.size(), 1u);
  EXPECT_EQ(s.recorder.windows[0].responseBytes, 140u);
  EXPECT_EQ(s.recorder.windows[0].upperBoundBlockedResponseBytes, 40u);
}

TEST(ReportRpcAnalyzer, AllowlistedSourcesAreNeverFlaggedAndLeaveTheTotals) {
  Scenario s;
  ASSERT_TRUE(s.allowlist.containsAddress(kA.address) == false);
  s.allowlist = Allowlist::parse("10.0.0.0/31\n2001:db8::/64\n", "allow.txt").value();
  const RpcKey outside = key("10.0.0.2");
  s.go({line(10, 10,
             {source(kA, counts(5000, 0, 100)), source(kV6, counts(5000, 0, 200)),
              source(outside, counts(5000, 0, 400))})});
  for (const RpcKey& k : {kA, kV6}) {
    const RpcKeyResult& r = s.key(k);
    EXPECT_TRUE(r.allowlisted);
    EXPECT_EQ(r.rpcClass, RpcClass::None);
    EXPECT_FALSE(r.block);
    EXPECT_TRUE(r.episodes.empty());
    EXPECT_EQ(r.total.requests, 5000u);  // still counted for its own row
  }
  EXPECT_FALSE(s.key(outside).allowlisted);
  EXPECT_EQ(s.key(outside).rpcClass, RpcClass::Flood);
  ASSERT_EQ(s.recorder.windows.size(), 1u);
  EXPECT_EQ(s.recorder.windows[0].requests, 5000u);
  EXPECT_EQ(s.recorder.windows[0].responseBytes, 400u);
  // Each family matches only its own entries.
  EXPECT_FALSE(s.allowlist.containsAddress(*IpAddress::parse("2001:db8:0:1::5")));
  EXPECT_FALSE(s.allowlist.containsAddress(*IpAddress::parse("::ffff:10.0.0.1")));
  EXPECT_TRUE(s.allowlist.containsAddress(*IpAddress::parse("10.0.0.0")));
}

TEST(ReportRpcAnalyzer, DstPortFilterSkipsAndCountsOtherPorts) {
  Scenario s;
  s.config.dstPorts = {8545, 8545};
  s.go({line(10, 10, {source(kA, counts(1)), source(key("10.0.0.1", 9000), counts(5000))})});
  EXPECT_EQ(s.quality.sourcesOutsidePorts, 1u);
  ASSERT_EQ(s.result.keys.size(), 1u);
  EXPECT_EQ(s.result.keys[0].key, kA);
  EXPECT_EQ(s.result.dstPorts, (std::vector<uint16_t>{8545}));
  Scenario all;
  all.go({line(10, 10, {source(kA, counts(1)), source(key("10.0.0.1", 9000), counts(5000))})});
  EXPECT_EQ(all.quality.sourcesOutsidePorts, 0u);
  EXPECT_EQ(all.result.dstPorts, (std::vector<uint16_t>{8545, 9000}));
  EXPECT_EQ(all.result.keys.size(), 2u);
}

TEST(ReportRpcAnalyzer, MethodsMergeByNameFlagExpensiveAndKeepTheTop) {
  Scenario s;
  std::vector<RpcMethodStats> first{{"eth_call", 5, 50, 500}, {"eth_getLogs", 3, 30, 9000}};
  std::vector<RpcMethodStats> second{
      {"other", 3, 1, 2}, {"eth_call", 2, 20, 200}, {"eth_blockNumber", 3, 3, 3}};
  s.go({line(10, 10, {source(kA, counts(8, 0, 0, 8), first)}),
        line(20, 10, {source(kA, counts(8, 0, 0, 8), second)})});
  const auto& m = s.key(kA).methods;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].method, "eth_call");
  EXPECT_EQ(m[0].calls, 7u);
  EXPECT_EQ(m[0].requestBytes, 70u);
  EXPECT_EQ(m[0].responseBytes, 700u);
  EXPECT_FALSE(m[0].expensive);
  // Three with 3 calls: by name.
  EXPECT_EQ(m[1].method, "eth_blockNumber");
  EXPECT_EQ(m[2].method, "eth_getLogs");
  EXPECT_TRUE(m[2].expensive);
  EXPECT_EQ(m[3].method, "other");
  EXPECT_FALSE(m[3].expensive);
  EXPECT_EQ(s.key(kA).total.expensiveCalls, 3u);

  std::vector<RpcMethodStats> many;
  for (int i = 0; i < 25; ++i) many.push_back({fmt::format("m{:02}", i), uint64_t(100 - i), 0, 0});
  Scenario t;
  t.go({line(10, 10, {source(kA, counts(1), many)})});
  const auto& kept = t.key(kA).methods;
  ASSERT_EQ(kept.size(), RpcAnalyzer::kMaxMethodsKept);
  EXPECT_EQ(kept.front().method, "m00");
  EXPECT_EQ(kept.back().method, "m19");
}

// Everything the analysis returns, as text, with doubles to the last bit.
std::string dump(const RpcAnalysisResult& r, const Recorder& rec) {
  std::string out = fmt::format("{} {} {} {} {} {}\n", r.intervals, r.windows, r.firstTs, r.lastTs,
                                r.startTs, r.observedSec);
  for (const RpcKeyResult& k : r.keys) {
    out += fmt::format("{} {} {} {} {:a} {:a} {:a} {} {} {}\n", formatRpcKey(k.key), k.allowlisted,
                       int(k.rpcClass), k.block, k.simulatedRequests, k.simulatedRequestBytes,
                       k.simulatedResponseBytes, k.total.requests, k.total.responseBytes,
                       k.shown.start);
    for (const RpcEpisode& e : k.episodes)
      out += fmt::format(" ep {} {} {} {} {:a}\n", e.stream, e.start, e.end, e.windows,
                         e.peakRequestRate);
    for (const RpcMethodTotal& m : k.methods) out += fmt::format(" m {} {}\n", m.method, m.calls);
  }
  for (const RpcWindowTotals& w : rec.windows)
    out += fmt::format("w {} {} {} {:a}\n", w.start, w.end, w.responseBytes,
                       w.simulatedBlockedResponseBytes);
  return out;
}

TEST(ReportRpcAnalyzer, DeterministicAndIndependentOfSourceOrderWithinALine) {
  std::vector<PayloadInterval> lines;
  for (int i = 1; i <= 6; ++i) {
    std::vector<PayloadSource> srcs;
    for (uint32_t a = 1; a <= 9; ++a)
      srcs.push_back(source(RpcKey{IpAddress::fromV4(0x0A000000 + a), 8545},
                            counts(uint64_t(a * 137 * i), 7 * a, uint64_t(a * a * 1000003 * i), 3),
                            {{"eth_getLogs", a, 1, 1}, {"eth_call", 2, 1, 1}}));
    srcs.push_back(source(kV6, counts(333, 1, 1)));
    lines.push_back(line(7 * i, 7, std::move(srcs), uint32_t(i % 2)));
  }
  auto run = [&](const std::vector<PayloadInterval>& input) {
    Scenario s;
    s.config.blockDurationSec = 11;
    s.recorder.blockedSet = {kB};
    s.go(input);
    return dump(s.result, s.recorder);
  };
  const std::string once = run(lines);
  EXPECT_EQ(run(lines), once);
  std::vector<PayloadInterval> reversed = lines;
  for (auto& l : reversed) std::reverse(l.sources.begin(), l.sources.end());
  EXPECT_EQ(run(reversed), once);
  EXPECT_NE(once.find("ep "), std::string::npos);  // the input does exercise blocks
}

}  // namespace
}  // namespace ibsr::report
