// The application layer's counterfactual, FP bound and readiness (docs/report-rpc.md
// "Counterfactual, false-positive bound and readiness").
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "report/rpc/rpc_evaluation.h"

namespace ibsr::report {
namespace {

RpcKey v4(uint32_t lastOctets) {
  return RpcKey{IpAddress::fromV4(0x0A000000 + lastOctets), 8545};
}

// A source with `requests` requests of 10 bytes, `responseBytes` response bytes, and `errors` of
// its responses 5xx.
RpcKeyResult source(const RpcKey& key, RpcClass cls, uint64_t requests, uint64_t responseBytes,
                    uint64_t errors = 0, std::vector<uint32_t> episodeWindows = {}) {
  RpcKeyResult k;
  k.key = key;
  k.rpcClass = cls;
  k.block = cls != RpcClass::None;
  k.total.requests = k.total.responses = requests;
  k.total.requestBytes = requests * 10;
  k.total.responseBytes = responseBytes;
  k.total.httpStatus[1] = requests - errors;
  k.total.httpStatus[4] = errors;
  for (uint32_t w : episodeWindows) {
    RpcEpisode e;
    e.key = key;
    e.windows = w;
    k.episodes.push_back(e);
  }
  return k;
}

// Nine quiet sources of 100 requests and 1000 response bytes each (amplification 1).
RpcAnalysisResult quietNine() {
  RpcAnalysisResult r;
  for (uint32_t i = 0; i < 9; ++i) r.keys.push_back(source(v4(100 + i), RpcClass::None, 100, 1000));
  r.observedSec = 3600;
  return r;
}

TEST(ReportRpcEvaluation, EveryReasonInOrderWithItsText) {
  RpcAnalysisResult r;
  r.keys.push_back(source(v4(1), RpcClass::None, 0, 0));
  r.observedSec = 60;
  AnalysisConfig cfg;
  RpcEvaluation ev = evaluateRpc(r, cfg);
  EXPECT_FALSE(ev.safe);
  EXPECT_FALSE(ev.fpKnown);
  EXPECT_EQ(ev.fpReason, "Insufficient data: 1 sources, need at least 10");
  EXPECT_EQ(
      ev.reasons,
      (std::vector<std::string>{
          "FP bound unknown: Insufficient data: 1 sources, need at least 10",
          "No application-layer abuse pattern detected",
          "Less than 1% of response bytes would be blocked (0.00%)", "No RPC traffic observed",
          "Observed period 60 s is shorter than the minimum 3600 s (--min-observation-sec)"}));
}

TEST(ReportRpcEvaluation, SafeWhenEveryGatePasses) {
  RpcAnalysisResult r = quietNine();
  r.keys.push_back(source(v4(1), RpcClass::Amplification, 50, 1000000, 0, {2}));
  RpcEvaluation ev = evaluateRpc(r, AnalysisConfig{});
  EXPECT_TRUE(ev.fpKnown);
  EXPECT_EQ(ev.fpBoundPct, 0.0);
  EXPECT_TRUE(ev.reasons.empty()) << fmt::format("{}", fmt::join(ev.reasons, "; "));
  EXPECT_TRUE(ev.safe);
}

TEST(ReportRpcEvaluation, CounterfactualSharesOfNonAllowlistedTotals) {
  RpcAnalysisResult r = quietNine();  // 900 requests, 9000 request bytes, 9000 response bytes
  RpcKeyResult a = source(v4(1), RpcClass::Flood, 100, 1000, 0, {3});
  a.simulatedRequests = 25.5;
  a.simulatedRequestBytes = 255;
  a.simulatedResponseBytes = 250.25;
  r.keys.push_back(a);
  RpcKeyResult allowed = source(v4(2), RpcClass::None, 1000000, 1000000);
  allowed.allowlisted = true;
  r.keys.push_back(allowed);
  RpcEvaluation ev = evaluateRpc(r, AnalysisConfig{});
  EXPECT_EQ(ev.keys, 10u);
  EXPECT_EQ(ev.allowlistedKeys, 1u);
  EXPECT_EQ(ev.total.requests, 1000u);
  EXPECT_EQ(ev.total.requestBytes, 10000u);
  EXPECT_EQ(ev.total.responseBytes, 10000u);
  EXPECT_EQ(ev.blockedKeys, 1u);
  EXPECT_EQ(ev.classKeys, (std::array<uint64_t, 6>{0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(ev.episodes, 1u);
  EXPECT_DOUBLE_EQ(ev.upperBound.requests, 100);
  EXPECT_DOUBLE_EQ(ev.upperBound.requestBytes, 1000);
  EXPECT_DOUBLE_EQ(ev.upperBound.responseBytes, 1000);
  EXPECT_DOUBLE_EQ(ev.upperBound.requestsPct, 10);
  EXPECT_DOUBLE_EQ(ev.upperBound.requestBytesPct, 10);
  EXPECT_DOUBLE_EQ(ev.upperBound.responseBytesPct, 10);
  EXPECT_DOUBLE_EQ(ev.simulated.requests, 25.5);
  EXPECT_DOUBLE_EQ(ev.simulated.requestsPct, 2.55);
  EXPECT_DOUBLE_EQ(ev.simulated.requestBytesPct, 2.55);
  EXPECT_DOUBLE_EQ(ev.simulated.responseBytesPct, 2.5025);
}

TEST(ReportRpcEvaluation, BlockedResponseShareGateIsInclusiveAtOnePercent) {
  RpcAnalysisResult r = quietNine();
  r.keys[0].total.responseBytes = 1900;  // the quiet sources: 9900 response bytes
  // Blocked: 100 of 10000 response bytes; all its responses are errors (not legit-looking).
  r.keys.push_back(source(v4(1), RpcClass::Flood, 1, 100, 1, {2}));
  RpcEvaluation ev = evaluateRpc(r, AnalysisConfig{});
  ASSERT_EQ(ev.total.responseBytes, 10000u);
  EXPECT_DOUBLE_EQ(ev.upperBound.responseBytesPct, 1.0);
  EXPECT_TRUE(ev.safe) << fmt::format("{}", fmt::join(ev.reasons, "; "));
  r.keys.back().total.responseBytes = 99;
  r.keys[0].total.responseBytes = 1901;
  ev = evaluateRpc(r, AnalysisConfig{});
  ASSERT_EQ(ev.total.responseBytes, 10000u);
  EXPECT_EQ(ev.reasons,
            (std::vector<std::string>{"Less than 1% of response bytes would be blocked (0.99%)"}));
}

TEST(ReportRpcEvaluation, FpBoundKnownFromMinSamplesCountingNonAllowlistedOnly) {
  RpcAnalysisResult r = quietNine();
  r.keys.pop_back();  // 8 quiet
  r.keys.push_back(source(v4(1), RpcClass::Flood, 5000, 100000, 0, {2}));
  RpcKeyResult allowed = source(v4(2), RpcClass::None, 1, 1);
  allowed.allowlisted = true;
  r.keys.push_back(allowed);
  RpcEvaluation ev = evaluateRpc(r, AnalysisConfig{});  // 9 sources, need 10
  EXPECT_FALSE(ev.fpKnown);
  EXPECT_EQ(ev.reasons.front(), "FP bound unknown: Insufficient data: 9 sources, need at least 10");
  AnalysisConfig nine;
  nine.minSamplesForFp = 9;
  ev = evaluateRpc(r, nine);
  EXPECT_TRUE(ev.fpKnown);
  EXPECT_TRUE(ev.fpReason.empty());
}

TEST(ReportRpcEvaluation, LegitLookingNeedsLowAmplificationAndLowErrorsStrictly) {
  AnalysisConfig cfg;
  cfg.rpc.amplification = 10;
  cfg.rpc.fpErrorRatio = 0.25;
  RpcAnalysisResult r = quietNine();
  // Request bytes are 10 per request: amplification = response bytes / (10 * requests).
  r.keys.push_back(source(v4(1), RpcClass::Flood, 300, 29970, 74, {2}));  // 9.99, 74/300 < .25
  r.keys.push_back(source(v4(2), RpcClass::Flood, 100, 10000, 0, {2}));   // amplification 10
  r.keys.push_back(source(v4(3), RpcClass::Flood, 400, 0, 100, {2}));     // errors exactly .25
  r.keys.push_back(source(v4(4), RpcClass::Flood, 200, 100, 49, {2}));    // 0.05, 49/200 < .25
  RpcEvaluation ev = evaluateRpc(r, cfg);
  EXPECT_EQ(ev.legitLookingKeys, 2u);
  EXPECT_EQ(ev.legitLookingRequests, 500u);
  EXPECT_DOUBLE_EQ(ev.fpBoundPct, 50.0);  // 500 of 1000 blocked requests
  EXPECT_EQ(ev.reasons, (std::vector<std::string>{"FP bound 50.00% is above 5.0%"}));
}

TEST(ReportRpcEvaluation, FpBoundAtFivePercentIsStillReady) {
  RpcAnalysisResult r = quietNine();
  r.keys.push_back(source(v4(1), RpcClass::Flood, 95, 95000, 95, {2}));  // not legit: all errors
  r.keys.push_back(source(v4(2), RpcClass::Flood, 5, 50, 0, {2}));       // legit-looking
  RpcEvaluation ev = evaluateRpc(r, AnalysisConfig{});
  EXPECT_DOUBLE_EQ(ev.fpBoundPct, 5.0);
  EXPECT_TRUE(ev.safe) << fmt::format("{}", fmt::join(ev.reasons, "; "));
  r.keys.back().total.requests = 6;
  r.keys.back().total.responses = 6;
  r.keys.back().total.httpStatus[1] = 6;
  ev = evaluateRpc(r, AnalysisConfig{});
  EXPECT_EQ(ev.reasons, (std::vector<std::string>{"FP bound 5.94% is above 5.0%"}));
}

TEST(ReportRpcEvaluation, RequireMultiWindowNamesSingleWindowSources) {
  RpcAnalysisResult r = quietNine();
  RpcKeyResult v6 = source(RpcKey{*IpAddress::parse("2001:db8::1"), 8545}, RpcClass::Flood, 100,
                           100000, 0, {1, 1});
  r.keys.push_back(source(v4(1), RpcClass::Flood, 100, 100000, 0, {1, 2}));  // has a multi
  r.keys.push_back(source(v4(2), RpcClass::ErrorStorm, 100, 100000, 100, {1}));
  r.keys.push_back(v6);
  AnalysisConfig cfg;
  EXPECT_TRUE(evaluateRpc(r, cfg).safe);  // the gate is off by default
  cfg.requireMultiWindow = true;
  EXPECT_EQ(evaluateRpc(r, cfg).reasons,
            (std::vector<std::string>{"2 blocked source(s) have only single-window episodes and "
                                      "need manual review: 10.0.0.2:8545, [2001:db8::1]:8545"}));
  for (uint32_t i = 0; i < 10; ++i)
    r.keys.push_back(source(v4(20 + i), RpcClass::Flood, 1, 10, 0, {1}));
  const std::vector<std::string> reasons = evaluateRpc(r, cfg).reasons;
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0],
            "12 blocked source(s) have only single-window episodes and need manual review: "
            "10.0.0.2:8545, [2001:db8::1]:8545, 10.0.0.20:8545, 10.0.0.21:8545, 10.0.0.22:8545, "
            "10.0.0.23:8545, 10.0.0.24:8545, 10.0.0.25:8545, 10.0.0.26:8545, 10.0.0.27:8545 "
            "and 2 more");
}

TEST(ReportRpcEvaluation, ObservationGateIsInclusiveAndCanBeTurnedOff) {
  RpcAnalysisResult r = quietNine();
  r.keys.push_back(source(v4(1), RpcClass::Flood, 100, 100000, 0, {2}));
  AnalysisConfig cfg;
  r.observedSec = 3599;
  EXPECT_EQ(evaluateRpc(r, cfg).reasons,
            (std::vector<std::string>{"Observed period 3599 s is shorter than the minimum 3600 s "
                                      "(--min-observation-sec)"}));
  r.observedSec = 3600;
  EXPECT_TRUE(evaluateRpc(r, cfg).safe);
  r.observedSec = 5;
  cfg.minObservationSec.reset();
  EXPECT_TRUE(evaluateRpc(r, cfg).safe);
}

TEST(ReportRpcEvaluation, TopOffendersByResponseBytesThenKeyOrderAtMostTen) {
  RpcAnalysisResult r;
  // Keys in RpcKey order; 12 blocked, two pairs of ties.
  const uint64_t bytes[] = {50, 900, 50, 700, 10, 20, 30, 40, 60, 70, 900, 80};
  for (uint32_t i = 0; i < 12; ++i)
    r.keys.push_back(source(v4(1 + i), RpcClass::Flood, 1, bytes[i], 0, {2}));
  r.keys.push_back(source(v4(50), RpcClass::None, 1, 100000));  // not blocked
  RpcEvaluation ev = evaluateRpc(r, AnalysisConfig{});
  EXPECT_EQ(ev.topOffenders, (std::vector<size_t>{1, 10, 3, 11, 9, 8, 0, 2, 7, 6}));
}

}  // namespace
}  // namespace ibsr::report
