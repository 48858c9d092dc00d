// BPF_PROG_TEST_RUN table for bpf/incident.bpf.c: every run checks the verdict (TC_ACT_UNSPEC)
// and that the frame is unchanged; every case checks the exact ring-buffer records (or their
// absence) and the per-CPU sampler counters. The sampler's countdown is per CPU, so the test
// thread is pinned to one CPU: the 1-in-N pattern across runs is then exact. Needs root /
// CAP_BPF like the counter and payload tables.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bpf/ring_buffer.h"
#include "ibsr_abi.h"
#include "incident/incident_program.h"
#include "packet_builder.h"
#include "xdp_test_run.h"

// Cases name only the fields they set; GCC 12 warns about designated initializers that leave
// members with default initializers out, which is exactly the intent here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace ibsr::incident {
namespace {

namespace pb = ibsr::testing;
using pb::Bytes;
using pb::PacketBuilder;

constexpr std::uint32_t kTcActUnspec = 0xffffffffU;
// BPF_PROG_TEST_RUN gives the skb the loopback device unless the context names another one.
constexpr std::uint32_t kLoopbackIfindex = 1;
constexpr std::uint64_t kTagHash = 0x0123456789abcdefULL;

int onRecord(void* ctx, void* data, size_t size) {
  auto* out = static_cast<std::vector<ibsr_incident_event>*>(ctx);
  ibsr_incident_event e{};
  if (size != sizeof(e)) {
    ADD_FAILURE() << "ring-buffer record of " << size << " bytes, expected " << sizeof(e);
    return 0;
  }
  std::memcpy(&e, data, sizeof(e));
  out->push_back(e);
  return 0;
}

// A TCP frame told apart from the others by its source port (bytes 34..35 of the frame).
PacketBuilder numbered(int sport, std::size_t payload = 0) {
  PacketBuilder b;
  b.ether()
      .ipv4({.src = "192.168.1.7"})
      .tcp({.sport = static_cast<std::uint16_t>(sport), .dport = 80, .flags = pb::kTcpAck});
  if (payload) b.payload(payload, 'p');
  return b;
}
std::uint16_t sportOf(const ibsr_incident_event& e) {
  return static_cast<std::uint16_t>((e.data[34] << 8) | e.data[35]);
}

class IncidentBpfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Stay on the CPU we are on: the countdown and counters we check are that CPU's.
    ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof oldAffinity_, &oldAffinity_), 0);
    int cpu = sched_getcpu();
    ASSERT_GE(cpu, 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof one, &one), 0);
    pinned_ = true;
  }
  void TearDown() override {
    if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof oldAffinity_, &oldAffinity_);
  }

  // Loads the program; sampling stays off (the config map starts zeroed) unless `active`.
  void load(bool active, std::uint64_t rate = 1, std::uint32_t ringBytes = 1 << 20) {
    auto p = IncidentProgram::load(ringBytes);
    ASSERT_TRUE(p.ok()) << p.error().message;
    prog_.emplace(std::move(p.value()));
    auto rb = bpf::RingBuffer::open(prog_->ringbufFd(), onRecord, &records_);
    ASSERT_TRUE(rb.ok()) << rb.error().message;
    rb_.emplace(std::move(rb.value()));
    if (active) {
      set(IBSR_CFG_SAMPLE_RATE, rate);
      set(IBSR_CFG_INCIDENT_TAG_HASH, kTagHash);
      set(IBSR_CFG_SAMPLING_ACTIVE, 1);
    }
  }
  void set(ibsr_incident_cfg_slot slot, std::uint64_t value) {
    auto st = prog_->setConfig(slot, value);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  // Runs the frame `repeat` times (in the kernel, on this CPU) through ingress or egress.
  void runOnly(const PacketBuilder& b, bool egress = false, std::uint32_t repeat = 1) {
    Bytes in = b.build();
    pb::XdpRun r = pb::runXdp(egress ? prog_->egressFd() : prog_->ingressFd(), in, repeat);
    ASSERT_EQ(r.err, 0) << b.scapy();
    EXPECT_EQ(r.retval, kTcActUnspec) << b.scapy();
    EXPECT_EQ(r.out, in) << "frame modified: " << b.scapy();
  }
  // Runs the frame once and returns the records it produced.
  std::vector<ibsr_incident_event> run(const PacketBuilder& b, bool egress = false) {
    runOnly(b, egress);
    return consume();
  }
  std::vector<ibsr_incident_event> consume() {
    records_.clear();
    EXPECT_GE(rb_->consume(), 0);
    return records_;
  }
  CpuTotals totals() {
    auto t = prog_->cpuTotals();
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? t.value() : CpuTotals{};
  }

  std::optional<IncidentProgram> prog_;
  std::optional<bpf::RingBuffer> rb_;
  std::vector<ibsr_incident_event> records_;
  cpu_set_t oldAffinity_{};
  bool pinned_ = false;
};

