// bpf/counter.bpf.c under BPF_PROG_TEST_RUN: each case loads the program with its ports, runs its
// frames in order and then compares the WHOLE map with the expectation (no extra keys). Every run
// must return XDP_PASS and leave the frame byte for byte as it was. A failure prints the scapy
// expression of the frame so it can be replayed on a real interface.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "counter_checks.h"
#include "ibsr_abi.h"
#include "packet_builder.h"
#include "xdp_test_run.h"

// Cases name only the fields they set; GCC 12 warns about designated initializers that leave
// members with default initializers out, which is exactly the intent here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace ibsr::testing {
namespace {

constexpr std::uint16_t kPort = 8899;
constexpr std::uint16_t kOtherPort = 8900;
const char* const kSrcA = "192.168.1.1";
const char* const kSrcB = "10.20.30.40";
const std::uint32_t kSrcANum = 0xC0A80101;  // seed 003's example: 192.168.1.1
const std::uint32_t kSrcBNum = 0x0A141E28;

// IPv4 options: Router Alert (4 bytes, IHL 6) and 40 bytes of options (IHL 15, the maximum).
std::vector<IpOption> routerAlert() {
  return {IpOption{148, {0, 0}}};
}
std::vector<IpOption> fortyOptionBytes() {
  std::vector<IpOption> o = routerAlert();
  for (int i = 0; i < 35; ++i) o.push_back(IpOption{1, {}});
  o.push_back(IpOption{0, {}});
  return o;
}
// TCP options: MSS, SACK permitted, timestamps -> 20 bytes of options, data offset 10.
std::vector<TcpOption> synOptions() {
  return {TcpOption{2, {0x05, 0xb4}}, TcpOption{4, {}}, TcpOption{8, {0, 0, 0, 1, 0, 0, 0, 0}},
          TcpOption{1, {}}, TcpOption{3, {7}}};
}
// NOP NOP timestamps: 12 bytes, data offset 8 (what Linux puts on every ACK).
std::vector<TcpOption> ackOptions() {
  return {TcpOption{1, {}}, TcpOption{1, {}}, TcpOption{8, {0, 0, 0, 2, 0, 0, 0, 1}}};
}
// 40 bytes of TCP options, data offset 15 (the maximum).
std::vector<TcpOption> fortyTcpOptionBytes() {
  std::vector<TcpOption> o = synOptions();
  for (int i = 0; i < 20; ++i) o.push_back(TcpOption{1, {}});
  return o;
}

PacketBuilder tcpFrom(const char* src, Tcp t, Ipv4 ip = {}) {
  ip.src = src;
  return PacketBuilder().ether().ipv4(ip).tcp(t);
}
PacketBuilder tcpPacket(Tcp t, Ipv4 ip = {}) {
  return tcpFrom(kSrcA, t, ip);
}

struct Case {
  const char* name;         // test name suffix
  const char* description;  // what the case shows
  std::vector<std::uint16_t> ports;
  std::vector<PacketBuilder> packets;
  CounterMap expected;  // the whole map after all packets, starting empty
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.name;
}

// The expectation of one entry.
CounterMap::value_type entry(std::uint32_t src, std::uint16_t port, Counters c) {
  return {CounterKey{src, port}, c};
}

std::vector<Case> cases() {
  const std::vector<std::uint16_t> one = {kPort};
  const std::vector<std::uint16_t> eight = {kPort, 22, 80, 443, 8080, 1, 65535, kOtherPort};
  return {
      {"Syn",
       "SYN: syn and packets, bytes = IP total length (20 + 20)",
       one,
       {tcpPacket({.dport = kPort, .seq = 1000, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"SynAck",
       "SYN-ACK: syn and ack; SYN set so not a handshake ACK",
       one,
       {tcpPacket({.dport = kPort, .seq = 5000, .ack = 1001, .flags = kTcpSyn | kTcpAck})},
       {entry(kSrcANum, kPort, {.syn = 1, .ack = 1, .packets = 1, .bytes = 40})}},
      {"PureAckSeqZero",
       "pure ACK with seq 0: ack only, seq 0 is not a handshake ACK",
       one,
       {tcpPacket({.dport = kPort, .seq = 0, .ack = 5001, .flags = kTcpAck})},
       {entry(kSrcANum, kPort, {.ack = 1, .packets = 1, .bytes = 40})}},
      {"PureAckSeqNonZero",
       "pure ACK with seq > 0: ack and handshake_ack",
       one,
       {tcpPacket({.dport = kPort, .seq = 1001, .ack = 5001, .flags = kTcpAck})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 40})}},
      {"PureAckSeqMax",
       "pure ACK with seq 0xffffffff: non-zero, handshake_ack",
       one,
       {tcpPacket({.dport = kPort, .seq = 0xffffffff, .ack = 1, .flags = kTcpAck})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 40})}},
      {"AckWithPayload",
       "ACK carrying 100 bytes: ack, no handshake_ack, bytes 140",
       one,
       {tcpPacket({.dport = kPort, .seq = 1001, .ack = 5001, .flags = kTcpAck | kTcpPsh})
            .payload(100)},
       {entry(kSrcANum, kPort, {.ack = 1, .packets = 1, .bytes = 140})}},
      {"AckWithOneBytePayload",
       "ACK carrying 1 byte: not a handshake ACK",
       one,
       {tcpPacket({.dport = kPort, .seq = 1001, .ack = 5001, .flags = kTcpAck}).payload(1)},
       {entry(kSrcANum, kPort, {.ack = 1, .packets = 1, .bytes = 41})}},
      {"FinAck",
       "FIN-ACK without payload: FIN is not looked at, so ACK/SYN/RST/payload/seq decide and it "
       "counts as handshake_ack",
       one,
       {tcpPacket({.dport = kPort, .seq = 1101, .ack = 5001, .flags = kTcpFin | kTcpAck})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 40})}},
      {"Rst",
       "RST: rst only",
       one,
       {tcpPacket({.dport = kPort, .seq = 1001, .flags = kTcpRst})},
       {entry(kSrcANum, kPort, {.rst = 1, .packets = 1, .bytes = 40})}},
      {"RstAck",
       "RST-ACK: rst and ack; RST set so not a handshake ACK",
       one,
       {tcpPacket({.dport = kPort, .seq = 1001, .ack = 5001, .flags = kTcpRst | kTcpAck})},
       {entry(kSrcANum, kPort, {.ack = 1, .rst = 1, .packets = 1, .bytes = 40})}},
      {"SynWithoutAckFlagsAll",
       "SYN|FIN|RST|PSH|ACK|URG: every flag counter, no handshake_ack",
       one,
       {tcpPacket({.dport = kPort, .seq = 7, .flags = 0x3f})},
       {entry(kSrcANum, kPort, {.syn = 1, .ack = 1, .rst = 1, .packets = 1, .bytes = 40})}},
      {"NoFlags",
       "TCP without flags (null scan): packets and bytes only",
       one,
       {tcpPacket({.dport = kPort, .seq = 7, .flags = 0})},
       {entry(kSrcANum, kPort, {.packets = 1, .bytes = 40})}},
      {"IpOptionsIhl6",
       "IHL 6 (Router Alert): TCP found after the options, bytes 44",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.options = routerAlert()})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 44})}},
      {"IpOptionsIhl15",
       "IHL 15 (40 option bytes): pure ACK still a handshake ACK, bytes 80",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck},
                  {.options = fortyOptionBytes()})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 80})}},
      {"IpOptionsIhl15WithPayload",
       "IHL 15 and 1 payload byte: payload = total - IHL*4 - doff*4",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck},
                  {.options = fortyOptionBytes()})
            .payload(1)},
       {entry(kSrcANum, kPort, {.ack = 1, .packets = 1, .bytes = 81})}},
      {"TcpOptionsSyn",
       "SYN with MSS/SACK/TS/WS options (doff 10): bytes 60",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn, .options = synOptions()})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 60})}},
      {"TcpOptionsPureAck",
       "ACK with timestamps (doff 8), no payload: handshake_ack",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck, .options = ackOptions()})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 52})}},
      {"TcpOptionsDoff15",
       "doff 15 (40 option bytes) with IHL 15, pure ACK: handshake_ack",
       one,
       {tcpPacket(
           {.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck, .options = fortyTcpOptionBytes()},
           {.options = fortyOptionBytes()})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 120})}},
      {"TcpOptionsAckWithPayload",
       "ACK with timestamps and 10 payload bytes: no handshake_ack",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck, .options = ackOptions()})
            .payload(10)},
       {entry(kSrcANum, kPort, {.ack = 1, .packets = 1, .bytes = 62})}},
      {"Vlan8021Q",
       "one 802.1Q tag",
       one,
       {PacketBuilder()
            .ether()
            .vlan({.tpid = kEthP8021Q, .vid = 10})
            .ipv4({.src = kSrcA})
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"Vlan8021AD",
       "one 802.1ad tag",
       one,
       {PacketBuilder()
            .ether()
            .vlan({.tpid = kEthP8021AD, .vid = 10})
            .ipv4({.src = kSrcA})
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"VlanQinQ",
       "802.1ad outer + 802.1Q inner tag",
       one,
       {PacketBuilder()
            .ether()
            .vlan({.tpid = kEthP8021AD, .vid = 100})
            .vlan({.tpid = kEthP8021Q, .vid = 200})
            .ipv4({.src = kSrcA})
            .tcp({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 40})}},
      {"VlanTwo8021Q",
       "two 802.1Q tags",
       one,
       {PacketBuilder()
            .ether()
            .vlan({.tpid = kEthP8021Q, .vid = 100})
            .vlan({.tpid = kEthP8021Q, .vid = 200})
            .ipv4({.src = kSrcA})
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpRst})},
       {entry(kSrcANum, kPort, {.rst = 1, .packets = 1, .bytes = 40})}},
      {"VlanTwo8021AD",
       "two 802.1ad tags",
       one,
       {PacketBuilder()
            .ether()
            .vlan({.tpid = kEthP8021AD, .vid = 100})
            .vlan({.tpid = kEthP8021AD, .vid = 200})
            .ipv4({.src = kSrcA})
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"VlanThreeTagsNotCounted",
       "three tags: beyond IBSR_MAX_VLAN_TAGS, passed uncounted",
       one,
       {PacketBuilder()
            .ether()
            .vlan({.tpid = kEthP8021AD, .vid = 1})
            .vlan({.tpid = kEthP8021Q, .vid = 2})
            .vlan({.tpid = kEthP8021Q, .vid = 3})
            .ipv4({.src = kSrcA})
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {}},
      {"VlanIpv6NotCounted",
       "802.1Q tag carrying IPv6",
       one,
       {PacketBuilder()
            .ether()
            .vlan({.vid = 5})
            .ipv6()
            .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {}},
      {"FirstFragmentCounted",
       "first fragment (MF, offset 0): TCP header present, counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck}, {.mf = true})
            .payload(1000)},
       {entry(kSrcANum, kPort, {.ack = 1, .packets = 1, .bytes = 1040})}},
      {"DontFragmentCounted",
       "DF set, offset 0: not a fragment, counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.df = true})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"MiddleFragmentNotCounted",
       "non-first fragment (MF, offset 185) whose payload looks like a TCP SYN to the port",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.mf = true, .fragOffset = 185})},
       {}},
      {"LastFragmentNotCounted",
       "last fragment (offset 1, MF clear): not counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.fragOffset = 1})},
       {}},
      {"MaxOffsetFragmentNotCounted",
       "fragment offset 0x1fff: not counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.fragOffset = 0x1fff})},
       {}},
      {"Ipv6NotCounted",
       "IPv6 TCP SYN to the port: passed uncounted",
       one,
       {PacketBuilder().ether().ipv6().tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {}},
      {"UdpNotCounted",
       "UDP to the monitored port: not TCP, uncounted",
       one,
       {PacketBuilder()
            .ether()
            .ipv4({.src = kSrcA})
            .udp({.sport = 40000, .dport = kPort})
            .payload(32)},
       {}},
      {"ArpNotCounted", "ARP request", one, {PacketBuilder().ether().arp()}, {}},
      {"IpProtoNotTcpNotCounted",
       "IPv4 protocol 1 (ICMP) carrying TCP-looking bytes",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.protocol = 1})},
       {}},
      {"UnmonitoredPortNotCounted",
       "SYN to another port",
       one,
       {tcpPacket({.dport = kOtherPort, .seq = 1, .flags = kTcpSyn})},
       {}},
      {"SourcePortMonitoredNotCounted",
       "source port is the monitored port, destination is not: only the destination matters",
       one,
       {tcpPacket({.sport = kPort, .dport = 40000, .seq = 1, .flags = kTcpSyn | kTcpAck})},
       {}},
      {"NoPortsConfiguredNotCounted",
       "zero configured ports: nothing is counted",
       {},
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 0, .seq = 1, .flags = kTcpSyn})},
       {}},
      {"OnePortConfigured",
       "1 port: only that port counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = kOtherPort, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 80, .seq = 1, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"EightPortsConfigured",
       "8 ports: each counted under its own key, a ninth port not",
       eight,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 22, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 80, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 443, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 8080, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 1, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 65535, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = kOtherPort, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 8081, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = 0, .seq = 1, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, 22, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, 80, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, 443, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, 8080, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, 1, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, 65535, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, kOtherPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"TotalLengthBelowHeadersNotCounted",
       "IP total length 39 < 20 + 20 header bytes (malformed): not counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.totalLength = 39}),
        tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.totalLength = 20}),
        tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.totalLength = 0}),
        tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn, .options = ackOptions()},
                  {.options = routerAlert(), .totalLength = 55})},
       {}},
      {"TotalLengthEqualsHeadersCounted",
       "IP total length exactly the headers (44 + 32)",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck, .options = ackOptions()},
                  {.options = routerAlert(), .totalLength = 56})},
       {entry(kSrcANum, kPort, {.ack = 1, .handshakeAck = 1, .packets = 1, .bytes = 56})}},
      {"TcpOptionsBeyondFrameNotCounted",
       "doff 10 and total length 60 but the frame ends after 20 TCP bytes: options cut, not "
       "counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn, .dataOffset = 10},
                  {.totalLength = 60})},
       {}},
      {"TotalLengthBeyondFrameCounted",
       "total length 1500 but only the headers in the frame (the linear part of a multi-buffer "
       "XDP frame): counted, bytes = IP total length, payload 1460 so no handshake_ack",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck}, {.totalLength = 1500})},
       {entry(kSrcANum, kPort, {.ack = 1, .packets = 1, .bytes = 1500})}},
      {"IpVersionNotFourNotCounted",
       "EtherType IPv4 but version nibble 6: not counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.version = 6})},
       {}},
      {"IhlBelowFiveNotCounted",
       "IHL 4 (malformed): not counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}, {.ihl = 4})},
       {}},
      {"DoffBelowFiveNotCounted",
       "TCP data offset 4 (malformed): not counted",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn, .dataOffset = 4})},
       {}},
      {"EthernetPaddingNotInBytes",
       "frame padded to 60 bytes: bytes is the IP total length (40) and the 6 padding bytes are "
       "not payload, so the pure ACK is a handshake ACK",
       one,
       {tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck}).padTo(60),
        tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}).padTo(60)},
       {entry(kSrcANum, kPort,
              {.syn = 1, .ack = 1, .handshakeAck = 1, .packets = 2, .bytes = 80})}},
      {"BytesAccumulate",
       "SYN, pure ACK, ACK+100 bytes, RST from one source: sums per key",
       one,
       {tcpPacket({.dport = kPort, .seq = 1000, .flags = kTcpSyn}),
        tcpPacket({.dport = kPort, .seq = 1001, .ack = 5001, .flags = kTcpAck}),
        tcpPacket({.dport = kPort, .seq = 1001, .ack = 5001, .flags = kTcpAck | kTcpPsh})
            .payload(100),
        tcpPacket({.dport = kPort, .seq = 1101, .flags = kTcpRst}, {.options = routerAlert()})},
       {entry(kSrcANum, kPort,
              {.syn = 1,
               .ack = 2,
               .handshakeAck = 1,
               .rst = 1,
               .packets = 4,
               .bytes = 40 + 40 + 140 + 44})}},
      {"TwoSources",
       "two sources: one key each, counted independently",
       one,
       {tcpFrom(kSrcA, {.dport = kPort, .seq = 1, .flags = kTcpSyn}),
        tcpFrom(kSrcB, {.dport = kPort, .seq = 1, .flags = kTcpSyn}),
        tcpFrom(kSrcB, {.dport = kPort, .seq = 2, .ack = 1, .flags = kTcpAck}),
        tcpFrom(kSrcA, {.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 2, .packets = 2, .bytes = 80}),
        entry(kSrcBNum, kPort,
              {.syn = 1, .ack = 1, .handshakeAck = 1, .packets = 2, .bytes = 80})}},
      {"OneSourceTwoPorts",
       "one source, two monitored ports: two keys",
       {kPort, kOtherPort},
       {tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}),
        tcpPacket({.dport = kOtherPort, .seq = 1, .flags = kTcpSyn})},
       {entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(kSrcANum, kOtherPort, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"SourceByteOrder",
       "source 1.2.3.4 is key 0x01020304 (MSB-first), port 0xfffe",
       {0xfffe},
       {tcpFrom("1.2.3.4", {.dport = 0xfffe, .seq = 1, .flags = kTcpSyn})},
       {entry(0x01020304, 0xfffe, {.syn = 1, .packets = 1, .bytes = 40})}},
      {"ExtremeSources",
       "sources 0.0.0.0 and 255.255.255.255 are ordinary keys",
       one,
       {tcpFrom("0.0.0.0", {.dport = kPort, .seq = 1, .flags = kTcpSyn}),
        tcpFrom("255.255.255.255", {.dport = kPort, .seq = 1, .flags = kTcpSyn})},
       {entry(0, kPort, {.syn = 1, .packets = 1, .bytes = 40}),
        entry(0xffffffff, kPort, {.syn = 1, .packets = 1, .bytes = 40})}},
  };
}

class CounterTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(CounterTableTest, VerdictFrameAndExactMap) {
  const Case& c = GetParam();
  SCOPED_TRACE(c.description);
  CounterProgram prog(c.ports);
  runEachPassesUnchanged(prog, c.packets);
  MapDump d = prog.dump();
  EXPECT_EQ(d.entries, c.expected);
  for (std::uint16_t pad : d.pads) EXPECT_EQ(pad, 0) << "key padding must be zero";
}

INSTANTIATE_TEST_SUITE_P(Counter, CounterTableTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return std::string(param.param.name);
                         });

// The 8-byte key as stored: src_ip (host order), dst_port, then two zero bytes. Userspace must be
// able to find an entry with a zero-initialised key; any garbage in the pad would split entries.
TEST(CounterKey, PaddingIsZeroAndKeyIsFoundByExactBytes) {
  CounterProgram prog({kPort});
  for (int i = 0; i < 3; ++i) {
    XdpRun run = prog.run(tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}).build());
    ASSERT_EQ(run.err, 0);
    ASSERT_EQ(run.retval, kXdpPass);
  }
  std::uint8_t raw[8];
  ASSERT_EQ(bpf_map_get_next_key(prog.mapFd(), nullptr, raw), 0);
  std::uint8_t next[8];
  EXPECT_NE(bpf_map_get_next_key(prog.mapFd(), raw, next), 0) << "exactly one key expected";
  ibsr_counter_key expected{};
  expected.src_ip = kSrcANum;
  expected.dst_port = kPort;
  EXPECT_EQ(std::memcmp(raw, &expected, sizeof raw), 0);
  EXPECT_EQ(raw[6], 0);
  EXPECT_EQ(raw[7], 0);
  ibsr_counters v{};
  ASSERT_EQ(bpf_map_lookup_elem(prog.mapFd(), &expected, &v), 0);
  EXPECT_EQ(v.syn, 3u);
  EXPECT_EQ(v.packets, 3u);
  expected.pad = 1;
  EXPECT_NE(bpf_map_lookup_elem(prog.mapFd(), &expected, &v), 0);
}

