// The prefixes of --scrub-internal-subnet (repeatable, IPv4 and IPv6 mixed): a frame whose
// source and destination both lie inside them is internal traffic and is not recorded
// (docs/record-incident.md, "Privacy").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/result.h"

namespace ibsr::incident {

// Enough for RFC 1918's three ranges, RFC 6598, link-local and unique-local of both families and
// a few site prefixes; a bound keeps the per-frame work (two scans of the list) small and fixed.
inline constexpr std::size_t kMaxInternalPrefixes = 16;

class InternalPrefixes {
 public:
  InternalPrefixes() = default;

  // Each entry "ADDR/LEN" of either family (host bits cleared); at most kMaxInternalPrefixes.
  // The error names the first bad entry.
  static Result<InternalPrefixes> parse(const std::vector<std::string>& cidrs);

  bool empty() const { return prefixes_.empty(); }
  const std::vector<IpPrefix>& prefixes() const { return prefixes_; }

  // Whether each address lies in some prefix of its own family; the two need not share one
  // (10.1.2.3 -> 192.168.1.1 is internal with RFC 1918's three ranges given).
  bool bothInside(const IpAddress& src, const IpAddress& dst) const;

 private:
  bool inside(const IpAddress& addr) const;

  std::vector<IpPrefix> prefixes_;
};

}  // namespace ibsr::incident
