#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "core/ip_address.h"
#include "report/input_labels.h"
#include "report/input_set.h"
#include "report/rpc/payload_input.h"
#include "temp_dir.h"

namespace ibsr::report {
namespace {

using ibsr::testing::TempDir;
using ibsr::testing::writeFile;

// docs/collect-payload.md, "Artefacts".
const std::string kDocExample =
    R"({"version":1,"kind":"payload","ts_unix_sec":1700000060,"interval_sec":60,"dst_ports":[8545],"ringbuf_drops":0,"parse_errors":1,"sources":[{"src_ip":"10.0.0.7","dst_port":8545,"requests":13,"responses":13,"request_bytes":2100,"response_bytes":89000,"amplification":42.381,"http_status":{"1xx":0,"2xx":13,"3xx":0,"4xx":0,"5xx":0},"jsonrpc_calls":15,"jsonrpc_batches":1,"jsonrpc_errors":1,"methods":[{"method":"eth_getBalance","calls":11,"request_bytes":1500,"response_bytes":1000},{"method":"eth_getLogs","calls":3,"request_bytes":400,"response_bytes":80000},{"method":"eth_call","calls":1,"request_bytes":0,"response_bytes":0}]}]})";

const std::string kCounterLine =
    R"({"version":3,"ts_unix_sec":1736935260,"dst_ports":[8899],"buckets":[{"key_type":"src_ip","key_value":167772161,"dst_port":8899,"syn":30,"ack":120,"handshake_ack":30,"rst":0,"packets":150,"bytes":15000}]})";

std::string replaced(std::string line, const std::string& from, const std::string& to) {
  const size_t at = line.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) line.replace(at, from.size(), to);
  return line;
}

// A payload line at `ts` with one source per entry of `sources` ("ip", port, requests).
std::string payloadLine(int64_t ts, int64_t intervalSec,
                        const std::vector<std::pair<std::string, int>>& sources,
                        uint64_t ringbufDrops = 0, uint64_t parseErrors = 0) {
  std::string s = "{\"version\":1,\"kind\":\"payload\",\"ts_unix_sec\":" + std::to_string(ts) +
                  ",\"interval_sec\":" + std::to_string(intervalSec) +
                  ",\"dst_ports\":[8545],\"ringbuf_drops\":" + std::to_string(ringbufDrops) +
                  ",\"parse_errors\":" + std::to_string(parseErrors) + ",\"sources\":[";
  for (size_t i = 0; i < sources.size(); ++i) {
    if (i > 0) s += ",";
    s += "{\"src_ip\":\"" + sources[i].first +
         "\",\"dst_port\":8545,\"requests\":" + std::to_string(sources[i].second) +
         ",\"responses\":1,\"request_bytes\":10,\"response_bytes\":20,\"amplification\":2,"
         "\"http_status\":{\"1xx\":0,\"2xx\":1,\"3xx\":0,\"4xx\":0,\"5xx\":0},\"jsonrpc_calls\":1,"
         "\"jsonrpc_batches\":0,\"jsonrpc_errors\":0,\"methods\":[]}";
  }
  return s + "]}";
}

std::string oneSource(int64_t ts, int64_t intervalSec = 60) {
  return payloadLine(ts, intervalSec, {{"10.0.0.1", 1}});
}

struct Got {
  int64_t ts;
  uint32_t stream;
};

Status ingestAll(const std::vector<InputFile>& files, PayloadQuality& q, std::vector<Got>& got,
                 size_t maxLine = 1 << 20) {
  IngestOptions opts;
  opts.maxLineBytes = maxLine;
  return ingestPayload(files, opts, q, [&](const PayloadInterval& p) {
    got.push_back({p.ts, p.stream});
  });
}

std::vector<InputFile> find(const std::vector<std::string>& paths, const HourRange& range = {}) {
  auto files = findInputFiles(paths, range);
  EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.error().message);
  return files.ok() ? *files : std::vector<InputFile>{};
}

