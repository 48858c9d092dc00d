#include "core/hourly_jsonl.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/artefacts.h"
#include "core/export_state.h"

#include "temp_dir.h"

namespace ibsr {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kHour = 1705312800;  // 2024-01-15T10:00:00Z

class HourlyJsonlWriterTest : public ::testing::Test {
 protected:
  ibsr::testing::TempDir tmp_;
  const fs::path dir_ = tmp_.path();
};

TEST_F(HourlyJsonlWriterTest, RecordToTheHourFileHeartbeatToStatus) {
  RotationPolicy p;
  p.prefix = artefact::kPayloadPrefix;
  HourlyJsonlWriter w(dir_.string(), p);
  EXPECT_TRUE(w.writeCycle(kHour + 1, "{\"a\":1}\n", "\"sources\":2"));
  EXPECT_TRUE(w.writeCycle(kHour + 3600, "{\"a\":2}\n", ""));
  EXPECT_EQ(w.hourPath(kHour + 1), (dir_ / "payload_2024011510.jsonl").string());
  EXPECT_EQ(ibsr::testing::readFile(dir_ / "payload_2024011510.jsonl"), "{\"a\":1}\n");
  EXPECT_EQ(ibsr::testing::readFile(dir_ / "payload_2024011511.jsonl"), "{\"a\":2}\n");
  EXPECT_EQ(ibsr::testing::readFile(dir_ / "status.jsonl"),
            "{\"timestamp\":1705312801,\"cycle\":1,\"sources\":2,\"snapshots_written\":1,"
            "\"write_errors\":0,\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_"
            "dropped_lines\":0,\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":"
            "\"\"}\n"
            "{\"timestamp\":1705316400,\"cycle\":2,\"snapshots_written\":2,\"write_errors\":0,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":\"\"}\n");
  EXPECT_EQ(w.stats().cycle, 2u);
  EXPECT_EQ(w.stats().recordsWritten, 2u);
}

// The companion record goes to its own family's hour file in the same cycle, and the heartbeat
// tail comes after every existing field.
TEST_F(HourlyJsonlWriterTest, CompanionRecordAndHeartbeatTail) {
  RotationPolicy p;
  p.companionPrefix = artefact::kSnapshot6Prefix;
  HourlyJsonlWriter w(dir_.string(), p);
  EXPECT_TRUE(w.writeCycle(kHour + 1, "{\"v4\":1}\n", "\"ips_collected\":0",
                           {.companion = "{\"v6\":1}\n", .heartbeatTail = "\"ipv6_keys\":3"}));
  EXPECT_EQ(w.companionPath(kHour + 1), (dir_ / "snapshot6_2024011510.jsonl").string());
  EXPECT_EQ(ibsr::testing::readFile(dir_ / "snapshot_2024011510.jsonl"), "{\"v4\":1}\n");
  EXPECT_EQ(ibsr::testing::readFile(dir_ / "snapshot6_2024011510.jsonl"), "{\"v6\":1}\n");
  EXPECT_EQ(ibsr::testing::readFile(dir_ / "status.jsonl"),
            "{\"timestamp\":1705312801,\"cycle\":1,\"ips_collected\":0,\"snapshots_written\":1,"
            "\"write_errors\":0,\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_"
            "dropped_lines\":0,\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":"
            "\"\",\"ipv6_keys\":3}\n");
  EXPECT_EQ(w.stats().companionWritten, 1u);
}

// A cycle the budget has no room for drops both lines, never one family alone.
TEST_F(HourlyJsonlWriterTest, BudgetDropsBothLinesOfACycleTogether) {
  RotationPolicy p;
  p.companionPrefix = artefact::kSnapshot6Prefix;
  p.maxDiskBytes = 1024 + 20;  // the heartbeat reserve plus 20 bytes: one line fits, not two
  HourlyJsonlWriter w(dir_.string(), p);
  EXPECT_FALSE(w.writeCycle(kHour + 1, "{\"v4\":\"0123456\"}\n", "",
                            {.companion = "{\"v6\":\"0123456\"}\n", .heartbeatTail = {}}));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011510.jsonl"));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot6_2024011510.jsonl"));
  EXPECT_EQ(w.stats().budgetDroppedLines, 1u);
  EXPECT_EQ(w.stats().companionWritten, 0u);
}

