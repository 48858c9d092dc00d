// The analysis parameters (REPORT.md "Flags and defaults"), after flags and --config are merged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/rpc/rpc_config.h"

namespace ibsr::report {

inline constexpr int64_t kDefaultMinObservationSec = 3600;

struct AnalysisConfig {
  std::vector<uint16_t> dstPorts;  // empty: every port seen
  int64_t windowSec = 10;
  double synRateThreshold = 100;
  double successRatioThreshold = 0.1;
  int64_t blockDurationSec = 300;
  double fpSafeRatio = 0.5;
  uint64_t minSamplesForFp = 10;
  double volSynRate = 500;
  double volPktRate = 1000;
  double volByteRate = 1000000;
  bool firstSnapshotBaseline = false;
  // Thin evidence is never SAFE (seed 001: conservative by default); nullopt = gate off (`0`).
  std::optional<int64_t> minObservationSec = kDefaultMinObservationSec;
  bool requireMultiWindow = false;
  RpcConfig rpc;  // the application-layer classes (payload input)
};

// The FP bound above which enforcement is not safe, in percent.
inline constexpr double kMaxFpBoundPct = 5.0;
// Enforcement that would remove less than this share of SYNs is not worth the risk.
inline constexpr double kMinBlockedSynPct = 1.0;

}  // namespace ibsr::report
