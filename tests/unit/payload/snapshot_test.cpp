#include "payload/snapshot.h"

#include <gtest/gtest.h>

#include "payload/aggregation.h"

namespace ibsr::payload {
namespace {

RequestSummary req(std::uint64_t bytes, std::vector<std::string> methods, bool batch = false) {
  RequestSummary r;
  r.bytes = bytes;
  r.methods = std::move(methods);
  r.batch = batch;
  return r;
}

TEST(PayloadFormatRatioTest, ThreeDecimalsWithoutTrailingZeros) {
  EXPECT_EQ(formatRatio(90000, 2100), "42.857");
  EXPECT_EQ(formatRatio(5, 2), "2.5");
  EXPECT_EQ(formatRatio(8, 2), "4");
  EXPECT_EQ(formatRatio(0, 7), "0");
  EXPECT_EQ(formatRatio(7, 0), "0");
  EXPECT_EQ(formatRatio(1, 3), "0.333");
  EXPECT_EQ(formatRatio(2, 3), "0.667");
  EXPECT_EQ(formatRatio(19999, 10000), "2");  // 1.9999 rounds up into the whole part
  EXPECT_EQ(formatRatio(1, 2000), "0.001");   // half up
  EXPECT_EQ(formatRatio(UINT64_MAX, UINT64_MAX), "1");
}

TEST(PayloadSnapshotTest, EmptyIntervalGoldenLine) {
  PayloadSnapshot s;
  s.tsUnixSec = 1700000000;
  s.intervalSec = 60;
  s.dstPorts = {8545, 8546};
  EXPECT_EQ(snapshotLine(s),
            "{\"version\":1,\"kind\":\"payload\",\"ts_unix_sec\":1700000000,\"interval_sec\":60,"
            "\"dst_ports\":[8545,8546],\"ringbuf_drops\":0,\"parse_errors\":0,\"sources\":[]}\n");
}

TEST(PayloadSnapshotTest, AggregatedIntervalGoldenLine) {
  Aggregator a(20, 100);
  SourceKey src{IpAddress::fromV4(0x0A000007), 8545};
  // 10 single eth_getBalance calls, 2 single eth_getLogs calls, 1 batch of 3 calls.
  for (int i = 0; i < 10; ++i) {
    RequestSummary r = req(150, {"eth_getBalance"});
    a.onRequest(src, r);
    a.onResponse(src, 100, 200, &r, 0);
  }
  for (int i = 0; i < 2; ++i) {
    RequestSummary r = req(200, {"eth_getLogs"});
    a.onRequest(src, r);
    a.onResponse(src, 40000, 200, &r, 0);
  }
  RequestSummary b = req(200, {"eth_getLogs", "eth_getBalance", "eth_call"}, true);
  a.onRequest(src, b);
  a.onResponse(src, 8000, 200, &b, 1);
  // A second source, lower address, with an unparsed request and a 404.
  SourceKey low{IpAddress::fromV4(0x01020304), 8545};
  RequestSummary g = req(80, {});
  a.onRequest(low, g);
  a.onResponse(low, 120, 404, &g, 0);

  PayloadSnapshot s;
  s.tsUnixSec = 1700000060;
  s.intervalSec = 60;
  s.dstPorts = {8545};
  s.ringbufDrops = 3;
  s.parseErrors = 1;
  s.sources = a.take();
  EXPECT_EQ(
      snapshotLine(s),
      "{\"version\":1,\"kind\":\"payload\",\"ts_unix_sec\":1700000060,\"interval_sec\":60,"
      "\"dst_ports\":[8545],\"ringbuf_drops\":3,\"parse_errors\":1,\"sources\":["
      "{\"src_ip\":\"1.2.3.4\",\"dst_port\":8545,\"requests\":1,\"responses\":1,"
      "\"request_bytes\":80,\"response_bytes\":120,\"amplification\":1.5,"
      "\"http_status\":{\"1xx\":0,\"2xx\":0,\"3xx\":0,\"4xx\":1,\"5xx\":0},"
      "\"jsonrpc_calls\":0,\"jsonrpc_batches\":0,\"jsonrpc_errors\":0,\"methods\":[]},"
      "{\"src_ip\":\"10.0.0.7\",\"dst_port\":8545,\"requests\":13,\"responses\":13,"
      "\"request_bytes\":2100,\"response_bytes\":89000,\"amplification\":42.381,"
      "\"http_status\":{\"1xx\":0,\"2xx\":13,\"3xx\":0,\"4xx\":0,\"5xx\":0},"
      "\"jsonrpc_calls\":15,\"jsonrpc_batches\":1,\"jsonrpc_errors\":1,\"methods\":["
      "{\"method\":\"eth_getBalance\",\"calls\":11,\"request_bytes\":1500,\"response_bytes\":1000},"
      "{\"method\":\"eth_getLogs\",\"calls\":3,\"request_bytes\":400,\"response_bytes\":80000},"
      "{\"method\":\"eth_call\",\"calls\":1,\"request_bytes\":0,\"response_bytes\":0}]}]}\n");
  // The next interval starts empty.
  EXPECT_TRUE(a.take().empty());
}

TEST(PayloadAggregatorTest, TopMethodsAndOther) {
  Aggregator a(2, 100);
  SourceKey src{IpAddress::fromV4(1), 80};
  auto calls = [&](const std::string& m, int n) {
    for (int i = 0; i < n; ++i) {
      RequestSummary r = req(10, {m});
      a.onRequest(src, r);
      a.onResponse(src, 30, 200, &r, 0);
    }
  };
  calls("c", 3);
  calls("a", 5);
  calls("b", 3);
  calls("d", 1);
  calls("other", 1);  // a literal "other" merges with the rest
  auto s = a.take();
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].methods.size(), 3u);
  EXPECT_EQ(s[0].methods[0].method, "a");
  EXPECT_EQ(s[0].methods[0].calls, 5u);
  // "other" (c 3 + d 1 + literal other 1 = 5) ties with "a" and sorts after it by name; "b"
  // won the 3-call tie with "c" by name.
  EXPECT_EQ(s[0].methods[1].method, "other");
  EXPECT_EQ(s[0].methods[1].calls, 3u + 1 + 1);
  EXPECT_EQ(s[0].methods[1].requestBytes, 50u);
  EXPECT_EQ(s[0].methods[1].responseBytes, 150u);
  EXPECT_EQ(s[0].methods[2].method, "b");
  EXPECT_EQ(s[0].methods[2].calls, 3u);
}