TEST(ReportPayloadParser, DocExampleParsesExactly) {
  PayloadInterval p;
  std::string error;
  ASSERT_TRUE(parsePayloadLine(kDocExample, p, error)) << error;
  EXPECT_EQ(error, "");
  EXPECT_EQ(p.version, 1u);
  EXPECT_EQ(p.ts, 1700000060);
  EXPECT_EQ(p.intervalSec, 60);
  EXPECT_EQ(p.dstPorts, std::vector<uint16_t>{8545});
  EXPECT_EQ(p.ringbufDrops, 0u);
  EXPECT_EQ(p.parseErrors, 1u);
  EXPECT_EQ(p.stream, 0u);
  ASSERT_EQ(p.sources.size(), 1u);
  const PayloadSource& s = p.sources[0];
  EXPECT_EQ(formatRpcKey(s.key), "10.0.0.7:8545");
  EXPECT_EQ(s.key.address, *IpAddress::parse("10.0.0.7"));
  EXPECT_EQ(s.key.port, 8545);
  EXPECT_EQ(s.counts.requests, 13u);
  EXPECT_EQ(s.counts.responses, 13u);
  EXPECT_EQ(s.counts.requestBytes, 2100u);
  EXPECT_EQ(s.counts.responseBytes, 89000u);
  EXPECT_EQ(s.counts.httpStatus, (std::array<uint64_t, 5>{0, 13, 0, 0, 0}));
  EXPECT_EQ(s.counts.jsonrpcCalls, 15u);
  EXPECT_EQ(s.counts.jsonrpcBatches, 1u);
  EXPECT_EQ(s.counts.jsonrpcErrors, 1u);
  EXPECT_EQ(s.counts.expensiveCalls, 0u);  // the analysis's
  ASSERT_EQ(s.methods.size(), 3u);
  EXPECT_EQ(s.methods[0].method, "eth_getBalance");
  EXPECT_EQ(s.methods[0].calls, 11u);
  EXPECT_EQ(s.methods[0].requestBytes, 1500u);
  EXPECT_EQ(s.methods[0].responseBytes, 1000u);
  EXPECT_EQ(s.methods[1].method, "eth_getLogs");
  EXPECT_EQ(s.methods[1].calls, 3u);
  EXPECT_EQ(s.methods[1].requestBytes, 400u);
  EXPECT_EQ(s.methods[1].responseBytes, 80000u);
  EXPECT_EQ(s.methods[2].method, "eth_call");
  EXPECT_EQ(s.methods[2].calls, 1u);
  EXPECT_EQ(s.methods[2].requestBytes, 0u);
  EXPECT_EQ(s.methods[2].responseBytes, 0u);
}

TEST(ReportPayloadParser, Ipv6SourcesAndExtraFields) {
  std::string line = replaced(kDocExample, "\"10.0.0.7\"", "\"2001:DB8::7\"");
  // Fields a later collector may add are ignored, at every level; amplification too.
  line = replaced(line, "\"amplification\":42.381", "\"amplification\":\"ignored\",\"new\":[1]");
  line = replaced(line, "\"sources\":", "\"host\":{\"x\":1},\"sources\":");
  line = replaced(line, "\"5xx\":0", "\"5xx\":0,\"6xx\":9");
  line = replaced(line, "\"calls\":11", "\"calls\":11,\"p99_ms\":3.5");
  PayloadInterval p;
  std::string error;
  ASSERT_TRUE(parsePayloadLine(line, p, error)) << error;
  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_FALSE(p.sources[0].key.address.isV4());
  EXPECT_EQ(formatRpcKey(p.sources[0].key), "[2001:db8::7]:8545");
  EXPECT_EQ(p.sources[0].counts.httpStatus[1], 13u);
  EXPECT_EQ(p.sources[0].methods[0].calls, 11u);
  // An IPv4-mapped address stays IPv6 text, as the collector writes it.
  line = replaced(kDocExample, "\"10.0.0.7\"", "\"::ffff:10.0.0.7\"");
  ASSERT_TRUE(parsePayloadLine(line, p, error)) << error;
  EXPECT_EQ(formatRpcKey(p.sources[0].key), "[::ffff:10.0.0.7]:8545");
}

