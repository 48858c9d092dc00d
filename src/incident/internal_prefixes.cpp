#include "incident/internal_prefixes.h"

#include <fmt/format.h>

#include <algorithm>

namespace ibsr::incident {
namespace {

// The entry as it may appear in a one-line error: control and non-ASCII bytes as '?', cut short.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return text.size() > 64 ? out + "..." : out;
}

}  // namespace

Result<InternalPrefixes> InternalPrefixes::parse(const std::vector<std::string>& cidrs) {
  if (cidrs.size() > kMaxInternalPrefixes)
    return plainError(fmt::format("{} prefixes given; at most {} are allowed", cidrs.size(),
                                  kMaxInternalPrefixes));
  InternalPrefixes list;
  for (const std::string& cidr : cidrs) {
    auto prefix = IpPrefix::parse(cidr);
    if (!prefix)
      return plainError(
          fmt::format("'{}' is not a CIDR prefix; expected ADDR/LEN like 10.0.0.0/8 or fd00::/8",
                      printable(cidr)));
    list.prefixes_.push_back(*prefix);
  }
  return list;
}

bool InternalPrefixes::inside(const IpAddress& addr) const {
  return std::any_of(prefixes_.begin(), prefixes_.end(),
                     [&](const IpPrefix& p) { return p.contains(addr); });
}

bool InternalPrefixes::bothInside(const IpAddress& src, const IpAddress& dst) const {
  return inside(src) && inside(dst);
}

}  // namespace ibsr::incident