// Every prefix of the headers (Ethernet, tags, IPv4 with options, TCP with options) is passed
// uncounted and unchanged; the full headers are counted (so the loop stops at the right byte).
TEST(CounterTruncation, EveryPrefixOfTheHeadersIsNotCounted) {
  const std::vector<PacketBuilder> shapes = {
      tcpPacket({.dport = kPort, .seq = 1, .flags = kTcpSyn}),
      tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck, .options = ackOptions()},
                {.options = routerAlert()})
          .payload(20),
      PacketBuilder()
          .ether()
          .vlan({.tpid = kEthP8021AD, .vid = 7})
          .vlan({.tpid = kEthP8021Q, .vid = 8})
          .ipv4({.src = kSrcA, .options = fortyOptionBytes()})
          .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn, .options = fortyTcpOptionBytes()}),
      PacketBuilder()
          .ether()
          .vlan({.tpid = kEthP8021Q, .vid = 9})
          .ipv4({.src = kSrcA})
          .tcp({.dport = kPort, .seq = 1, .flags = kTcpRst, .options = synOptions()}),
  };
  CounterProgram prog({kPort});
  int prefixes = 0;
  checkEveryHeaderPrefix(
      prog, shapes, [&] { return prog.dump().entries.size(); }, prefixes);
  EXPECT_GT(prefixes, 200);
}

