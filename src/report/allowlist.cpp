#include "report/allowlist.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "report/model.h"

namespace ibsr::report {
bool AllowEntry::operator<(const AllowEntry& o) const {
  if (isCidr != o.isCidr) return !isCidr;  // src_ip entries first, then src_cidr
  if (network != o.network) return network < o.network;
  return prefix < o.prefix;
}

std::string AllowEntry::text() const {
  return isCidr ? IpPrefix{IpAddress::fromV4(network), prefix}.toString() : formatIpv4(network);
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
    if (!parsed || !parsed->network.isV4()) {
      if (e.isCidr && IpAddress::parseV4(line.substr(0, line.find('/'))))
        return plainError(fmt::format("{}:{}: invalid CIDR prefix in '{}'", name, lineNo, line));
      return plainError(
          fmt::format("{}:{}: '{}' is not an IPv4 address or CIDR", name, lineNo, line));
    }
    e.network = parsed->network.v4();
    e.prefix = parsed->length;
    list.entries_.push_back(e);
  }
  std::sort(list.entries_.begin(), list.entries_.end());
  list.entries_.erase(std::unique(list.entries_.begin(), list.entries_.end()), list.entries_.end());
  return list;
}

bool Allowlist::matches(uint64_t key) const {
  const IpPrefix range{IpAddress::fromV4(keyIp(key)),
                       uint8_t(keyType(key) == KeyType::SrcCidr24 ? 24 : 32)};
  for (const AllowEntry& e : entries_) {
    if (IpPrefix{IpAddress::fromV4(e.network), e.prefix}.overlaps(range)) return true;
  }
  return false;
}

}  // namespace ibsr::report
