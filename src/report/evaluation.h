// The figures derived from the per-key results: counterfactual shares, the false-positive bound,
// and the readiness judgment with its reasons in REPORT.md order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

// Shared with the application layer (report/rpc/rpc_evaluation.h), whose readiness follows the
// same rules.
inline constexpr size_t kTopOffenders = 10;
inline constexpr size_t kNamedSourcesInReason = 10;  // single-window sources named in a reason
// part / whole in percent; 0 when whole is 0.
double sharePct(double part, double whole);
// The FP-bound reason: unknown (`why`), or above kMaxFpBoundPct.
std::optional<std::string> fpBoundReason(bool known, double boundPct, const std::string& why);
// The gates both layers end with, in this order: --min-observation-sec, then (when
// --require-multi-window is on) the `singleWindowCount` blocked sources with only single-window
// episodes, of which `named` (at most kNamedSourcesInReason) are listed.
void appendObservationReasons(std::vector<std::string>& reasons, int64_t observedSec,
                              const AnalysisConfig& config, size_t singleWindowCount,
                              const std::vector<std::string>& named);

}  // namespace ibsr::report