TEST(ReportPayloadParser, EmptyIntervalAndBoundaries) {
  PayloadInterval p;
  std::string error;
  const std::string empty =
      R"({"version":1,"kind":"payload","ts_unix_sec":0,"interval_sec":0,"dst_ports":[],"ringbuf_drops":18446744073709551615,"parse_errors":0,"sources":[]})";
  ASSERT_TRUE(parsePayloadLine(empty, p, error)) << error;
  EXPECT_EQ(p.ts, 0);
  EXPECT_EQ(p.ringbufDrops, UINT64_MAX);
  EXPECT_TRUE(p.sources.empty());
  std::string last = replaced(empty, "\"ts_unix_sec\":0", "\"ts_unix_sec\":253402300799");
  last = replaced(last, "\"interval_sec\":0", "\"interval_sec\":253402300799");
  ASSERT_TRUE(parsePayloadLine(last, p, error)) << error;
  EXPECT_EQ(p.ts, 253402300799);
  EXPECT_EQ(p.intervalSec, 253402300799);
}

TEST(ReportPayloadParser, RejectsMalformedLinesWithTheirReason) {
  const std::string& d = kDocExample;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "invalid JSON: Empty: no JSON found"},
      {"[1]", "line is not a JSON object"},
      {d.substr(0, d.size() - 1),
       "invalid JSON: The JSON document has an improper structure: "
       "missing or superfluous commas, braces, missing keys, etc."},
      {kCounterLine, "missing \"kind\""},
      {replaced(d, "\"payload\"", "7"), "\"kind\" is not a string"},
      {replaced(d, "\"payload\"", "\"counters\""), "\"kind\" is not \"payload\""},
      {replaced(d, "\"version\":1,", ""), "missing \"version\""},
      {replaced(d, "\"version\":1", "\"version\":-1"), "\"version\" is not an unsigned integer"},
      {replaced(d, "\"version\":1", "\"version\":1,\"version\":1"), "duplicate field \"version\""},
      {replaced(d, "\"ts_unix_sec\":1700000060,", ""), "missing \"ts_unix_sec\""},
      {replaced(d, "1700000060", "253402300800"),
       "\"ts_unix_sec\" is not a Unix time in 0..253402300799"},
      {replaced(d, "1700000060", "\"1700000060\""),
       "\"ts_unix_sec\" is not a Unix time in 0..253402300799"},
      {replaced(d, "\"interval_sec\":60", "\"interval_sec\":-60"),
       "\"interval_sec\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"interval_sec\":60", "\"interval_sec\":1700000061"),
       "\"interval_sec\" is larger than \"ts_unix_sec\""},
      {replaced(d, "\"dst_ports\":[8545]", "\"dst_ports\":8545"), "\"dst_ports\" is not an array"},
      {replaced(d, "\"dst_ports\":[8545]", "\"dst_ports\":[65536]"),
       "\"dst_ports\" holds a value that is not a port number"},
      {replaced(d, "\"ringbuf_drops\":0", "\"ringbuf_drops\":1.5"),
       "\"ringbuf_drops\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"parse_errors\":1,", ""), "missing \"parse_errors\""},
      {replaced(d, "\"parse_errors\":1", "\"parse_errors\":null"),
       "\"parse_errors\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"sources\":[", "\"sources\":{\"a\":[") + "}", "\"sources\" is not an array"},
      {replaced(d, "\"sources\":[", "\"sources\":[1,"), "source 0 is not an object"},
      {replaced(d, "\"src_ip\":\"10.0.0.7\",", ""), "source 0: missing \"src_ip\""},
      {replaced(d, "\"10.0.0.7\"", "167772167"), "source 0: \"src_ip\" is not a string"},
      {replaced(d, "\"10.0.0.7\"", "\"10.0.0.256\""),
       "source 0: \"src_ip\" is not an IPv4 or IPv6 address"},
      {replaced(d, "\"10.0.0.7\"", "\"10.0.0.0/24\""),
       "source 0: \"src_ip\" is not an IPv4 or IPv6 address"},
      {replaced(d, "\"10.0.0.7\"", "\"2001:db8::g\""),
       "source 0: \"src_ip\" is not an IPv4 or IPv6 address"},
      {replaced(d, "\"dst_port\":8545", "\"dst_port\":65536"),
       "source 0: \"dst_port\" is not an integer in 0..65535"},
      {replaced(d, "\"requests\":13", "\"requests\":-1"),
       "source 0: \"requests\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"responses\":13,", ""), "source 0: missing \"responses\""},
      {replaced(d, "\"request_bytes\":2100", "\"request_bytes\":true"),
       "source 0: \"request_bytes\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"response_bytes\":89000", "\"response_bytes\":\"89000\""),
       "source 0: \"response_bytes\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"jsonrpc_calls\":15", "\"jsonrpc_calls\":15.0"),
       "source 0: \"jsonrpc_calls\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"jsonrpc_batches\":1,", ""), "source 0: missing \"jsonrpc_batches\""},
      {replaced(d, "\"jsonrpc_errors\":1", "\"jsonrpc_errors\":[]"),
       "source 0: \"jsonrpc_errors\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"requests\":13", "\"requests\":13,\"requests\":13"),
       "source 0: duplicate field \"requests\""},
      {replaced(d, "{\"1xx\":0,\"2xx\":13,\"3xx\":0,\"4xx\":0,\"5xx\":0}", "[0,13,0,0,0]"),
       "source 0: \"http_status\" is not an object"},
      {replaced(d, ",\"4xx\":0", ""), "source 0: \"http_status\": missing \"4xx\""},
      {replaced(d, "\"5xx\":0", "\"5xx\":-2"),
       "source 0: \"http_status\": \"5xx\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"methods\":[", "\"methods\":7,\"m\":["),
       "source 0: \"methods\" is not an array"},
      {replaced(d, "\"methods\":[", "\"methods\":[\"eth_call\","),
       "source 0: method 0 is not an object"},
      {replaced(d, "\"method\":\"eth_call\",", ""), "source 0: method 2: missing \"method\""},
      {replaced(d, "\"eth_call\"", "\"\""),
       "source 0: method 2: \"method\" is not a string of 1..64 printable ASCII characters"},
      {replaced(d, "\"eth_call\"", "\"" + std::string(65, 'm') + "\""),
       "source 0: method 2: \"method\" is not a string of 1..64 printable ASCII characters"},
      {replaced(d, "\"eth_call\"", "\"eth\\u0001call\""),
       "source 0: method 2: \"method\" is not a string of 1..64 printable ASCII characters"},
      {replaced(d, "\"calls\":3,", ""), "source 0: method 1: missing \"calls\""},
      {replaced(d, "\"calls\":3", "\"calls\":-3"),
       "source 0: method 1: \"calls\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"request_bytes\":400", "\"request_bytes\":4e2"),
       "source 0: method 1: \"request_bytes\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"response_bytes\":80000", "\"response_bytes\":null"),
       "source 0: method 1: \"response_bytes\" is not an unsigned 64-bit integer"},
      {replaced(d, "\"eth_call\"", "\"eth_getBalance\""),
       "source 0: duplicate method \"eth_getBalance\""},
  };
  for (const auto& [line, reason] : cases) {
    PayloadInterval p;
    std::string error;
    EXPECT_FALSE(parsePayloadLine(line, p, error)) << line;
    EXPECT_EQ(error, reason) << line;
  }
}

