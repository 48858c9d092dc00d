// Receives the analysis's own per-interval deltas and window boundaries as they are computed, so
// an export of them (ibsr-report --format deltas) is the report's arithmetic, not a second copy
// of it. Called only on the first pass; the analysis's results do not depend on a sink.
#pragma once

#include <cstdint>

#include "report/model.h"

namespace ibsr::report {

class DeltaSink {
 public:
  virtual ~DeltaSink() = default;
  // One key's delta over the interval (ts - durationSec, ts] of a stream, as the analysis counted
  // it (reset and first-appearance rules applied). Deltas of a stream arrive in time order.
  virtual void onDelta(uint32_t stream, int64_t ts, int64_t durationSec, uint64_t key,
                       const Counters& delta, bool allowlisted) = 0;
  // The stream's current evaluation window [start, end] closed: every delta of the stream since
  // the previous call belongs to it. A window the analysis drops (zero span) comes with start ==
  // end.
  virtual void onWindowClosed(uint32_t stream, int64_t start, int64_t end) = 0;
};

}  // namespace ibsr::report
