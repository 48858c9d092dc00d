#include "incident/disk_budget.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <time.h>

#include <filesystem>

#include "temp_dir.h"

namespace ibsr::incident {
namespace {

using testing::TempDir;
using testing::writeBytes;
namespace fs = std::filesystem;

void put(const std::string& path, std::size_t bytes, time_t mtime) {
  fs::create_directories(fs::path(path).parent_path());
  writeBytes(path, std::vector<std::uint8_t>(bytes, 0x5a));
  timespec ts[2] = {{mtime, 0}, {mtime, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), ts, 0), 0);
}

// An out-dir and an archive dir with, oldest first: two archives, two closed pcaps, the pcap
// being written (the oldest of all, to prove age alone never selects it) and a status file.
struct Layout {
  TempDir out, arch;
  DiskBudget budget(std::uint64_t maxBytes, std::uint64_t maxPcap) const {
    return {out.path(), arch.path(), maxBytes, maxPcap};
  }
  Layout() {
    put(arch / "a-1/packets.pcap.gz", 1000, 1100);
    put(arch / "a-2/packets.pcap.gz", 2000, 1000);  // older than a-1: goes first
    put(out / "p-1/packets.pcap", 3000, 1200);
    put(out / "p-2/packets.pcap", 4000, 1300);
    put(out / "live-1/packets.pcap", 5000, 900);
    put(out / "live-1/status.jsonl", 100, 900);
  }
  std::string active() const { return out / "live-1/packets.pcap"; }
};

constexpr std::uint64_t kAll = 1000 + 2000 + 3000 + 4000 + 5000 + 100;
// With an archive dir, room for one archive being written: 8000 + 8000 / 256 + 1024.
constexpr std::uint64_t kArchiveRoom = 9055;

TEST(DiskUsage, SumsEveryFileInBothTreesOnce) {
  Layout l;
  EXPECT_EQ(diskUsage(l.budget(0, 0)), kAll);
  // An archive dir inside the out-dir is not counted twice.
  DiskBudget nested{l.out.path(), l.out / "p-1", 0, 0};
  EXPECT_EQ(diskUsage(nested), 3000u + 4000 + 5000 + 100);
  EXPECT_EQ(diskUsage(DiskBudget{l.out / "missing", std::nullopt, 0, 0}), 0u);
}

TEST(DiskBudget, WithinBudgetDeletesNothing) {
  Layout l;
  // Usage + room for the active file to reach its cap (8000 - 5000) + the status slack.
  auto r =
      enforceDiskBudget(l.budget(kAll + 3000 + kStatusSlackBytes + kArchiveRoom, 8000), l.active());
  EXPECT_EQ(r.deletedFiles, 0u);
  EXPECT_EQ(r.deletedBytes, 0u);
  EXPECT_EQ(r.usageBytes, kAll);
}

TEST(DiskBudget, DeletesArchivesOldestFirstThenClosedPcaps) {
  Layout l;
  // One byte over: the oldest archive (a-2) is enough.
  auto r = enforceDiskBudget(l.budget(kAll + 3000 + kStatusSlackBytes + kArchiveRoom - 1, 8000),
                             l.active());
  EXPECT_EQ(r.deletedFiles, 1u);
  EXPECT_EQ(r.deletedBytes, 2000u);
  EXPECT_EQ(r.usageBytes, kAll - 2000);
  EXPECT_FALSE(fs::exists(l.arch / "a-2"));  // its emptied directory too
  EXPECT_TRUE(fs::exists(l.arch / "a-1/packets.pcap.gz"));

  // 6000 more over: a-1 (1000), then the older closed pcap p-1 (3000), then p-2 (4000).
  r = enforceDiskBudget(
      l.budget(kAll - 2000 + 3000 + kStatusSlackBytes + kArchiveRoom - 6000, 8000), l.active());
  EXPECT_EQ(r.deletedFiles, 3u);
  EXPECT_EQ(r.deletedBytes, 8000u);
  EXPECT_EQ(r.usageBytes, 5100u);
  EXPECT_FALSE(fs::exists(l.out / "p-1"));
  EXPECT_FALSE(fs::exists(l.out / "p-2"));
}

TEST(DiskBudget, WithoutAnArchiveDirOnlyPcapsCountAndNoArchiveRoomIsKept) {
  Layout l;
  DiskBudget b{l.out.path(), std::nullopt, 12100 + 3000 + kStatusSlackBytes - 1, 8000};
  auto r = enforceDiskBudget(b, l.active());
  EXPECT_EQ(r.deletedFiles, 1u);  // p-1, the oldest closed pcap; the archives are not ours
  EXPECT_EQ(r.deletedBytes, 3000u);
  EXPECT_EQ(r.usageBytes, 9100u);
  EXPECT_TRUE(fs::exists(l.arch / "a-2/packets.pcap.gz"));
}

TEST(DiskBudget, NeverDeletesTheActiveFileOrStatusFiles) {
  Layout l;
  auto r = enforceDiskBudget(l.budget(2 * 1024, 1024), l.active());
  EXPECT_EQ(r.deletedFiles, 4u);
  EXPECT_EQ(r.deletedBytes, 10000u);
  EXPECT_EQ(r.usageBytes, 5100u);
  EXPECT_TRUE(fs::exists(l.active()));
  EXPECT_TRUE(fs::exists(l.out / "live-1/status.jsonl"));
  EXPECT_EQ(diskUsage(l.budget(0, 0)), 5100u);
}

TEST(DiskBudget, BetweenFilesMakesRoomForAWholeNewFile) {
  Layout l;
  // No active file: the old "live" pcap is closed now (the oldest) and the next file needs
  // the full cap of room.
  auto r =
      enforceDiskBudget(l.budget(kAll + 8000 + kStatusSlackBytes + kArchiveRoom - 1000, 8000), "");
  EXPECT_EQ(r.deletedFiles, 1u);  // a-2 (2000 bytes) is enough
  EXPECT_EQ(r.deletedBytes, 2000u);
  r = enforceDiskBudget(l.budget(8000 + kStatusSlackBytes + kArchiveRoom + 100, 8000), "");
  // Everything closed goes: a-1, then the pcaps oldest first (live-1 at 900 before p-1).
  EXPECT_EQ(r.deletedFiles, 4u);
  EXPECT_EQ(r.deletedBytes, 1000u + 5000 + 3000 + 4000);
  EXPECT_EQ(r.usageBytes, 100u);
  EXPECT_TRUE(fs::exists(l.out / "live-1/status.jsonl"));
}

}  // namespace
}  // namespace ibsr::incident
