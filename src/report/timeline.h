// Time arithmetic shared by the counter analysis (report/analyzer.h) and the application-layer
// analysis (report/rpc/rpc_analyzer.h): simulated block periods and the observed period. One
// definition, so the two layers block and measure time identically (docs/report.md, REPORT.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace ibsr::report {

// The simulated block periods of one source, on every stream: [from, until) is the latest one,
// `past` the earlier disjoint ones (one per episode at most).
struct BlockPeriods {
  int64_t from = 0;
  int64_t until = std::numeric_limits<int64_t>::min();
  std::vector<std::pair<int64_t, int64_t>> past;

  // A flagged window ending at `at` blocks the source for `duration` seconds; a block still
  // running is renewed rather than started again.
  void add(int64_t at, int64_t duration) {
    const int64_t end = at + duration;
    if (until == std::numeric_limits<int64_t>::min()) {
      from = at;
      until = end;
    } else if (at <= until) {
      until = std::max(until, end);  // renewed while it keeps being flagged
    } else {
      past.emplace_back(from, until);
      from = at;
      until = end;
    }
  }

  // Seconds of [start, start + duration) inside block periods; for a zero-length interval, 1 when
  // its instant is blocked. Windows close in time order, so every period starts at or before the
  // current time; with one stream they start at or before `start` (REPORT.md's single-stream
  // rule). Inline: the counter analysis calls it once per delta.
  int64_t blockedPart(int64_t start, int64_t duration) const {
    if (until <= start) return 0;
    const int64_t end = start + duration;
    auto part = [&](int64_t a, int64_t b) -> int64_t {
      if (duration == 0) return a <= start && start < b ? 1 : 0;
      return std::max<int64_t>(0, std::min(b, end) - std::max(a, start));
    };
    int64_t covered = part(from, until);
    for (auto it = past.rbegin(); it != past.rend() && it->second > start; ++it)
      covered += part(it->first, it->second);
    return duration == 0 ? std::min<int64_t>(covered, 1) : covered;
  }

  // The blocked fraction of an interval (traffic assumed evenly spread over it): a zero-length
  // interval is wholly blocked or not at all.
  double blockedFraction(int64_t start, int64_t duration) const {
    const int64_t blocked = blockedPart(start, duration);
    if (blocked <= 0) return 0.0;
    return duration == 0 ? 1.0 : double(blocked) / double(duration);
  }
};

// The seconds covered by at least one of `spans` ([from, until] each): two hosts watched side by
// side for an hour are an hour of evidence, not two.
inline int64_t coveredSeconds(std::vector<std::pair<int64_t, int64_t>> spans) {
  std::sort(spans.begin(), spans.end());
  int64_t covered = 0, reach = std::numeric_limits<int64_t>::min();
  for (const auto& [from, until] : spans) {
    const int64_t begin = std::max(from, reach);
    if (until > begin) covered += until - begin;
    reach = std::max(reach, until);
  }
  return covered;
}

}  // namespace ibsr::report
