#include "incident/options.h"

#include <arpa/inet.h>

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

std::optional<std::uint32_t> parseIpv4(std::string_view dotted) {
  std::string s(dotted);
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

Result<Subnet> parseSubnet(std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return plainError("expected an IPv4 CIDR like 10.0.0.0/8");
  auto addr = parseIpv4(cidr.substr(0, slash));
  auto len = cidr.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
  if (!addr || len.empty() || ec != std::errc() || end != len.data() + len.size() || prefix < 0 ||
      prefix > 32)
    return plainError("expected an IPv4 CIDR like 10.0.0.0/8");
  Subnet s;
  s.prefix = prefix;
  s.mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  s.network = *addr & s.mask;
  return s;
}

}  // namespace ibsr::incident