TEST(ReportPayloadParser, DuplicateSourceKeysMakeTheLineMalformed) {
  PayloadInterval p;
  std::string error;
  // The same address on another port, and another address on the same port, are distinct.
  std::string line = payloadLine(100, 60, {{"10.0.0.1", 1}, {"10.0.0.2", 2}, {"::1", 3}});
  ASSERT_TRUE(parsePayloadLine(line, p, error)) << error;
  EXPECT_EQ(p.sources.size(), 3u);
  line = payloadLine(100, 60, {{"10.0.0.2", 1}, {"::1", 2}, {"10.0.0.2", 3}});
  EXPECT_FALSE(parsePayloadLine(line, p, error));
  EXPECT_EQ(error, "duplicate source 10.0.0.2:8545");
  line = payloadLine(100, 60, {{"2001:db8::1", 1}, {"2001:DB8:0::1", 2}});
  EXPECT_FALSE(parsePayloadLine(line, p, error));
  EXPECT_EQ(error, "duplicate source [2001:db8::1]:8545");
}

TEST(ReportPayloadParser, OnlyVersionOneIsUnderstood) {
  PayloadInterval p;
  std::string error;
  EXPECT_FALSE(parsePayloadLine(replaced(kDocExample, "\"version\":1", "\"version\":2"), p, error));
  EXPECT_EQ(error, "unsupported payload schema version 2 (supported: 1)");
  // Decided before anything else: a newer line is not judged by version 1's rules.
  EXPECT_FALSE(parsePayloadLine(
      R"({"kind":"payload","version":0,"ts_unix_sec":"later","sources":7})", p, error));
  EXPECT_EQ(error, "unsupported payload schema version 0 (supported: 1)");
}