// --map-size: max_entries set before load bounds the map; a spoofed flood of 1000 sources keeps
// it at <= 16 entries (LRU eviction) and every packet still passes unchanged.
TEST(CounterMapSize, MaxEntriesBoundsASpoofedFlood) {
  constexpr std::uint32_t kMapSize = 16;
  CounterProgram prog({kPort}, kMapSize);
  std::size_t maxSeen = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    std::string src = "172.16." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    Bytes frame = tcpFrom(src.c_str(), {.dport = kPort, .seq = i + 1, .flags = kTcpSyn}).build();
    XdpRun run = prog.run(frame);
    ASSERT_EQ(run.err, 0);
    ASSERT_EQ(run.retval, kXdpPass);
    ASSERT_EQ(run.out, frame);
    MapDump d = prog.dump();
    ASSERT_LE(d.entries.size(), kMapSize) << "after " << i + 1 << " sources";
    maxSeen = std::max(maxSeen, d.entries.size());
    for (const auto& [key, counters] : d.entries) {
      ASSERT_EQ(key.second, kPort);
      ASSERT_EQ(counters, (Counters{.syn = 1, .packets = 1, .bytes = 40}));
    }
  }
  EXPECT_GT(maxSeen, 0u);
  expectCounterMap(prog.mapFd(), kMapSize, sizeof(ibsr_counter_key));
}

