// Sources that must never be blocked: IPv4 and IPv6 addresses and CIDR prefixes, one per line,
// '#' comments.
#pragma once

#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/result.h"

namespace ibsr::report {

struct AllowEntry {
  IpPrefix range;       // host bits cleared; an address alone is a full-length prefix
  bool isCidr = false;  // written with a /prefix (reported as src_cidr / src_net6)
  bool isV6() const { return !range.network.isV4(); }
  // "a.b.c.d", "a.b.c.d/len", "2001:db8::1" or "2001:db8::/48" (host bits cleared).
  std::string text() const;
  // "src_ip", "src_cidr", "src_ip6" or "src_net6": the key_type of a rules.json / summary.json
  // exception.
  const char* keyType() const;
  // IPv4 entries first (addresses, then prefixes, as before IPv6), then IPv6 ones likewise.
  bool operator<(const AllowEntry& o) const;
  bool operator==(const AllowEntry& o) const = default;
};

class Allowlist {
 public:
  // An invalid line fails with "FILE:LINE: ..." naming the line.
  static Result<Allowlist> load(const std::string& path);
  static Result<Allowlist> parse(const std::string& text, const std::string& name);

  // True if the key's address range overlaps any entry: a /24 or IPv6 /64 key that holds one
  // allowlisted address is not blocked, since its rule would drop that address too
  // (conservative by design, docs/report.md "IPv6 sources").
  bool matches(uint64_t key) const;
  // True if the address is inside any entry: application-layer sources are whole addresses
  // (docs/report-rpc.md).
  bool containsAddress(const IpAddress& address) const;
  const std::vector<AllowEntry>& entries() const { return entries_; }

 private:
  std::vector<AllowEntry> entries_;  // sorted, unique
};

}  // namespace ibsr::report
