#include "core/ip_address.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

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

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  return parseV4(text);
}

std::uint32_t IpAddress::v4() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
         (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

std::string IpAddress::toString() const {
  return formatIpv4(v4());
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
