#include <gtest/gtest.h>

#include "fleet/fleet_index.h"
#include "fleet/fleet_store.h"
#include "fleet/gap_scan.h"
#include "fleet/host_summary.h"
#include "temp_dir.h"

namespace ibsr::fleet {
namespace {

HostResult host(const std::string& name, std::vector<FlaggedSource> blocked, int64_t heartbeat) {
  HostResult h;
  h.host = name;
  h.reportOk = true;
  h.observedStartTs = 1796083200;
  h.lastSnapshotTs = 1796090400;
  h.blocked = std::move(blocked);
  if (heartbeat > 0) h.heartbeat = Heartbeat{"status/snapshots/status.jsonl", heartbeat};
  return h;
}

FlaggedSource source(const std::string& value, int port) {
  return FlaggedSource{"src_ip", value, port, "SYN_FLOOD_LIKE", 1, "", ""};
}

TEST(HeartbeatTail, NewestCompleteLineWins) {
  EXPECT_EQ(lastHeartbeatTs("{\"timestamp\":10}\n{\"timestamp\":20}\n"), 20);
  // A last line without its newline may be half-written: the line before counts.
  EXPECT_EQ(lastHeartbeatTs("{\"timestamp\":10}\n{\"timestamp\":30,\"cy"), 10);
  // A tail read from the middle of the file starts inside a line: that piece never counts.
  EXPECT_EQ(lastHeartbeatTs("amp\":5}\n"), std::nullopt);
  EXPECT_EQ(lastHeartbeatTs("not json\n{\"timestamp\":7}\nnot json\n"), 7);
  EXPECT_EQ(lastHeartbeatTs(""), std::nullopt);
  EXPECT_EQ(lastHeartbeatTs("{\"timestamp\":\"x\"}\n"), std::nullopt);
}

// A collect-payload out-dir's payload_ files sit in a folder of their own kind and cadence; they
// are not counter snapshots and must neither fake nor fill a counter stream's gap.
TEST(GapScan, CounterFilesOnlyPayloadFilesArePassedOver) {
  ibsr::testing::TempDir tmp;
  auto counter = [](int64_t ts) {
    return "{\"version\":4,\"ts_unix_sec\":" + std::to_string(ts) +
           ",\"interval_sec\":60,\"dst_ports\":[8545],\"buckets\":[]}\n";
  };
  auto payload = [](int64_t ts) {
    return "{\"version\":1,\"kind\":\"payload\",\"ts_unix_sec\":" + std::to_string(ts) +
           ",\"interval_sec\":60,\"dst_ports\":[8545],\"ringbuf_drops\":0,\"parse_errors\":0,"
           "\"sources\":[]}\n";
  };
  // Counters every minute with one hole (120 -> 600); payload lines every minute through it,
  // and one payload hole (900 -> 3000) where the counters have none.
  std::string counters, lines;
  for (int64_t ts : {60, 120, 600, 660, 720, 780, 840, 900, 960, 1020}) counters += counter(ts);
  for (int64_t ts = 60; ts <= 900; ts += 60) lines += payload(ts);
  lines += payload(3000);
  ibsr::testing::writeFile(tmp / "snapshot_1970010100.jsonl", counters);
  ibsr::testing::writeFile(tmp / "payload_1970010100.jsonl", lines);
  auto gaps = findGaps(tmp.path().string(), 1 << 20, {});
  ASSERT_TRUE(gaps.ok()) << gaps.error().message;
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_EQ((*gaps)[0].stream, ".");
  EXPECT_EQ((*gaps)[0].afterTs, 120);
  EXPECT_EQ((*gaps)[0].beforeTs, 600);
  EXPECT_EQ((*gaps)[0].intervalSec, 60);
}

TEST(Period, UtcHoursOfFirstAndLastSecond) {
  EXPECT_EQ(periodName(1796083200, 1796090400), "2026120100-2026120102");
  EXPECT_EQ(rfc3339(1796083200), "2026-12-01T00:00:00Z");
}

TEST(S3Url, BucketAndPrefix) {
  auto l = parseS3Url("s3://b/a/b/");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->bucket, "b");
  EXPECT_EQ(l->prefix, "a/b");
  EXPECT_EQ(parseS3Url("s3://b")->prefix, "");
  EXPECT_FALSE(parseS3Url("s3:///x"));
  EXPECT_FALSE(parseS3Url("/local"));
  EXPECT_EQ(folderKey("", "h"), "h/");
  EXPECT_EQ(folderKey("p", "h"), "p/h/");
}

TEST(Index, SharedOnlyAcrossTwoHostsWhateverThePorts) {
  std::vector<HostResult> hosts = {
      host("a", {source("198.51.100.7", 80), source("203.0.113.1", 80), source("203.0.113.1", 443)},
           100),
      host("b", {source("198.51.100.7", 443)}, 100),
      host("c", {}, 100),
  };
  FleetIndex index = buildIndex("src", hosts, -1, 60);
  // 203.0.113.1 is on two ports of one host: not shared.
  ASSERT_EQ(index.shared.size(), 1u);
  EXPECT_EQ(index.shared[0].keyValue, "198.51.100.7");
  EXPECT_EQ(index.shared[0].hostCount, 2u);
  ASSERT_EQ(index.shared[0].hits.size(), 2u);
  EXPECT_EQ(index.shared[0].hits[0].host, "a");
  EXPECT_EQ(index.shared[0].hits[0].source.port, 80);
  EXPECT_EQ(index.shared[0].hits[1].host, "b");
  EXPECT_EQ(index.shared[0].hits[1].source.port, 443);
  EXPECT_EQ(index.period, "2026120100-2026120102");
}

TEST(Index, HeartbeatReferenceIsNowOrTheNewestHeartbeat) {
  std::vector<HostResult> hosts = {host("a", {}, 1000), host("b", {}, 939), host("c", {}, 0)};
  FleetIndex newest = buildIndex("src", hosts, -1, 60);
  EXPECT_EQ(newest.referenceTs, 1000);
  EXPECT_EQ(newest.referenceFrom, "newest heartbeat");
  EXPECT_FALSE(newest.hosts[0].heartbeatStopped);
  EXPECT_TRUE(newest.hosts[1].heartbeatStopped);  // 61 s > 60 s
  EXPECT_EQ(hostStatus(newest.hosts[1]), "heartbeat_stopped");
  EXPECT_EQ(hostStatus(newest.hosts[2]), "no_heartbeat");
  FleetIndex now = buildIndex("src", hosts, 1060, 60);
  EXPECT_EQ(now.referenceFrom, "--now");
  EXPECT_FALSE(now.hosts[0].heartbeatStopped);  // 60 s: not more than the threshold
  EXPECT_TRUE(now.hosts[1].heartbeatStopped);
}

TEST(Index, FailedBeatsEverythingElse) {
  HostResult h = host("a", {}, 0);
  h.gaps.push_back(Gap{".", 1, 500, 60});
  EXPECT_EQ(hostProblems(h), (std::vector<std::string>{"no_heartbeat", "gaps"}));
  h.error = "upload: HTTP 403";
  EXPECT_EQ(hostStatus(h), "failed");
}

}  // namespace
}  // namespace ibsr::fleet