// Every frame is sampled at rate 1, whatever it carries: the program does not parse headers.
TEST_F(IncidentBpfTest, Table) {
  load(true, 1);
  struct Case {
    std::string what;
    PacketBuilder b;
    bool egress;
  };
  PacketBuilder vlan;
  vlan.ether().vlan({.tpid = pb::kEthP8021AD}).vlan({.vid = 7}).ipv4().tcp().payload(10);
  PacketBuilder v6;
  v6.ether().ipv6().tcp({.dport = 443, .flags = pb::kTcpSyn});
  PacketBuilder udp;
  udp.ether().ipv4().udp().payload(300);
  PacketBuilder arp;
  arp.ether().arp();
  PacketBuilder frag;
  frag.ether().ipv4({.fragOffset = 8}).tcp().payload(10);
  PacketBuilder cut = numbered(1000, 100);
  // Cut inside the TCP header (BPF_PROG_TEST_RUN itself rejects an IPv4 frame without a whole
  // IPv4 header).
  cut.truncate(40);
  PacketBuilder ethOnly;
  ethOnly.ether({.type = 0x88b5});  // 14 bytes: the shortest frame BPF_PROG_TEST_RUN takes
  PacketBuilder padded = numbered(1001);
  padded.padTo(60);
  std::vector<Case> cases = {
      {"TCP SYN, 54 bytes", numbered(1002), false},
      {"exactly the snap length (256 bytes)", numbered(1003, 256 - 54), false},
      {"one byte over the snap length", numbered(1004, 256 - 54 + 1), false},
      {"1514-byte frame: first 256 bytes", numbered(1005, 1460), false},
      {"egress", numbered(1006, 100), true},
      {"egress, over the snap length", numbered(1007, 1000), true},
      {"two VLAN tags stay in the data", vlan, false},
      {"IPv6", v6, false},
      {"UDP", udp, false},
      {"ARP", arp, true},
      {"non-first fragment", frag, false},
      {"truncated inside the TCP header", cut, false},
      {"Ethernet header only", ethOnly, false},
      {"Ethernet padding is part of the frame", padded, false},
  };
  std::uint64_t lastTs = 0;
  for (const auto& c : cases) {
    Bytes frame = c.b.build();
    auto r = run(c.b, c.egress);
    ASSERT_EQ(r.size(), 1u) << c.what << ": " << c.b.scapy();
    const auto& e = r[0];
    std::uint32_t cap =
        std::min<std::uint32_t>(static_cast<std::uint32_t>(frame.size()), IBSR_INCIDENT_SNAPLEN);
    EXPECT_EQ(e.orig_len, frame.size()) << c.what;
    EXPECT_EQ(e.cap_len, cap) << c.what;
    EXPECT_EQ(e.direction, c.egress ? IBSR_DIR_EGRESS : IBSR_DIR_INGRESS) << c.what;
    EXPECT_EQ(e.ifindex, kLoopbackIfindex) << c.what;
    EXPECT_EQ(e.tag_hash, kTagHash) << c.what;
    // Test-run frames carry their tags in the data; the kernel never moved one into metadata.
    EXPECT_EQ(e.vlan_present, 0u) << c.what;
    EXPECT_EQ(e.vlan_tci, 0u) << c.what;
    EXPECT_EQ(e.vlan_proto, 0u) << c.what;
    EXPECT_GT(e.ts_ns, lastTs) << c.what;
    lastTs = e.ts_ns;
    EXPECT_EQ(Bytes(e.data, e.data + cap), Bytes(frame.begin(), frame.begin() + cap))
        << c.what << ": " << c.b.scapy();
  }
  CpuTotals t = totals();
  EXPECT_EQ(t.seen, cases.size());
  EXPECT_EQ(t.sampled, cases.size());
  EXPECT_EQ(t.ringbufDrops, 0u);
}

// The config map starts zeroed: nothing is sampled or even counted until userspace activates
// sampling, and again after it stops it.
TEST_F(IncidentBpfTest, InactiveSamplingCopiesAndCountsNothing) {
  load(false);
  set(IBSR_CFG_SAMPLE_RATE, 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(run(numbered(2000 + i, 10)).empty());
    EXPECT_TRUE(run(numbered(2100 + i, 10), true).empty());
  }
  CpuTotals t = totals();
  EXPECT_EQ(t.seen, 0u);
  EXPECT_EQ(t.sampled, 0u);
  EXPECT_EQ(t.ringbufDrops, 0u);

  set(IBSR_CFG_SAMPLING_ACTIVE, 1);
  auto r = run(numbered(2200));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(sportOf(r[0]), 2200);
  EXPECT_EQ(r[0].tag_hash, 0u);  // no tag set

  set(IBSR_CFG_SAMPLING_ACTIVE, 0);
  EXPECT_TRUE(run(numbered(2201)).empty());
  t = totals();
  EXPECT_EQ(t.seen, 1u);
  EXPECT_EQ(t.sampled, 1u);
}

