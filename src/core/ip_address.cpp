#include "core/ip_address.h"

#include <fmt/format.h>

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ibsr {

IpAddress IpAddress::fromV4(std::uint32_t ip) {
  IpAddress a;
  a.family_ = IpFamily::V4;
  a.bytes_[0] = static_cast<std::uint8_t>(ip >> 24);
  a.bytes_[1] = static_cast<std::uint8_t>(ip >> 16);
  a.bytes_[2] = static_cast<std::uint8_t>(ip >> 8);
  a.bytes_[3] = static_cast<std::uint8_t>(ip);
  return a;
}

std::optional<IpAddress> IpAddress::parseV4(std::string_view text) {
  std::uint32_t ip = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    std::size_t start = pos;
    std::uint32_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
      value = value * 10 + std::uint32_t(text[pos] - '0');
      ++pos;
    }
    std::size_t len = pos - start;
    if (len == 0 || value > 255 || (len > 1 && text[start] == '0')) return std::nullopt;
    ip = (ip << 8) | value;
  }
  if (pos != text.size()) return std::nullopt;
  return fromV4(ip);
}

IpAddress IpAddress::fromV6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress a;
  a.family_ = IpFamily::V6;
  a.bytes_ = bytes;
  return a;
}

IpAddress IpAddress::fromV6(const std::uint8_t* networkOrder16) {
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), networkOrder16, bytes.size());
  return fromV6(bytes);
}

std::optional<IpAddress> IpAddress::parseV6(std::string_view text) {
  // The longest text form is 45 characters ("ffff:...:ffff:255.255.255.255"); inet_pton wants a
  // NUL-terminated string, and a longer or embedded-NUL input is not an address anyway.
  char buf[46];
  if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<std::uint8_t, 16> bytes{};
  if (::inet_pton(AF_INET6, buf, bytes.data()) != 1) return std::nullopt;
  return fromV6(bytes);
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parseV6(text);
  return parseV4(text);
}

std::uint32_t IpAddress::v4() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
         (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

std::string IpAddress::toString() const {
  if (isV4()) return formatIpv4(v4());
  std::array<unsigned, 8> group{};
  for (unsigned i = 0; i < 8; ++i) group[i] = (unsigned{bytes_[2 * i]} << 8) | bytes_[2 * i + 1];
  // RFC 5952 section 5: an IPv4-mapped address keeps its dotted-quad tail.
  if (std::all_of(group.begin(), group.begin() + 5, [](unsigned g) { return g == 0; }) &&
      group[5] == 0xFFFF)
    return fmt::format("::ffff:{}.{}.{}.{}", bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
  // Section 4.2: "::" replaces the longest run of two or more zero groups, the first on a tie.
  unsigned bestStart = 8, bestLen = 1;
  for (unsigned i = 0; i < 8;) {
    unsigned j = i;
    while (j < 8 && group[j] == 0) ++j;
    if (j - i > bestLen) bestStart = i, bestLen = j - i;
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (unsigned i = 0; i < 8; ++i) {
    if (i == bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", group[i]);  // section 4.1 and 4.3: no leading zeros, lower case
  }
  return out;
}

IpAddress IpAddress::masked(unsigned length) const {
  IpAddress m = *this;
  for (unsigned i = 0; i < 16; ++i) {
    unsigned bitsBefore = i * 8;
    if (length >= bitsBefore + 8) continue;
    unsigned keep = length > bitsBefore ? length - bitsBefore : 0;
    m.bytes_[i] &= static_cast<std::uint8_t>(0xFF00u >> keep);
  }
  return m;
}

std::string formatIpv4(std::uint32_t ip) {
  return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
}

std::optional<std::uint32_t> parseIpv4(std::string_view text) {
  auto a = IpAddress::parseV4(text);
  if (!a) return std::nullopt;
  return a->v4();
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, bool requireLength) {
  std::string_view addrText = text;
  std::optional<unsigned> length;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addrText = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() ||
        (p.size() > 1 && p[0] == '0'))
      return std::nullopt;
    length = value;
  } else if (requireLength) {
    return std::nullopt;
  }
  auto addr = IpAddress::parse(addrText);
  if (!addr) return std::nullopt;
  unsigned len = length.value_or(addr->bitLength());
  if (len > addr->bitLength()) return std::nullopt;
  return IpPrefix{addr->masked(len), static_cast<std::uint8_t>(len)};
}

bool IpPrefix::contains(const IpAddress& addr) const {
  return addr.family() == network.family() && addr.masked(length) == network;
}

bool IpPrefix::overlaps(const IpPrefix& other) const {
  if (other.network.family() != network.family()) return false;
  unsigned shorter = std::min(length, other.length);
  return network.masked(shorter) == other.network.masked(shorter);
}

std::string IpPrefix::toString() const {
  return fmt::format("{}/{}", network.toString(), length);
}

}  // namespace ibsr