TEST(ReportPayloadParser, KindRouting) {
  EXPECT_TRUE(isPayloadLine(kDocExample));
  EXPECT_TRUE(isPayloadLine(R"({ "version" : 1, "kind" : "payload" })"));
  EXPECT_TRUE(isPayloadLine("{\"ts_unix_sec\":1,\"kind\":\t\"payload\"}"));
  EXPECT_FALSE(isPayloadLine(kCounterLine));
  EXPECT_FALSE(isPayloadLine(R"({"version":1,"kind":"counters"})"));
  EXPECT_FALSE(isPayloadLine(R"({"run_id":"\"kind\":\"payload\""})"));  // inside a string
  EXPECT_FALSE(isPayloadLine(R"({"kind","payload"})"));
  EXPECT_FALSE(isPayloadLine(""));
  EXPECT_FALSE(isPayloadLine("\"kind\":"));
}

TEST(ReportRpcModel, CountsAddSaturatingAndKeysFormat) {
  RpcCounts a;
  a.requests = UINT64_MAX - 1;
  a.responseBytes = 5;
  a.httpStatus = {1, 2, 3, 4, UINT64_MAX};
  a.expensiveCalls = 7;
  RpcCounts b;
  b.requests = 5;
  b.responses = 2;
  b.requestBytes = 3;
  b.responseBytes = 6;
  b.httpStatus = {1, 1, 1, 1, 1};
  b.jsonrpcCalls = 4;
  b.jsonrpcBatches = 1;
  b.jsonrpcErrors = 2;
  b.expensiveCalls = 1;
  a.add(b);
  EXPECT_EQ(a.requests, UINT64_MAX);
  EXPECT_EQ(a.responses, 2u);
  EXPECT_EQ(a.requestBytes, 3u);
  EXPECT_EQ(a.responseBytes, 11u);
  EXPECT_EQ(a.httpStatus, (std::array<uint64_t, 5>{2, 3, 4, 5, UINT64_MAX}));
  EXPECT_EQ(a.jsonrpcCalls, 4u);
  EXPECT_EQ(a.jsonrpcBatches, 1u);
  EXPECT_EQ(a.jsonrpcErrors, 2u);
  EXPECT_EQ(a.expensiveCalls, 8u);
  EXPECT_EQ(a.httpErrors(), UINT64_MAX);  // 4xx + 5xx saturates too
  EXPECT_EQ(formatRpcKey({*IpAddress::parse("192.0.2.1"), 0}), "192.0.2.1:0");
  EXPECT_EQ(formatRpcKey({*IpAddress::parse("::"), 65535}), "[::]:65535");
}

TEST(ReportPayloadInput, MergesDirectoriesInTimeOrderWithAStreamEach) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "a");
  std::filesystem::create_directories(tmp / "b");
  writeFile(tmp / "a/payload_2023111422.jsonl", oneSource(100) + "\n" + oneSource(160) + "\n");
  writeFile(tmp / "b/payload_2023111422.jsonl", oneSource(130) + "\n" + oneSource(160) + "\n");
  const auto files = find({tmp.path().string()});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].display, "a/payload_2023111422.jsonl");
  EXPECT_EQ(files[0].kind, InputKind::Payload);
  PayloadQuality q;
  std::vector<Got> got;
  ASSERT_TRUE(ingestAll(files, q, got).ok());
  // Ties by file: a's line at 160 before b's.
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ((std::vector<int64_t>{got[0].ts, got[1].ts, got[2].ts, got[3].ts}),
            (std::vector<int64_t>{100, 130, 160, 160}));
  EXPECT_EQ((std::vector<uint32_t>{got[0].stream, got[1].stream, got[2].stream, got[3].stream}),
            (std::vector<uint32_t>{0, 1, 0, 1}));
  EXPECT_EQ(q.files, 2u);
  EXPECT_EQ(q.lines, 4u);
  EXPECT_EQ(q.intervals, 4u);
  EXPECT_EQ(q.streamSplits, 0u);
  ASSERT_EQ(q.streams.size(), 2u);
  EXPECT_EQ(q.streams[0].dir, (tmp / "a").string());
  EXPECT_EQ(q.streams[0].firstTs, 100);
  EXPECT_EQ(q.streams[0].lastTs, 160);
  EXPECT_EQ(q.streams[0].snapshots, 2u);
  EXPECT_EQ(q.streams[0].part, 0u);
  EXPECT_EQ(q.streams[1].dir, (tmp / "b").string());
  EXPECT_EQ(q.streams[1].firstTs, 130);
  EXPECT_EQ(q.streams[1].snapshots, 2u);
  EXPECT_FALSE(q.singleStream());
}

