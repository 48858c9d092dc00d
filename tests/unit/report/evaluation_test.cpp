#include <gtest/gtest.h>

#include "report/evaluation.h"

namespace ibsr::report {
namespace {

KeyResult key(uint32_t ip, AbuseClass cls, uint64_t syn, uint64_t hs, uint64_t packets,
              std::vector<uint32_t> episodeWindows = {}) {
  KeyResult k;
  k.key = packKey(KeyType::SrcIp, ip, 80);
  k.abuseClass = cls;
  k.block = cls != AbuseClass::None;
  k.total = Counters{syn, 0, hs, 0, packets, packets * 10};
  for (uint32_t w : episodeWindows) {
    Episode e;
    e.windows = w;
    k.episodes.push_back(e);
  }
  return k;
}

TEST(ReportEvaluation, ReasonsInOrder) {
  AnalysisResult r;
  r.keys.push_back(key(1, AbuseClass::None, 0, 0, 0));
  AnalysisConfig cfg;
  cfg.minObservationSec = 3600;
  r.observedSec = 60;
  Evaluation ev = evaluate(r, cfg);
  EXPECT_FALSE(ev.safe);
  EXPECT_EQ(ev.reasons, (std::vector<std::string>{
                            "FP bound unknown: Insufficient data: 1 keys, need at least 10",
                            "No abuse pattern detected",
                            "Less than 1% of SYNs would be blocked (0.00%)", "No traffic observed",
                            "Observed period 60 s is shorter than the minimum 3600 s "
                            "(--min-observation-sec)"}));
}

TEST(ReportEvaluation, MinimumObservationIsOnByDefaultAndInclusive) {
  AnalysisResult r;
  for (uint32_t i = 0; i < 9; ++i) r.keys.push_back(key(10 + i, AbuseClass::None, 10, 10, 100));
  r.keys.push_back(key(1, AbuseClass::SynFloodLike, 9000, 0, 9000, {2}));
  AnalysisConfig cfg;  // defaults: 3600 s
  r.observedSec = 3599;
  Evaluation ev = evaluate(r, cfg);
  EXPECT_FALSE(ev.safe);
  EXPECT_EQ(ev.reasons, (std::vector<std::string>{"Observed period 3599 s is shorter than the "
                                                  "minimum 3600 s (--min-observation-sec)"}));
  r.observedSec = 3600;
  EXPECT_TRUE(evaluate(r, cfg).safe);
  r.observedSec = 33;             // the demo's half minute
  cfg.minObservationSec.reset();  // --min-observation-sec 0
  EXPECT_TRUE(evaluate(r, cfg).safe);
}

TEST(ReportEvaluation, FpBoundAndMultiWindowGate) {
  AnalysisResult r;
  for (uint32_t i = 0; i < 8; ++i) r.keys.push_back(key(10 + i, AbuseClass::None, 10, 10, 100));
  r.keys.push_back(key(1, AbuseClass::SynFloodLike, 9000, 0, 9000, {1}));
  r.keys.push_back(
      key(2, AbuseClass::VolumetricTcpAbuse, 1000, 500, 1000, {2}));  // ratio 0.5: legit-looking
  r.observedSec = 7200;
  AnalysisConfig cfg;
  Evaluation ev = evaluate(r, cfg);
  ASSERT_TRUE(ev.fpKnown);
  EXPECT_DOUBLE_EQ(ev.fpBoundPct, 1000.0 / 10000.0 * 100.0);
  EXPECT_EQ(ev.reasons, (std::vector<std::string>{"FP bound 10.00% is above 5.0%"}));
  EXPECT_EQ(ev.topOffenders, (std::vector<size_t>{8, 9}));
  cfg.fpSafeRatio = 0.51;
  cfg.requireMultiWindow = true;
  ev = evaluate(r, cfg);
  EXPECT_EQ(ev.fpBoundPct, 0.0);
  EXPECT_EQ(ev.reasons, (std::vector<std::string>{"1 blocked source(s) have only single-window "
                                                  "episodes and need manual review: 0.0.0.1:80"}));
  cfg.requireMultiWindow = false;
  EXPECT_TRUE(evaluate(r, cfg).safe);
}

TEST(ReportEvaluation, AllowlistedKeysAreExcludedFromFigures) {
  AnalysisResult r;
  for (uint32_t i = 0; i < 10; ++i) r.keys.push_back(key(10 + i, AbuseClass::None, 10, 10, 100));
  KeyResult a = key(1, AbuseClass::None, 1000000, 0, 1000000);
  a.allowlisted = true;
  r.keys.push_back(a);
  Evaluation ev = evaluate(r, AnalysisConfig{});
  EXPECT_EQ(ev.keys, 10u);
  EXPECT_EQ(ev.allowlistedKeys, 1u);
  EXPECT_EQ(ev.packets, 1000u);
  EXPECT_EQ(ev.syn, 100u);
}

}  // namespace
}  // namespace ibsr::report