TEST_F(HourlyJsonlWriterTest, FailedWritesAreCountedAndTheDirectoryComesBack) {
  fs::path out = dir_ / "out";
  HourlyJsonlWriter w(out.string(), RotationPolicy{});
  // A file where the directory should be: both the record and the heartbeat fail.
  { std::ofstream(out.string()) << "x"; }
  EXPECT_FALSE(w.writeCycle(kHour, "{}\n", ""));
  EXPECT_EQ(w.stats().writeErrors, 2u);
  EXPECT_EQ(w.stats().recordsWritten, 0u);
  fs::remove(out);
  EXPECT_TRUE(w.writeCycle(kHour + 60, "{}\n", ""));
  EXPECT_EQ(ibsr::testing::readFile(out / "status.jsonl"),
            "{\"timestamp\":1705312860,\"cycle\":2,\"snapshots_written\":1,\"write_errors\":2,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":\"\"}\n");
}

TEST_F(HourlyJsonlWriterTest, RetentionRunsAfterEachCycleOnItsOwnPrefixOnly) {
  RotationPolicy p;
  p.maxFiles = 1;
  HourlyJsonlWriter w(dir_.string(), p);
  { std::ofstream(dir_ / "payload_2024011509.jsonl") << "{}\n"; }
  EXPECT_TRUE(w.writeCycle(kHour, "{}\n", ""));
  EXPECT_TRUE(w.writeCycle(kHour + 3600, "{}\n", ""));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011510.jsonl"));
  EXPECT_TRUE(fs::exists(dir_ / "snapshot_2024011511.jsonl"));
  EXPECT_TRUE(fs::exists(dir_ / "payload_2024011509.jsonl"));
  EXPECT_TRUE(fs::exists(dir_ / "status.jsonl"));
}

// Budget: the oldest closed files make room, then a record that still does not fit is dropped;
// both are counted; the current hour's file is never deleted.
TEST_F(HourlyJsonlWriterTest, DiskBudgetDeletesOldestClosedFilesThenDropsLines) {
  const std::string line(3000, 'x');
  const std::string record = line + "\n";
  for (const char* old :
       {"snapshot_2024011507.jsonl", "snapshot_2024011508.jsonl", "snapshot_2024011509.jsonl"})
    ibsr::testing::writeFile(dir_ / old, record);
  RotationPolicy p;
  p.maxDiskBytes = 10000;  // three old files (9003 B) + a 3001 B record + heartbeat do not fit
  HourlyJsonlWriter w(dir_.string(), p);
  EXPECT_TRUE(w.writeCycle(kHour, record, ""));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011507.jsonl"));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011508.jsonl"));
  EXPECT_TRUE(fs::exists(dir_ / "snapshot_2024011509.jsonl"));
  EXPECT_EQ(w.stats().budgetDeletedFiles, 2u);
  EXPECT_EQ(w.stats().budgetDeletedBytes, 6002u);
  // Next cycle: only 09 is closed; it goes, and the current file keeps growing.
  EXPECT_TRUE(w.writeCycle(kHour + 60, record, ""));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011509.jsonl"));
  EXPECT_EQ(w.stats().budgetDeletedFiles, 3u);
  // Now the current file alone (6002 B) + heartbeats leave no room: the record is dropped.
  EXPECT_FALSE(w.writeCycle(kHour + 120, record, ""));
  EXPECT_EQ(w.stats().budgetDroppedLines, 1u);
  EXPECT_EQ(w.stats().recordsWritten, 2u);
  EXPECT_EQ(ibsr::testing::readFile(dir_ / "snapshot_2024011510.jsonl"), record + record);
  EXPECT_LE(artefactBytes(dir_.string(), p), p.maxDiskBytes);
  std::string status = ibsr::testing::readFile(dir_ / "status.jsonl");
  EXPECT_NE(status.find("\"cycle\":3,\"snapshots_written\":2,\"write_errors\":0,"
                        "\"budget_deleted_files\":3,\"budget_deleted_bytes\":9003,"
                        "\"budget_dropped_lines\":1,"),
            std::string::npos)
      << status;
}

