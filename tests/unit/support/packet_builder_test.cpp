// The packet builder's bytes against scapy's: every printed expression, evaluated by scapy, must
// give exactly the bytes the builder produced, or a replayed failure would replay something else.
#include "packet_builder.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// Cases name only the fields they set; GCC 12 warns about designated initializers that leave
// members with default initializers out, which is exactly the intent here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace ibsr::testing {
namespace {

std::vector<PacketBuilder> samples() {
  std::vector<TcpOption> tcpOpts = {TcpOption{2, {0x05, 0xb4}}, TcpOption{1, {}}, TcpOption{3, {7}},
                                    TcpOption{4, {}}};
  std::vector<IpOption> ipOpts = {IpOption{148, {0, 0}}, IpOption{1, {}}, IpOption{0, {}}};
  return {
      PacketBuilder().ether().ipv4().tcp({.dport = 8899, .seq = 1, .flags = kTcpSyn}),
      PacketBuilder()
          .ether()
          .ipv4({.src = "192.168.1.1", .id = 7, .ttl = 3, .df = true})
          .tcp({.sport = 1, .dport = 2, .seq = 0xffffffff, .ack = 9, .flags = 0x3f, .window = 1}),
      PacketBuilder()
          .ether()
          .ipv4({.options = ipOpts})
          .tcp({.dport = 80, .flags = kTcpAck, .options = tcpOpts})
          .payload(33),
      PacketBuilder().ether().ipv4({.options = {IpOption{1, {}}}}).tcp({.dport = 80}),
      PacketBuilder()
          .ether({.src = "aa:bb:cc:dd:ee:ff", .dst = "ff:ff:ff:ff:ff:ff"})
          .vlan({.tpid = kEthP8021AD, .vid = 100})
          .vlan({.tpid = kEthP8021Q, .vid = 4095})
          .ipv4({.mf = true, .fragOffset = 185})
          .tcp({.dport = 80, .flags = kTcpSyn}),
      PacketBuilder().ether().vlan({.tpid = kEthP8021Q}).vlan({.tpid = kEthP8021Q}).ipv4().udp(),
      PacketBuilder().ether().ipv4({.totalLength = 30}).tcp({.dport = 1, .flags = kTcpRst}),
      PacketBuilder()
          .ether()
          .ipv4({.ihl = 4, .totalLength = 300})
          .tcp({.dport = 1, .dataOffset = 4}),
      PacketBuilder().ether().ipv4({.protocol = 1}).tcp({.dport = 1}),
      PacketBuilder().ether().ipv4({.version = 6}).tcp({.dport = 1}),
      PacketBuilder().ether().ipv4().udp({.sport = 5, .dport = 6}).payload(11),
      PacketBuilder().ether().ipv6().tcp({.dport = 8899, .seq = 5, .flags = kTcpSyn}).payload(3),
      PacketBuilder().ether().ipv6({.src = "2001:db8::1", .hopLimit = 1}).udp().payload(4),
      PacketBuilder().ether().arp(),
      PacketBuilder().ether().ipv4().tcp({.dport = 80, .flags = kTcpAck}).padTo(60),
      PacketBuilder().ether().vlan().ipv4().tcp({.dport = 80, .flags = kTcpAck}).truncate(30),
  };
}

// One line per sample: the hex of bytes(<expr>), printed by Debian's python3 with scapy.
std::vector<std::string> scapyHex(const std::vector<PacketBuilder>& packets) {
  std::string script = ::testing::TempDir() + "ibsr_packet_builder_test.py";
  {
    std::ofstream py(script);
    py << "import logging\nlogging.getLogger('scapy.runtime').setLevel(logging.ERROR)\n"
       << "from scapy.all import *\n";
    for (const PacketBuilder& p : packets) py << "print(bytes(" << p.scapy() << ").hex())\n";
  }
  std::string command = "/usr/bin/python3 " + script;
  FILE* f = popen(command.c_str(), "r");
  if (!f) return {};
  std::vector<std::string> lines;
  char buf[8192];
  while (std::fgets(buf, sizeof buf, f)) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    lines.push_back(line);
  }
  int status = pclose(f);
  EXPECT_EQ(status, 0) << command
                       << " failed (python3-scapy is installed by scripts/install-deps.sh)";
  return lines;
}

std::string hex(const Bytes& b) {
  std::string s;
  char buf[4];
  for (std::uint8_t c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    s += buf;
  }
  return s;
}

TEST(PacketBuilder, ScapyExpressionBuildsTheSameBytes) {
  std::vector<PacketBuilder> packets = samples();
  std::vector<std::string> fromScapy = scapyHex(packets);
  ASSERT_EQ(fromScapy.size(), packets.size());
  for (std::size_t i = 0; i < packets.size(); ++i)
    EXPECT_EQ(hex(packets[i].build()), fromScapy[i]) << packets[i].scapy();
}

TEST(PacketBuilder, LengthsAndHeaderLength) {
  PacketBuilder p;
  p.ether()
      .vlan()
      .ipv4({.options = {IpOption{148, {0, 0}}}})
      .tcp({.options = {TcpOption{2, {0x05, 0xb4}}}})
      .payload(10);
  Bytes b = p.build();
  EXPECT_EQ(p.headerLength(), 14u + 4 + 24 + 24);
  ASSERT_EQ(b.size(), p.headerLength() + 10);
  EXPECT_EQ(b[18], 0x46);                         // version 4, IHL 6
  EXPECT_EQ((b[20] << 8) | b[21], 24 + 24 + 10);  // total length
  EXPECT_EQ(b[18 + 24 + 12] >> 4, 6);             // data offset 6
  p.truncate(20);
  EXPECT_EQ(p.build().size(), 20u);
}

}  // namespace
}  // namespace ibsr::testing
