// Sources that must never be blocked: IPv4 addresses and CIDRs, one per line, '#' comments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace ibsr::report {

struct AllowEntry {
  uint32_t network = 0;  // host bits cleared
  uint8_t prefix = 32;
  bool isCidr = false;  // written with a /prefix (reported as src_cidr)
  // "a.b.c.d" or "a.b.c.d/len" as written (host bits cleared).
  std::string text() const;
  // "src_ip" or "src_cidr", the key_type of a rules.json / summary.json exception.
  const char* keyType() const { return isCidr ? "src_cidr" : "src_ip"; }
  bool operator<(const AllowEntry& o) const;
  bool operator==(const AllowEntry& o) const = default;
};

class Allowlist {
 public:
  // An invalid line fails with "FILE:LINE: ..." naming the line.
  static Result<Allowlist> load(const std::string& path);
  static Result<Allowlist> parse(const std::string& text, const std::string& name);

  // True if the key's address range overlaps any entry (a /24 key that holds one allowlisted
  // address is not blocked: conservative by design).
  bool matches(uint64_t key) const;
  const std::vector<AllowEntry>& entries() const { return entries_; }

 private:
  std::vector<AllowEntry> entries_;  // sorted, unique
};

}  // namespace ibsr::report
