// The figures derived from the per-key results: counterfactual shares, the false-positive bound,
// and the readiness judgment with its reasons in REPORT.md order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/analyzer.h"
#include "report/config.h"

namespace ibsr::report {

struct Share {
  double packets = 0;  // absolute (fractional for the simulation)
  double bytes = 0;
  double syn = 0;
  double packetsPct = 0;
  double bytesPct = 0;
  double synPct = 0;
};

// The sources of one address family, for the per-family lines of the outputs.
struct FamilyCounts {
  uint64_t keys = 0;  // non-allowlisted
  uint64_t allowlistedKeys = 0;
  uint64_t blockedKeys = 0;
  uint64_t packets = 0;  // of the non-allowlisted keys
  uint64_t syn = 0;
  uint64_t blockedPackets = 0;
  uint64_t blockedSyn = 0;
};

struct Evaluation {
  // Totals over non-allowlisted keys.
  uint64_t keys = 0;
  uint64_t allowlistedKeys = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t syn = 0;
  uint64_t blockedKeys = 0;
  uint64_t synFloodKeys = 0;
  uint64_t volumetricKeys = 0;
  uint64_t episodes = 0;
  Share upperBound;
  Share simulated;
  bool fpKnown = false;
  double fpBoundPct = 0;
  std::string fpReason;  // set when unknown
  uint64_t legitLookingKeys = 0;
  uint64_t legitLookingPackets = 0;
  bool safe = false;
  std::vector<std::string> reasons;
  std::vector<size_t> topOffenders;  // indexes into AnalysisResult::keys
  FamilyCounts ipv4, ipv6;
};

Evaluation evaluate(const AnalysisResult& result, const AnalysisConfig& config);

}  // namespace ibsr::report