// Only the first monitored_port_count slots are ports; the rest of the array is ignored.
TEST(CounterPorts, OnlyTheFirstPortCountSlotsAreMonitored) {
  CounterProgram prog({kPort, kOtherPort, 22}, 100000, 0, 2);
  for (std::uint16_t port : {kPort, kOtherPort, std::uint16_t{22}}) {
    Bytes frame = tcpPacket({.dport = port, .seq = 1, .flags = kTcpSyn}).build();
    XdpRun run = prog.run(frame);
    ASSERT_EQ(run.err, 0);
    EXPECT_EQ(run.retval, kXdpPass);
    EXPECT_EQ(run.out, frame);
  }
  EXPECT_EQ(prog.dump().entries,
            (CounterMap{entry(kSrcANum, kPort, {.syn = 1, .packets = 1, .bytes = 40}),
                        entry(kSrcANum, kOtherPort, {.syn = 1, .packets = 1, .bytes = 40})}));
}

// A count above IBSR_MAX_PORTS (the collector rejects it) still reads only the 8 slots.
TEST(CounterPorts, CountAboveMaximumReadsOnlyTheArray) {
  const std::vector<std::uint16_t> ports = {1, 2, 3, 4, 5, 6, 7, 8};
  CounterProgram prog(ports, 100000, 0, 1000);
  CounterMap expected;
  for (std::uint16_t port = 1; port <= 9; ++port) {
    Bytes frame = tcpPacket({.dport = port, .seq = 1, .flags = kTcpSyn}).build();
    XdpRun run = prog.run(frame);
    ASSERT_EQ(run.err, 0);
    EXPECT_EQ(run.retval, kXdpPass);
    if (port <= 8) expected.insert(entry(kSrcANum, port, {.syn = 1, .packets = 1, .bytes = 40}));
  }
  EXPECT_EQ(prog.dump().entries, expected);
}

