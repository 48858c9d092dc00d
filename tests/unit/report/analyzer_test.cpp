#include <gtest/gtest.h>

#include "report/analyzer.h"
#include "report/evaluation.h"

namespace ibsr::report {
namespace {

const uint64_t kA = packKey(KeyType::SrcIp, 0x0A000001, 80);
const uint64_t kB = packKey(KeyType::SrcIp, 0x0A000002, 80);

Snapshot snap(int64_t ts, std::vector<std::pair<uint64_t, Counters>> buckets,
              std::optional<int64_t> base = {}, uint32_t stream = 0) {
  Snapshot s;
  s.version = 3;
  s.ts = ts;
  s.baseTs = base;
  s.stream = stream;
  s.dstPorts = {80};
  for (auto& [k, c] : buckets) s.buckets.push_back({k, c});
  return s;
}

Counters c(uint64_t syn, uint64_t hs, uint64_t packets, uint64_t bytes = 0) {
  return Counters{syn, 0, hs, 0, packets, bytes};
}

struct Scenario {
  AnalysisConfig config;
  Allowlist allowlist;
  DataQuality dq;
  AnalysisResult result;
  void go(const std::vector<Snapshot>& snaps) {
    Analyzer a(config, allowlist, dq);
    for (const auto& s : snaps) a.add(s);
    result = a.finish();
  }
  const KeyResult& key(uint64_t k) const {
    for (const auto& r : result.keys)
      if (r.key == k) return r;
    throw std::runtime_error("no key");
  }
};

TEST(ReportAnalyzer, DeltasResetsAndFirstAppearance) {
  Scenario r;
  r.go({snap(100, {{kA, c(10, 10, 20)}}, 40),                 // 60 s from base_ts
        snap(160, {{kA, c(30, 30, 60)}, {kB, c(5, 5, 5)}}),   // B appears: raw values count
        snap(220, {{kA, c(4, 4, 100)}, {kB, c(5, 5, 5)}})});  // A's syn went down: reset
  EXPECT_EQ(r.dq.counterResets, 1u);
  EXPECT_EQ(r.key(kA).total.syn, 10u + 20u + 4u);
  EXPECT_EQ(r.key(kA).total.packets, 20u + 40u + 100u);
  EXPECT_EQ(r.key(kB).total.syn, 5u);
  EXPECT_EQ(r.result.observedSec, 180);
  EXPECT_EQ(r.result.startTs, 40);
  EXPECT_EQ(r.result.windows, 3u);
}

TEST(ReportAnalyzer, FirstIntervalWithoutBaseLastsOneWindow) {
  Scenario r;
  r.go({snap(100, {{kA, c(1000, 0, 1000)}})});
  EXPECT_EQ(r.result.observedSec, 10);
  EXPECT_DOUBLE_EQ(r.key(kA).shown.synRate(), 100.0);
  EXPECT_EQ(r.key(kA).abuseClass, AbuseClass::SynFloodLike);
}

TEST(ReportAnalyzer, BaselineIgnoresFirstSnapshotCounts) {
  Scenario r;
  r.config.firstSnapshotBaseline = true;
  r.go({snap(100, {{kA, c(1000000, 0, 1000000)}}), snap(160, {{kA, c(1000060, 60, 1000060)}})});
  EXPECT_EQ(r.key(kA).total.syn, 60u);
  EXPECT_EQ(r.result.observedSec, 60);
  EXPECT_EQ(r.result.intervals, 1u);
  EXPECT_EQ(r.key(kA).abuseClass, AbuseClass::None);
}

TEST(ReportAnalyzer, ShortIntervalsCombineIntoWindows) {
  // 4 s snapshots, 10 s windows: intervals combine until they span >= 10 s (12 s), the tail
  // (8 s) is its own window.
  Scenario r;
  std::vector<Snapshot> s;
  uint64_t syn = 0;
  for (int i = 1; i <= 5; ++i) {
    syn += (i <= 3) ? 400 : 0;  // 100 SYN/s during the first 12 s
    s.push_back(snap(4 * i, {{kA, c(syn, 0, syn)}}, 0));
  }
  r.go(s);
  EXPECT_EQ(r.result.windows, 2u);
  const KeyResult& k = r.key(kA);
  EXPECT_EQ(k.abuseClass, AbuseClass::SynFloodLike);
  EXPECT_EQ(k.shown.start, 0);
  EXPECT_EQ(k.shown.end, 12);
  EXPECT_DOUBLE_EQ(k.shown.synRate(), 100.0);
  ASSERT_EQ(k.episodes.size(), 1u);
  EXPECT_EQ(k.episodes[0].windows, 1u);
}

TEST(ReportAnalyzer, EpisodesSplitOnQuietWindowsAndSimulationProrates) {
  Scenario r;
  r.config.blockDurationSec = 90;
  // 60 s intervals from base 0. Flagged: 1, 2, 4. Quiet: 3, 5.
  uint64_t cum = 0;
  std::vector<Snapshot> s;
  const uint64_t per[] = {6000, 6000, 60, 6000, 60};
  for (int i = 0; i < 5; ++i) {
    cum += per[i];
    s.push_back(snap(60 * (i + 1), {{kA, c(cum, 0, cum)}}, 0));
  }
  r.go(s);
  const KeyResult& k = r.key(kA);
  ASSERT_EQ(k.episodes.size(), 2u);
  EXPECT_EQ(k.episodes[0].windows, 2u);
  EXPECT_EQ(k.episodes[0].start, 0);
  EXPECT_EQ(k.episodes[0].end, 120);
  EXPECT_EQ(k.episodes[1].windows, 1u);
  EXPECT_EQ(k.episodes[1].start, 180);
  // Blocks: after w1 [60,150), after w2 [120,210), after w4 [240,330).
  // Interval 2 (60,120] fully: 6000. Interval 3 (120,180] fully (blockUntil 210): 60.
  // Interval 4 (180,240]: 30 of 60 s blocked: 3000. Interval 5 (240,300] fully: 60.
  EXPECT_DOUBLE_EQ(k.simulatedPackets, 6000 + 60 + 3000 + 60);
}

TEST(ReportAnalyzer, AllowlistedKeysAreNeverFlagged) {
  Scenario r;
  r.allowlist = Allowlist::parse("10.0.0.0/24\n", "a").value();
  r.go({snap(60, {{kA, c(60000, 0, 60000)}, {kB, c(1, 1, 1)}}, 0),
        snap(120, {{kA, c(120000, 0, 120000)}, {kB, c(2, 2, 2)}})});
  EXPECT_TRUE(r.key(kA).allowlisted);
  EXPECT_EQ(r.key(kA).abuseClass, AbuseClass::None);
  EXPECT_FALSE(r.key(kA).block);
  EXPECT_TRUE(r.key(kA).episodes.empty());
  EXPECT_DOUBLE_EQ(r.key(kA).shown.synRate(), 1000.0);  // its peak-SYN-rate window is still shown
}

TEST(ReportAnalyzer, PortFilterAndZeroLengthIntervals) {
  Scenario r;
  r.config.dstPorts = {443};
  const uint64_t k443 = packKey(KeyType::SrcIp, 1, 443);
  r.go({snap(60, {{kA, c(1, 1, 1)}, {k443, c(1, 1, 1)}}, 0),
        snap(60, {{kA, c(1, 1, 1)}, {k443, c(1, 1, 1)}})});
  EXPECT_EQ(r.dq.bucketsOutsidePorts, 2u);
  EXPECT_EQ(r.dq.zeroDurationIntervals, 1u);
  ASSERT_EQ(r.result.keys.size(), 1u);
  EXPECT_EQ(r.result.keys[0].key, k443);
  EXPECT_EQ(r.result.dstPorts, (std::vector<uint16_t>{443}));
}

// Two collectors see the same source; their cumulative counters interleave in time. Per stream the
// source sends 50 SYN/s (A) and 20 SYN/s (B), under the threshold: mixing the counters would show
// a reset every 30 s and up to 220 SYN/s.
TEST(ReportAnalyzer, StreamsKeepTheirOwnDeltasAndIntervals) {
  Scenario r;
  std::vector<Snapshot> s;
  for (int i = 1; i <= 4; ++i) {
    s.push_back(snap(60 * i, {{kA, c(3000u * i, 0, 3000u * i)}}, 0, 0));
    s.push_back(snap(60 * i + 30, {{kA, c(1200u * i, 0, 1200u * i)}}, 30, 1));
  }
  r.go(s);
  const KeyResult& k = r.key(kA);
  EXPECT_EQ(r.dq.counterResets, 0u);
  EXPECT_EQ(k.total.syn, 4u * 3000 + 4u * 1200);
  EXPECT_EQ(k.abuseClass, AbuseClass::None);
  EXPECT_DOUBLE_EQ(k.shown.synRate(), 50.0);  // peak-SYN window: A's
  EXPECT_EQ(r.result.windows, 8u);
  EXPECT_EQ(r.result.intervals, 8u);
  // A covers [0, 240], B [30, 270]: 270 s of evidence, not 480.
  EXPECT_EQ(r.result.observedSec, 270);
  EXPECT_EQ(r.result.startTs, 0);
  EXPECT_EQ(r.result.lastTs, 270);
}

// A source flagged on stream A is blocked on stream B too, from the end of A's flagged window,
// even in the middle of one of B's intervals; episodes are listed per stream.
TEST(ReportAnalyzer, SimulatedBlocksApplyOnEveryStream) {
  Scenario r;
  r.config.blockDurationSec = 300;
  std::vector<Snapshot> s;
  for (int i = 1; i <= 4; ++i) {
    const uint64_t a = i >= 2 ? 12000u * uint64_t(i - 1) : 0;  // A: 200 SYN/s from interval 2
    s.push_back(snap(60 * i, {{kA, c(a, 0, a)}}, 0, 0));
    s.push_back(snap(60 * i + 30, {{kA, c(600u * i, 0, 600u * i)}}, 30, 1));  // B: 10 SYN/s
  }
  r.go(s);
  const KeyResult& k = r.key(kA);
  EXPECT_EQ(k.abuseClass, AbuseClass::SynFloodLike);
  ASSERT_EQ(k.episodes.size(), 1u);
  EXPECT_EQ(k.episodes[0].stream, 0u);
  EXPECT_EQ(k.episodes[0].start, 60);
  EXPECT_EQ(k.episodes[0].end, 240);
  EXPECT_EQ(k.episodes[0].windows, 3u);
  EXPECT_DOUBLE_EQ(k.shown.synRate(), 200.0);
  // Blocks from 120 on. A: intervals (120,180], (180,240] = 24000. B: (90,150] half = 300,
  // (150,210] and (210,270] = 1200.
  EXPECT_DOUBLE_EQ(k.simulatedPackets, 24000 + 300 + 1200);
  EXPECT_EQ(k.total.syn, 36000u + 2400u);
}

TEST(ReportAnalyzer, BaselineIsPerStream) {
  Scenario r;
  r.config.firstSnapshotBaseline = true;
  r.go({snap(60, {{kA, c(500, 500, 500)}}, {}, 0), snap(90, {{kA, c(9000, 9000, 9000)}}, {}, 1),
        snap(120, {{kA, c(560, 560, 560)}}, {}, 0), snap(150, {{kA, c(9030, 9030, 9030)}}, {}, 1)});
  EXPECT_EQ(r.key(kA).total.syn, 60u + 30u);
  EXPECT_EQ(r.result.observedSec, 90);  // [60, 120] and [90, 150]
  EXPECT_EQ(r.dq.counterResets, 0u);
}

}  // namespace
}  // namespace ibsr::report
