#include "report/allowlist.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "report/model.h"

namespace ibsr::report {
namespace {

uint32_t maskOf(unsigned prefix) {
  return prefix == 0 ? 0 : ~uint32_t(0) << (32 - prefix);
}

}  // namespace

bool AllowEntry::operator<(const AllowEntry& o) const {
  if (isCidr != o.isCidr) return !isCidr;  // src_ip entries first, then src_cidr
  if (network != o.network) return network < o.network;
  return prefix < o.prefix;
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
    std::string_view addr = line;
    if (auto slash = line.find('/'); slash != std::string_view::npos) {
      addr = line.substr(0, slash);
      std::string_view p = line.substr(slash + 1);
      unsigned prefix = 0;
      auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
      if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix > 32 ||
          (p.size() > 1 && p[0] == '0'))
        return plainError(fmt::format("{}:{}: invalid CIDR prefix in '{}'", name, lineNo, line));
      e.prefix = uint8_t(prefix);
      e.isCidr = true;
    }
    auto ip = parseIpv4(addr);
    if (!ip)
      return plainError(
          fmt::format("{}:{}: '{}' is not an IPv4 address or CIDR", name, lineNo, line));
    e.network = *ip & maskOf(e.prefix);
    list.entries_.push_back(e);
  }
  std::sort(list.entries_.begin(), list.entries_.end());
  list.entries_.erase(std::unique(list.entries_.begin(), list.entries_.end()), list.entries_.end());
  return list;
}

bool Allowlist::matches(uint64_t key) const {
  uint32_t ip = keyIp(key);
  unsigned keyPrefix = keyType(key) == KeyType::SrcCidr24 ? 24 : 32;
  for (const AllowEntry& e : entries_) {
    uint32_t m = maskOf(std::min<unsigned>(keyPrefix, e.prefix));
    if ((ip & m) == (e.network & m)) return true;
  }
  return false;
}

}  // namespace ibsr::report
