// BPF_PROG_TEST_RUN table for bpf/payload.bpf.c: every case checks the verdict (TC_ACT_UNSPEC),
// that the frame is unchanged, and the exact ring-buffer records (or their absence) and per-CPU
// counters. Needs root / CAP_BPF like the counter table.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "packet_builder.h"
#include "payload/event.h"
#include "payload/payload_program.h"

namespace ibsr::payload {
namespace {

namespace pb = ibsr::testing;
using pb::Bytes;
using pb::PacketBuilder;
constexpr std::uint32_t kTcActUnspec = 0xffffffffU;
constexpr std::uint16_t kPort = 8545;

Bytes wireBytes(const __u32 (&words)[4]) {
  Bytes b(16);
  std::memcpy(b.data(), words, 16);
  return b;
}

Bytes v6Bytes(const char* text) {
  auto a = IpAddress::parseV6(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a ? Bytes(a->bytes().begin(), a->bytes().end()) : Bytes{};
}

// One frame of a BPF_PROG_TEST_RUN table and the record (or none) it must produce.
struct TableCase {
  std::string what;
  PacketBuilder b;
  bool egress;
  int records;  // 0 or 1
  std::uint32_t payloadLen;
  std::optional<std::uint32_t> capLen = std::nullopt;  // default: payloadLen
};

struct Captured {
  ibsr_payload_event_hdr hdr;
  Bytes data;
};

int onRecord(void* ctx, void* data, size_t size) {
  auto* out = static_cast<std::vector<Captured>*>(ctx);
  auto seg = decodeEvent(data, size);
  if (!seg) return 0;
  Captured c{};
  std::memcpy(&c.hdr, data, sizeof(c.hdr));
  c.data.assign(seg->data.begin(), seg->data.end());
  out->push_back(std::move(c));
  return 0;
}

class PayloadBpfTest : public ::testing::Test {
 protected:
  void load(std::uint32_t snaplen = 512, std::uint64_t cap = 0, std::uint64_t ring = 1 << 20,
            bool noIpv6 = false) {
    PayloadOptions o;
    o.common.noIpv6 = noIpv6;
    o.common.dstPorts = {443, kPort};
    o.snaplen = snaplen;
    o.maxBytesPerFlow = cap;
    o.ringbufBytes = ring;
    o.maxFlows = 64;
    auto p = PayloadProgram::load(o);
    ASSERT_TRUE(p.ok()) << p.error().message;
    prog_ = std::move(p.value());
    rb_ = ring_buffer__new(prog_->ringbufFd(), onRecord, &records_, nullptr);
    ASSERT_NE(rb_, nullptr);
  }
  void TearDown() override {
    if (rb_) ring_buffer__free(rb_);
  }
  // Runs one frame through ingress (or egress) and returns the records it produced.
  std::vector<Captured> run(const PacketBuilder& b, bool egress = false,
                            std::uint32_t gsoSize = 0) {
    Bytes in = b.build();
    __sk_buff ctx{};
    ctx.gso_size = gsoSize;
    ctx.gso_segs = gsoSize ? 2 : 0;
    Bytes out(in.size() + 64);
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = in.data();
    opts.data_size_in = static_cast<__u32>(in.size());
    opts.data_out = out.data();
    opts.data_size_out = static_cast<__u32>(out.size());
    opts.repeat = 1;
    if (gsoSize) {
      opts.ctx_in = &ctx;
      opts.ctx_size_in = sizeof(ctx);
    }
    int err = bpf_prog_test_run_opts(egress ? prog_->egressFd() : prog_->ingressFd(), &opts);
    EXPECT_EQ(err, 0) << b.scapy();
    EXPECT_EQ(opts.retval, kTcActUnspec) << b.scapy();
    out.resize(opts.data_size_out);
    EXPECT_EQ(out, in) << "frame modified: " << b.scapy();
    records_.clear();
    ring_buffer__consume(rb_);
    return records_;
  }
  static pb::Tcp tcpHeader(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
                           std::uint32_t seq = 1000) {
    pb::Tcp t;
    t.sport = sport;
    t.dport = dport;
    t.flags = flags;
    t.seq = seq;
    return t;
  }
  PacketBuilder tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
                    std::size_t payload, std::uint32_t seq = 1000) {
    pb::Ipv4 ip;
    ip.src = "192.168.1.7";
    ip.dst = "10.0.0.1";
    PacketBuilder b;
    b.ether().ipv4(ip).tcp(tcpHeader(sport, dport, flags, seq));
    if (payload) b.payload(payload, 'p');
    return b;
  }

  // Runs every case; returns how many records they produced.
  int runTable(const std::vector<TableCase>& cases, std::uint8_t family) {
    int records = 0;
    for (const auto& c : cases) {
      auto r = run(c.b, c.egress);
      EXPECT_EQ(static_cast<int>(r.size()), c.records) << c.what << ": " << c.b.scapy();
      records += static_cast<int>(r.size());
      if (r.size() != 1 || !c.records) continue;
      std::uint32_t capLen = c.capLen.value_or(c.payloadLen);
      EXPECT_EQ(r[0].hdr.family, family) << c.what;
      EXPECT_EQ(r[0].hdr.payload_len, c.payloadLen) << c.what;
      EXPECT_EQ(r[0].hdr.cap_len, capLen) << c.what;
      EXPECT_EQ(r[0].hdr.direction, c.egress ? IBSR_PAYLOAD_DIR_EGRESS : IBSR_PAYLOAD_DIR_INGRESS)
          << c.what;
      EXPECT_EQ(r[0].data.size(), capLen) << c.what;
    }
    return records;
  }
  PacketBuilder tcp6(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
                     std::size_t payload, std::uint32_t seq = 1000) {
    PacketBuilder b;
    b.ether().ipv6(v6Addresses()).tcp(tcpHeader(sport, dport, flags, seq));
    if (payload) b.payload(payload, 'p');
    return b;
  }
  static pb::Ipv6 v6Addresses() {
    pb::Ipv6 ip;
    ip.src = "2001:db8::7";
    ip.dst = "fd00::1";
    return ip;
  }

  std::unique_ptr<PayloadProgram> prog_;
  ring_buffer* rb_ = nullptr;
  std::vector<Captured> records_;
};

// Both families: the record's addresses in wire order (IPv4 in the first word, the rest zero;
// IPv6 all 16 bytes), the family, and the addresses userspace decodes from them.
TEST_F(PayloadBpfTest, RequestDataIsCopiedUpToSnaplen) {
  load(512);
  struct Case {
    PacketBuilder b;
    std::uint8_t family;
    Bytes src, dst;
    std::string srcText, dstText;
  };
  Case cases[] = {
      {tcp(40000, kPort, pb::kTcpAck | pb::kTcpPsh, 1000, 77), IBSR_PAYLOAD_FAMILY_IPV4,
       Bytes{192, 168, 1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       Bytes{10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "192.168.1.7", "10.0.0.1"},
      {tcp6(40000, kPort, pb::kTcpAck | pb::kTcpPsh, 1000, 77), IBSR_PAYLOAD_FAMILY_IPV6,
       v6Bytes("2001:db8::7"), v6Bytes("fd00::1"), "2001:db8::7", "fd00::1"},
  };
  for (const auto& c : cases) {
    auto r = run(c.b);
    ASSERT_EQ(r.size(), 1u) << c.srcText;
    const auto& h = r[0].hdr;
    EXPECT_EQ(h.family, c.family);
    EXPECT_EQ(wireBytes(h.src_addr), c.src);
    EXPECT_EQ(wireBytes(h.dst_addr), c.dst);
    EXPECT_EQ(h.src_port, 40000);
    EXPECT_EQ(h.dst_port, kPort);
    EXPECT_EQ(h.seq, 77u);
    EXPECT_EQ(h.payload_len, 1000u);
    EXPECT_EQ(h.cap_len, 512u);
    EXPECT_EQ(h.direction, IBSR_PAYLOAD_DIR_INGRESS);
    EXPECT_EQ(h.tcp_flags, pb::kTcpAck | pb::kTcpPsh);
    EXPECT_EQ(h.capped, 0);
    EXPECT_GT(h.ts_ns, 0u);
    EXPECT_EQ(r[0].data, Bytes(512, 'p'));
    Bytes record(sizeof(h) + r[0].data.size());
    std::memcpy(record.data(), &h, sizeof(h));
    std::memcpy(record.data() + sizeof(h), r[0].data.data(), r[0].data.size());
    auto seg = decodeEvent(record.data(), record.size());
    ASSERT_TRUE(seg.has_value());
    EXPECT_EQ(seg->srcIp.toString(), c.srcText);
    EXPECT_EQ(seg->dstIp.toString(), c.dstText);
  }
}

TEST_F(PayloadBpfTest, Table) {
  load(4096);
  pb::Vlan inner;
  inner.vid = 7;
  PacketBuilder vlan;
  vlan.ether().vlan().vlan(inner).ipv4().tcp(tcpHeader(40000, kPort, pb::kTcpAck)).payload(10);
  pb::Ipv4 fragIp;
  fragIp.fragOffset = 8;
  PacketBuilder frag;
  frag.ether().ipv4(fragIp).tcp(tcpHeader(40000, kPort, 0)).payload(10);
  pb::Udp udpHeader;
  udpHeader.dport = kPort;
  PacketBuilder udp;
  udp.ether().ipv4().udp(udpHeader).payload(10);
  PacketBuilder padded = tcp(40000, kPort, pb::kTcpAck, 3);
  padded.padTo(60);  // Ethernet padding is not payload
  pb::Ipv4 optIp;
  optIp.options = {{7, Bytes(6, 0)}};
  pb::Tcp optTcp = tcpHeader(40000, kPort, pb::kTcpAck);
  optTcp.options = {{2, {0x05, 0xb4}}, {1, {}}};
  PacketBuilder opts;
  opts.ether().ipv4(optIp).tcp(optTcp).payload(33);
  std::vector<TableCase> cases = {
      {"request data, whole payload fits", tcp(40000, kPort, pb::kTcpAck, 1460), false, 1, 1460,
       1460},
      {"pure ACK: no record", tcp(40000, kPort, pb::kTcpAck, 0), false, 0, 0, 0},
      {"SYN: header-only record", tcp(40000, kPort, pb::kTcpSyn, 0), false, 1, 0, 0},
      {"FIN: header-only record", tcp(40000, kPort, pb::kTcpFin | pb::kTcpAck, 0), false, 1, 0, 0},
      {"RST: header-only record", tcp(40000, kPort, pb::kTcpRst, 0), false, 1, 0, 0},
      {"second monitored port", tcp(40000, 443, pb::kTcpAck, 5), false, 1, 5, 5},
      {"unmonitored port", tcp(40000, 8546, pb::kTcpAck, 5), false, 0, 0, 0},
      {"ingress ignores the source port", tcp(kPort, 40000, pb::kTcpAck, 5), false, 0, 0, 0},
      {"egress response (source port monitored)", tcp(kPort, 40000, pb::kTcpAck, 700), true, 1, 700,
       700},
      {"egress ignores the destination port", tcp(40000, kPort, pb::kTcpAck, 5), true, 0, 0, 0},
      {"two VLAN tags", vlan, false, 1, 10, 10},
      {"IP and TCP options", opts, false, 1, 33, 33},
      {"Ethernet padding excluded", padded, false, 1, 3, 3},
      {"non-first fragment", frag, false, 0, 0, 0},
      {"UDP", udp, false, 0, 0, 0},
  };
  runTable(cases, IBSR_PAYLOAD_FAMILY_IPV4);
  auto t = prog_->cpuTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->events, 9u);  // the cases above that expect a record (IPv6: Ipv6Table)
  EXPECT_EQ(t->ringbufDrops, 0u);
}

// The IPv6 parse paths: extension headers (walked as counter.bpf.c walks them), VLAN tags,
// fragments, other protocols, the payload length field, and truncation at every byte inside
// the headers (never a record, always the pass verdict, frame unchanged).
TEST_F(PayloadBpfTest, Ipv6Table) {
  load(4096);
  auto ext = [](std::uint8_t type, std::uint8_t hdrLen = 0, std::uint16_t fragOffset = 0) {
    pb::Ipv6Ext e;
    e.type = type;
    e.hdrLen = hdrLen;
    e.fragOffset = fragOffset;
    e.mf = type == pb::kIpv6Fragment;
    return e;
  };
  auto withExts = [&](std::vector<pb::Ipv6Ext> exts, std::size_t payload = 40) {
    PacketBuilder b;
    b.ether().ipv6(v6Addresses());
    for (const auto& e : exts) b.ipv6Ext(e);
    b.tcp(tcpHeader(40000, kPort, pb::kTcpAck)).payload(payload, 'p');
    return b;
  };
  pb::Vlan inner;
  inner.vid = 7;
  PacketBuilder vlan;
  vlan.ether().vlan().vlan(inner).ipv6().tcp(tcpHeader(40000, kPort, pb::kTcpAck)).payload(10, 'p');
  pb::Udp udpHeader;
  udpHeader.dport = kPort;
  PacketBuilder udp;
  udp.ether().ipv6().udp(udpHeader).payload(10);
  pb::Ipv6 icmpIp;
  icmpIp.nextHeader = 58;  // ICMPv6
  PacketBuilder icmp;
  icmp.ether().ipv6(icmpIp).payload(64);
  PacketBuilder padded = tcp6(40000, kPort, pb::kTcpAck, 3);
  padded.padTo(200);  // bytes after the IPv6 payload length are not payload
  pb::Ipv6 bigTcp = v6Addresses();
  bigTcp.payloadLength = 0;  // BIG TCP super-packet: the skb length is the truth
  PacketBuilder big;
  big.ether().ipv6(bigTcp).tcp(tcpHeader(40000, kPort, pb::kTcpAck)).payload(900, 'p');
  pb::Ipv6 shortIp = v6Addresses();
  shortIp.payloadLength = 10;  // below the TCP header: no payload
  PacketBuilder shortAck;
  shortAck.ether().ipv6(shortIp).tcp(tcpHeader(40000, kPort, pb::kTcpAck)).payload(20);
  PacketBuilder shortSyn;
  shortSyn.ether().ipv6(shortIp).tcp(tcpHeader(40000, kPort, pb::kTcpSyn)).payload(20);
  std::vector<pb::Ipv6Ext> six(6, ext(pb::kIpv6DestOpts));
  std::vector<pb::Ipv6Ext> seven(7, ext(pb::kIpv6DestOpts));
  std::vector<TableCase> cases = {
      {"request", tcp6(40000, kPort, pb::kTcpAck, 1400), false, 1, 1400},
      {"pure ACK: no record", tcp6(40000, kPort, pb::kTcpAck, 0), false, 0, 0},
      {"SYN: header-only record", tcp6(40000, kPort, pb::kTcpSyn, 0), false, 1, 0},
      {"unmonitored port", tcp6(40000, 8546, pb::kTcpAck, 5), false, 0, 0},
      {"egress response", tcp6(kPort, 40000, pb::kTcpAck, 700), true, 1, 700},
      {"egress ignores the destination port", tcp6(40000, kPort, pb::kTcpAck, 5), true, 0, 0},
      {"hop-by-hop", withExts({ext(pb::kIpv6HopByHop)}), false, 1, 40},
      {"hop-by-hop 24 bytes, routing, destination options",
       withExts({ext(pb::kIpv6HopByHop, 2), ext(pb::kIpv6Routing), ext(pb::kIpv6DestOpts, 1)}),
       false, 1, 40},
      {"first fragment", withExts({ext(pb::kIpv6Fragment)}), false, 1, 40},
      {"non-first fragment", withExts({ext(pb::kIpv6Fragment, 0, 8)}), false, 0, 0},
      {"six extension headers", withExts(six), false, 1, 40},
      {"seven extension headers: beyond the walk", withExts(seven), false, 0, 0},
      {"two VLAN tags", vlan, false, 1, 10},
      {"UDP", udp, false, 0, 0},
      {"ICMPv6", icmp, false, 0, 0},
      {"bytes after the payload length excluded", padded, false, 1, 3},
      {"payload length 0 (BIG TCP)", big, false, 1, 900},
      {"payload length below the headers, ACK: no record", shortAck, false, 0, 0},
      {"payload length below the headers, SYN: header-only", shortSyn, false, 1, 0},
  };
  int expected = runTable(cases, IBSR_PAYLOAD_FAMILY_IPV6);
  // Cut inside every header of VLAN + IPv6 + hop-by-hop + fragment + TCP.
  PacketBuilder full;
  full.ether().vlan().ipv6().ipv6Ext(ext(pb::kIpv6HopByHop)).ipv6Ext(ext(pb::kIpv6Fragment));
  full.tcp(tcpHeader(40000, kPort, pb::kTcpSyn));
  for (std::size_t size = 14; size < full.headerLength(); ++size) {
    PacketBuilder cut = full;
    cut.truncate(size);
    EXPECT_EQ(run(cut).size(), 0u) << "truncated to " << size;
  }
  EXPECT_EQ(run(full).size(), 1u);
  ++expected;
  auto t = prog_->cpuTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->events, static_cast<std::uint64_t>(expected));
  EXPECT_EQ(t->loadErrors, 0u);
}

TEST_F(PayloadBpfTest, Ipv6GsoSkbIsRecordedAsWireSegments) {
  load(512);
  auto r = run(tcp6(kPort, 40000, pb::kTcpAck | pb::kTcpFin, 2500, 9000), true, 1000);
  ASSERT_EQ(r.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r[i].hdr.family, IBSR_PAYLOAD_FAMILY_IPV6) << i;
    EXPECT_EQ(wireBytes(r[i].hdr.src_addr), v6Bytes("2001:db8::7")) << i;
    EXPECT_EQ(r[i].hdr.seq, 9000u + 1000u * i) << i;
    EXPECT_EQ(r[i].hdr.payload_len, i == 2 ? 500u : 1000u) << i;
  }
}

// --no-ipv6 turns the IPv6 path off in the TC programs too; IPv4 is recorded as before.
TEST_F(PayloadBpfTest, NoIpv6PassesIpv6FramesUnrecorded) {
  load(512, 0, 1 << 20, true);
  EXPECT_EQ(run(tcp6(40000, kPort, pb::kTcpSyn, 0)).size(), 0u);
  EXPECT_EQ(run(tcp6(40000, kPort, pb::kTcpAck, 100)).size(), 0u);
  EXPECT_EQ(run(tcp(40000, kPort, pb::kTcpAck, 100)).size(), 1u);
  auto t = prog_->cpuTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->events, 1u);
}

