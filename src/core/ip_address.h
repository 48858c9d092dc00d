// The one home for "an address": parse, format, order and CIDR prefixes, for every mode and
// every artefact, IPv4 and IPv6 in one type (family + 16 network-order bytes).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ibsr {

enum class IpFamily : std::uint8_t { V4 = 4, V6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;
  // From a host-order number (the form BPF keys and v3 key_value use).
  static IpAddress fromV4(std::uint32_t hostOrder);
  // From 16 bytes in network order (an IPv6 header's address field).
  static IpAddress fromV6(const std::uint8_t* networkOrder16);

  // Strict dotted quad: four decimal octets 0..255, no leading zeros, nothing else.
  static std::optional<IpAddress> parseV4(std::string_view text);
  // RFC 4291 text: eight groups of 1..4 hex digits, at most one "::", optionally ending in a
  // dotted quad ("::ffff:192.0.2.1"); no zone ("%eth0"), no brackets.
  static std::optional<IpAddress> parseV6(std::string_view text);
  // Either family.
  static std::optional<IpAddress> parse(std::string_view text);

  IpFamily family() const { return family_; }
  bool isV4() const { return family_ == IpFamily::V4; }
  unsigned bitLength() const { return isV4() ? 32 : 128; }
  std::uint32_t v4() const;                                             // host order; IPv4 only
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // network order

  // "a.b.c.d", or RFC 5952 for IPv6 (lower case, the longest run of two or more zero groups as
  // "::", the first on a tie; no dotted-quad tail).
  std::string toString() const;
  // The address with every bit after the first `length` cleared.
  IpAddress masked(unsigned length) const;

  // IPv4 before IPv6, then numerically: the order of every sorted artefact.
  auto operator<=>(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::V4;
  std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4
};

// "a.b.c.d" from a host-order number, without building an IpAddress (hot paths of writers).
std::string formatIpv4(std::uint32_t hostOrder);
// IpAddress::parseV4 as a host-order number (packed keys, v3 key_value).
std::optional<std::uint32_t> parseIpv4(std::string_view text);

// A CIDR prefix: the network (host bits cleared) and its length.
struct IpPrefix {
  IpAddress network;
  std::uint8_t length = 0;

  // "ADDR/LEN" with a decimal LEN in range for the family and no leading zeros; host bits are
  // cleared. An address alone is a full-length prefix only when requireLength is false.
  static std::optional<IpPrefix> parse(std::string_view text, bool requireLength = true);

  bool contains(const IpAddress& addr) const;
  // Whether the two ranges share an address.
  bool overlaps(const IpPrefix& other) const;
  std::string toString() const;  // "ADDR/LEN"
  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace ibsr
