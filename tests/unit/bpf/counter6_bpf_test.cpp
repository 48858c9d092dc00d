// The IPv6 path of bpf/counter.bpf.c under BPF_PROG_TEST_RUN: each case loads the program with
// IPv6 counting at a prefix length, runs its frames in order and compares the WHOLE IPv6 map
// (and the IPv4 map, which IPv6 frames must never touch). Every run must return XDP_PASS and
// leave the frame unchanged. A failure prints the scapy expression of the frame.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "counter_checks.h"
#include "ibsr_abi.h"
#include "packet_builder.h"
#include "xdp_test_run.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace ibsr::testing {
namespace {

constexpr std::uint16_t kPort = 8899;
constexpr std::uint16_t kOtherPort = 8900;
constexpr std::uint8_t kIcmpv6 = 58;
const char* const kSrc = "2001:db8:1:2::5";
const char* const kSrcNet64 = "2001:db8:1:2::";  // its /64 as the key text

PacketBuilder v6From(const char* src, Tcp t, Ipv6 ip = {}) {
  ip.src = src;
  return PacketBuilder().ether().ipv6(ip).tcp(t);
}
PacketBuilder syn6(const char* src = kSrc, std::uint16_t port = kPort) {
  return v6From(src, {.dport = port, .seq = 1, .flags = kTcpSyn});
}
// A SYN behind the given extension headers.
PacketBuilder synBehind(const std::vector<Ipv6Ext>& exts) {
  PacketBuilder p;
  p.ether().ipv6({.src = kSrc});
  for (const Ipv6Ext& e : exts) p.ipv6Ext(e);
  return p.tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn});
}

PacketBuilder ipv4Syn() {
  return PacketBuilder()
      .ether()
      .ipv4({.src = "192.168.1.1"})
      .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn});
}

Counter6Map::value_type entry6(const char* prefix, std::uint16_t port, Counters c) {
  return {Counter6Key{prefix, port}, c};
}
// A SYN of 60 bytes (40 + 20) plus `ext` bytes of extension headers.
Counters synOf(std::uint64_t n, std::uint64_t ext = 0) {
  return {.syn = n, .packets = n, .bytes = n * (60 + ext)};
}

struct Case6 {
  const char* name;
  const char* description;
  std::uint32_t prefixLen;
  std::vector<PacketBuilder> packets;
  Counter6Map expected;
};

std::ostream& operator<<(std::ostream& os, const Case6& c) {
  return os << c.name;
}

std::vector<PacketBuilder> rotatingInsideOneSlash64(int n) {
  std::vector<PacketBuilder> v;
  for (int i = 1; i <= n; ++i)
    v.push_back(syn6(("2001:db8:1:2:" + std::to_string(i) + "::" + std::to_string(i)).c_str()));
  return v;
}