// Both families in one line: IPv4 sources first (numerically), then IPv6 ones numerically, each
// by port after the address; IPv6 as RFC 5952 text, IPv4 text unchanged.
TEST(PayloadSnapshotTest, MixedFamiliesAreOrderedIpv4FirstThenIpv6Numerically) {
  Aggregator a(20, 100);
  const char* inserted[] = {"fd00::2",          "2001:db8::1", "10.0.0.7",   "::ffff:1.2.3.4",
                            "2001:db8:0:0:1::", "1.2.3.4",     "2001:db8::1"};
  std::uint16_t ports[] = {8545, 8545, 8545, 8545, 8545, 8545, 443};
  for (std::size_t i = 0; i < std::size(inserted); ++i) {
    RequestSummary r = req(10, {});
    a.onRequest({*IpAddress::parse(inserted[i]), ports[i]}, r);
  }
  PayloadSnapshot s;
  s.tsUnixSec = 1700000060;
  s.intervalSec = 60;
  s.dstPorts = {443, 8545};
  s.sources = a.take();
  std::string line = snapshotLine(s);
  std::vector<std::string> order;
  for (std::size_t at = line.find("\"src_ip\":\""); at != std::string::npos;
       at = line.find("\"src_ip\":\"", at + 1)) {
    std::size_t start = at + 10;
    std::size_t portAt = line.find("\"dst_port\":", start) + 11;
    order.push_back(line.substr(start, line.find('"', start) - start) + " " +
                    line.substr(portAt, line.find(',', portAt) - portAt));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"1.2.3.4 8545", "10.0.0.7 8545", "::ffff:1.2.3.4 8545",
                                             "2001:db8::1 443", "2001:db8::1 8545",
                                             "2001:db8:0:0:1:: 8545", "fd00::2 8545"}));
}

TEST(PayloadAggregatorTest, SourcesAndMethodNamesAreBounded) {
  Aggregator a(5, 2);
  for (std::uint32_t ip = 1; ip <= 4; ++ip) a.onRequest({IpAddress::fromV4(ip), 80}, req(1, {}));
  EXPECT_EQ(a.droppedSources(), 2u);
  EXPECT_EQ(a.take().size(), 2u);
  Aggregator m(5, 10);
  for (std::size_t i = 0; i < Aggregator::kMaxTrackedMethods + 10; ++i)
    m.onRequest({IpAddress::fromV4(1), 80}, req(1, {"m" + std::to_string(i)}));
  auto s = m.take();
  ASSERT_EQ(s[0].methods.size(), 6u);
  EXPECT_EQ(s[0].methods[0].method, "other");
  EXPECT_EQ(s[0].methods[0].calls, Aggregator::kMaxTrackedMethods + 10 - 5);
}

}  // namespace
}  // namespace ibsr::payload
