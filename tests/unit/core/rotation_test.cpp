#include "core/rotation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/clock.h"
#include "temp_dir.h"

namespace ibsr {
namespace {

class RotationTest : public ::testing::Test {
 protected:
  void touch(const std::string& name) { std::ofstream(dir_ / name) << "x\n"; }
  std::vector<std::string> remaining() {
    std::vector<std::string> names;
    for (auto& e : std::filesystem::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  ibsr::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

// 2024-01-15 10:30:00 UTC
constexpr std::uint64_t kNow = 1705314600;

TEST_F(RotationTest, DeletesOldestBeyondMaxFilesAndNothingElse) {
  for (const char* n :
       {"snapshot_2024011506.jsonl", "snapshot_2024011507.jsonl", "snapshot_2024011508.jsonl",
        "snapshot_2024011509.jsonl", "snapshot_2024011510.jsonl", "status.jsonl", "notes.txt",
        "snapshot_2024011510.jsonl.gz", "snapshot_20240115.jsonl", "snapshot_2024011599.jsonl",
        "payload_2024011501.jsonl"})
    touch(n);
  RotationPolicy p;
  p.maxFiles = 2;
  auto r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->deleted,
            (std::vector<std::string>{"snapshot_2024011506.jsonl", "snapshot_2024011507.jsonl",
                                      "snapshot_2024011508.jsonl"}));
  EXPECT_TRUE(r->errors.empty());
  EXPECT_EQ(remaining(),
            (std::vector<std::string>{"notes.txt", "payload_2024011501.jsonl",
                                      "snapshot_20240115.jsonl", "snapshot_2024011509.jsonl",
                                      "snapshot_2024011510.jsonl", "snapshot_2024011510.jsonl.gz",
                                      "snapshot_2024011599.jsonl", "status.jsonl"}));
}

// A companion family (collect's snapshot6_ files) keeps its own --max-files count; without a
// companion prefix its files are never touched.
TEST_F(RotationTest, CompanionFamilyKeepsItsOwnMaxFiles) {
  for (const char* n :
       {"snapshot_2024011507.jsonl", "snapshot_2024011508.jsonl", "snapshot_2024011509.jsonl",
        "snapshot6_2024011506.jsonl", "snapshot6_2024011508.jsonl", "snapshot6_2024011509.jsonl"})
    touch(n);
  RotationPolicy p;
  p.maxFiles = 2;
  auto alone = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->deleted, (std::vector<std::string>{"snapshot_2024011507.jsonl"}));
  touch("snapshot_2024011507.jsonl");
  p.companionPrefix = "snapshot6_";
  auto r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->deleted,
            (std::vector<std::string>{"snapshot_2024011507.jsonl", "snapshot6_2024011506.jsonl"}));
  EXPECT_EQ(remaining(),
            (std::vector<std::string>{"snapshot6_2024011508.jsonl", "snapshot6_2024011509.jsonl",
                                      "snapshot_2024011508.jsonl", "snapshot_2024011509.jsonl"}));
}

// The disk budget covers both families: the oldest hour of either goes first, never a current
// hour's file.
TEST_F(RotationTest, BudgetDeletesTheOldestHourOfEitherFamilyFirst) {
  for (const char* n :
       {"snapshot_2024011507.jsonl", "snapshot6_2024011508.jsonl", "snapshot_2024011508.jsonl",
        "snapshot6_2024011509.jsonl", "snapshot_2024011510.jsonl", "snapshot6_2024011510.jsonl"})
    touch(n);  // 2 bytes each
  RotationPolicy p;
  p.companionPrefix = "snapshot6_";
  p.maxDiskBytes = 12;
  EXPECT_EQ(artefactBytes(dir_.string(), p), 12u);
  BudgetResult r = makeRoom(dir_.string(), p, kNow, 5);  // 3 files must go
  EXPECT_EQ(r.deleted,
            (std::vector<std::string>{"snapshot_2024011507.jsonl", "snapshot6_2024011508.jsonl",
                                      "snapshot_2024011508.jsonl"}));
  EXPECT_TRUE(r.room);
  r = makeRoom(dir_.string(), p, kNow, 11);  // only the current hour's two files would be left
  EXPECT_EQ(r.deleted, (std::vector<std::string>{"snapshot6_2024011509.jsonl"}));
  EXPECT_FALSE(r.room);
  EXPECT_EQ(remaining(),
            (std::vector<std::string>{"snapshot6_2024011510.jsonl", "snapshot_2024011510.jsonl"}));
}

TEST_F(RotationTest, DeletesFilesWhoseHourEndedMoreThanMaxAgeAgo) {
  touch("snapshot_2024011506.jsonl");  // ended 07:00, 3.5 h before now
  touch("snapshot_2024011507.jsonl");  // ended 08:00, exactly 2.5 h
  touch("snapshot_2024011508.jsonl");  // ended 09:00
  RotationPolicy p;
  p.maxAgeSec = 9000;  // 2.5 h: a file whose newest line is 2.5 h old is due
  auto r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted,
            (std::vector<std::string>{"snapshot_2024011506.jsonl", "snapshot_2024011507.jsonl"}));
  EXPECT_EQ(remaining(), (std::vector<std::string>{"snapshot_2024011508.jsonl"}));
}

TEST_F(RotationTest, NeverDeletesTheCurrentHourFile) {
  touch("snapshot_2024011510.jsonl");
  RotationPolicy p;
  p.maxFiles = 1;
  p.maxAgeSec = 1;
  auto r = rotateHourlyFiles(dir_.string(), p, kNow + 3599 - 1800);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->deleted.empty());
  EXPECT_EQ(remaining(), (std::vector<std::string>{"snapshot_2024011510.jsonl"}));
}