// The cap map's key holds the family and all 16 address bytes: an IPv4 flow whose address bytes
// equal the first four of an IPv6 flow's, and an IPv6 flow differing only in its last address
// byte, each get their own allowance.
TEST_F(PayloadBpfTest, PerFlowCapKeysIpv6FlowsByFamilyAndAllAddressBytes) {
  load(512, 700);
  auto flow6 = [&](const char* src, std::uint32_t seq) {
    pb::Ipv6 ip;
    ip.src = src;
    ip.dst = "a00:1::";
    PacketBuilder b;
    b.ether().ipv6(ip).tcp(tcpHeader(40000, kPort, pb::kTcpAck, seq)).payload(500, 'p');
    return run(b);
  };
  pb::Ipv4 ip4;
  ip4.src = "10.0.0.2";
  ip4.dst = "10.0.0.1";
  PacketBuilder v4;
  v4.ether().ipv4(ip4).tcp(tcpHeader(40000, kPort, pb::kTcpAck, 1)).payload(500, 'p');
  auto a = flow6("a00:2::", 1);
  auto b = flow6("a00:2::", 501);
  auto other = flow6("a00:2::1", 1);
  auto sameLeadingBytes = run(v4);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(other.size(), 1u);
  ASSERT_EQ(sameLeadingBytes.size(), 1u);
  EXPECT_EQ(a[0].hdr.cap_len, 500u);
  EXPECT_EQ(b[0].hdr.cap_len, 200u);
  EXPECT_EQ(b[0].hdr.capped, 1);
  EXPECT_EQ(other[0].hdr.cap_len, 500u);
  EXPECT_EQ(sameLeadingBytes[0].hdr.cap_len, 500u);
  EXPECT_EQ(sameLeadingBytes[0].hdr.capped, 0);
}

