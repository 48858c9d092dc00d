// The report on a collector's directory while --compress-closed turns X.jsonl into X.jsonl.zst
// (core/closed_compression.h): each hour is read exactly once, whichever forms it is in.
#include "report/input_set.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/closed_compression.h"
#include "temp_dir.h"

namespace ibsr::report {
namespace {

namespace fs = std::filesystem;
using ibsr::testing::TempDir;
using ibsr::testing::writeFile;

const std::string kHour = "snapshot_2025011510.jsonl";  // 10:00 .. 10:59 on 2025-01-15
constexpr int64_t kHourStart = 1736935200;

std::string counterLine(int64_t ts, uint64_t syn) {
  return "{\"version\":3,\"ts_unix_sec\":" + std::to_string(ts) +
         ",\"dst_ports\":[8899],\"buckets\":[{\"key_type\":\"src_ip\",\"key_value\":167772161,"
         "\"dst_port\":8899,\"syn\":" +
         std::to_string(syn) +
         ",\"ack\":120,\"handshake_ack\":30,\"rst\":0,\"packets\":150,\"bytes\":15000}]}\n";
}

// Three minutes of one source, as the collector writes them.
std::string threeLines(int64_t from) {
  return counterLine(from, 10) + counterLine(from + 60, 20) + counterLine(from + 120, 30);
}

std::vector<std::string> displays(const std::vector<InputFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.display);
  return out;
}

std::vector<int64_t> ingestTimestamps(const std::vector<InputFile>& files, DataQuality& dq) {
  std::vector<int64_t> ts;
  Status st = ingest(files, IngestOptions{}, dq, [&](const Snapshot& s) { ts.push_back(s.ts); });
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  return ts;
}

// A report that listed X.jsonl before the collector compressed it opens the file later (lazily,
// and again for the charts' second pass): by then only X.jsonl.zst holds those lines.
TEST(ReportInputSet, AnHourCompressedAfterTheListingIsReadFromItsZst) {
  TempDir tmp;
  writeFile(tmp / kHour, threeLines(kHourStart));
  auto files = findInputFiles({tmp.path().string()});
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_EQ(displays(*files), std::vector<std::string>{kHour});
  ASSERT_TRUE(compressClosedFile(tmp.path().string(), kHour, 1).ok());
  ASSERT_FALSE(fs::exists(tmp / kHour));
  DataQuality dq;
  EXPECT_EQ(ingestTimestamps(*files, dq),
            (std::vector<int64_t>{kHourStart, kHourStart + 60, kHourStart + 120}));
  EXPECT_EQ(dq.files, 1u);
  EXPECT_EQ(dq.snapshots, 3u);
}

// A crash between the rename and the removal of the original (or a listing in that moment) leaves
// both forms with the same lines: one copy is read, the .zst (the .jsonl is the one that goes).
TEST(ReportInputSet, BothFormsWithTheSameLinesAreReadOnce) {
  TempDir tmp;
  writeFile(tmp / kHour, threeLines(kHourStart));
  writeFile(tmp / "snapshot_2025011511.jsonl", threeLines(kHourStart + 3600));
  ASSERT_TRUE(
      compressClosedFile(tmp.path().string(), kHour, 1, nullptr, CompressStep::DirSynced).ok());
  ASSERT_TRUE(fs::exists(tmp / kHour));
  auto files = findInputFiles({tmp.path().string()});
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(displays(*files),
            (std::vector<std::string>{kHour + ".zst", "snapshot_2025011511.jsonl"}));
  DataQuality dq;
  EXPECT_EQ(ingestTimestamps(*files, dq),
            (std::vector<int64_t>{kHourStart, kHourStart + 60, kHourStart + 120, kHourStart + 3600,
                                  kHourStart + 3660, kHourStart + 3720}));
  EXPECT_EQ(dq.snapshots, 6u);
  EXPECT_EQ(dq.streamSplits, 0u);
}

// Different lines in the two forms (the clock was set back into an hour already compressed, and
// the collector wrote it again): both are data, and both are read.
TEST(ReportInputSet, BothFormsWithDifferentLinesAreBothRead) {
  TempDir tmp;
  writeFile(tmp / kHour, threeLines(kHourStart));
  ASSERT_TRUE(compressClosedFile(tmp.path().string(), kHour, 1).ok());
  writeFile(tmp / kHour, counterLine(kHourStart + 1800, 5));
  auto files = findInputFiles({tmp.path().string()});
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(displays(*files), (std::vector<std::string>{kHour, kHour + ".zst"}));
  DataQuality dq;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(
      ingestTimestamps(*files, dq),
      (std::vector<int64_t>{kHourStart, kHourStart + 60, kHourStart + 120, kHourStart + 1800}));
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(dq.snapshots, 4u);
}

}  // namespace
}  // namespace ibsr::report
