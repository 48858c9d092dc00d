#include "payload/http_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ibsr::payload {
namespace {

struct Seen {
  std::uint64_t bytes;
  std::uint16_t status;
  bool complete;
  std::string body;
};

struct Listener : HttpListener {
  std::vector<Seen> messages;
  bool head = false;
  int resyncs = 0;
  void onMessage(const HttpMessage& m, bool) override {
    messages.push_back({m.bytes, m.status, m.bodyComplete, m.body ? *m.body : std::string()});
  }
  bool nextResponseHasNoBody() override { return head; }
  void onResync(bool) override { ++resyncs; }
};

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const std::string kReq1 = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
const std::string kReq2 = "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";

TEST(PayloadHttpStreamTest, PipelinedRequestsInOneSegmentHaveExactSizes) {
  Listener l;
  HttpStats st;
  HttpStream s(true, &l, &st);
  s.onData(bytes(kReq1 + kReq2));
  ASSERT_EQ(l.messages.size(), 2u);
  EXPECT_EQ(l.messages[0].bytes, kReq1.size());
  EXPECT_EQ(l.messages[0].body, "hello");
  EXPECT_EQ(l.messages[1].bytes, kReq2.size());
  EXPECT_EQ(l.messages[1].body, "{}");
  EXPECT_EQ(st.parseErrors, 0u);
}

TEST(PayloadHttpStreamTest, MessageSplitAcrossSegmentsAtEveryByte) {
  std::string all = kReq1 + kReq2;
  for (std::size_t cut = 1; cut < all.size(); ++cut) {
    Listener l;
    HttpStats st;
    HttpStream s(true, &l, &st);
    s.onData(bytes(std::string_view(all).substr(0, cut)));
    s.onData(bytes(std::string_view(all).substr(cut)));
    ASSERT_EQ(l.messages.size(), 2u) << cut;
    EXPECT_EQ(l.messages[0].bytes, kReq1.size()) << cut;
    EXPECT_EQ(l.messages[1].bytes, kReq2.size()) << cut;
    EXPECT_EQ(l.messages[0].body, "hello") << cut;
  }
}

TEST(PayloadHttpStreamTest, ChunkedResponseCountsFramingBytes) {
  Listener l;
  HttpStats st;
  HttpStream s(false, &l, &st);
  std::string r =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n";
  std::string r2 = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  s.onData(bytes(r + r2));
  ASSERT_EQ(l.messages.size(), 2u);
  EXPECT_EQ(l.messages[0].bytes, r.size());
  EXPECT_EQ(l.messages[0].status, 200);
  EXPECT_EQ(l.messages[0].body, "helloabc");
  EXPECT_EQ(l.messages[1].bytes, r2.size());
  EXPECT_EQ(l.messages[1].status, 404);
}

TEST(PayloadHttpStreamTest, HoleInsideContentLengthBodyIsBridged) {
  Listener l;
  HttpStats st;
  HttpStream s(false, &l, &st);
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  s.onData(bytes(head + "abc"));
  s.onHole(990, HoleKind::NotCaptured);
  s.onData(bytes("1234567"));
  std::string next = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  s.onData(bytes(next));
  ASSERT_EQ(l.messages.size(), 2u);
  EXPECT_EQ(l.messages[0].bytes, head.size() + 1000);
  EXPECT_FALSE(l.messages[0].complete);
  EXPECT_EQ(l.messages[1].bytes, next.size());
  EXPECT_TRUE(l.messages[1].complete);
  EXPECT_EQ(st.bridgedHoleBytes, 990u);
  EXPECT_EQ(st.incompleteBodies, 1u);
}

TEST(PayloadHttpStreamTest, HoleInsideAChunkIsBridged) {
  Listener l;
  HttpStats st;
  HttpStream s(false, &l, &st);
  std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n";
  s.onData(bytes(head + "ab"));
  s.onHole(12, HoleKind::Lost);
  s.onData(bytes("yz\r\n0\r\n\r\n"));
  ASSERT_EQ(l.messages.size(), 1u);
  EXPECT_EQ(l.messages[0].bytes, head.size() + 16 + 2 + 5);
  EXPECT_FALSE(l.messages[0].complete);
}

TEST(PayloadHttpStreamTest, HoleInHeadersDesyncsUntilAMessageStart) {
  Listener l;
  HttpStats st;
  HttpStream s(false, &l, &st);
  s.onData(bytes("HTTP/1.1 200 OK\r\nContent-Le"));
  s.onHole(40, HoleKind::Lost);
  EXPECT_FALSE(s.synced());
  s.onData(bytes("tail of something\r\n"));
  std::string next = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1\r\n\r\nx";
  s.onData(bytes(next));
  EXPECT_TRUE(s.synced());
  ASSERT_EQ(l.messages.size(), 1u);
  EXPECT_EQ(l.messages[0].bytes, next.size());
  EXPECT_EQ(l.messages[0].status, 500);
  EXPECT_EQ(st.desyncs, 1u);
  EXPECT_EQ(st.resyncs, 1u);
  EXPECT_EQ(l.resyncs, 1);
}

TEST(PayloadHttpStreamTest, HoleLongerThanTheBodyCompletesItThenDesyncs) {
  Listener l;
  HttpStats st;
  HttpStream s(false, &l, &st);
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  s.onData(bytes(head));
  s.onHole(30, HoleKind::NotCaptured);
  ASSERT_EQ(l.messages.size(), 1u);
  EXPECT_EQ(l.messages[0].bytes, head.size() + 10);
  EXPECT_FALSE(s.synced());
}

TEST(PayloadHttpStreamTest, GarbageIsAParseError) {
  Listener l;
  HttpStats st;
  HttpStream s(true, &l, &st);
  s.onData(bytes("\x01\x02garbage\r\n\r\n"));
  EXPECT_EQ(st.parseErrors, 1u);
  EXPECT_TRUE(l.messages.empty());
  s.onData(bytes(kReq2));  // next segment that looks like a request: parsing resumes
  ASSERT_EQ(l.messages.size(), 1u);
  EXPECT_EQ(l.messages[0].bytes, kReq2.size());
}

TEST(PayloadHttpStreamTest, ResponseToHeadHasNoBody) {
  Listener l;
  l.head = true;
  HttpStats st;
  HttpStream s(false, &l, &st);
  std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n";
  s.onData(bytes(r));
  ASSERT_EQ(l.messages.size(), 1u);
  EXPECT_EQ(l.messages[0].bytes, r.size());
}

TEST(PayloadHttpStreamTest, ResponseDelimitedByCloseCompletesOnFin) {
  Listener l;
  HttpStats st;
  HttpStream s(false, &l, &st);
  std::string r = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end";
  s.onData(bytes(r));
  s.onHole(100, HoleKind::NotCaptured);
  EXPECT_TRUE(l.messages.empty());
  s.onClose(false);
  ASSERT_EQ(l.messages.size(), 1u);
  EXPECT_EQ(l.messages[0].bytes, r.size() + 100);
}

}  // namespace
}  // namespace ibsr::payload
