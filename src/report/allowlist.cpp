#include "report/allowlist.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "report/model.h"

namespace ibsr::report {
bool AllowEntry::operator<(const AllowEntry& o) const {
  if (isV6() != o.isV6()) return !isV6();  // IPv4 first
  if (isCidr != o.isCidr) return !isCidr;  // addresses first, then prefixes
  return range < o.range;
}

std::string AllowEntry::text() const {
  return isCidr ? range.toString() : range.network.toString();
}

const char* AllowEntry::keyType() const {
  if (isV6()) return isCidr ? "src_net6" : "src_ip6";
  return isCidr ? "src_cidr" : "src_ip";
}

Result<Allowlist> Allowlist::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sysError("cannot open allowlist '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return sysError("cannot read allowlist '" + path + "'");
  return parse(ss.str(), path);
}

Result<Allowlist> Allowlist::parse(const std::string& text, const std::string& name) {
  Allowlist list;
  std::istringstream in(text);
  std::string raw;
  size_t lineNo = 0;
  while (std::getline(in, raw)) {
    ++lineNo;
    std::string_view line = raw;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    if (line.empty()) continue;
    AllowEntry e;
    e.isCidr = line.find('/') != std::string_view::npos;
    auto parsed = IpPrefix::parse(line, /*requireLength=*/false);
    if (!parsed) {
      if (e.isCidr && IpAddress::parse(line.substr(0, line.find('/'))))
        return plainError(fmt::format("{}:{}: invalid CIDR prefix in '{}'", name, lineNo, line));
      return plainError(
          fmt::format("{}:{}: '{}' is not an IPv4/IPv6 address or CIDR", name, lineNo, line));
    }
    e.range = *parsed;
    list.entries_.push_back(e);
  }
  std::sort(list.entries_.begin(), list.entries_.end());
  list.entries_.erase(std::unique(list.entries_.begin(), list.entries_.end()), list.entries_.end());
  return list;
}

bool Allowlist::matches(uint64_t key) const {
  const IpPrefix range = keySource(key);
  for (const AllowEntry& e : entries_) {
    if (e.range.overlaps(range)) return true;
  }
  return false;
}

bool Allowlist::containsAddress(const IpAddress& address) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const AllowEntry& e) { return e.range.contains(address); });
}

}  // namespace ibsr::report