// 1-in-N per CPU: the first packet is sampled, then every N-th; ingress and egress share the
// CPU's countdown.
TEST_F(IncidentBpfTest, OneInNSamplesTheFirstAndThenEveryNthPacket) {
  load(true, 3);
  std::vector<std::uint16_t> got;
  for (std::uint16_t i = 0; i < 10; ++i) {
    for (const auto& e : run(numbered(3000 + i), i % 2 == 1)) got.push_back(sportOf(e));
  }
  EXPECT_EQ(got, (std::vector<std::uint16_t>{3000, 3003, 3006, 3009}));
  CpuTotals t = totals();
  EXPECT_EQ(t.seen, 10u);
  EXPECT_EQ(t.sampled, 4u);

  // The same pattern inside one BPF_PROG_TEST_RUN call repeating the frame 9 times: the
  // countdown continues from the run above (3009 was sampled, so 2 skipped, then 1 taken...).
  runOnly(numbered(3100), false, 9);
  EXPECT_EQ(consume().size(), 3u);
  t = totals();
  EXPECT_EQ(t.seen, 19u);
  EXPECT_EQ(t.sampled, 7u);
}

TEST_F(IncidentBpfTest, RateZeroIsReadAsOne) {
  load(true, 0);
  runOnly(numbered(4000), false, 5);
  EXPECT_EQ(consume().size(), 5u);
  CpuTotals t = totals();
  EXPECT_EQ(t.seen, 5u);
  EXPECT_EQ(t.sampled, 5u);
}

// Lowering the rate (an escalation) takes effect on the next packet; raising it waits out the
// countdown already running.
TEST_F(IncidentBpfTest, RateChangesApplyToTheRunningCountdown) {
  load(true, 100);
  std::vector<std::uint16_t> got;
  auto sendRange = [&](std::uint16_t from, std::uint16_t to) {
    for (std::uint16_t p = from; p < to; ++p)
      for (const auto& e : run(numbered(p))) got.push_back(sportOf(e));
  };
  sendRange(5000, 5005);  // 5000 sampled; countdown 99 -> 95
  set(IBSR_CFG_SAMPLE_RATE, 5);
  sendRange(5005, 5011);  // 95 >= 5: 5005 sampled now, then every 5th
  EXPECT_EQ(got, (std::vector<std::uint16_t>{5000, 5005, 5010}));

  got.clear();
  set(IBSR_CFG_SAMPLE_RATE, 8);
  sendRange(5100, 5114);  // countdown 4 after 5010 runs out first: 5104, then every 8th
  EXPECT_EQ(got, (std::vector<std::uint16_t>{5104, 5112}));
  CpuTotals t = totals();
  EXPECT_EQ(t.seen, 25u);
  EXPECT_EQ(t.sampled, 5u);
}

TEST_F(IncidentBpfTest, TagHashIsReadWhenThePacketIsSampled) {
  load(true, 1);
  auto a = run(numbered(6000));
  set(IBSR_CFG_INCIDENT_TAG_HASH, 42);
  auto b = run(numbered(6001), true);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].tag_hash, kTagHash);
  EXPECT_EQ(b[0].tag_hash, 42u);
}

// A full ring buffer costs the sample, never the packet: 4096 bytes hold 13 records of
// 8 + 296 bytes; the rest of the samples are counted as drops.
TEST_F(IncidentBpfTest, FullRingBufferDropsTheSampleNotThePacket) {
  load(true, 1, 4096);
  static_assert(sizeof(ibsr_incident_event) == 296);
  runOnly(numbered(7000, 1000), false, 20);
  CpuTotals t = totals();
  EXPECT_EQ(t.seen, 20u);
  EXPECT_EQ(t.sampled, 13u);
  EXPECT_EQ(t.ringbufDrops, 7u);
  auto r = consume();
  ASSERT_EQ(r.size(), 13u);
  for (const auto& e : r) {
    EXPECT_EQ(e.orig_len, 1054u);
    EXPECT_EQ(e.cap_len, static_cast<std::uint32_t>(IBSR_INCIDENT_SNAPLEN));
  }
  // Consumed: room again.
  EXPECT_EQ(run(numbered(7001)).size(), 1u);
}

}  // namespace
}  // namespace ibsr::incident