// Egress TC runs before software segmentation (and GRO merges on receive): a GSO skb is
// recorded as the wire segments it stands for, each with its own first `snaplen` bytes.
TEST_F(PayloadBpfTest, GsoSkbIsRecordedAsWireSegments) {
  load(512);
  auto r = run(tcp(kPort, 40000, pb::kTcpAck | pb::kTcpPsh | pb::kTcpFin, 2500, 9000), true, 1000);
  ASSERT_EQ(r.size(), 3u);
  const std::uint32_t lens[] = {1000, 1000, 500};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r[i].hdr.seq, 9000u + 1000u * i) << i;
    EXPECT_EQ(r[i].hdr.payload_len, lens[i]) << i;
    EXPECT_EQ(r[i].hdr.cap_len, std::min<std::uint32_t>(lens[i], 512)) << i;
    EXPECT_EQ(r[i].hdr.direction, IBSR_PAYLOAD_DIR_EGRESS) << i;
    EXPECT_EQ(r[i].hdr.tcp_flags, i == 2 ? (pb::kTcpAck | pb::kTcpPsh | pb::kTcpFin) : pb::kTcpAck)
        << i;
  }
}

TEST_F(PayloadBpfTest, PerFlowCapSendsHeaderOnlyRecordsAfterTheCap) {
  load(512, 700);
  auto a = run(tcp(40000, kPort, pb::kTcpAck, 500, 1));
  auto b = run(tcp(40000, kPort, pb::kTcpAck, 500, 501));
  auto c = run(tcp(40000, kPort, pb::kTcpAck, 500, 1001));
  auto other = run(tcp(40001, kPort, pb::kTcpAck, 500, 1));  // another flow: its own allowance
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(c.size(), 1u);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(a[0].hdr.cap_len, 500u);
  EXPECT_EQ(a[0].hdr.capped, 0);
  EXPECT_EQ(b[0].hdr.cap_len, 200u);
  EXPECT_EQ(b[0].hdr.capped, 1);
  EXPECT_EQ(c[0].hdr.cap_len, 0u);
  EXPECT_EQ(c[0].hdr.payload_len, 500u);
  EXPECT_EQ(c[0].hdr.capped, 1);
  EXPECT_EQ(other[0].hdr.cap_len, 500u);
  auto t = prog_->cpuTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->capped, 2u);
}

TEST_F(PayloadBpfTest, FullRingBufferDropsTheRecordNotThePacket) {
  load(4096, 0, 4096);
  int got = 0;
  for (int i = 0; i < 10; ++i) {
    // Not consumed between runs: the 4 KiB ring holds 2 records of 1500 bytes.
    Bytes in = tcp(40000, kPort, pb::kTcpAck, 1460).build();
    Bytes out(in.size() + 64);
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = in.data();
    opts.data_size_in = static_cast<__u32>(in.size());
    opts.data_out = out.data();
    opts.data_size_out = static_cast<__u32>(out.size());
    ASSERT_EQ(bpf_prog_test_run_opts(prog_->ingressFd(), &opts), 0);
    EXPECT_EQ(opts.retval, kTcActUnspec);
    ++got;
  }
  EXPECT_EQ(got, 10);
  auto t = prog_->cpuTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->events, 2u);
  EXPECT_EQ(t->ringbufDrops, 8u);
  records_.clear();
  ring_buffer__consume(rb_);
  EXPECT_EQ(records_.size(), 2u);
}

}  // namespace
}  // namespace ibsr::payload
