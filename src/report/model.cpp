#include "report/model.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

namespace ibsr::report {

std::string_view keyTypeName(KeyType type) {
  return type == KeyType::SrcIp ? "src_ip" : "src_cidr24";
}

std::string formatKeyValue(uint64_t key) {
  std::string s = formatIpv4(keyIp(key));
  if (keyType(key) == KeyType::SrcCidr24) s += "/24";
  return s;
}

std::string formatSource(uint64_t key) {
  return fmt::format("{}:{}", formatKeyValue(key), keyPort(key));
}

std::string formatTime(int64_t ts) {
  std::time_t t = static_cast<std::time_t>(ts);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<int64_t> parseTime(std::string_view text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && p == text.data() + text.size()) {
    if (v < 0 || v > kMaxTimestamp) return std::nullopt;
    return v;
  }
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t n, int& out) {
    auto [q, e] = std::from_chars(text.data() + at, text.data() + at + n, out);
    return e == std::errc() && q == text.data() + at + n;
  };
  std::tm tm{};
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
  if (!num(0, 4, year) || !num(5, 2, mon) || !num(8, 2, day) || !num(11, 2, hour) ||
      !num(14, 2, min) || !num(17, 2, sec))
    return std::nullopt;
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
      sec > 59)
    return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  int64_t t = static_cast<int64_t>(timegm(&tm));
  if (formatTime(t) != text) return std::nullopt;  // rejects 2025-02-31 and the like
  return t;
}

}  // namespace ibsr::report
