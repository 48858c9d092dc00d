// The application-layer parts of every output (docs/report-rpc.md "Outputs"), from a hand-made
// ReportData: exact CSV bytes, the key lines of report.md, summary.json and rules.json parsed and
// checked field by field (and against their schemas), report.html's section, charts and escaping;
// and that without payload input nothing of it appears.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "report/chart_builder.h"
#include "report/formats.h"
#include "report/report_data.h"
#include "report/rpc/rpc_chart_builder.h"
#include "temp_dir.h"

namespace ibsr::report {
namespace {

constexpr int64_t kT0 = 1767225600;  // 2026-01-01T00:00:00Z
const char* const kHostile = "<script>alert(\"x\")</script>";
const char* const kCommaQuote = "a,b\"c|d";

RpcKey v4(const char* a) {
  return RpcKey{*IpAddress::parse(a), 8545};
}

RpcCounts counts(uint64_t req, uint64_t reqBytes, uint64_t respBytes, uint64_t calls,
                 uint64_t errors = 0, uint64_t expensive = 0) {
  RpcCounts c;
  c.requests = req;
  c.responses = req;
  c.requestBytes = reqBytes;
  c.responseBytes = respBytes;
  c.httpStatus[1] = req;
  c.jsonrpcCalls = calls;
  c.jsonrpcErrors = errors;
  c.expensiveCalls = expensive;
  return c;
}

RpcWindowStats window(int64_t start, int64_t end, RpcCounts c) {
  RpcWindowStats w;
  w.start = start;
  w.end = end;
  w.counts = c;
  return w;
}

RpcEpisode episode(const RpcKey& key, int64_t start, int64_t end, RpcClass cls, RpcCounts c) {
  RpcEpisode e;
  e.key = key;
  e.start = start;
  e.end = end;
  e.windows = uint32_t((end - start) / 60);
  e.classes[size_t(cls)] = true;
  e.counts = c;
  return e;
}

// Four sources: a normal one, an amplifier (blocked), an allowlisted one whose only method has a
// comma and a quote in its name, and an IPv6 flooder (blocked).
void addApplicationLayer(ReportData& d) {
  d.payloadInput = true;
  InputFile f;
  f.display = "payload/payload_2026010100.jsonl";
  f.kind = InputKind::Payload;
  d.files.push_back(f);

  RpcKeyResult normal;
  normal.key = v4("192.0.2.10");
  normal.hasShown = true;
  normal.shown = window(kT0, kT0 + 60, counts(60, 6000, 30000, 60));
  normal.total = counts(60, 6000, 30000, 60);
  normal.methods = {{"eth_blockNumber", 60, 6000, 30000, false}};

  RpcKeyResult amp;
  amp.key = v4("198.51.100.7");
  amp.rpcClass = RpcClass::Amplification;
  amp.block = true;
  amp.hasShown = true;
  amp.shown = window(kT0 + 60, kT0 + 120, counts(120, 12000, 90000000, 120, 0, 120));
  amp.total = counts(240, 24000, 150000000, 240, 0, 240);
  amp.simulatedRequests = 100;
  amp.simulatedRequestBytes = 10000;
  amp.simulatedResponseBytes = 60000000.25;
  amp.methods = {{"eth_getLogs", 238, 23800, 149999000, true},
                 {kHostile, 1, 100, 500, false},
                 {kCommaQuote, 1, 100, 500, false}};
  RpcEpisode e = episode(amp.key, kT0 + 60, kT0 + 180, RpcClass::Amplification,
                         counts(240, 24000, 150000000, 240, 0, 240));
  e.peakAmplification = 7500;
  e.peakRequestRate = 2;
  e.peakResponseByteRate = 1500000;
  amp.episodes = {e};

  RpcKeyResult allowed;
  allowed.key = v4("203.0.113.5");
  allowed.allowlisted = true;
  allowed.total = counts(10, 1000, 2000, 10);
  allowed.methods = {{kCommaQuote, 10, 1000, 2000, false}};

  RpcKeyResult flood;
  flood.key = RpcKey{*IpAddress::parse("2001:db8::5"), 8545};
  flood.rpcClass = RpcClass::Flood;
  flood.block = true;
  flood.hasShown = true;
  flood.shown = window(kT0, kT0 + 60, counts(12000, 1200000, 2400000, 12000, 6000));
  flood.total = counts(12000, 1200000, 2400000, 12000, 6000);
  flood.simulatedRequests = 6000;
  flood.simulatedRequestBytes = 600000;
  flood.simulatedResponseBytes = 1200000;
  flood.methods = {{"eth_call", 12000, 1200000, 2400000, false}};
  RpcEpisode fe = episode(flood.key, kT0 + 60, kT0 + 360, RpcClass::Flood,
                          counts(12000, 1200000, 2400000, 12000, 6000));
  fe.peakRequestRate = 200;
  fe.peakAmplification = 2;
  fe.peakResponseByteRate = 40000;
  flood.episodes = {fe};

  RpcAnalysisResult& r = d.rpc;
  r.keys = {normal, amp, allowed, flood};
  r.dstPorts = {8545};
  r.intervals = 20;
  r.windows = 10;
  r.firstTs = kT0 + 60;
  r.lastTs = kT0 + 600;
  r.startTs = kT0;
  r.observedSec = 600;

  RpcEvaluation& ev = d.rpcEvaluation;
  ev.keys = 3;
  ev.allowlistedKeys = 1;
  ev.total = counts(12300, 1230000, 152430000, 12300, 6000);
  ev.blockedKeys = 2;
  ev.classKeys[size_t(RpcClass::Amplification)] = 1;
  ev.classKeys[size_t(RpcClass::Flood)] = 1;
  ev.episodes = 2;
  ev.upperBound = {12240, 1224000, 152400000, 99.5122, 99.5122, 99.9803};
  ev.simulated = {6100, 610000, 61200000.25, 49.5935, 49.5935, 40.1496};
  ev.fpReason = "Insufficient data: 3 sources, need at least 10";
  ev.reasons = {"FP bound unknown: Insufficient data: 3 sources, need at least 10"};
  ev.topOffenders = {1, 3};

  PayloadQuality& q = d.payloadQuality;
  q.files = 1;
  q.lines = 22;
  q.blankLines = 1;
  q.intervals = 20;
  q.malformedLines = 1;
  q.tornLastLines = 1;
  q.sourcesOutsidePorts = 2;
  q.ringbufDrops = 7;
  q.intervalsWithDrops = 2;
  q.parseErrors = 3;
  q.streams = {StreamInfo{"payload", IpFamily::V4, "", 0, kT0 + 60, kT0 + 600, 20}};

  RpcChartSeries& c = d.rpcChart;
  c.bins = {{kT0, kT0 + 300, 6000, 80000000, 30000000, 79000000},
            {kT0 + 300, kT0 + 600, 6300, 72430000, 31200000.25, 73400000}};
  c.keys = {amp.key, flood.key};
  c.points = {{{true, 1500000, 2, 12000, 90000000}, {true, 1000000, 2, 12000, 60000000}},
              {{true, 40000, 200, 1200000, 2400000}, {false, 0, 0, 0, 0}}};
}

// A counter-only report: one blocked SYN flooder, the transport layer SAFE.
ReportData counterData() {
  ReportData d;
  d.generatedAt = kT0 + 3600;
  InputFile f;
  f.display = "snapshot_2026010100.jsonl";
  d.files.push_back(f);
  KeyResult k;
  k.key = packKey(KeyType::SrcIp, 0xC6336401, 8545);  // 198.51.100.1
  k.abuseClass = AbuseClass::SynFloodLike;
  k.block = true;
  d.result.keys = {k};
  d.result.snapshots = 12;
  d.result.dstPorts = {8545};
  d.result.startTs = kT0;
  d.result.lastTs = kT0 + 600;
  d.result.observedSec = 600;
  d.evaluation.keys = 1;
  d.evaluation.blockedKeys = 1;
  d.evaluation.synFloodKeys = 1;
  d.evaluation.safe = true;
  d.evaluation.topOffenders = {0};
  return d;
}

ReportData bothLayers() {
  ReportData d = counterData();
  addApplicationLayer(d);
  return d;
}

// A payload-only run: no counter snapshot at all.
ReportData payloadOnly() {
  ReportData d;
  d.generatedAt = kT0 + 3600;
  d.evaluation.reasons = {"No counter snapshots in the input"};
  addApplicationLayer(d);
  return d;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

TEST(ReportRpcWriters, EvidenceCsvExactBytes) {
  EXPECT_EQ(
      renderRpcEvidenceCsv(bothLayers()),
      "source,address,dst_port,rpc_class,decision,allowlisted,window_start,window_end,"
      "request_rate,response_byte_rate,amplification,calls_per_request,error_ratio,"
      "expensive_share,requests,responses,request_bytes,response_bytes,jsonrpc_calls,"
      "jsonrpc_batches,jsonrpc_errors,http_errors,whole_amplification,whole_error_ratio,"
      "simulated_requests,simulated_response_bytes,episodes,top_method,top_method_calls\n"
      "192.0.2.10:8545,192.0.2.10,8545,,allow,false,2026-01-01T00:00:00Z,2026-01-01T00:01:00Z,"
      "1.00,500.00,5.00,1.00,0.0000,0.0000,60,60,6000,30000,60,0,0,0,5.00,0.0000,0.00,0.00,0,"
      "eth_blockNumber,60\n"
      "198.51.100.7:8545,198.51.100.7,8545,RPC_AMPLIFICATION,block,false,2026-01-01T00:01:00Z,"
      "2026-01-01T00:02:00Z,2.00,1500000.00,7500.00,1.00,0.0000,1.0000,240,240,24000,150000000,"
      "240,0,0,0,6250.00,0.0000,100.00,60000000.25,1,eth_getLogs,238\n"
      "203.0.113.5:8545,203.0.113.5,8545,,allow,true,,,0.00,0.00,0.00,0.00,0.0000,0.0000,10,10,"
      "1000,2000,10,0,0,0,2.00,0.0000,0.00,0.00,0,\"a,b\"\"c|d\",10\n"
      "[2001:db8::5]:8545,2001:db8::5,8545,RPC_FLOOD,block,false,2026-01-01T00:00:00Z,"
      "2026-01-01T00:01:00Z,200.00,40000.00,2.00,1.00,0.5000,0.0000,12000,12000,1200000,2400000,"
      "12000,0,6000,0,2.00,0.5000,6000.00,1200000.00,1,eth_call,12000\n");
}

TEST(ReportRpcWriters, EvidenceRpcCsvIsWrittenByTheCsvFormatOnlyWithPayloadInput) {
  const ReportFormat* csv = findReportFormat("csv");
  ASSERT_NE(csv, nullptr);
  ASSERT_EQ(csv->files.size(), 2u);
  EXPECT_EQ(csv->files[0].name, "evidence.csv");
  EXPECT_EQ(csv->files[1].name, "evidence_rpc.csv");
  EXPECT_TRUE(csv->files[0].written(counterData()));
  EXPECT_FALSE(csv->files[1].written(counterData()));
  EXPECT_TRUE(csv->files[1].written(bothLayers()));
  // Every other file of every format is written as before, payload input or not.
  for (const ReportFormat& format : reportFormats())
    for (const ReportFile& file : format.files)
      if (file.name != "evidence_rpc.csv") {
        EXPECT_TRUE(file.written(counterData())) << file.name;
      }
}

TEST(ReportRpcWriters, MarkdownSection) {
  std::string md = renderMarkdown(bothLayers());
  for (const char* line : {
           "Transport layer (counters): SAFE; application layer (RPC): NOT SAFE. Rules ready: "
           "transport.\n",
           "\n## Application layer (RPC)\n\nVerdict for the application layer: **NOT SAFE**.\n",
           "1. FP bound unknown: Insufficient data: 3 sources, need at least 10\n",
           "| Input | 1 payload file(s), 20 interval(s), 10 window(s) |\n",
           "| Observed period | 2026-01-01T00:00:00Z to 2026-01-01T00:10:00Z (600 s) |\n",
           "| Sources analysed | 3 (1 allowlisted, excluded) |\n",
           "| Blocked sources | 2 (1 RPC_AMPLIFICATION, 1 RPC_FLOOD) in 2 episode(s) |\n",
           "| Upper bound: blocked sources over the whole input | 12,240 (99.51%) | 1,224,000 "
           "(99.51%) | 152,400,000 (99.98%) |\n",
           "| Simulated enforcement: 300 s blocks from the first flagged window | 6,100 (49.59%) | "
           "610,000 (49.59%) | 61,200,000 (40.15%) |\n",
           "False-positive bound: **UNKNOWN** (Insufficient data: 3 sources, need at least 10).\n",
           "| 1 | 198.51.100.7:8545 | RPC_AMPLIFICATION | 240 | 150,000,000 | 6250.00 | 0.0000 | 1 "
           "|\n",
           "| 2 | [2001:db8::5]:8545 | RPC_FLOOD | 12,000 | 2,400,000 | 2.00 | 0.5000 | 1 |\n",
           "#### 1. 198.51.100.7:8545 (RPC_AMPLIFICATION)\n",
           "- Shown window: 2026-01-01T00:01:00Z to 2026-01-01T00:02:00Z (60 s): 2.00 requests/s, "
           "1500000.00 response B/s, amplification 7500.00, 1.00 calls/request, error ratio "
           "0.0000, expensive share 1.0000\n",
           "- Simulated block would have saved: 100.00 requests, 10000.00 request bytes, "
           "60000000.25 response bytes\n",
           "| eth_getLogs | 238 | 23,800 | 149,999,000 | 6302.48 | yes |\n",
           "| a,b&quot;c\\|d | 1 | 100 | 500 | 5.00 | no |\n",
           "| &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | 1 | 100 | 500 | 5.00 | no |\n",
           "| 1 | 2026-01-01T00:01:00Z | 2026-01-01T00:03:00Z | 2 | RPC_AMPLIFICATION | 7500.00 | "
           "2.00 | 1500000.00 | 240 | 150,000,000 |\n",
           "#### 2. [2001:db8::5]:8545 (RPC_FLOOD)\n",
           "- 203.0.113.5:8545 (10 requests, 2,000 response bytes)\n",
           "- Collector: 7 ring-buffer drop(s): counts of 2 interval(s) are lower bounds; 3 HTTP "
           "parse error(s).\n",
           "- 1 payload file(s), 22 line(s) (1 blank), 20 valid interval(s); skipped: 1 malformed "
           "(1 torn last line(s)), 0 oversized, 0 out of order; 0 zero-length interval(s); 2 "
           "source(s) outside the ports.\n",
           "| RPC_AMPLIFICATION | amplification >= 10 and response byte rate >= 1000000 B/s |\n",
           "| RPC_FLOOD | request rate >= 100/s |\n",
           "| RPC_EXPENSIVE_METHODS | expensive share >= 0.5 and expensive calls >= 10/s |\n",
           "| RPC_BATCH_FANOUT | calls per request >= 50 over >= 50 requests |\n",
           "| RPC_ERROR_STORM | error ratio >= 0.9 over >= 50 requests |\n",
           "| Expensive methods | eth_getLogs, debug_traceTransaction, debug_traceCall, "
           "debug_traceBlockByNumber, debug_traceBlockByHash, trace_filter, trace_block, "
           "trace_replayBlockTransactions |\n",
           "3 trigger(s) (1 transport, 2 application), 0 exception(s).",
           "\"abuse_class\": \"RPC_AMPLIFICATION\"",
       })
    EXPECT_NE(md.find(line), std::string::npos) << line << "\n--- in ---\n" << md;
  // The section comes after the transport layer's readiness judgment, once.
  EXPECT_EQ(count(md, "## Application layer (RPC)"), 1u);
  EXPECT_LT(md.find("## 5. Readiness Judgment"), md.find("## Application layer (RPC)"));
  EXPECT_EQ(md.find("<script>"), std::string::npos);
}

TEST(ReportRpcWriters, MarkdownSaysWhenNoRingBufferDropped) {
  ReportData d = bothLayers();
  d.payloadQuality.ringbufDrops = 0;
  d.payloadQuality.intervalsWithDrops = 0;
  d.payloadQuality.parseErrors = 0;
  EXPECT_NE(renderMarkdown(d).find("- Collector: no ring-buffer drops; 0 HTTP parse error(s).\n"),
            std::string::npos);
}

TEST(ReportRpcWriters, SummaryJsonApplicationLayer) {
  ReportData d = bothLayers();
  d.rpcEvaluation.safe = true;
  auto s = nlohmann::json::parse(renderSummaryJson(d));
  EXPECT_EQ(s["summary_version"], 2);
  EXPECT_EQ(s["readiness"]["verdict"], "SAFE");  // the transport layer's, as before
  EXPECT_EQ(s["ready_layers"], nlohmann::json::parse(R"(["transport","application"])"));
  const auto& a = s["application_layer"];
  EXPECT_EQ(a["verdict"], "SAFE");
  EXPECT_EQ(a["input"]["files"], nlohmann::json::parse(R"(["payload/payload_2026010100.jsonl"])"));
  // The transport layer lists its counter files only.
  EXPECT_EQ(s["input"]["files"], nlohmann::json::parse(R"(["snapshot_2026010100.jsonl"])"));
  EXPECT_EQ(a["input"]["observed_start"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(a["input"]["dst_ports"], nlohmann::json::parse("[8545]"));
  EXPECT_EQ(a["config"]["expensive_methods"].size(), 8u);
  EXPECT_EQ(a["config"]["fp_error_ratio"], 0.1);
  EXPECT_EQ(a["data_quality"]["ringbuf_drops"], 7);
  EXPECT_EQ(a["data_quality"]["intervals_with_drops"], 2);
  EXPECT_EQ(a["data_quality"]["parse_errors"], 3);
  EXPECT_EQ(a["data_quality"]["streams"][0]["intervals"], 20);
  EXPECT_EQ(a["totals"]["response_bytes"], 152430000);
  EXPECT_EQ(a["abuse"]["rpc_amplification"], 1);
  EXPECT_EQ(a["abuse"]["rpc_flood"], 1);
  EXPECT_EQ(a["abuse"]["rpc_error_storm"], 0);
  EXPECT_EQ(a["counterfactual"]["upper_bound"]["response_bytes_pct"], 99.9803);
  EXPECT_EQ(a["counterfactual"]["simulated_enforcement"]["response_bytes"], 61200000.25);
  EXPECT_EQ(a["fp_bound"]["known"], false);
  EXPECT_TRUE(a["fp_bound"]["pct"].is_null());
  EXPECT_EQ(a["top_offenders"],
            nlohmann::json::parse(R"(["198.51.100.7:8545","[2001:db8::5]:8545"])"));
  const auto& src = a["blocked_or_allowlisted_sources"];
  ASSERT_EQ(src.size(), 3u);  // the normal source is in evidence_rpc.csv only
  EXPECT_EQ(src[0]["source"], "198.51.100.7:8545");
  EXPECT_EQ(src[0]["rpc_class"], "RPC_AMPLIFICATION");
  EXPECT_EQ(src[0]["shown_window"]["amplification"], 7500);
  EXPECT_EQ(src[0]["methods"][1]["method"], kHostile);
  EXPECT_EQ(src[0]["episodes"][0]["classes"], nlohmann::json::parse(R"(["RPC_AMPLIFICATION"])"));
  EXPECT_EQ(src[0]["simulated_blocked"]["response_bytes"], 60000000.25);
  EXPECT_EQ(src[1]["source"], "203.0.113.5:8545");
  EXPECT_TRUE(src[1]["rpc_class"].is_null());
  EXPECT_TRUE(src[1]["shown_window"].is_null());
  EXPECT_FALSE(src[1].contains("episodes"));
  EXPECT_EQ(src[2]["key_type"], "src_ip6");
  EXPECT_EQ(src[2]["key_value"], "2001:db8::5");
  EXPECT_EQ(a["allowlisted_sources"], nlohmann::json::parse(R"(["203.0.113.5:8545"])"));
}

TEST(ReportRpcWriters, RulesJsonVersion4WithApplicationTriggersAfterTheCounterOnes) {
  auto r = nlohmann::json::parse(renderRulesJson(bothLayers()));
  EXPECT_EQ(r["version"], 4);
  ASSERT_EQ(r["triggers"].size(), 3u);
  EXPECT_EQ(r["triggers"][0]["abuse_class"], "SYN_FLOOD_LIKE");
  EXPECT_FALSE(r["triggers"][0].contains("layer"));
  EXPECT_EQ(r["triggers"][1], nlohmann::json::parse(R"({
      "key_type": "src_ip", "key_value": "198.51.100.7", "dst_port": 8545,
      "abuse_class": "RPC_AMPLIFICATION", "layer": "application", "window_sec": 10,
      "thresholds": {"amplification": 10.0, "response_byte_rate": 1000000.0},
      "action": {"action_type": "drop", "duration_sec": 300}})"));
  EXPECT_EQ(r["triggers"][2]["key_type"], "src_ip6");
  EXPECT_EQ(r["triggers"][2]["abuse_class"], "RPC_FLOOD");
  EXPECT_EQ(r["triggers"][2]["thresholds"], nlohmann::json::parse(R"({"request_rate": 100.0})"));
  // rules.nft stays the transport layer's.
  EXPECT_EQ(renderNft(bothLayers()), renderNft(counterData()));
}

TEST(ReportRpcWriters, HtmlSectionChartsAndEscaping) {
  std::string html = renderHtml(bothLayers());
  EXPECT_NE(html.find("<h2 id='application'>Application layer (RPC)</h2>"), std::string::npos);
  EXPECT_NE(html.find("Transport layer (counters): SAFE; application layer (RPC): NOT SAFE. Rules "
                      "ready: transport. <a href='#application'>"),
            std::string::npos);
  EXPECT_NE(html.find("aria-label='Response bytes over time and the share simulated enforcement "
                      "would drop'"),
            std::string::npos);
  EXPECT_NE(html.find("aria-label='Response byte rate over time for the top offenders'"),
            std::string::npos);
  EXPECT_NE(html.find("class='thrlab'>amplification rule 1.0M B/s</text>"), std::string::npos);
  EXPECT_NE(html.find("<i style='background:#1f77b4'></i>[2001:db8::5]:8545</span>"),
            std::string::npos);
  EXPECT_NE(html.find("counts of 2 interval(s) are lower bounds"), std::string::npos);
  EXPECT_NE(html.find("<li>FP bound unknown: Insufficient data: 3 sources, need at least 10</li>"),
            std::string::npos);
  // Method names from the input are text, never markup.
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; (1 calls, 500 B out, "
                      "amplification 5.00)"),
            std::string::npos);
  EXPECT_NE(html.find("a,b&quot;c|d (1 calls"), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 3u);  // the transport share bars + the two RPC charts
}

TEST(ReportRpcWriters, WithoutPayloadInputNothingOfTheApplicationLayerAppears) {
  ReportData plain = counterData();
  // Application-layer data without the flag: the writers must not look at it.
  ReportData flagOff = bothLayers();
  flagOff.payloadInput = false;
  flagOff.files = plain.files;
  for (auto render : {renderMarkdown, renderHtml, renderSummaryJson, renderRulesJson,
                      renderEvidenceCsv, renderNft}) {
    std::string out = render(plain);
    EXPECT_EQ(render(flagOff), out);
    EXPECT_EQ(out.find("pplication layer"), std::string::npos) << out;
    EXPECT_EQ(out.find("RPC"), std::string::npos) << out;
  }
  auto s = nlohmann::json::parse(renderSummaryJson(plain));
  EXPECT_EQ(s["summary_version"], 1);
  EXPECT_FALSE(s.contains("ready_layers"));
  EXPECT_FALSE(s.contains("application_layer"));
  EXPECT_EQ(nlohmann::json::parse(renderRulesJson(plain))["version"], 3);
}

TEST(ReportRpcWriters, PayloadOnlyInputRendersWithoutTransportNonsense) {
  ReportData d = payloadOnly();
  std::string md = renderMarkdown(d);
  EXPECT_NE(md.find("| Input | 0 file(s), 0 snapshot(s) |\n"), std::string::npos);
  EXPECT_NE(md.find("| Observed period | no counter snapshots in the input |\n"),
            std::string::npos);
  EXPECT_NE(md.find("No counter snapshots in the input: the transport layer has no evidence"),
            std::string::npos);
  EXPECT_NE(md.find("No counter snapshots in the input: nothing to measure at the transport "
                    "layer.\n"),
            std::string::npos);
  EXPECT_NE(md.find("1. No counter snapshots in the input\n"), std::string::npos);
  EXPECT_NE(md.find("Rules ready: none."), std::string::npos);
  EXPECT_NE(md.find("## Application layer (RPC)"), std::string::npos);
  EXPECT_EQ(md.find("1970"), std::string::npos);
  std::string html = renderHtml(d);
  EXPECT_NE(html.find("Shadow-mode evidence: no counter snapshots in the input"),
            std::string::npos);
  EXPECT_EQ(html.find("1970"), std::string::npos);
  EXPECT_NE(html.find("<h2 id='application'>"), std::string::npos);
  auto s = nlohmann::json::parse(renderSummaryJson(d));
  EXPECT_EQ(s["input"]["first_snapshot_ts"], "");
  EXPECT_EQ(s["ready_layers"], nlohmann::json::array());
  EXPECT_EQ(renderEvidenceCsv(d),
            "source,abuse_class,syn_rate,success_ratio,decision,packets,"
            "bytes,syn\n");
  auto r = nlohmann::json::parse(renderRulesJson(d));
  EXPECT_EQ(r["triggers"].size(), 2u);
}

TEST(ReportRpcWriters, EmptyPayloadInputRenders) {
  ReportData d;
  d.payloadInput = true;  // payload files with no valid line
  std::string md = renderMarkdown(d);
  EXPECT_NE(md.find("| Observed period | no valid payload interval in the input |\n"),
            std::string::npos);
  EXPECT_NE(renderHtml(d).find("No valid payload interval in the input."), std::string::npos);
  auto s = nlohmann::json::parse(renderSummaryJson(d));
  EXPECT_EQ(s["application_layer"]["input"]["first_ts"], "");
  EXPECT_EQ(renderRpcEvidenceCsv(d).find('\n'), renderRpcEvidenceCsv(d).size() - 1);
}

// Checks a rendered JSON document against a schema of docs/schemas with the checker the
// integration tests use; returns its complaint, "" when valid.
std::string schemaErrors(const std::string& json, const std::string& schema) {
  ibsr::testing::TempDir tmp;
  std::string path = (tmp / "doc.json").string();
  std::ofstream(path) << json;
  std::string lib = std::string(IBSR_SOURCE_DIR) + "/tests/integration/lib";
  std::string cmd = "python3 -c \"import sys, json; sys.path.insert(0, '" + lib +
                    "'); import schema_check; schema_check.validate(json.load(open('" + path +
                    "')), schema_check.load('" + schema + "'))\" 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  return rc == 0 ? std::string() : "exit " + std::to_string(rc) + ": " + out;
}

TEST(ReportRpcWriters, JsonOutputsValidateAgainstTheirSchemas) {
  for (const ReportData& d : {bothLayers(), payloadOnly(), counterData()}) {
    EXPECT_EQ(schemaErrors(renderSummaryJson(d), "report-summary-v1.schema.json"), "");
    EXPECT_EQ(schemaErrors(renderRulesJson(d), "report-rules-v3.schema.json"), "");
  }
  // The check can fail: a misspelt class is rejected.
  std::string rules = renderRulesJson(bothLayers());
  rules.replace(rules.find("RPC_FLOOD"), 9, "RPC_FLUD_");
  EXPECT_NE(schemaErrors(rules, "report-rules-v3.schema.json").find("'RPC_FLUD_' not one of"),
            std::string::npos);
}

TEST(ReportRpcChartBuilder, BinsWindowsLikeTheCounterChartsAndTracesTheTopOffenders) {
  ReportData d = bothLayers();
  d.rpc.windows = 2 * ChartBuilder::kMaxBins + 1;
  RpcChartBuilder b(d.rpc, d.rpcEvaluation);
  EXPECT_TRUE(b.traced(d.rpc.keys[1].key));
  EXPECT_TRUE(b.traced(d.rpc.keys[3].key));
  EXPECT_FALSE(b.traced(d.rpc.keys[0].key));
  EXPECT_TRUE(b.blocked(d.rpc.keys[3].key));
  EXPECT_FALSE(b.blocked(d.rpc.keys[2].key));
  // Windows 0..2 fall into bin 0 (481 windows over 240 bins), window 480 into the last bin.
  for (size_t i : {0, 1, 2}) {
    RpcWindowTotals t{kT0 + int64_t(i) * 10, kT0 + int64_t(i) * 10 + 10, 5, 1000, 250.5, 700};
    b.onWindow(i, t);
    b.onKeyWindow(i, d.rpc.keys[3].key, window(t.start, t.end, counts(5 * (i + 1), 50, 100, 5)));
    b.onKeyWindow(i, d.rpc.keys[0].key, window(t.start, t.end, counts(1, 1, 1, 1)));
  }
  b.onWindow(480, RpcWindowTotals{kT0 + 4800, kT0 + 4810, 1, 2, 0, 0});
  RpcChartSeries s = b.take();
  ASSERT_EQ(s.bins.size(), ChartBuilder::kMaxBins);
  EXPECT_EQ(s.bins[0].start, kT0);
  EXPECT_EQ(s.bins[0].end, kT0 + 30);
  EXPECT_EQ(s.bins[0].requests, 15u);
  EXPECT_EQ(s.bins[0].responseBytes, 3000u);
  EXPECT_DOUBLE_EQ(s.bins[0].simulatedBlockedResponseBytes, 751.5);
  EXPECT_EQ(s.bins[0].upperBoundBlockedResponseBytes, 2100u);
  EXPECT_EQ(s.bins.back().start, kT0 + 4800);
  EXPECT_EQ(s.bins.back().responseBytes, 2u);
  ASSERT_EQ(s.keys.size(), 2u);
  EXPECT_EQ(s.keys[1], d.rpc.keys[3].key);
  const RpcChartSeries::KeyPoint& p = s.points[1][0];
  EXPECT_TRUE(p.present);
  EXPECT_DOUBLE_EQ(p.peakRequestRate, 1.5);  // 15 requests in the third 10 s window
  EXPECT_DOUBLE_EQ(p.peakResponseByteRate, 10);
  EXPECT_EQ(p.requestBytes, 150u);
  EXPECT_EQ(p.responseBytes, 300u);
  EXPECT_FALSE(s.points[0][0].present);  // the amplifier sent nothing in these windows
}

}  // namespace
}  // namespace ibsr::report
