// --from/--to: which hourly files a report reads, chosen by the UTC hour in their names
// (snapshot_YYYYMMDDHH.jsonl, payload_YYYYMMDDHH.jsonl...), so a year of files need not be opened,
// or on S3 listed, to report on a day.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ibsr::report {

// The half-open time range [from, to) in Unix seconds; either end may be open.
struct HourRange {
  std::optional<int64_t> from;
  std::optional<int64_t> to;
  bool active() const { return from.has_value() || to.has_value(); }
  // Whether the hour starting at `hourStart` overlaps the range.
  bool overlaps(int64_t hourStart) const {
    return (!from || hourStart + 3600 > *from) && (!to || hourStart < *to);
  }
  // Whether a file of this name is read: always without a range; with one, only hourly files
  // whose hour overlaps it.
  bool selects(std::string_view fileName) const;
};

// The start of the hour a snapshot_/snapshot6_/payload_ file name carries; nullopt for other
// names.
std::optional<int64_t> hourOfName(std::string_view fileName);

// "YYYYMMDDHH" of the hour containing ts, as the collector writes it into file names.
std::string hourDigits(int64_t ts);

// Unix seconds, or YYYY-MM-DDTHH[:MM[:SS]]Z (UTC).
std::optional<int64_t> parseRangeTime(std::string_view text);

}  // namespace ibsr::report
