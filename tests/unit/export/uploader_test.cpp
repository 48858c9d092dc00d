#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "export/uploader.h"

namespace ibsr::exporter {
namespace {

namespace fs = std::filesystem;

class UploaderDryRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ibsr-upl-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Artefact make(Kind kind, const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
    Artefact a;
    a.path = dir_ / rel;
    a.source = dir_;
    a.relative = rel;
    a.kind = kind;
    a.size = text.size();
    a.appendOnly = kind == Kind::Status;
    return a;
  }
  std::vector<Artefact> sample() {
    return {make(Kind::Incident, "run-1/packets.pcap", "0123456789"),
            make(Kind::Incident, "archive/run-0/packets.pcap.gz", "gz"),
            make(Kind::Status, "run-1/status.jsonl", "{\"cycle\":1}\n"),
            make(Kind::Snapshot, "snapshot_2026112318.jsonl", "abc\n")};
  }
  Summary dryRun(bool includePcaps) {
    UploadOptions o;
    o.bucket = "b";
    o.hostId = "h";
    o.dryRun = true;
    o.includePcaps = includePcaps;
    Uploader up(nullptr, o, {});
    return up.run(sample());
  }
  fs::path dir_;
};

TEST_F(UploaderDryRunTest, IncidentPcapsAreWithheldByDefault) {
  const Summary s = dryRun(false);
  EXPECT_EQ(s.pcapsWithheld, 2u);
  EXPECT_EQ(s.uploaded, 2u);  // the run's heartbeat and the snapshot
  EXPECT_EQ(s.bytes, 12u + 4u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.open, 0u);
}

TEST_F(UploaderDryRunTest, IncludePcapsExportsThem) {
  const Summary s = dryRun(true);
  EXPECT_EQ(s.pcapsWithheld, 0u);
  EXPECT_EQ(s.uploaded, 4u);
  EXPECT_EQ(s.bytes, 10u + 2u + 12u + 4u);
}

TEST(Selection, PcapsNeedTheirFlagOpenFilesTheirs) {
  Artefact pcap;
  pcap.kind = Kind::Incident;
  Artefact openSnapshot;
  openSnapshot.open = true;
  UploadOptions o;
  EXPECT_FALSE(isSelected(pcap, o));
  EXPECT_FALSE(isSelected(openSnapshot, o));
  EXPECT_TRUE(isSelected(Artefact{}, o));
  o.includePcaps = true;
  EXPECT_TRUE(isSelected(pcap, o));
  o.includeOpen = true;
  EXPECT_TRUE(isSelected(openSnapshot, o));
  pcap.open = true;
  EXPECT_TRUE(isSelected(pcap, o));
  o.includePcaps = false;
  EXPECT_FALSE(isSelected(pcap, o));
}

TEST(SummaryLine, CountsWithheldPcaps) {
  Summary s;
  s.uploaded = 3;
  s.pcapsWithheld = 2;
  s.bytes = 10;
  EXPECT_EQ(s.line(),
            "uploaded=3 skipped=0 open=0 pcaps_withheld=2 failed=0 deleted=0 bytes=10 "
            "seconds=0.000");
}

}  // namespace
}  // namespace ibsr::exporter
