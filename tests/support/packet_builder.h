// Builds test frames layer by layer (Ethernet, VLAN tags, IPv4/IPv6, TCP/UDP, ARP, payload) and
// prints the scapy expression that produces the same bytes, so a failing case can be replayed
// with `sendp(<expr>, iface=...)` or inspected with `<expr>.show2()`.
//
// Fields not set keep the defaults below. Lengths, protocol numbers and checksums are computed
// the way scapy computes them unless overridden (an override is printed in the scapy expression).
// All multi-byte fields are given in host order and written in network order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ibsr::testing {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint16_t kEthPIpv4 = 0x0800;
inline constexpr std::uint16_t kEthPArp = 0x0806;
inline constexpr std::uint16_t kEthPIpv6 = 0x86dd;
inline constexpr std::uint16_t kEthP8021Q = 0x8100;
inline constexpr std::uint16_t kEthP8021AD = 0x88a8;

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

// One IPv4 option. Types 0 (EOL) and 1 (NOP) are single bytes; any other type is written as
// type, length (2 + data size), data.
struct IpOption {
  std::uint8_t type = 1;
  Bytes data;
};

// One TCP option, same encoding rule as IpOption (kinds 0 and 1 are single bytes).
struct TcpOption {
  std::uint8_t kind = 1;
  Bytes data;
};

struct Ether {
  std::string src = "02:00:00:00:00:01";
  std::string dst = "02:00:00:00:00:02";
  std::optional<std::uint16_t> type;  // default: from the next layer
};

struct Vlan {
  std::uint16_t tpid = kEthP8021Q;  // kEthP8021Q (C-tag) or kEthP8021AD (S-tag)
  std::uint16_t vid = 100;
  std::optional<std::uint16_t> type;  // encapsulated EtherType; default: from the next layer
};

struct Ipv4 {
  std::string src = "10.0.0.1";
  std::string dst = "10.0.0.2";
  std::uint16_t id = 1;
  std::uint8_t ttl = 64;
  bool df = false;
  bool mf = false;
  std::uint16_t fragOffset = 0;              // in 8-byte units
  std::vector<IpOption> options;             // zero-padded to a multiple of 4 bytes, like scapy
  std::optional<std::uint8_t> ihl;           // default: from the options
  std::optional<std::uint16_t> totalLength;  // default: header + payload
  std::optional<std::uint8_t> protocol;      // default: from the next layer
  std::optional<std::uint8_t> version;       // default: 4
};

struct Ipv6 {
  std::string src = "fd00::1";
  std::string dst = "fd00::2";
  std::uint8_t hopLimit = 64;
  std::optional<std::uint8_t> nextHeader;      // default: from the next layer
  std::optional<std::uint16_t> payloadLength;  // default: everything after the header
};

inline constexpr std::uint8_t kIpv6HopByHop = 0;
inline constexpr std::uint8_t kIpv6Routing = 43;
inline constexpr std::uint8_t kIpv6Fragment = 44;
inline constexpr std::uint8_t kIpv6DestOpts = 60;

// One IPv6 extension header. Hop-by-hop and destination options are (hdrLen + 1) * 8 bytes of
// one PadN option; routing is an empty type-253 (experimental) header with segments left 0; the
// fragment header is 8 bytes (hdrLen ignored).
struct Ipv6Ext {
  std::uint8_t type = kIpv6HopByHop;       // kIpv6*
  std::uint8_t hdrLen = 0;                 // 8-byte units beyond the first 8
  std::uint16_t fragOffset = 0;            // fragment: in 8-byte units
  bool mf = false;                         // fragment: more fragments
  std::uint32_t id = 1;                    // fragment: identification
  std::optional<std::uint8_t> nextHeader;  // default: from the next layer
};

struct Tcp {
  std::uint16_t sport = 40000;
  std::uint16_t dport = 80;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;  // kTcp* bits
  std::uint16_t window = 8192;
  std::vector<TcpOption> options;          // zero-padded to a multiple of 4 bytes, like scapy
  std::optional<std::uint8_t> dataOffset;  // in 32-bit words; default: from the options
};

struct Udp {
  std::uint16_t sport = 40000;
  std::uint16_t dport = 53;
};

struct Arp {
  std::uint16_t op = 1;
  std::string hwsrc = "02:00:00:00:00:01";
  std::string psrc = "10.0.0.1";
  std::string hwdst = "00:00:00:00:00:00";
  std::string pdst = "10.0.0.2";
};

struct Payload {
  Bytes data;
};

class PacketBuilder {
 public:
  using Layer = std::variant<Ether, Vlan, Ipv4, Ipv6, Ipv6Ext, Tcp, Udp, Arp, Payload>;

  PacketBuilder& ether(Ether e = {});
  PacketBuilder& vlan(Vlan v = {});
  PacketBuilder& ipv4(Ipv4 ip = {});
  PacketBuilder& ipv6(Ipv6 ip = {});
  PacketBuilder& ipv6Ext(Ipv6Ext ext = {});
  PacketBuilder& tcp(Tcp t = {});
  PacketBuilder& udp(Udp u = {});
  PacketBuilder& arp(Arp a = {});
  PacketBuilder& payload(Bytes data);
  PacketBuilder& payload(std::size_t size, std::uint8_t fill = 'x');
  // Pads the frame with zeros up to `frameSize` bytes that no length field covers, like the
  // Ethernet minimum-size padding (no-op when the frame is already that long).
  PacketBuilder& padTo(std::size_t frameSize);
  // Keeps only the first `size` bytes of the built frame.
  PacketBuilder& truncate(std::size_t size);

  Bytes build() const;
  std::string scapy() const;

  // Bytes from the start of the frame to the end of the last header (IP/TCP options included,
  // payload and trailer excluded), computed from the layers as built before truncation.
  std::size_t headerLength() const;

 private:
  Bytes buildFrom(std::size_t index, const Layer* network) const;
  std::string scapyLayers() const;

  std::vector<Layer> layers_;
  std::optional<std::size_t> truncate_;
  std::size_t padTo_ = 0;
};

// "{a, b, c}" hex dump helper for failure messages.
std::string hexDump(const Bytes& bytes);

}  // namespace ibsr::testing