TEST(ReportPayloadInput, OverlappingFilesOfOneDirectoryAreSeparateParts) {
  TempDir tmp;
  // Two collectors wrote into one directory: the second file begins (150) before the first ends.
  writeFile(tmp / "payload_2023111422.jsonl", oneSource(100) + "\n" + oneSource(200) + "\n");
  writeFile(tmp / "payload_2023111423.jsonl", oneSource(150) + "\n" + oneSource(250) + "\n");
  // A file that follows the first in time continues part 0.
  writeFile(tmp / "payload_2023111500.jsonl", oneSource(300) + "\n");
  PayloadQuality q;
  std::vector<Got> got;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(ingestAll(find({tmp.path().string()}), q, got).ok());
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("payload_2023111423.jsonl:1: begins at 150 while another file of '" +
                     tmp.path().string() +
                     "' is still being read; timestamps go back, so it is read as a separate "
                     "stream (part 2)"),
            std::string::npos)
      << log;
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ((std::vector<uint32_t>{got[0].stream, got[1].stream, got[2].stream, got[3].stream,
                                   got[4].stream}),
            (std::vector<uint32_t>{0, 1, 0, 1, 0}));
  EXPECT_EQ(q.streamSplits, 1u);
  ASSERT_EQ(q.streams.size(), 2u);
  EXPECT_EQ(q.streams[0].part, 0u);
  EXPECT_EQ(q.streams[0].firstTs, 100);
  EXPECT_EQ(q.streams[0].lastTs, 300);
  EXPECT_EQ(q.streams[0].snapshots, 3u);
  EXPECT_EQ(q.streams[1].part, 1u);
  EXPECT_EQ(q.streams[1].firstTs, 150);
  EXPECT_EQ(q.streams[1].lastTs, 250);
  EXPECT_EQ(q.streams[1].snapshots, 2u);
}

TEST(ReportPayloadInput, ReadsCompressedFiles) {
  TempDir tmp;
  const std::string data = oneSource(100) + "\n" + oneSource(160) + "\n";
  gzFile gz = gzopen((tmp / "payload_2023111422.jsonl.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, data.data(), unsigned(data.size())), int(data.size()));
  gzclose(gz);
  const std::string more = oneSource(220) + "\n";
  std::string z(ZSTD_compressBound(more.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), more.data(), more.size(), 3));
  writeFile(tmp / "payload_2023111423.jsonl.zst", z);
  const auto files = find({tmp.path().string()});
  ASSERT_EQ(files.size(), 2u);
  PayloadQuality q;
  std::vector<Got> got;
  ASSERT_TRUE(ingestAll(files, q, got).ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].ts, 220);
  EXPECT_EQ(q.malformedLines, 0u);
  EXPECT_EQ(q.streams.size(), 1u);
}