// Runs `body` on each CPU at once (one thread pinned per CPU), released together.
void onEveryCpu(const std::function<void()>& body) {
  const unsigned cpus = std::max(2u, std::thread::hardware_concurrency());
  std::latch start(cpus);
  std::vector<std::thread> threads;
  for (unsigned cpu = 0; cpu < cpus; ++cpu) {
    threads.emplace_back([&, cpu] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu % std::thread::hardware_concurrency(), &set);
      pthread_setaffinity_np(pthread_self(), sizeof set, &set);
      start.arrive_and_wait();
      body();
    });
  }
  for (std::thread& t : threads) t.join();
}

// Counters are updated with atomic adds: runs on every CPU at once lose no increment.
TEST(CounterConcurrency, OneKeyFromEveryCpuLosesNoCount) {
  constexpr std::uint32_t kRepeat = 1000000;
  CounterProgram prog({kPort});
  const Bytes frame =
      tcpPacket({.dport = kPort, .seq = 1, .ack = 1, .flags = kTcpAck}).payload(10).build();
  std::atomic<int> failures{0};
  onEveryCpu([&] {
    XdpRun run = prog.run(frame, kRepeat);
    if (run.err != 0 || run.retval != kXdpPass) ++failures;
  });
  ASSERT_EQ(failures.load(), 0);
  const std::uint64_t n =
      std::uint64_t{kRepeat} * std::max(2u, std::thread::hardware_concurrency());
  EXPECT_EQ(prog.dump().entries,
            (CounterMap{entry(kSrcANum, kPort, {.ack = n, .packets = n, .bytes = 50 * n})}));
}