// With export configured, count/age retention deletes only what the exporter verified.
TEST_F(HourlyJsonlWriterTest, RetentionWaitsForTheExportersVerifiedState) {
  const std::string record = "{}\n";
  for (const char* old : {"snapshot_2024011507.jsonl", "snapshot_2024011508.jsonl"})
    ibsr::testing::writeFile(dir_ / old, record);
  auto landedEntry = [&](const char* name) {
    struct stat st {};
    EXPECT_EQ(::stat((dir_ / name).c_str(), &st), 0);
    LandedObject l;
    l.path = fs::absolute(dir_ / name).lexically_normal().string();
    l.size = static_cast<std::uint64_t>(st.st_size);
    l.mtimeNs = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return l;
  };
  LandedObjects state;
  state["s3://b/h/snapshots/snapshot_2024011507.jsonl"] = landedEntry("snapshot_2024011507.jsonl");
  ibsr::testing::writeFile(dir_ / "export-state.json", serializeExportState(state));

  RotationPolicy p;
  p.maxFiles = 1;
  p.exportState = (dir_ / "export-state.json").string();
  HourlyJsonlWriter w(dir_.string(), p);
  EXPECT_TRUE(w.writeCycle(kHour, record, ""));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011507.jsonl"));  // landed: deleted
  EXPECT_TRUE(fs::exists(dir_ / "snapshot_2024011508.jsonl"));   // not landed: kept
  EXPECT_EQ(w.stats().awaitingExport, 1u);
  EXPECT_NE(ibsr::testing::readFile(dir_ / "status.jsonl")
                .find("\"awaiting_export\":1,\"compress_errors\":0,\"compress_last_error\":\"\"}"),
            std::string::npos);

  // A file that changed after its upload has not landed as it is now.
  state["s3://b/h/snapshots/snapshot_2024011508.jsonl"] = landedEntry("snapshot_2024011508.jsonl");
  state["s3://b/h/snapshots/snapshot_2024011508.jsonl"].size += 1;
  ibsr::testing::writeFile(dir_ / "export-state.json", serializeExportState(state));
  EXPECT_TRUE(w.writeCycle(kHour + 60, record, ""));
  EXPECT_TRUE(fs::exists(dir_ / "snapshot_2024011508.jsonl"));

  // Once it landed as it is, the next cycle deletes it.
  state["s3://b/h/snapshots/snapshot_2024011508.jsonl"] = landedEntry("snapshot_2024011508.jsonl");
  ibsr::testing::writeFile(dir_ / "export-state.json", serializeExportState(state));
  EXPECT_TRUE(w.writeCycle(kHour + 120, record, ""));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011508.jsonl"));
  EXPECT_EQ(w.stats().awaitingExport, 0u);

  // A compressed hour lands by its own path, size and mtime: the .zst the exporter verified goes,
  // one it has not seen waits.
  ibsr::testing::writeFile(dir_ / "snapshot_2024011506.jsonl.zst", "zst");
  ibsr::testing::writeFile(dir_ / "snapshot_2024011505.jsonl.zst", "zst");
  state["s3://b/h/snapshots/snapshot_2024011506.jsonl"] =
      landedEntry("snapshot_2024011506.jsonl.zst");
  ibsr::testing::writeFile(dir_ / "export-state.json", serializeExportState(state));
  EXPECT_TRUE(w.writeCycle(kHour + 150, record, ""));
  EXPECT_FALSE(fs::exists(dir_ / "snapshot_2024011506.jsonl.zst"));
  EXPECT_TRUE(fs::exists(dir_ / "snapshot_2024011505.jsonl.zst"));
  EXPECT_EQ(w.stats().awaitingExport, 1u);
  fs::remove(dir_ / "snapshot_2024011505.jsonl.zst");

  // A corrupt state deletes nothing that needs it.
  ibsr::testing::writeFile(dir_ / "snapshot_2024011509.jsonl", record);
  ibsr::testing::writeFile(dir_ / "export-state.json", "{not json");
  EXPECT_TRUE(w.writeCycle(kHour + 180, record, ""));
  EXPECT_TRUE(fs::exists(dir_ / "snapshot_2024011509.jsonl"));
}

TEST(Artefacts, NamesAreOneHourPerFile) {
  EXPECT_EQ(artefact::hourlyName(artefact::kSnapshotPrefix, kHour + 3599),
            "snapshot_2024011510.jsonl");
  EXPECT_TRUE(artefact::isNamed("snapshot_2024011510.jsonl.zst", artefact::kSnapshotPrefix,
                                artefact::kReadableJsonlSuffixes));
  EXPECT_FALSE(artefact::isNamed("snapshot_2024011510.jsonl.xz", artefact::kSnapshotPrefix,
                                 artefact::kReadableJsonlSuffixes));
  EXPECT_TRUE(artefact::isNamed("snapshot_2024011510.jsonl.xz", artefact::kSnapshotPrefix,
                                artefact::kExportableJsonlSuffixes));
  EXPECT_FALSE(artefact::isNamed("payload_2024011510.jsonl", artefact::kSnapshotPrefix,
                                 artefact::kExportableJsonlSuffixes));
}

}  // namespace
}  // namespace ibsr
