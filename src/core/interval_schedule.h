// When a live mode's next cycle is due, and when its --duration-sec ends, on the monotonic
// clock. Shared by every collector loop so they all keep the same cadence rules.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

namespace ibsr {

class IntervalSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  IntervalSchedule(std::uint64_t intervalSec, std::optional<std::uint64_t> durationSec,
                   Clock::time_point start = Clock::now())
      : interval_(std::chrono::seconds(intervalSec)),
        next_(start + interval_),
        end_(durationSec ? start + std::chrono::seconds(*durationSec) : Clock::time_point::max()) {}

  bool finished(Clock::time_point now) const { return now >= end_; }
  bool due(Clock::time_point now) const { return now >= next_; }
  // After a cycle ran at `now`.
  void advance(Clock::time_point now) {
    next_ += interval_;
    if (next_ <= now) next_ = now + interval_;  // a stalled cycle must not cause a burst
  }
  // Time until the next cycle or the end, whichever comes first (may be negative).
  std::chrono::milliseconds untilWake(Clock::time_point now) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::min(next_, end_) - now);
  }

 private:
  std::chrono::seconds interval_;
  Clock::time_point next_;
  Clock::time_point end_;
};

}  // namespace ibsr