// Every CPU sends the same sequence of new sources at the same time, so some first packets race
// to insert the same key: the loser's BPF_NOEXIST insert fails and it must add to the winner's
// entry instead, so every key ends with exactly one count per CPU.
TEST(CounterConcurrency, RacingInsertsOfNewKeysLoseNoCount) {
  constexpr std::uint32_t kSources = 3000;
  CounterProgram prog({kPort});
  std::vector<Bytes> frames;
  for (std::uint32_t i = 0; i < kSources; ++i) {
    std::string src = "10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    frames.push_back(tcpFrom(src.c_str(), {.dport = kPort, .seq = 1, .flags = kTcpSyn}).build());
  }
  std::atomic<int> failures{0};
  onEveryCpu([&] {
    for (const Bytes& frame : frames) {
      XdpRun run = prog.run(frame);
      if (run.err != 0 || run.retval != kXdpPass) ++failures;
    }
  });
  ASSERT_EQ(failures.load(), 0);
  const std::uint64_t cpus = std::max(2u, std::thread::hardware_concurrency());
  CounterMap expected;
  for (std::uint32_t i = 0; i < kSources; ++i)
    expected.insert(
        entry(0x0A090000u + i, kPort, {.syn = cpus, .packets = cpus, .bytes = 40 * cpus}));
  EXPECT_EQ(prog.dump().entries, expected);
}

}  // namespace
}  // namespace ibsr::testing
