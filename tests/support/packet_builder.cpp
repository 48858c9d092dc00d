#include "packet_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <type_traits>

namespace ibsr::testing {
namespace {

constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoUdp = 17;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

void put8(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v));
}
void put16(Bytes& b, unsigned v) {
  put8(b, (v >> 8) & 0xff);
  put8(b, v & 0xff);
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
void set16(Bytes& b, std::size_t at, unsigned v) {
  b[at] = static_cast<std::uint8_t>((v >> 8) & 0xff);
  b[at + 1] = static_cast<std::uint8_t>(v & 0xff);
}
void append(Bytes& b, const Bytes& more) {
  b.insert(b.end(), more.begin(), more.end());
}

Bytes mac(const std::string& text) {
  unsigned v[6];
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    throw std::invalid_argument("bad MAC address: " + text);
  Bytes b;
  for (unsigned x : v) put8(b, x);
  return b;
}

Bytes addr4(const std::string& text) {
  Bytes b(4);
  if (inet_pton(AF_INET, text.c_str(), b.data()) != 1)
    throw std::invalid_argument("bad IPv4 address: " + text);
  return b;
}

Bytes addr6(const std::string& text) {
  Bytes b(16);
  if (inet_pton(AF_INET6, text.c_str(), b.data()) != 1)
    throw std::invalid_argument("bad IPv6 address: " + text);
  return b;
}

// RFC 1071 sum folded to 16 bits, not yet complemented.
std::uint32_t sum16(const Bytes& b, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i < b.size(); i += 2) {
    unsigned hi = b[i];
    unsigned lo = i + 1 < b.size() ? b[i + 1] : 0;
    sum += (hi << 8) | lo;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

std::uint16_t checksum(const Bytes& b) {
  return static_cast<std::uint16_t>(~sum16(b) & 0xffff);
}

// Options encoded as kind/type byte, then (unless 0 or 1) length and data; zero-padded to 4.
template <typename Option, typename KindOf>
Bytes encodeOptions(const std::vector<Option>& options, KindOf kindOf) {
  Bytes b;
  for (const Option& o : options) {
    put8(b, kindOf(o));
    if (kindOf(o) > 1) {
      put8(b, static_cast<unsigned>(2 + o.data.size()));
      append(b, o.data);
    }
  }
  while (b.size() % 4) put8(b, 0);
  return b;
}

Bytes ipOptions(const Ipv4& ip) {
  return encodeOptions(ip.options, [](const IpOption& o) { return o.type; });
}

Bytes tcpOptions(const Tcp& t) {
  return encodeOptions(t.options, [](const TcpOption& o) { return o.kind; });
}

std::string pyBytes(const Bytes& b) {
  std::string s = "b'";
  char buf[8];
  for (std::uint8_t c : b) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    s += buf;
  }
  return s + "'";
}

std::string hex16(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

// EtherType announced for the layer after position `i` (0 when none fits).
std::uint16_t etherTypeOf(const std::vector<PacketBuilder::Layer>& layers, std::size_t i) {
  if (i >= layers.size()) return 0;
  return std::visit(Overloaded{
                        [](const Vlan& v) -> std::uint16_t { return v.tpid; },
                        [](const Ipv4&) -> std::uint16_t { return kEthPIpv4; },
                        [](const Ipv6&) -> std::uint16_t { return kEthPIpv6; },
                        [](const Arp&) -> std::uint16_t { return kEthPArp; },
                        [](const auto&) -> std::uint16_t { return 0; },
                    },
                    layers[i]);
}

std::uint8_t ipProtoOf(const std::vector<PacketBuilder::Layer>& layers, std::size_t i) {
  if (i >= layers.size()) return 0;
  if (std::holds_alternative<Tcp>(layers[i])) return kIpProtoTcp;
  if (std::holds_alternative<Udp>(layers[i])) return kIpProtoUdp;
  if (const auto* ext = std::get_if<Ipv6Ext>(&layers[i])) return ext->type;
  return 0;
}

std::size_t extLength(const Ipv6Ext& e) {
  return e.type == kIpv6Fragment ? 8 : (std::size_t{e.hdrLen} + 1) * 8;
}

}  // namespace

PacketBuilder& PacketBuilder::ether(Ether e) {
  layers_.emplace_back(std::move(e));
  return *this;
}
PacketBuilder& PacketBuilder::vlan(Vlan v) {
  layers_.emplace_back(std::move(v));
  return *this;
}
PacketBuilder& PacketBuilder::ipv4(Ipv4 ip) {
  layers_.emplace_back(std::move(ip));
  return *this;
}
PacketBuilder& PacketBuilder::ipv6(Ipv6 ip) {
  layers_.emplace_back(std::move(ip));
  return *this;
}
PacketBuilder& PacketBuilder::ipv6Ext(Ipv6Ext ext) {
  layers_.emplace_back(std::move(ext));
  return *this;
}
PacketBuilder& PacketBuilder::tcp(Tcp t) {
  layers_.emplace_back(std::move(t));
  return *this;
}
PacketBuilder& PacketBuilder::udp(Udp u) {
  layers_.emplace_back(std::move(u));
  return *this;
}
PacketBuilder& PacketBuilder::arp(Arp a) {
  layers_.emplace_back(std::move(a));
  return *this;
}
PacketBuilder& PacketBuilder::payload(Bytes data) {
  layers_.emplace_back(Payload{std::move(data)});
  return *this;
}
PacketBuilder& PacketBuilder::payload(std::size_t size, std::uint8_t fill) {
  return payload(Bytes(size, fill));
}
PacketBuilder& PacketBuilder::padTo(std::size_t frameSize) {
  padTo_ = frameSize;
  return *this;
}
PacketBuilder& PacketBuilder::truncate(std::size_t size) {
  truncate_ = size;
  return *this;
}

// `network` is the nearest enclosing Ipv4/Ipv6 layer, for the TCP/UDP pseudo-header.
Bytes PacketBuilder::buildFrom(std::size_t i, const Layer* network) const {
  if (i >= layers_.size()) return {};
  const Layer& layer = layers_[i];
  const Layer* inner = network;
  if (std::holds_alternative<Ipv4>(layer) || std::holds_alternative<Ipv6>(layer)) inner = &layer;
  Bytes rest = buildFrom(i + 1, inner);

  // Pseudo-header sum for a transport segment of `segment` bytes (scapy's in4_chksum/in6_chksum).
  auto pseudoSum = [&](std::uint8_t proto, std::size_t segment) -> std::uint32_t {
    Bytes ph;
    if (network && std::holds_alternative<Ipv4>(*network)) {
      const Ipv4& ip = std::get<Ipv4>(*network);
      std::size_t len = segment;
      if (ip.totalLength) {
        std::size_t ihl = ip.ihl ? *ip.ihl : 5 + ipOptions(ip).size() / 4;
        len = *ip.totalLength > 4 * ihl ? *ip.totalLength - 4 * ihl : 0;
      }
      append(ph, addr4(ip.src));
      append(ph, addr4(ip.dst));
      put8(ph, 0);
      put8(ph, proto);
      put16(ph, static_cast<unsigned>(len));
    } else if (network && std::holds_alternative<Ipv6>(*network)) {
      const Ipv6& ip = std::get<Ipv6>(*network);
      append(ph, addr6(ip.src));
      append(ph, addr6(ip.dst));
      put32(ph, static_cast<std::uint32_t>(segment));
      put32(ph, proto);
    }
    return sum16(ph);
  };

  Bytes out;
  std::visit(
      Overloaded{
          [&](const Ether& e) {
            append(out, mac(e.dst));
            append(out, mac(e.src));
            put16(out, e.type.value_or(etherTypeOf(layers_, i + 1)));
          },
          [&](const Vlan& v) {
            // The TPID is the EtherType field of the layer before; a tag adds TCI + EtherType.
            put16(out, v.vid & 0x0fff);
            put16(out, v.type.value_or(etherTypeOf(layers_, i + 1)));
          },
          [&](const Ipv4& ip) {
            Bytes opts = ipOptions(ip);
            unsigned ihl = ip.ihl ? *ip.ihl : static_cast<unsigned>(5 + opts.size() / 4);
            put8(out, (ip.version.value_or(4) << 4) | (ihl & 0x0f));
            put8(out, 0);
            put16(out, ip.totalLength ? *ip.totalLength
                                      : static_cast<unsigned>(20 + opts.size() + rest.size()));
            put16(out, ip.id);
            put16(out, (ip.df ? 0x4000u : 0u) | (ip.mf ? 0x2000u : 0u) | (ip.fragOffset & 0x1fffu));
            put8(out, ip.ttl);
            put8(out, ip.protocol.value_or(ipProtoOf(layers_, i + 1)));
            put16(out, 0);
            append(out, addr4(ip.src));
            append(out, addr4(ip.dst));
            append(out, opts);
            set16(out, 10, checksum(out));
          },
          [&](const Ipv6& ip) {
            put32(out, 0x60000000u);
            put16(out, ip.payloadLength.value_or(static_cast<unsigned>(rest.size())));
            put8(out, ip.nextHeader.value_or(ipProtoOf(layers_, i + 1)));
            put8(out, ip.hopLimit);
            append(out, addr6(ip.src));
            append(out, addr6(ip.dst));
          },
          [&](const Ipv6Ext& e) {
            put8(out, e.nextHeader.value_or(ipProtoOf(layers_, i + 1)));
            if (e.type == kIpv6Fragment) {
              put8(out, 0);
              put16(out, static_cast<unsigned>((e.fragOffset << 3) | (e.mf ? 1 : 0)));
              put32(out, e.id);
              return;
            }
            put8(out, e.hdrLen);
            const std::size_t body = extLength(e) - 2;
            if (e.type == kIpv6Routing) {
              put8(out, 253);  // routing type: experimental
              put8(out, 0);    // segments left
              out.resize(out.size() + body - 2, 0);
              return;
            }
            put8(out, 1);  // PadN over the rest of the header
            put8(out, static_cast<std::uint8_t>(body - 2));
            out.resize(out.size() + body - 2, 0);
          },
          [&](const Tcp& t) {
            Bytes opts = tcpOptions(t);
            unsigned doff =
                t.dataOffset ? *t.dataOffset : static_cast<unsigned>(5 + opts.size() / 4);
            put16(out, t.sport);
            put16(out, t.dport);
            put32(out, t.seq);
            put32(out, t.ack);
            put8(out, (doff & 0x0f) << 4);
            put8(out, t.flags);
            put16(out, t.window);
            put16(out, 0);  // checksum
            put16(out, 0);  // urgent pointer
            append(out, opts);
            Bytes segment = out;
            append(segment, rest);
            std::uint32_t s = sum16(segment, pseudoSum(kIpProtoTcp, segment.size()));
            set16(out, 16, ~s & 0xffff);
          },
          [&](const Udp& u) {
            put16(out, u.sport);
            put16(out, u.dport);
            put16(out, static_cast<unsigned>(8 + rest.size()));
            put16(out, 0);
            Bytes segment = out;
            append(segment, rest);
            unsigned c = ~sum16(segment, pseudoSum(kIpProtoUdp, segment.size())) & 0xffff;
            set16(out, 6, c == 0 ? 0xffff : c);
          },
          [&](const Arp& a) {
            put16(out, 1);
            put16(out, kEthPIpv4);
            put8(out, 6);
            put8(out, 4);
            put16(out, a.op);
            append(out, mac(a.hwsrc));
            append(out, addr4(a.psrc));
            append(out, mac(a.hwdst));
            append(out, addr4(a.pdst));
          },
          [&](const Payload& p) { append(out, p.data); },
      },
      layer);
  append(out, rest);
  return out;
}

Bytes PacketBuilder::build() const {
  Bytes b = buildFrom(0, nullptr);
  if (b.size() < padTo_) b.resize(padTo_, 0);
  if (truncate_ && *truncate_ < b.size()) b.resize(*truncate_);
  return b;
}

std::size_t PacketBuilder::headerLength() const {
  std::size_t n = 0;
  for (const Layer& layer : layers_) {
    n += std::visit(Overloaded{
                        [](const Ether&) -> std::size_t { return 14; },
                        [](const Vlan&) -> std::size_t { return 4; },
                        [](const Ipv4& ip) -> std::size_t { return 20 + ipOptions(ip).size(); },
                        [](const Ipv6&) -> std::size_t { return 40; },
                        [](const Ipv6Ext& e) -> std::size_t { return extLength(e); },
                        [](const Tcp& t) -> std::size_t { return 20 + tcpOptions(t).size(); },
                        [](const Udp&) -> std::size_t { return 8; },
                        [](const Arp&) -> std::size_t { return 28; },
                        [](const Payload&) -> std::size_t { return 0; },
                    },
                    layer);
  }
  return n;
}

std::string PacketBuilder::scapyLayers() const {
  std::string s;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (i) s += "/";
    s += std::visit(
        Overloaded{
            [&](const Ether& e) {
              return "Ether(src=" + quoted(e.src) + ", dst=" + quoted(e.dst) +
                     ", type=" + hex16(e.type.value_or(etherTypeOf(layers_, i + 1))) + ")";
            },
            [&](const Vlan& v) {
              return std::string(v.tpid == kEthP8021AD ? "Dot1AD" : "Dot1Q") +
                     "(vlan=" + std::to_string(v.vid) +
                     ", type=" + hex16(v.type.value_or(etherTypeOf(layers_, i + 1))) + ")";
            },
            [&](const Ipv4& ip) {
              std::string r = "IP(src=" + quoted(ip.src) + ", dst=" + quoted(ip.dst) +
                              ", id=" + std::to_string(ip.id) + ", ttl=" + std::to_string(ip.ttl) +
                              ", flags=" + std::to_string((ip.df ? 2 : 0) | (ip.mf ? 1 : 0)) +
                              ", frag=" + std::to_string(ip.fragOffset) + ", proto=" +
                              std::to_string(ip.protocol.value_or(ipProtoOf(layers_, i + 1)));
              if (ip.ihl) r += ", ihl=" + std::to_string(*ip.ihl);
              if (ip.version) r += ", version=" + std::to_string(*ip.version);
              if (ip.totalLength) r += ", len=" + std::to_string(*ip.totalLength);
              if (!ip.options.empty()) {
                r += ", options=[";
                for (std::size_t k = 0; k < ip.options.size(); ++k) {
                  const IpOption& o = ip.options[k];
                  if (k) r += ", ";
                  if (o.type == 0) {
                    r += "IPOption_EOL()";
                  } else if (o.type == 1) {
                    r += "IPOption_NOP()";
                  } else {
                    r += "IPOption(copy_flag=" + std::to_string(o.type >> 7) +
                         ", optclass=" + std::to_string((o.type >> 5) & 3) +
                         ", option=" + std::to_string(o.type & 0x1f) +
                         ", value=" + pyBytes(o.data) + ")";
                  }
                }
                r += "]";
              }
              return r + ")";
            },
            [&](const Ipv6& ip) {
              return "IPv6(src=" + quoted(ip.src) + ", dst=" + quoted(ip.dst) +
                     ", hlim=" + std::to_string(ip.hopLimit) +
                     ", nh=" + std::to_string(ip.nextHeader.value_or(ipProtoOf(layers_, i + 1))) +
                     (ip.payloadLength ? ", plen=" + std::to_string(*ip.payloadLength) : "") + ")";
            },
            [&](const Ipv6Ext& e) {
              std::string nh =
                  "nh=" + std::to_string(e.nextHeader.value_or(ipProtoOf(layers_, i + 1)));
              if (e.type == kIpv6Fragment)
                return "IPv6ExtHdrFragment(" + nh + ", offset=" + std::to_string(e.fragOffset) +
                       ", m=" + std::to_string(e.mf ? 1 : 0) + ", id=" + std::to_string(e.id) + ")";
              if (e.type == kIpv6Routing)
                return "IPv6ExtHdrRouting(" + nh + ", len=" + std::to_string(e.hdrLen) +
                       ", type=253, segleft=0)";
              std::string pad =
                  "options=[PadN(optdata=b'\\x00' * " + std::to_string(extLength(e) - 4) + ")]";
              return std::string(e.type == kIpv6HopByHop ? "IPv6ExtHdrHopByHop("
                                                         : "IPv6ExtHdrDestOpt(") +
                     nh + ", " + pad + ")";
            },
            [&](const Tcp& t) {
              std::string r =
                  "TCP(sport=" + std::to_string(t.sport) + ", dport=" + std::to_string(t.dport) +
                  ", seq=" + std::to_string(t.seq) + ", ack=" + std::to_string(t.ack) +
                  ", flags=" + std::to_string(t.flags) + ", window=" + std::to_string(t.window);
              if (t.dataOffset) r += ", dataofs=" + std::to_string(*t.dataOffset);
              if (!t.options.empty()) {
                r += ", options=[";
                for (std::size_t k = 0; k < t.options.size(); ++k) {
                  const TcpOption& o = t.options[k];
                  if (k) r += ", ";
                  if (o.kind == 0)
                    r += "('EOL', None)";
                  else if (o.kind == 1)
                    r += "('NOP', None)";
                  else
                    r += "(" + std::to_string(o.kind) + ", " + pyBytes(o.data) + ")";
                }
                r += "]";
              }
              return r + ")";
            },
            [&](const Udp& u) {
              return "UDP(sport=" + std::to_string(u.sport) + ", dport=" + std::to_string(u.dport) +
                     ")";
            },
            [&](const Arp& a) {
              return "ARP(op=" + std::to_string(a.op) + ", hwsrc=" + quoted(a.hwsrc) +
                     ", psrc=" + quoted(a.psrc) + ", hwdst=" + quoted(a.hwdst) +
                     ", pdst=" + quoted(a.pdst) + ")";
            },
            [&](const Payload& p) { return "Raw(load=" + pyBytes(p.data) + ")"; },
        },
        layers_[i]);
  }
  return s;
}

std::string PacketBuilder::scapy() const {
  std::string s = scapyLayers();
  std::size_t built = buildFrom(0, nullptr).size();
  if (padTo_ > built) s += "/Padding(load=b'\\x00'*" + std::to_string(padTo_ - built) + ")";
  if (truncate_ && *truncate_ < std::max(built, padTo_))
    s = "Raw(load=bytes(" + s + ")[:" + std::to_string(*truncate_) + "])";
  return s;
}

std::string hexDump(const Bytes& bytes) {
  std::string s;
  char buf[4];
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    if (i && i % 16 == 0)
      s += "\n";
    else if (i)
      s += " ";
    s += buf;
  }
  return s;
}

}  // namespace ibsr::testing