TEST_F(RotationTest, OtherPrefixesRotateIndependently) {
  touch("payload_2024011508.jsonl");
  touch("payload_2024011509.jsonl");
  touch("snapshot_2024011508.jsonl");
  RotationPolicy p;
  p.prefix = "payload_";
  p.maxFiles = 1;
  auto r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"payload_2024011508.jsonl"}));
}

// Compressed closed hours (--compress-closed) are the same hours: they count towards --max-files,
// age and the budget like the .jsonl they replaced, oldest hour first whatever the form.
TEST_F(RotationTest, CompressedFilesCountLikeTheOriginals) {
  for (const char* n : {"snapshot_2024011506.jsonl.zst", "snapshot_2024011507.jsonl",
                        "snapshot_2024011508.jsonl.zst", "snapshot_2024011509.jsonl.zst",
                        "snapshot_2024011510.jsonl", "snapshot_2024011510.jsonl.zst.tmp",
                        ".snapshot_2024011509.jsonl.zst.tmp", "snapshot_2024011511.jsonl.xz"})
    touch(n);
  RotationPolicy p;
  EXPECT_EQ(
      listHourlyFiles(dir_.string(), p).value(),
      (std::vector<std::string>{"snapshot_2024011506.jsonl.zst", "snapshot_2024011507.jsonl",
                                "snapshot_2024011508.jsonl.zst", "snapshot_2024011509.jsonl.zst",
                                "snapshot_2024011510.jsonl"}));
  p.maxFiles = 4;
  p.maxAgeSec = 9000;  // 07:xx ended exactly 2.5 h ago
  auto r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"snapshot_2024011506.jsonl.zst",
                                                  "snapshot_2024011507.jsonl"}));
  // Budget: 2 bytes each; the oldest compressed hour goes first, never the current hour.
  p.maxDiskBytes = 4;
  EXPECT_EQ(artefactBytes(dir_.string(), p), 6u);
  BudgetResult b = makeRoom(dir_.string(), p, kNow, 2);
  EXPECT_EQ(b.deleted, (std::vector<std::string>{"snapshot_2024011508.jsonl.zst",
                                                 "snapshot_2024011509.jsonl.zst"}));
  EXPECT_EQ(b.deletedBytes, 4u);
  EXPECT_TRUE(b.room);
  EXPECT_EQ(remaining(), (std::vector<std::string>{
                             ".snapshot_2024011509.jsonl.zst.tmp", "snapshot_2024011510.jsonl",
                             "snapshot_2024011510.jsonl.zst.tmp", "snapshot_2024011511.jsonl.xz"}));
}

// Both forms of one hour (a compression between its rename and the removal of the .jsonl, or a
// crash there, which this cycle's retention sees before the compressor's recovery) are one hour
// of --max-files: counting them as two files would delete an hour before its time.
TEST_F(RotationTest, BothFormsOfOneHourAreOneFileOfMaxFiles) {
  for (const char* n : {"snapshot_2024011506.jsonl.zst", "snapshot_2024011507.jsonl.zst",
                        "snapshot_2024011508.jsonl.zst", "snapshot_2024011509.jsonl",
                        "snapshot_2024011509.jsonl.zst", "snapshot_2024011510.jsonl"})
    touch(n);
  RotationPolicy p;
  p.maxFiles = 4;
  auto r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"snapshot_2024011506.jsonl.zst"}));
  // One hour past the limit goes in both its forms.
  p.maxFiles = 2;
  r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"snapshot_2024011507.jsonl.zst",
                                                  "snapshot_2024011508.jsonl.zst"}));
  p.maxFiles = 1;
  r = rotateHourlyFiles(dir_.string(), p, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"snapshot_2024011509.jsonl",
                                                  "snapshot_2024011509.jsonl.zst"}));
  EXPECT_EQ(remaining(), std::vector<std::string>{"snapshot_2024011510.jsonl"});
}

TEST_F(RotationTest, MissingDirectoryIsAnError) {
  auto r = rotateHourlyFiles((dir_ / "nope").string(), RotationPolicy{}, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnum, ENOENT);
}

}  // namespace
}  // namespace ibsr