TEST(ReportPayloadInput, QualityCountsEverythingSurvived) {
  TempDir tmp;
  std::string data;
  data += oneSource(100) + "\n";                                 // 1 valid
  data += "\n   \n";                                             // 2, 3 blank
  data += "{\"version\":1,\"kind\":\"payload\"}\n";              // 4 malformed
  data += kCounterLine + "\n";                                   // 5 counter line
  data += payloadLine(160, 60, {{"10.0.0.1", 1}}, 7, 2) + "\n";  // 6 valid, drops
  data += oneSource(150) + "\n";                                 // 7 out of order
  data += payloadLine(160, 0, {{"10.0.0.1", 1}}, 0, 3) + "\n";   // 8 valid, zero duration
  data += payloadLine(200, 40, {{"10.0.0.1", 1}}, 1, 0) + "\n";  // 9 valid, drops
  data += "{" + std::string(1200, ' ') + "}\n";                  // 10 oversized
  data += oneSource(260).substr(0, 40);                          // 11 torn
  writeFile(tmp / "payload_2023111422.jsonl", data);
  PayloadQuality q;
  std::vector<Got> got;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(ingestAll(find({tmp.path().string()}), q, got, 1024).ok());
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(q.files, 1u);
  EXPECT_EQ(q.lines, 11u);
  EXPECT_EQ(q.blankLines, 2u);
  EXPECT_EQ(q.intervals, 4u);
  EXPECT_EQ(q.malformedLines, 3u);
  EXPECT_EQ(q.tornLastLines, 1u);
  EXPECT_EQ(q.oversizedLines, 1u);
  EXPECT_EQ(q.outOfOrderLines, 1u);
  EXPECT_EQ(q.zeroDurationIntervals, 0u);  // counted by the analysis, as for counter snapshots
  EXPECT_EQ(q.ringbufDrops, 8u);
  EXPECT_EQ(q.intervalsWithDrops, 2u);
  EXPECT_EQ(q.parseErrors, 5u);
  EXPECT_EQ(q.sourcesOutsidePorts, 0u);
  EXPECT_EQ(q.streamSplits, 0u);
  ASSERT_EQ(q.streams.size(), 1u);
  EXPECT_EQ(q.streams[0].firstTs, 100);
  EXPECT_EQ(q.streams[0].lastTs, 200);
  EXPECT_EQ(q.streams[0].snapshots, 4u);
  for (const char* warning :
       {"payload_2023111422.jsonl:4: malformed payload line skipped: missing \"ts_unix_sec\"",
        "payload_2023111422.jsonl:5: malformed payload line skipped: a counter snapshot line in "
        "a payload file",
        "payload_2023111422.jsonl:7: payload line at 150 is earlier than the previous one of this "
        "file; skipped",
        "payload_2023111422.jsonl:10: line longer than 1024 bytes skipped",
        "payload_2023111422.jsonl:11: torn last line skipped: invalid JSON"})
    EXPECT_NE(log.find(warning), std::string::npos) << warning << "\n" << log;
}

TEST(ReportPayloadInput, WarningsAreCappedCountsAreNot) {
  TempDir tmp;
  std::string data;
  for (int i = 0; i < 5; ++i) data += "not json\n";
  writeFile(tmp / "payload_2023111422.jsonl", data);
  IngestOptions opts;
  opts.maxWarnings = 2;
  PayloadQuality q;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(
      ingestPayload(find({tmp.path().string()}), opts, q, [](const PayloadInterval&) {}).ok());
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(q.malformedLines, 5u);
  EXPECT_NE(log.find(":2: malformed payload line skipped"), std::string::npos) << log;
  EXPECT_EQ(log.find(":3: malformed"), std::string::npos) << log;
  EXPECT_NE(log.find("further input warnings suppressed"), std::string::npos) << log;
}

TEST(ReportPayloadInput, AnUnsupportedVersionFailsTheRun) {
  TempDir tmp;
  writeFile(
      tmp / "payload_2023111422.jsonl",
      oneSource(100) + "\n" + replaced(oneSource(160), "\"version\":1", "\"version\":2") + "\n");
  PayloadQuality q;
  std::vector<Got> got;
  Status st = ingestAll(find({tmp.path().string()}), q, got);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "payload_2023111422.jsonl:2: unsupported payload schema version 2 (supported: 1)");
}

