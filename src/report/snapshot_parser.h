// Parses one snapshot JSONL line (schema v3..v7, IPv4 snapshot_ and IPv6 snapshot6_ lines alike)
// into a Snapshot. Every field we use is type- and
// range-checked; a line that fails any check is rejected as a whole with a one-line reason, so a
// half-parsed snapshot never reaches the analysis. The DOM API is used (not On-Demand) because it
// picks the best SIMD kernel at run time (AVX2/AVX-512 here) without compiling for one CPU, and
// it validates the whole line, not only the parts we read.
#pragma once

#include <simdjson.h>

#include <string>

#include "report/model.h"

namespace ibsr::report {

enum class ParseStatus { Ok, Malformed, UnsupportedVersion };

inline constexpr uint32_t kMinVersion = 3;
inline constexpr uint32_t kMaxVersion = 7;

class SnapshotParser {
 public:
  // `data` must stay readable for `capacity` bytes, capacity >= len + SIMDJSON_PADDING.
  ParseStatus parse(const char* data, size_t len, size_t capacity, Snapshot& out);
  const std::string& error() const { return error_; }
  // The checks parse() makes after its fast path, for a line CanonicalLineParser took as read.
  ParseStatus finishCanonical(const Snapshot& out) {
    error_.clear();
    return checkBuckets(out);
  }
  // The simdjson path alone (no fast path), for the differential fuzz target.
  ParseStatus parseGeneral(const char* data, size_t len, size_t capacity, Snapshot& out);

 private:
  ParseStatus fail(std::string why);
  ParseStatus checkBuckets(const Snapshot& out);
  ParseStatus parseBucket(simdjson::dom::object obj, size_t index, Bucket& out);
  ParseStatus parseIpv6Key(std::string_view fromValue, std::string_view fromSrc, uint32_t seen,
                           KeyType type, uint16_t port, size_t index, Bucket& out);

  simdjson::dom::parser parser_;
  std::vector<uint64_t> sortScratch_;
  std::vector<std::pair<IpPrefix, uint32_t>> lastIpv6_;  // by bucket position: prefix, its id
  std::string error_;
};

}  // namespace ibsr::report
