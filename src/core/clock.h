// Wall-clock time in whole Unix seconds, with an offset that tests set to reach an hour boundary
// or an old age without waiting (ibsr's hidden --test-clock-offset-sec). Scheduling uses the
// monotonic clock; only timestamps written to artefacts come from here.
#pragma once

#include <cstdint>
#include <string>

namespace ibsr {

class WallClock {
 public:
  explicit WallClock(std::int64_t offsetSec = 0) : offset_(offsetSec) {}
  std::uint64_t nowUnix() const;

 private:
  std::int64_t offset_;
};

// CPU time (user + system) of the calling thread, in nanoseconds: what a step costs, whatever
// else the host is running.
std::uint64_t threadCpuNs();

// "YYYYMMDDHH" of the UTC hour containing ts.
std::string utcHourStamp(std::uint64_t ts);

// Inverse of utcHourStamp: the Unix time of the start of that hour, or -1 if malformed.
std::int64_t parseUtcHourStamp(const std::string& stamp);

}  // namespace ibsr
