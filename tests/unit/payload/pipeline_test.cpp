#include "payload/pipeline.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "record_builder.h"

namespace ibsr::payload {
namespace {

using testing::Conversation;
using testing::Record;

constexpr std::uint32_t kClient = 0x0A000002;
constexpr std::uint32_t kServer = 0x0A000001;

std::string post(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: n\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}
std::string ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void feed(Pipeline& p, const Record& r) {
  p.onRecord(r.data(), r.size());
}
void feed(Pipeline& p, const std::vector<Record>& rs) {
  for (const auto& r : rs) feed(p, r);
}

TEST(PayloadPipelineTest, ExactCountsWithSnaplenHolesAndPairing) {
  Pipeline p(PipelineLimits{});
  Conversation c(kClient, 40000, kServer, 8545, 512);
  feed(p, c.syn());
  feed(p, c.synAck());
  std::string small = post(R"({"jsonrpc":"2.0","id":1,"method":"eth_getBalance"})");
  std::string big = post(R"({"jsonrpc":"2.0","id":2,"method":"eth_getLogs"})");
  std::string r1 = ok(R"({"jsonrpc":"2.0","id":1,"result":"0x0"})");
  std::string r2 = ok("[" + std::string(20000, '1') + "]");  // many 1448-byte segments, 512 kept
  feed(p, c.request(small));
  feed(p, c.response(r1));
  feed(p, c.request(big));
  feed(p, c.response(r2));
  feed(p, c.clientFin());
  feed(p, c.serverFin());
  EXPECT_EQ(p.flowsTracked(), 0u);
  auto s = p.takeInterval();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].requests, 2u);
  EXPECT_EQ(s[0].responses, 2u);
  EXPECT_EQ(s[0].requestBytes, small.size() + big.size());
  EXPECT_EQ(s[0].responseBytes, r1.size() + r2.size());
  ASSERT_EQ(s[0].methods.size(), 2u);
  EXPECT_EQ(s[0].methods[0].method, "eth_getBalance");
  EXPECT_EQ(s[0].methods[0].responseBytes, r1.size());
  EXPECT_EQ(s[0].methods[1].method, "eth_getLogs");
  EXPECT_EQ(s[0].methods[1].requestBytes, big.size());
  EXPECT_EQ(s[0].methods[1].responseBytes, r2.size());
  EXPECT_EQ(p.stats().parseErrors(), 0u);
  EXPECT_EQ(p.stats().flowsClosed, 1u);
}

TEST(PayloadPipelineTest, LostRecordBecomesAGapAndPairingRecovers) {
  Pipeline p(PipelineLimits{});
  Conversation c(kClient, 40001, kServer, 8545);
  feed(p, c.syn());
  feed(p, c.synAck());
  std::string q = post(R"({"method":"a"})");
  feed(p, c.request(q));
  feed(p, c.request(q));
  auto lost = c.response(ok("x"));  // the first response's record is "dropped"
  (void)lost;
  feed(p, c.response(ok("y")));
  // Framing is lost at the gap; the next segment starts a response, parsing resumes there, and
  // the waiting requests are no longer paired (their responses cannot be told apart).
  auto s = p.takeInterval();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].requests, 2u);
  EXPECT_EQ(s[0].responses, 0u);  // still buffered behind the gap
  p.flushAll();
  s = p.takeInterval();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].responses, 1u);
  EXPECT_EQ(s[0].responseBytes, ok("y").size());
  EXPECT_EQ(p.stats().reassembly.gaps, 1u);
}

TEST(PayloadPipelineTest, MalformedRecordsAreCountedAndIgnored) {
  Pipeline p(PipelineLimits{});
  Record r = testing::makeRecord(IBSR_PAYLOAD_DIR_INGRESS, 1, 2, 3, 4, 5, 0, "abc");
  feed(p, Record(r.begin(), r.begin() + 10));  // shorter than the header
  feed(p, Record(r.begin(), r.end() - 1));     // shorter than cap_len
  Record badDirection = r;
  badDirection[offsetof(ibsr_payload_event_hdr, direction)] = 7;
  feed(p, badDirection);
  Record badFamily = r;
  badFamily[offsetof(ibsr_payload_event_hdr, family)] = 5;  // neither 4 nor 6
  feed(p, badFamily);
  EXPECT_EQ(p.stats().events, 4u);
  EXPECT_EQ(p.stats().badEvents, 4u);
  EXPECT_EQ(p.flowsTracked(), 0u);
}

