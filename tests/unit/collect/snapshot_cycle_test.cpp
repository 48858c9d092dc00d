#include "collect/snapshot_cycle.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace ibsr::collect {
namespace {

using ibsr::testing::readFile;

class SnapshotCycleTest : public ::testing::Test {
 protected:
  static std::vector<CounterEntry> entries(std::uint32_t sources) {
    std::vector<CounterEntry> v;
    for (std::uint32_t i = 0; i < sources; ++i) {
      CounterEntry b{};
      b.key.src_ip = 0x0A000001 + i;
      b.key.dst_port = 80;
      b.counters.packets = 1;
      b.counters.bytes = 40;
      v.push_back(b);
      b.key.dst_port = 443;  // the same source on a second port counts once
      v.push_back(b);
    }
    return v;
  }
  ibsr::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

// 2024-01-15 10:59:58 UTC: two seconds before an hour boundary.
constexpr std::uint64_t kTs = 1705316398;

TEST_F(SnapshotCycleTest, WritesHourlyFilesAndHeartbeat) {
  SnapshotCycle cycle(dir_.string(), {80, 443}, RotationPolicy{});
  auto e = entries(3);
  cycle.run(kTs, e);
  EXPECT_TRUE(e.empty());
  e = entries(1);
  cycle.run(kTs + 2, e);  // next hour: a new file

  std::string first = readFile(dir_ / "snapshot_2024011510.jsonl");
  std::string second = readFile(dir_ / "snapshot_2024011511.jsonl");
  EXPECT_EQ(std::count(first.begin(), first.end(), '\n'), 1);
  EXPECT_EQ(first.rfind("{\"version\":3,\"ts_unix_sec\":1705316398,\"dst_ports\":[80,443],", 0),
            0u);
  EXPECT_EQ(second.rfind("{\"version\":3,\"ts_unix_sec\":1705316400,", 0), 0u);
  EXPECT_EQ(readFile(dir_ / "status.jsonl"),
            "{\"timestamp\":1705316398,\"cycle\":1,\"ips_collected\":3,\"snapshots_written\":1,"
            "\"write_errors\":0,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0}\n"
            "{\"timestamp\":1705316400,\"cycle\":2,\"ips_collected\":1,\"snapshots_written\":2,"
            "\"write_errors\":0,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0}\n");
}

TEST_F(SnapshotCycleTest, FailedWritesAreCountedAndCollectionResumes) {
  auto out = dir_ / "out";
  SnapshotCycle cycle(out.string(), {80}, RotationPolicy{});
  auto e = entries(1);
  cycle.run(kTs, e);
  // Replace the directory by a file: neither the snapshot nor the heartbeat can be written.
  std::filesystem::remove_all(out);
  std::ofstream(out) << "in the way\n";
  e = entries(1);
  cycle.run(kTs + 1, e);
  EXPECT_EQ(cycle.stats().writeErrors, 2u);
  EXPECT_EQ(cycle.stats().snapshotsWritten, 1u);
  // Removed obstacle: the cycle recreates the directory and writes normally again.
  std::filesystem::remove(out);
  e = entries(2);
  cycle.run(kTs + 2, e);
  EXPECT_EQ(cycle.stats().snapshotsWritten, 2u);
  EXPECT_EQ(readFile(out / "status.jsonl"),
            "{\"timestamp\":1705316400,\"cycle\":3,\"ips_collected\":2,\"snapshots_written\":2,"
            "\"write_errors\":2,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0}\n");
}

TEST_F(SnapshotCycleTest, AppliesRetentionAfterWriting) {
  for (const char* n : {"snapshot_2024011401.jsonl", "snapshot_2024011509.jsonl", "keep.txt"})
    std::ofstream(dir_ / n) << "x\n";
  RotationPolicy p;
  p.maxFiles = 2;
  p.maxAgeSec = 86400;
  SnapshotCycle cycle(dir_.string(), {80}, p);
  auto e = entries(1);
  cycle.run(kTs, e);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "snapshot_2024011401.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "snapshot_2024011509.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "snapshot_2024011510.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "keep.txt"));
}

}  // namespace
}  // namespace ibsr::collect
