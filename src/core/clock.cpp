#include "core/clock.h"

#include <time.h>

#include <cstdio>

namespace ibsr {

std::uint64_t WallClock::nowUnix() const {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec + offset_);
}

std::uint64_t threadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string utcHourStamp(std::uint64_t ts) {
  time_t t = static_cast<time_t>(ts);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour);
  return buf;
}

std::int64_t parseUtcHourStamp(const std::string& stamp) {
  if (stamp.size() != 10) return -1;
  for (char c : stamp)
    if (c < '0' || c > '9') return -1;
  tm parts{};
  parts.tm_year = std::stoi(stamp.substr(0, 4)) - 1900;
  parts.tm_mon = std::stoi(stamp.substr(4, 2)) - 1;
  parts.tm_mday = std::stoi(stamp.substr(6, 2));
  parts.tm_hour = std::stoi(stamp.substr(8, 2));
  if (parts.tm_mon < 0 || parts.tm_mon > 11 || parts.tm_mday < 1 || parts.tm_mday > 31 ||
      parts.tm_hour > 23)
    return -1;
  return static_cast<std::int64_t>(timegm(&parts));
}

}  // namespace ibsr
