// The application layer's derived figures: counterfactual shares, the false-positive bound and
// its readiness, in the order and with the same rules as the counter layer (report/evaluation.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "report/config.h"
#include "report/rpc/rpc_analyzer.h"

namespace ibsr::report {

struct RpcShare {
  double requests = 0;  // absolute (fractional for the simulation)
  double requestBytes = 0;
  double responseBytes = 0;
  double requestsPct = 0;
  double requestBytesPct = 0;
  double responseBytesPct = 0;
};

struct RpcEvaluation {
  // Totals over non-allowlisted sources.
  uint64_t keys = 0;
  uint64_t allowlistedKeys = 0;
  RpcCounts total;
  uint64_t blockedKeys = 0;
  std::array<uint64_t, 6> classKeys{};  // blocked sources per RpcClass (index 0 unused)
  uint64_t episodes = 0;
  RpcShare upperBound;
  RpcShare simulated;
  bool fpKnown = false;
  double fpBoundPct = 0;  // legit-looking blocked requests / blocked requests
  std::string fpReason;   // set when unknown
  uint64_t legitLookingKeys = 0;
  uint64_t legitLookingRequests = 0;
  bool safe = false;
  std::vector<std::string> reasons;  // why the application-layer rules are not ready
  std::vector<size_t> topOffenders;  // indexes into RpcAnalysisResult::keys, by response bytes
};

// Enforcement that would remove less than this share of the response bytes is not worth the risk.
inline constexpr double kMinBlockedResponseBytesPct = 1.0;

RpcEvaluation evaluateRpc(const RpcAnalysisResult& result, const AnalysisConfig& config);

}  // namespace ibsr::report
