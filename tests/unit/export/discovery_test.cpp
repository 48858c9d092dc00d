#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <filesystem>
#include <fstream>

#include "export/discovery.h"
#include "temp_dir.h"

namespace ibsr::exporter {
namespace {

namespace fs = std::filesystem;

// 2026-11-23 19:30:00 UTC.
constexpr std::time_t kNow = 1795462200;

TEST(Classify, Kinds) {
  EXPECT_EQ(classify("snapshot_2026112318.jsonl"), Kind::Snapshot);
  EXPECT_EQ(classify("snapshot_2026112318.jsonl.gz"), Kind::Snapshot);
  EXPECT_EQ(classify("snapshot_2026112318.jsonl.zst"), Kind::Snapshot);
  EXPECT_EQ(classify("snapshot6_2026112318.jsonl"), Kind::Snapshot);
  EXPECT_EQ(classify("snapshot6_2026112318.jsonl.gz"), Kind::Snapshot);
  EXPECT_EQ(classify("payload_2026112318.jsonl"), Kind::Payload);
  EXPECT_EQ(classify("payload_2026112318.jsonl.gz"), Kind::Payload);
  EXPECT_EQ(classify("status.jsonl"), Kind::Status);
  EXPECT_EQ(classify("incident-20261123T1800/packets.pcap"), Kind::Incident);
  EXPECT_EQ(classify("archive/incident-1.pcap.gz"), Kind::Incident);
  EXPECT_EQ(classify("x.pcap.gz"), Kind::Incident);
  EXPECT_EQ(classify("packets.pcap"), std::nullopt);  // only inside an incident directory
  EXPECT_EQ(classify("snapshot_2026112318.json"), std::nullopt);
  EXPECT_EQ(classify("snapshot_2026112318.jsonl.tmp"), std::nullopt);
  EXPECT_EQ(classify(".snapshot_2026112318.jsonl"), std::nullopt);
  EXPECT_EQ(classify("notes.txt"), std::nullopt);
  EXPECT_EQ(classify("sub/status.jsonl"), Kind::Status);
}

TEST(CurrentHour, OnlyTheUncompressedFileOfThisUtcHour) {
  EXPECT_TRUE(isCurrentHourFile("snapshot_2026112319.jsonl", kNow));
  EXPECT_TRUE(isCurrentHourFile("snapshot6_2026112319.jsonl", kNow));
  EXPECT_FALSE(isCurrentHourFile("snapshot6_2026112318.jsonl", kNow));
  EXPECT_TRUE(isCurrentHourFile("payload_2026112319.jsonl", kNow));
  EXPECT_FALSE(isCurrentHourFile("snapshot_2026112318.jsonl", kNow));
  EXPECT_FALSE(isCurrentHourFile("snapshot_2026112319.jsonl.gz", kNow));
  EXPECT_FALSE(isCurrentHourFile("snapshot_2026112320.jsonl", kNow));
}

class DiscoverTest : public ::testing::Test {
 protected:
  void make(const std::string& rel, std::time_t mtime, const std::string& text = "x\n") {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
    utimbuf t{mtime, mtime};
    ASSERT_EQ(::utime((dir_ / rel).c_str(), &t), 0);
  }
  ibsr::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

TEST_F(DiscoverTest, FindsKindsAndMarksOpenFiles) {
  make("snapshot_2026112317.jsonl", kNow - 7200);
  make("snapshot_2026112318.jsonl", kNow - 30);    // closed hour, but written 30 s ago
  make("snapshot_2026112319.jsonl", kNow - 3600);  // current hour
  make("snapshot_2026112316.jsonl.gz", kNow - 9000);
  make("status.jsonl", kNow - 5);  // append-only: never "recent"
  make("run-1/packets.pcap", kNow - 600, "pcap");
  make("notes.txt", kNow - 9000);
  fs::create_symlink(dir_ / "snapshot_2026112317.jsonl", dir_ / "snapshot_2026112315.jsonl");

  DiscoveryOptions o{{dir_, dir_ / "missing"}, 120, kNow};
  Discovery d = discover(o);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_NE(d.errors[0].find("missing"), std::string::npos);
  ASSERT_EQ(d.artefacts.size(), 6u);
  std::vector<std::tuple<std::string, Kind, bool, bool>> got;
  for (const auto& a : d.artefacts) got.emplace_back(a.relative, a.kind, a.open, a.appendOnly);
  const std::vector<std::tuple<std::string, Kind, bool, bool>> want{
      {"run-1/packets.pcap", Kind::Incident, false, false},
      {"snapshot_2026112316.jsonl.gz", Kind::Snapshot, false, false},
      {"snapshot_2026112317.jsonl", Kind::Snapshot, false, false},
      {"snapshot_2026112318.jsonl", Kind::Snapshot, true, false},
      {"snapshot_2026112319.jsonl", Kind::Snapshot, true, false},
      {"status.jsonl", Kind::Status, false, true}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(d.artefacts[3].openReason, "modified less than 120 s ago");
  EXPECT_EQ(d.artefacts[4].openReason, "current hour's file");
  EXPECT_EQ(d.artefacts[0].size, 4u);
  EXPECT_EQ(d.artefacts[0].mtimeNs, static_cast<std::int64_t>(kNow - 600) * 1000000000);
  for (const auto& a : d.artefacts) EXPECT_EQ(a.source, dir_) << a.relative;
}

TEST_F(DiscoverTest, MinAgeZeroLeavesOnlyTheCurrentHourOpen) {
  make("snapshot_2026112318.jsonl", kNow);
  make("snapshot_2026112319.jsonl", kNow);
  Discovery d = discover({{dir_}, 0, kNow});
  ASSERT_EQ(d.artefacts.size(), 2u);
  EXPECT_FALSE(d.artefacts[0].open);
  EXPECT_TRUE(d.artefacts[1].open);
}

}  // namespace
}  // namespace ibsr::exporter
