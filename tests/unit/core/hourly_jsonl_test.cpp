#include "core/hourly_jsonl.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/artefacts.h"

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
            "\"write_errors\":0}\n"
            "{\"timestamp\":1705316400,\"cycle\":2,\"snapshots_written\":2,\"write_errors\":0}\n");
  EXPECT_EQ(w.stats().cycle, 2u);
  EXPECT_EQ(w.stats().recordsWritten, 2u);
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
            "{\"timestamp\":1705312860,\"cycle\":2,\"snapshots_written\":1,\"write_errors\":2}\n");
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
