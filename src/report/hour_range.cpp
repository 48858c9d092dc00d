#include "report/hour_range.h"

#include <charconv>
#include <ctime>
#include <string>

#include <fmt/format.h>

#include "core/artefacts.h"
#include "report/model.h"

namespace ibsr::report {
namespace {

bool digits(std::string_view text, size_t at, size_t n, int& out) {
  if (at + n > text.size()) return false;
  for (size_t i = at; i < at + n; ++i)
    if (text[i] < '0' || text[i] > '9') return false;
  std::from_chars(text.data() + at, text.data() + at + n, out);
  return true;
}

// Through the full form parseTime reads, so every form is checked the same way (Feb 30 refused).
std::optional<int64_t> utc(int year, int mon, int day, int hour, int min, int sec) {
  return parseTime(
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", year, mon, day, hour, min, sec));
}

}  // namespace

bool HourRange::selects(std::string_view fileName) const {
  if (!active()) return true;
  auto hour = hourOfName(fileName);
  return hour && overlaps(*hour);
}

std::optional<int64_t> hourOfName(std::string_view name) {
  for (std::string_view prefix :
       {artefact::kSnapshot6Prefix, artefact::kSnapshotPrefix, artefact::kPayloadPrefix}) {
    if (!name.starts_with(prefix)) continue;
    std::string_view rest = name.substr(prefix.size());
    int year = 0, mon = 0, day = 0, hour = 0;
    if (rest.size() < 11 || rest[10] != '.' || !digits(rest, 0, 4, year) ||
        !digits(rest, 4, 2, mon) || !digits(rest, 6, 2, day) || !digits(rest, 8, 2, hour))
      return std::nullopt;
    return utc(year, mon, day, hour, 0, 0);
  }
  return std::nullopt;
}

std::string hourDigits(int64_t ts) {
  const std::time_t t = ts;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}{:02}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour);
}

std::optional<int64_t> parseRangeTime(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos)
    return parseTime(text);
  // YYYY-MM-DDTHH, then optional :MM and :SS, then Z.
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
  if (text.size() < 14 || text.back() != 'Z' || text[4] != '-' || text[7] != '-' ||
      text[10] != 'T' || !digits(text, 0, 4, year) || !digits(text, 5, 2, mon) ||
      !digits(text, 8, 2, day) || !digits(text, 11, 2, hour))
    return std::nullopt;
  const std::string_view tail = text.substr(13, text.size() - 14);
  if (tail.size() == 3) {
    if (tail[0] != ':' || !digits(tail, 1, 2, min)) return std::nullopt;
  } else if (tail.size() == 6) {
    if (tail[0] != ':' || tail[3] != ':' || !digits(tail, 1, 2, min) || !digits(tail, 4, 2, sec))
      return std::nullopt;
  } else if (!tail.empty()) {
    return std::nullopt;
  }
  return utc(year, mon, day, hour, min, sec);
}

}  // namespace ibsr::report