std::vector<Case6> cases() {
  const Ipv6Ext hop{.type = kIpv6HopByHop};
  const Ipv6Ext dst24{.type = kIpv6DestOpts, .hdrLen = 2};
  const Ipv6Ext routing{.type = kIpv6Routing, .hdrLen = 1};
  const Ipv6Ext firstFrag{.type = kIpv6Fragment, .fragOffset = 0, .mf = true};
  const Ipv6Ext laterFrag{.type = kIpv6Fragment, .fragOffset = 185, .mf = false};
  return {
      {"Syn",
       "SYN: key is the /64, bytes = payload length + 40",
       64,
       {syn6()},
       {entry6(kSrcNet64, kPort, synOf(1))}},
      {"HandshakeAck",
       "pure ACK with seq > 0: ack and handshake_ack",
       64,
       {v6From(kSrc, {.dport = kPort, .seq = 7, .ack = 9, .flags = kTcpAck})},
       {entry6(kSrcNet64, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 60})}},
      {"AckSeqZero",
       "pure ACK with seq 0 is not a handshake ACK",
       64,
       {v6From(kSrc, {.dport = kPort, .seq = 0, .ack = 9, .flags = kTcpAck})},
       {entry6(kSrcNet64, kPort, {.ack = 1, .packets = 1, .bytes = 60})}},
      {"AckWithPayload",
       "ACK with 100 payload bytes: not a handshake ACK, bytes 160",
       64,
       {v6From(kSrc, {.dport = kPort, .seq = 7, .ack = 9, .flags = kTcpAck}).payload(100)},
       {entry6(kSrcNet64, kPort, {.ack = 1, .packets = 1, .bytes = 160})}},
      {"Rst",
       "RST counted",
       64,
       {v6From(kSrc, {.dport = kPort, .seq = 7, .flags = kTcpRst})},
       {entry6(kSrcNet64, kPort, {.rst = 1, .packets = 1, .bytes = 60})}},
      {"EthernetPadding",
       "a padded minimum-size frame counts the IPv6 length only",
       64,
       {syn6().padTo(128)},
       {entry6(kSrcNet64, kPort, synOf(1))}},
      {"RotationInsideSlash64",
       "8 addresses of one /64 are one key at /64",
       64,
       rotatingInsideOneSlash64(8),
       {entry6(kSrcNet64, kPort, synOf(8))}},
      {"RotationInsideSlash64At128",
       "3 addresses of one /64 are 3 keys at /128",
       128,
       rotatingInsideOneSlash64(3),
       {entry6("2001:db8:1:2:1::1", kPort, synOf(1)), entry6("2001:db8:1:2:2::2", kPort, synOf(1)),
        entry6("2001:db8:1:2:3::3", kPort, synOf(1))}},
      {"PrefixLen48",
       "at /48 two /64s of one /48 share a key; another /48 does not",
       48,
       {syn6("2001:db8:1:2::1"), syn6("2001:db8:1:3::1"), syn6("2001:db8:2::1")},
       {entry6("2001:db8:1::", kPort, synOf(2)), entry6("2001:db8:2::", kPort, synOf(1))}},
      {"PrefixLen1",
       "at /1 the first bit alone keys",
       1,
       {syn6("2001:db8::1"), syn6("fe80::1"), syn6("::1")},
       {entry6("::", kPort, synOf(2)), entry6("8000::", kPort, synOf(1))}},
      {"PrefixLen63",
       "an odd length masks inside a byte",
       63,
       {syn6("2001:db8:1:3:ffff::1")},
       {entry6("2001:db8:1:2::", kPort, synOf(1))}},
      {"TwoPorts",
       "one /64 on two monitored ports: two keys; port 22 is not monitored",
       64,
       {syn6(kSrc, kPort), syn6(kSrc, kOtherPort), syn6(kSrc, 22)},
       {entry6(kSrcNet64, kPort, synOf(1)), entry6(kSrcNet64, kOtherPort, synOf(1))}},
      {"HopByHop",
       "hop-by-hop header (8 bytes) walked; bytes include it",
       64,
       {synBehind({hop})},
       {entry6(kSrcNet64, kPort, synOf(1, 8))}},
      {"DestOptsRoutingChain",
       "hop-by-hop, 24-byte destination options, 16-byte routing",
       64,
       {synBehind({hop, dst24, routing})},
       {entry6(kSrcNet64, kPort, synOf(1, 48))}},
      {"FirstFragment",
       "a first fragment (offset 0, M set) carries TCP: counted",
       64,
       {synBehind({firstFrag})},
       {entry6(kSrcNet64, kPort, synOf(1, 8))}},
      {"NonFirstFragment",
       "a non-first fragment passes uncounted",
       64,
       {synBehind({laterFrag})},
       {}},
      {"SixExtensionHeaders",
       "six extension headers are walked",
       64,
       {synBehind({hop, dst24, routing, dst24, routing, firstFrag})},
       {entry6(kSrcNet64, kPort, synOf(1, 8 + 24 + 16 + 24 + 16 + 8))}},
      {"SevenExtensionHeaders",
       "a seventh extension header ends the walk uncounted",
       64,
       {synBehind({hop, dst24, routing, dst24, routing, dst24, firstFrag})},
       {}},
      {"Vlan",
       "one 802.1Q tag",
       64,
       {PacketBuilder()
            .ether()
            .vlan()
            .ipv6({.src = kSrc})
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {entry6(kSrcNet64, kPort, synOf(1))}},
      {"QinQ",
       "802.1ad then 802.1Q tags, then a hop-by-hop header",
       64,
       {PacketBuilder()
            .ether()
            .vlan({.tpid = kEthP8021AD, .vid = 7})
            .vlan({.tpid = kEthP8021Q, .vid = 8})
            .ipv6({.src = kSrc})
            .ipv6Ext(hop)
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {entry6(kSrcNet64, kPort, synOf(1, 8))}},
      {"Icmpv6",
       "ICMPv6 (echo request) passes uncounted",
       64,
       {PacketBuilder()
            .ether()
            .ipv6({.src = kSrc, .nextHeader = kIcmpv6})
            .payload({128, 0, 0, 0, 0, 1, 0, 1, 0x22, 0xc3, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0})},
       {}},
      {"Udp",
       "UDP to a monitored port passes uncounted",
       64,
       {PacketBuilder().ether().ipv6({.src = kSrc}).udp({.dport = kPort}).payload(20)},
       {}},
      {"UnknownNextHeader",
       "an unwalked next header (ESP 50) before TCP-like bytes: uncounted",
       64,
       {PacketBuilder()
            .ether()
            .ipv6({.src = kSrc, .nextHeader = 50})
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {}},
      {"PayloadLengthShort",
       "payload length below the TCP header: uncounted",
       64,
       {v6From(kSrc, {.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.payloadLength = 19})},
       {}},
      {"JumboPayloadLength",
       "payload length 0 (jumbogram): uncounted",
       64,
       {v6From(kSrc, {.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.payloadLength = 0})},
       {}},
  };
}

class Counter6TableTest : public ::testing::TestWithParam<Case6> {};

TEST_P(Counter6TableTest, VerdictFrameAndExactMaps) {
  const Case6& c = GetParam();
  SCOPED_TRACE(c.description);
  CounterProgram prog({kPort, kOtherPort}, Ipv6Setup{.prefixLen = c.prefixLen});
  runEachPassesUnchanged(prog, c.packets);
  EXPECT_EQ(prog.dump6(), c.expected);
  EXPECT_TRUE(prog.dump().entries.empty()) << "an IPv6 frame touched the IPv4 map";
}

INSTANTIATE_TEST_SUITE_P(Counter6, Counter6TableTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case6>& param) {
                           return std::string(param.param.name);
                         });

// Both families in one program: each goes to its own map, with its own key.
TEST(Counter6Mixed, IPv4AndIPv6GoToTheirOwnMaps) {
  CounterProgram prog({kPort}, Ipv6Setup{});
  runEachPassesUnchanged(prog, {syn6(), ipv4Syn()});
  EXPECT_EQ(prog.dump6(), (Counter6Map{entry6(kSrcNet64, kPort, synOf(1))}));
  EXPECT_EQ(prog.dump().entries,
            (CounterMap{{CounterKey{0xC0A80101, kPort}, {.syn = 1, .packets = 1, .bytes = 40}}}));
}

// --no-ipv6: the IPv6 path is off, IPv6 frames pass uncounted, IPv4 is still counted, and the
// IPv6 map is the one-entry placeholder.
TEST(Counter6Disabled, IPv6PassesUncountedAndTheMapHasOneEntry) {
  CounterProgram prog({kPort});
  runEachPassesUnchanged(prog, {syn6(), synBehind({{.type = kIpv6HopByHop}}), ipv4Syn()});
  EXPECT_TRUE(prog.dump6().empty());
  EXPECT_EQ(prog.dump().entries.size(), 1u);
  expectCounterMap(prog.map6Fd(), 1, sizeof(ibsr_counter6_key));
}

// The IPv6 map is an LRU of exactly --ipv6-map-size entries, with the 20-byte key.
TEST(Counter6MapSize, MaxEntriesBoundsARotatingFloodAt128) {
  constexpr std::uint32_t kMapSize = 16;
  CounterProgram prog({kPort}, Ipv6Setup{.prefixLen = 128, .mapSize = kMapSize});
  for (int i = 0; i < 500; ++i) {
    std::string src = "2001:db8::" + std::to_string(i / 10) + ":" + std::to_string(i % 10 + 1);
    XdpRun run = prog.run(syn6(src.c_str()).build());
    ASSERT_EQ(run.err, 0);
    ASSERT_EQ(run.retval, kXdpPass);
  }
  Counter6Map m = prog.dump6();
  EXPECT_LE(m.size(), kMapSize);
  EXPECT_GT(m.size(), 0u);
  for (const auto& [key, counters] : m) EXPECT_EQ(counters, synOf(1)) << key.first;
  expectCounterMap(prog.map6Fd(), kMapSize, sizeof(ibsr_counter6_key));
}

// Every prefix of the headers (Ethernet, tags, IPv6, each extension header, TCP with options) is
// passed uncounted and unchanged; the complete headers are counted.
TEST(Counter6Truncation, EveryPrefixOfTheHeadersIsNotCounted) {
  const std::vector<TcpOption> mss = {TcpOption{2, {0x05, 0xa0}}, TcpOption{1, {}},
                                      TcpOption{1, {}}, TcpOption{4, {}}};
  const std::vector<PacketBuilder> shapes = {
      syn6(),
      PacketBuilder()
          .ether()
          .vlan({.tpid = kEthP8021AD, .vid = 7})
          .vlan({.tpid = kEthP8021Q, .vid = 8})
          .ipv6({.src = kSrc})
          .ipv6Ext({.type = kIpv6HopByHop})
          .ipv6Ext({.type = kIpv6DestOpts, .hdrLen = 1})
          .ipv6Ext({.type = kIpv6Routing})
          .ipv6Ext({.type = kIpv6Fragment, .mf = true})
          .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn, .options = mss}),
  };
  CounterProgram prog({kPort}, Ipv6Setup{});
  int prefixes = 0;
  checkEveryHeaderPrefix(
      prog, shapes, [&] { return prog.dump6().size(); }, prefixes);
  EXPECT_EQ(prefixes, (14 + 40 + 20 - 14) + (14 + 8 + 40 + 8 + 16 + 8 + 8 + 28 - 14));
}

}  // namespace
}  // namespace ibsr::testing
