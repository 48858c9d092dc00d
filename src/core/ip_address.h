// The one home for "an address": parse, format, order and CIDR prefixes, for every mode and
// every artefact, IPv4 and IPv6 alike (family + 16 network-order bytes).
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
  // From the 16 network-order bytes of an IPv6 address.
  static IpAddress fromV6(const std::array<std::uint8_t, 16>& bytes);
  // The same from a packet: 16 bytes in network order (an IPv6 header's address field).
  static IpAddress fromV6(const std::uint8_t* networkOrder16);

  // Strict dotted quad: four decimal octets 0..255, no leading zeros, nothing else.
  static std::optional<IpAddress> parseV4(std::string_view text);
  // Any IPv6 text form RFC 4291 allows ("2001:db8::1", "::ffff:1.2.3.4", upper or lower case);
  // no zone index, no brackets.
  static std::optional<IpAddress> parseV6(std::string_view text);
  // Either family: a strict dotted quad, else IPv6 text.
  static std::optional<IpAddress> parse(std::string_view text);

  IpFamily family() const { return family_; }
  bool isV4() const { return family_ == IpFamily::V4; }
  unsigned bitLength() const { return isV4() ? 32 : 128; }
  std::uint32_t v4() const;                                             // host order; IPv4 only
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // network order

  // "a.b.c.d", or IPv6 in RFC 5952 canonical form ("2001:db8::1"; "::ffff:a.b.c.d" for an
  // IPv4-mapped address).
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
  std::string toString() const;  // "a.b.c.d/len" or "2001:db8::/64"
  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace ibsr
