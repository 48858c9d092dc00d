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

IpAddress IpAddress::fromV6(const std::uint8_t* bytes) {
  IpAddress a;
  a.family_ = IpFamily::V6;
  std::copy(bytes, bytes + 16, a.bytes_.begin());
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

namespace {

// Colon-separated groups of 1..4 hex digits (the last may be a dotted quad when allowQuad) into
// `out` from `n` on; "" is no group. False on anything else or beyond eight groups.
bool parseV6Groups(std::string_view text, bool allowQuad, std::array<std::uint16_t, 8>& out,
                   std::size_t& n) {
  if (text.empty()) return true;
  for (;;) {
    std::size_t colon = text.find(':');
    std::string_view group = text.substr(0, colon);
    if (colon == std::string_view::npos && allowQuad && group.find('.') != group.npos) {
      auto quad = IpAddress::parseV4(group);
      if (!quad || n + 2 > out.size()) return false;
      out[n++] = static_cast<std::uint16_t>(quad->v4() >> 16);
      out[n++] = static_cast<std::uint16_t>(quad->v4());
      return true;
    }
    std::uint16_t value = 0;
    auto [end, ec] = std::from_chars(group.data(), group.data() + group.size(), value, 16);
    if (group.empty() || group.size() > 4 || ec != std::errc() ||
        end != group.data() + group.size() || n == out.size())
      return false;
    out[n++] = value;
    if (colon == std::string_view::npos) return true;
    text.remove_prefix(colon + 1);
  }
}

}  // namespace

std::optional<IpAddress> IpAddress::parseV6(std::string_view text) {
  std::array<std::uint16_t, 8> head{}, tail{};
  std::size_t nHead = 0, nTail = 0;
  std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!parseV6Groups(text, true, head, nHead) || nHead != 8) return std::nullopt;
  } else {
    // A second "::" (":::" included) is ambiguous.
    if (text.find("::", gap + 1) != std::string_view::npos) return std::nullopt;
    if (!parseV6Groups(text.substr(0, gap), false, head, nHead) ||
        !parseV6Groups(text.substr(gap + 2), true, tail, nTail) || nHead + nTail > 7)
      return std::nullopt;
    std::copy_n(tail.begin(), nTail, head.end() - static_cast<std::ptrdiff_t>(nTail));
  }
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<std::uint8_t>(head[i] >> 8);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(head[i]);
  }
  return fromV6(bytes.data());
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (auto v4 = parseV4(text)) return v4;
  return parseV6(text);
}

std::uint32_t IpAddress::v4() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
         (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

std::string IpAddress::toString() const {
  if (isV4()) return formatIpv4(v4());
  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i)
    groups[i] = (unsigned{bytes_[2 * i]} << 8) | bytes_[2 * i + 1];
  // The longest run of zero groups (at least two), the first one on a tie (RFC 5952 4.2).
  std::size_t bestStart = 8, bestLen = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", groups[i]);
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
