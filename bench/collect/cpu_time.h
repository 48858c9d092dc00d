// Timing helpers of the collector benches: the thread's CPU time (user + system, so the kernel's
// share counts but not the time spent waiting for a CPU on a shared host) and medians.
#pragma once

#include <algorithm>
#include <vector>

#include "core/clock.h"

namespace ibsr::bench {

inline double cpuMs() {
  return static_cast<double>(ibsr::threadCpuNs()) / 1e6;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace ibsr::bench