TEST(ReportPayloadInput, MixedDirectoryGivesEachKindToItsOwnIngest) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "counters");
  // A collect-payload out-dir: payload files on top, counters below; plus strays of each kind.
  writeFile(tmp / "payload_2025011510.jsonl", oneSource(1736935260) + "\n" + kCounterLine + "\n");
  writeFile(tmp / "status.jsonl", "{\"timestamp\":1}\n");
  writeFile(tmp / "counters/snapshot_2025011510.jsonl",
            kCounterLine + "\n" + replaced(kDocExample, "1700000060", "1736935300") + "\n");
  const auto files = find({tmp.path().string()});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].display, "counters/snapshot_2025011510.jsonl");
  EXPECT_EQ(files[0].kind, InputKind::Counters);
  EXPECT_EQ(files[1].display, "payload_2025011510.jsonl");
  EXPECT_EQ(files[1].kind, InputKind::Payload);

  ::testing::internal::CaptureStderr();
  DataQuality dq;
  std::vector<int64_t> snapshots;
  ASSERT_TRUE(ingest(files, {}, dq, [&](const Snapshot& s) { snapshots.push_back(s.ts); }).ok());
  PayloadQuality q;
  std::vector<Got> got;
  ASSERT_TRUE(ingestAll(files, q, got).ok());
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(snapshots, std::vector<int64_t>{1736935260});
  EXPECT_EQ(dq.files, 1u);
  EXPECT_EQ(dq.lines, 2u);
  EXPECT_EQ(dq.malformedLines, 1u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ts, 1736935260);
  EXPECT_EQ(q.files, 1u);
  EXPECT_EQ(q.lines, 2u);
  EXPECT_EQ(q.malformedLines, 1u);
  // A payload line (version 1) in a counter file is malformed, not an unsupported version.
  EXPECT_NE(log.find("counters/snapshot_2025011510.jsonl:2: malformed snapshot skipped: a payload "
                     "line in a counter snapshot file"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("payload_2025011510.jsonl:2: malformed payload line skipped: a counter "
                     "snapshot line in a payload file"),
            std::string::npos)
      << log;
}

TEST(ReportPayloadInput, PlainFilesAreRoutedByNameElseByTheirFirstLine) {
  TempDir tmp;
  writeFile(tmp / "payload_x.jsonl", kCounterLine + "\n");  // the name decides
  writeFile(tmp / "app.jsonl", "\n  \n" + kDocExample + "\n");
  writeFile(tmp / "counters.jsonl", kCounterLine + "\n");
  writeFile(tmp / "empty.jsonl", "");
  {
    const std::string path = (tmp / "app.jsonl.gz").string();
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, kDocExample.data(), unsigned(kDocExample.size())),
              int(kDocExample.size()));
    gzclose(f);
  }
  // A missing file fails the search itself, as before.
  EXPECT_FALSE(findInputFiles({(tmp / "missing.jsonl").string()}).ok());
  const auto found = find({(tmp / "payload_x.jsonl").string(), (tmp / "app.jsonl").string(),
                           (tmp / "counters.jsonl").string(), (tmp / "empty.jsonl").string(),
                           (tmp / "app.jsonl.gz").string()});
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].kind, InputKind::Payload);
  EXPECT_EQ(found[1].kind, InputKind::Payload);
  EXPECT_EQ(found[2].kind, InputKind::Counters);
  EXPECT_EQ(found[3].kind, InputKind::Counters);
  EXPECT_EQ(found[4].kind, InputKind::Payload);
  EXPECT_EQ(found[1].display, "app.jsonl");
}

TEST(ReportPayloadInput, TimeRangeSelectsPayloadFilesByTheirHour) {
  TempDir tmp;
  for (const char* name :
       {"payload_2025011509.jsonl", "payload_2025011510.jsonl.zst", "snapshot_2025011510.jsonl",
        "payload_2025011511.jsonl", "payload_notanhour.jsonl", "payload_2025011510.json"})
    writeFile(tmp / name, "");
  HourRange range;
  range.from = 1736935200;  // 2025-01-15T10:00:00Z
  range.to = 1736935200 + 3600;
  const auto files = find({tmp.path().string()}, range);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].display, "payload_2025011510.jsonl.zst");
  EXPECT_EQ(files[0].kind, InputKind::Payload);
  EXPECT_EQ(files[1].display, "snapshot_2025011510.jsonl");
  EXPECT_EQ(files[1].kind, InputKind::Counters);
  // Without a range every payload_ file with a readable suffix is found.
  EXPECT_EQ(find({tmp.path().string()}).size(), 5u);
  EXPECT_TRUE(isPayloadFileName("payload_2025011510.jsonl.gz"));
  EXPECT_FALSE(isPayloadFileName("payload_2025011510.jsonl.xz"));
  EXPECT_EQ(kindOfName("snapshot6_2025011510.jsonl"), InputKind::Counters);
}

}  // namespace
}  // namespace ibsr::report
