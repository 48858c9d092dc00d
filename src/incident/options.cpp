#include "incident/options.h"

#include <fmt/format.h>
#include <charconv>
#include <string>

namespace ibsr::incident {

Status validateTag(std::string_view tag) {
  if (tag.empty()) return plainError("tag must not be empty");
  if (tag.size() > 64)
    return plainError(fmt::format("tag is {} characters long; at most 64 are allowed", tag.size()));
  for (char c : tag) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return plainError("tag may only contain [A-Za-z0-9_-]");
  }
  return {};
}

Status validateSampleRate(std::int64_t rate) {
  if (rate < 1) return plainError("rate must be >= 1");
  if (static_cast<std::uint64_t>(rate) > kMaxSampleRate)
    return plainError(fmt::format("rate must be <= {}", kMaxSampleRate));
  return {};
}

Result<std::uint64_t> parseSalt(std::string_view hex) {
  if (hex.size() != 16) return plainError("salt must be exactly 16 hex characters");
  std::uint64_t v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return plainError("salt must be exactly 16 hex characters");
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

}  // namespace ibsr::incident
