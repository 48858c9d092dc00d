#include "incident/archiver.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include <filesystem>

#include "temp_dir.h"

namespace ibsr::incident {
namespace {

using ibsr::testing::readBytes;
using ibsr::testing::TempDir;
using ibsr::testing::writeBytes;
namespace fs = std::filesystem;

std::vector<std::uint8_t> gunzip(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  EXPECT_NE(gz, nullptr);
  std::vector<std::uint8_t> out;
  std::uint8_t buf[4096];
  int n;
  while ((n = gzread(gz, buf, sizeof(buf))) > 0) out.insert(out.end(), buf, buf + n);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(gzclose(gz), Z_OK);
  return out;
}

void setMtime(const std::string& path, time_t t) {
  timespec ts[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), ts, 0), 0);
}

std::vector<std::uint8_t> payload(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
  return v;
}

TEST(GzipFile, RoundTripsAndNeverOverwrites) {
  TempDir d;
  auto data = payload(300000, 3);
  writeBytes(d / "in", data);
  ASSERT_TRUE(gzipFile(d / "in", d / "out.gz").ok());
  EXPECT_EQ(gunzip(d / "out.gz"), data);
  auto again = gzipFile(d / "in", d / "out.gz");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(gunzip(d / "out.gz"), data);
  // No temporary file is left behind either way.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path())) ++entries;
  EXPECT_EQ(entries, 2);
}

TEST(ArchiveSweep, ArchivesOldFinishedFilesOnly) {
  TempDir out, arch;
  const time_t now = 1'800'000'000;
  auto mk = [&](const std::string& run, time_t mtime, std::uint8_t seed) {
    fs::create_directory(out / run);
    writeBytes(out / run / "packets.pcap", payload(1000, seed));
    setMtime(out / run / "packets.pcap", mtime);
  };
  mk("old-1", now - 4000, 1);
  mk("old-2", now - 3600, 2);     // exactly the threshold: archived
  mk("young-1", now - 3599, 3);   // too young
  mk("active-1", now - 9999, 4);  // old, but being written
  fs::create_directory(out / "withstatus-1");
  writeBytes(out / "withstatus-1/packets.pcap", payload(10, 5));
  writeBytes(out / "withstatus-1/status.jsonl", {'{', '}', '\n'});
  setMtime(out / "withstatus-1/packets.pcap", now - 5000);
  writeBytes(out / "stray.pcap", payload(10, 6));  // not in a run directory: ignored
  setMtime(out / "stray.pcap", now - 5000);

  auto r = archiveSweep(out.path(), arch.path(), 3600, now, out / "active-1/packets.pcap");
  EXPECT_EQ(r.archived, 3u);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_EQ(gunzip(arch / "old-1/packets.pcap.gz"), payload(1000, 1));
  EXPECT_EQ(gunzip(arch / "old-2/packets.pcap.gz"), payload(1000, 2));
  EXPECT_EQ(gunzip(arch / "withstatus-1/packets.pcap.gz"), payload(10, 5));
  EXPECT_FALSE(fs::exists(out / "old-1"));  // emptied run directories go
  EXPECT_FALSE(fs::exists(out / "old-2"));
  EXPECT_TRUE(fs::exists(out / "withstatus-1/status.jsonl"));
  EXPECT_FALSE(fs::exists(out / "withstatus-1/packets.pcap"));
  EXPECT_TRUE(fs::exists(out / "young-1/packets.pcap"));
  EXPECT_TRUE(fs::exists(out / "active-1/packets.pcap"));
  EXPECT_FALSE(fs::exists(arch / "young-1"));
  EXPECT_FALSE(fs::exists(arch / "active-1"));
  EXPECT_TRUE(fs::exists(out / "stray.pcap"));

  // A second sweep has nothing left to do.
  r = archiveSweep(out.path(), arch.path(), 3600, now, out / "active-1/packets.pcap");
  EXPECT_EQ(r.archived, 0u);
  EXPECT_EQ(r.errors, 0u);
}

TEST(ArchiveSweep, ExistingArchiveIsAnErrorAndTheOriginalStays) {
  TempDir out, arch;
  fs::create_directory(out / "t-1");
  writeBytes(out / "t-1/packets.pcap", payload(100, 1));
  setMtime(out / "t-1/packets.pcap", 1000);
  fs::create_directory(arch / "t-1");
  writeBytes(arch / "t-1/packets.pcap.gz", {9, 9});
  auto r = archiveSweep(out.path(), arch.path(), 0, 2000, "");
  EXPECT_EQ(r.archived, 0u);
  EXPECT_EQ(r.errors, 1u);
  EXPECT_EQ(readBytes(out / "t-1/packets.pcap"), payload(100, 1));
  EXPECT_EQ(readBytes(arch / "t-1/packets.pcap.gz"), (std::vector<std::uint8_t>{9, 9}));
}

TEST(ArchiveSweep, SymlinkedRunDirectoriesAreNotFollowed) {
  TempDir out, arch, elsewhere;
  writeBytes(elsewhere / "packets.pcap", payload(10, 1));
  setMtime(elsewhere / "packets.pcap", 1000);
  fs::create_directory_symlink(elsewhere.path(), out / "link-1");
  auto r = archiveSweep(out.path(), arch.path(), 0, 2000, "");
  EXPECT_EQ(r.archived, 0u);
  EXPECT_TRUE(fs::exists(elsewhere / "packets.pcap"));
}

}  // namespace
}  // namespace ibsr::incident
