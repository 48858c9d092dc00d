#include "incident/pcap_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/clock.h"
#include "incident/status.h"
#include "temp_dir.h"

namespace ibsr::incident {
namespace {

using ibsr::testing::TempDir;
namespace fs = std::filesystem;

std::vector<std::string> runDirs(const std::string& out) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PcapSink, SizeRotationKeepsEveryFileUnderTheCap) {
  TempDir out;
  WallClock clock;
  IncidentStats stats;
  // 24 + 4 * (16 + 100) = 488 <= 500 < 604: four 100-byte records per file.
  PcapSink sink(out.path(), std::nullopt, 500, clock, stats);
  ASSERT_TRUE(sink.open("t", 42).ok());
  std::vector<std::uint8_t> rec(100, 1);
  for (int i = 0; i < 10; ++i) sink.write(1000000ULL * i, rec, 100);
  ASSERT_TRUE(sink.close().ok());
  EXPECT_EQ(stats.eventsWritten, 10u);
  EXPECT_EQ(stats.rotations, 2u);
  EXPECT_EQ(stats.sizeDrivenRotations, 2u);
  EXPECT_EQ(stats.eventsWriteErrors, 0u);
  auto dirs = runDirs(out.path());
  ASSERT_EQ(dirs.size(), 3u);
  // The first directory has the given timestamp; size rotations stamp the current time.
  EXPECT_EQ(std::count(dirs.begin(), dirs.end(), "t-42"), 1);
  for (const auto& d : dirs) EXPECT_EQ(d.substr(0, 2), "t-");
  std::vector<std::uintmax_t> sizes;
  for (const auto& d : dirs) sizes.push_back(fs::file_size(out / d / "packets.pcap"));
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<std::uintmax_t>{24 + 2 * 116, 24 + 4 * 116, 24 + 4 * 116}));
  EXPECT_EQ(sink.runDir(), (out / "t-42").string());
}

TEST(PcapSink, TriggerRotationUsesTheNewTag) {
  TempDir out;
  WallClock clock;
  IncidentStats stats;
  PcapSink sink(out.path(), std::nullopt, std::nullopt, clock, stats);
  ASSERT_TRUE(sink.open("base", 7).ok());
  ASSERT_TRUE(sink.rotate("inc", 8).ok());
  ASSERT_TRUE(sink.rotate("inc", 8).ok());
  EXPECT_EQ(sink.currentFile(), (out / "inc-8-1/packets.pcap").string());
  EXPECT_EQ(sink.runDir(), (out / "base-7").string());
  EXPECT_EQ(stats.rotations, 2u);
  EXPECT_EQ(stats.sizeDrivenRotations, 0u);
  EXPECT_EQ(runDirs(out.path()), (std::vector<std::string>{"base-7", "inc-8", "inc-8-1"}));
}

TEST(PcapSink, CallsTheBudgetHookBetweenClosingAndOpening) {
  TempDir out;
  WallClock clock;
  IncidentStats stats;
  PcapSink sink(out.path(), std::nullopt, 500, clock, stats);
  std::vector<std::string> seen;  // the file open when the hook ran
  sink.setBeforeNewFile([&] { seen.push_back(sink.currentFile()); });
  ASSERT_TRUE(sink.open("t", 42).ok());
  std::vector<std::uint8_t> rec(100, 1);
  for (int i = 0; i < 5; ++i) sink.write(0, rec, 100);  // the fifth one rotates
  ASSERT_TRUE(sink.rotate("inc", 43).ok());
  ASSERT_TRUE(sink.close().ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"", "", ""}));
}

TEST(StatusLine, ExactSeedFieldsPlusRingbufDropsAndDiskBudget) {
  IncidentStats s;
  s.cycle = 1;
  s.eventsWritten = 42;
  s.ringbufDrops = 3;
  s.archived = 2;
  s.budgetDeletedFiles = 4;
  s.budgetDeletedBytes = 5000;
  s.diskBytes = 123456;
  EXPECT_EQ(
      formatStatusLine(1715260200, s),
      "{\"timestamp\":1715260200,\"cycle\":1,\"events_written\":42,\"events_decode_errors\":0,"
      "\"events_write_errors\":0,\"events_scrubbed\":0,\"rotations\":0,"
      "\"size_driven_rotations\":0,\"poll_errors\":0,\"archived\":2,\"archive_errors\":0,"
      "\"ringbuf_drops\":3,\"budget_deleted_files\":4,\"budget_deleted_bytes\":5000,"
      "\"disk_bytes\":123456}\n");
}

}  // namespace
}  // namespace ibsr::incident
