#include "payload/reassembly.h"

#include <gtest/gtest.h>

#include <string>

#include "ibsr_abi.h"

namespace ibsr::payload {
namespace {

// Records what the reassembler delivers: data as text, holes as "<N>" (lost: "<!N>").
struct Recorder : StreamSink {
  std::string out;
  int closes = 0;
  bool reset = false;
  void onData(std::span<const std::uint8_t> b) override { out.append(b.begin(), b.end()); }
  void onHole(std::uint64_t n, HoleKind k) override {
    out += k == HoleKind::Lost ? "<!" : "<";
    out += std::to_string(n) + ">";
  }
  void onClose(bool r) override {
    ++closes;
    reset = r;
  }
};

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class PayloadReassemblyTest : public ::testing::Test {
 protected:
  void seg(std::uint32_t seq, std::string_view data, std::uint8_t flags = 0,
           std::uint32_t captured = 1u << 30) {
    auto b = bytes(data);
    r.segment(seq, static_cast<std::uint32_t>(data.size()),
              b.subspan(0, std::min<std::size_t>(captured, b.size())), flags, sink);
  }
  ReassemblyStats stats;
  Reassembler r{&stats};
  Recorder sink;
};

TEST_F(PayloadReassemblyTest, InOrderAfterSyn) {
  seg(100, "", IBSR_TCP_SYN);
  seg(101, "hello ");
  seg(107, "world");
  EXPECT_EQ(sink.out, "hello world");
  EXPECT_EQ(stats.outOfOrderSegments, 0u);
}

TEST_F(PayloadReassemblyTest, OutOfOrderIsReordered) {
  seg(100, "", IBSR_TCP_SYN);
  seg(107, "world");
  seg(112, "!");
  EXPECT_EQ(sink.out, "");
  seg(101, "hello ");
  EXPECT_EQ(sink.out, "hello world!");
  EXPECT_EQ(stats.outOfOrderSegments, 2u);
  EXPECT_EQ(r.pendingBytes(), 0u);
}

TEST_F(PayloadReassemblyTest, RetransmissionAndOverlapAreDeliveredOnce) {
  seg(100, "", IBSR_TCP_SYN);
  seg(101, "abcdef");
  seg(101, "abcdef");    // retransmission
  seg(104, "defghi");    // overlaps "def"
  seg(105, "efghijkl");  // overlaps "efghi"
  EXPECT_EQ(sink.out, "abcdefghijkl");
  EXPECT_EQ(stats.retransmittedSegments, 1u);
  EXPECT_EQ(stats.overlapBytes, 3u + 5u);
}

TEST_F(PayloadReassemblyTest, BufferedDuplicatesKeepTheLongerCopy) {
  seg(100, "", IBSR_TCP_SYN);
  seg(104, "d");
  seg(104, "defg");
  seg(101, "abc");
  EXPECT_EQ(sink.out, "abcdefg");
}

TEST_F(PayloadReassemblyTest, UncapturedBytesBecomeHolesOfExactLength) {
  seg(100, "", IBSR_TCP_SYN);
  seg(101, "0123456789", 0, 4);
  seg(111, "abc");
  EXPECT_EQ(sink.out, "0123<6>abc");
  EXPECT_EQ(stats.gaps, 0u);
}

TEST_F(PayloadReassemblyTest, OverflowingTheBufferSkipsTheMissingRangeAsAGap) {
  seg(100, "", IBSR_TCP_SYN);
  // Segment at 101 (10 bytes) never arrives; kMaxPendingSegments + 1 segments after it do.
  std::uint32_t seq = 111;
  for (std::size_t i = 0; i <= Reassembler::kMaxPendingSegments; ++i, seq += 2) seg(seq, "xy");
  std::string want = "<!10>";
  for (std::size_t i = 0; i <= Reassembler::kMaxPendingSegments; ++i) want += "xy";
  EXPECT_EQ(sink.out, want);
  EXPECT_EQ(stats.gaps, 1u);
  EXPECT_EQ(stats.gapBytes, 10u);
}

TEST_F(PayloadReassemblyTest, FinClosesOnlyAfterEveryByteBeforeIt) {
  seg(100, "", IBSR_TCP_SYN);
  seg(104, "def", IBSR_TCP_FIN);
  EXPECT_EQ(sink.closes, 0);
  seg(101, "abc");
  EXPECT_EQ(sink.out, "abcdef");
  EXPECT_EQ(sink.closes, 1);
  EXPECT_FALSE(sink.reset);
  EXPECT_TRUE(r.closed());
  seg(107, "late");
  EXPECT_EQ(sink.out, "abcdef");
}

TEST_F(PayloadReassemblyTest, RstClosesAtOnce) {
  seg(100, "", IBSR_TCP_SYN);
  seg(105, "zz");
  seg(0, "", IBSR_TCP_RST);
  EXPECT_EQ(sink.closes, 1);
  EXPECT_TRUE(sink.reset);
  EXPECT_EQ(sink.out, "");
}

TEST_F(PayloadReassemblyTest, FlushDeliversBufferedDataWithGapsAndCloses) {
  seg(100, "", IBSR_TCP_SYN);
  seg(105, "ef");
  seg(110, "jk", IBSR_TCP_FIN);
  r.flush(sink);
  EXPECT_EQ(sink.out, "<!4>ef<!3>jk");
  EXPECT_EQ(sink.closes, 1);
  EXPECT_EQ(stats.gaps, 2u);
}

TEST_F(PayloadReassemblyTest, SequenceNumbersWrapAround) {
  seg(0xfffffffd, "", IBSR_TCP_SYN);
  seg(0x00000000, "cd");  // ahead: after "ab" at 0xfffffffe
  seg(0xfffffffe, "ab", IBSR_TCP_ACK);
  seg(0x00000002, "e");
  EXPECT_EQ(sink.out, "abcde");
}

TEST_F(PayloadReassemblyTest, MidstreamStartUsesTheFirstDataSegment) {
  seg(7000, "GET");
  seg(7003, " /");
  EXPECT_EQ(sink.out, "GET /");
  EXPECT_EQ(stats.midstreamStarts, 1u);
}

TEST_F(PayloadReassemblyTest, SegmentsFarAheadAreIgnored) {
  seg(100, "", IBSR_TCP_SYN);
  seg(101 + Reassembler::kWindowBytes + 1, "x");
  seg(101, "a");
  EXPECT_EQ(sink.out, "a");
  EXPECT_EQ(stats.outOfWindow, 1u);
}

}  // namespace
}  // namespace ibsr::payload