// IPv6 connections are reassembled like IPv4 ones, and the family is part of the flow and the
// source: 10.0.0.2 and a00:2:: carry the same first four address bytes (the kernel stores IPv4
// in the first word), and their interleaved connections on the same ports stay apart.
TEST(PayloadPipelineTest, Ipv6AndIpv4FlowsWithTheSameLeadingBytesStayApart) {
  Pipeline p(PipelineLimits{});
  IpAddress v6Client = *IpAddress::parseV6("a00:2::");
  IpAddress v6Server = *IpAddress::parseV6("a00:1::");
  Conversation v4(kClient, 40000, kServer, 8545, 512);
  Conversation v6(v6Client, 40000, v6Server, 8545, 512);
  std::string q4 = post(R"({"method":"eth_chainId"})");
  std::string q6 = post(R"({"method":"eth_getLogs","params":[1]})");
  std::string a4 = ok("0x1");
  std::string a6 = ok(std::string(5000, '6'));  // 4 segments, 512 bytes kept of each
  feed(p, v4.syn());
  feed(p, v6.syn());
  feed(p, v6.synAck());
  feed(p, v4.synAck());
  auto r4 = v4.request(q4);
  auto r6 = v6.request(q6, 20);  // many small segments, interleaved with the IPv4 ones
  for (std::size_t i = 0; i < r6.size(); ++i) {
    feed(p, r6[i]);
    if (i < r4.size()) feed(p, r4[i]);
  }
  EXPECT_EQ(p.flowsTracked(), 2u);
  feed(p, v6.response(a6));
  feed(p, v4.response(a4));
  feed(p, v4.clientFin());
  feed(p, v6.clientFin());
  feed(p, v4.serverFin());
  feed(p, v6.serverFin());
  EXPECT_EQ(p.flowsTracked(), 0u);
  auto s = p.takeInterval();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].key.ip, IpAddress::fromV4(kClient));  // IPv4 first
  EXPECT_EQ(s[1].key.ip, v6Client);
  const std::string* q[] = {&q4, &q6};
  const std::string* a[] = {&a4, &a6};
  const char* method[] = {"eth_chainId", "eth_getLogs"};
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(s[i].key.port, 8545) << i;
    EXPECT_EQ(s[i].requests, 1u) << i;
    EXPECT_EQ(s[i].responses, 1u) << i;
    EXPECT_EQ(s[i].requestBytes, q[i]->size()) << i;
    EXPECT_EQ(s[i].responseBytes, a[i]->size()) << i;
    ASSERT_EQ(s[i].methods.size(), 1u) << i;
    EXPECT_EQ(s[i].methods[0].method, method[i]) << i;
  }
  EXPECT_EQ(p.stats().flowsClosed, 2u);
}

// 100k connections that never close (no FIN): the table never holds more than maxFlows, the
// rest are evicted in LRU order, and every request is still counted.
TEST(PayloadPipelineTest, HundredThousandOpenFlowsStayBounded) {
  PipelineLimits limits;
  limits.maxFlows = 1000;
  Pipeline p(limits);
  std::string q = post(R"({"method":"eth_blockNumber"})");
  for (std::uint32_t i = 0; i < 100000; ++i) {
    Conversation c(kClient + (i >> 16), static_cast<std::uint16_t>(i), kServer, 8545);
    feed(p, c.syn());
    feed(p, c.request(q));
    ASSERT_LE(p.flowsTracked(), 1000u);
  }
  EXPECT_EQ(p.flowsTracked(), 1000u);
  EXPECT_EQ(p.stats().flowsEvicted, 99000u);
  auto s = p.takeInterval();
  std::uint64_t requests = 0;
  for (const auto& src : s) requests += src.requests;
  EXPECT_EQ(requests, 100000u);
  p.flushAll();
  EXPECT_EQ(p.flowsTracked(), 0u);
}

// 100k complete short connections: each is removed at its close, nothing accumulates.
TEST(PayloadPipelineTest, HundredThousandShortConnectionsLeaveNothingBehind) {
  PipelineLimits limits;
  limits.maxFlows = 1000;
  Pipeline p(limits);
  std::string q = post(R"({"jsonrpc":"2.0","id":1,"method":"eth_getBalance"})");
  std::string r = ok(R"({"jsonrpc":"2.0","id":1,"result":"0x0"})");
  for (std::uint32_t i = 0; i < 100000; ++i) {
    Conversation c(kClient, static_cast<std::uint16_t>(i), kServer, 8545);
    feed(p, c.syn());
    feed(p, c.synAck());
    feed(p, c.request(q));
    feed(p, c.response(r));
    feed(p, c.clientFin());
    feed(p, c.serverFin());
    ASSERT_EQ(p.flowsTracked(), 0u);
  }
  EXPECT_EQ(p.stats().flowsClosed, 100000u);
  EXPECT_EQ(p.stats().flowsEvicted, 0u);
  auto s = p.takeInterval();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].requests, 100000u);
  EXPECT_EQ(s[0].responses, 100000u);
  EXPECT_EQ(s[0].requestBytes, 100000u * q.size());
  EXPECT_EQ(s[0].responseBytes, 100000u * r.size());
}

TEST(PayloadPipelineTest, RetransmittedSynKeepsTheConnectionANewSynReplacesIt) {
  Pipeline p(PipelineLimits{});
  std::string q = post(R"({"method":"a"})");
  Conversation c(kClient, 7, kServer, 8545);
  auto syn = c.syn();
  feed(p, syn);
  feed(p, c.synAck());
  feed(p, syn);  // retransmitted: same ISN
  feed(p, c.request(q));
  EXPECT_EQ(p.stats().flowsCreated, 1u);
  Conversation reuse(kClient, 7, kServer, 8545);  // same ports, new ISN below
  reuse.advanceClient(100000);
  feed(p, reuse.syn());
  feed(p, reuse.request(q));
  EXPECT_EQ(p.stats().flowsCreated, 2u);
  EXPECT_EQ(p.flowsTracked(), 1u);
  auto s = p.takeInterval();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].requests, 2u);
}

TEST(PayloadPipelineTest, IdleFlowsExpire) {
  PipelineLimits limits;
  limits.flowIdleNs = 1000;
  Pipeline p(limits);
  Conversation c(kClient, 1, kServer, 8545);
  feed(p, c.syn());  // ts 1
  EXPECT_EQ(p.flowsTracked(), 1u);
  p.expireIdle(500);
  EXPECT_EQ(p.flowsTracked(), 1u);
  p.expireIdle(1001);
  EXPECT_EQ(p.flowsTracked(), 0u);
  EXPECT_EQ(p.stats().flowsIdleClosed, 1u);
}

}  // namespace
}  // namespace ibsr::payload
