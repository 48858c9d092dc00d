#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "export/key_layout.h"

namespace ibsr::exporter {
namespace {

namespace fs = std::filesystem;

// 2026-11-23 19:30:00 UTC.
constexpr std::time_t kNow = 1795462200;

Artefact artefact(Kind kind, const std::string& source, const std::string& relative) {
  Artefact a;
  a.kind = kind;
  a.source = source;
  a.relative = relative;
  a.path = fs::path(source) / relative;
  return a;
}

TEST(ObjectKey, Layout) {
  const std::string src = "/var/lib/ibsr/snapshots";
  EXPECT_EQ(objectKey("ibsr", "host-1", artefact(Kind::Snapshot, src, "snapshot_2026112318.jsonl")),
            "ibsr/host-1/snapshots/snapshot_2026112318.jsonl");
  EXPECT_EQ(objectKey("/a/b/", "h", artefact(Kind::Incident, src, "run-1/packets.pcap")),
            "a/b/h/incidents/run-1/packets.pcap");
  EXPECT_EQ(objectKey("p", "h", artefact(Kind::Payload, src, "payload_2026112318.jsonl")),
            "p/h/payload/payload_2026112318.jsonl");
  // Only status files carry their source directory's name.
  EXPECT_EQ(objectKey("", "h", artefact(Kind::Status, src, "status.jsonl")),
            "h/status/snapshots/status.jsonl");
  EXPECT_EQ(
      objectKey("p", "h", artefact(Kind::Status, "/var/lib/ibsr/incidents", "r-1/status.jsonl")),
      "p/h/status/incidents/r-1/status.jsonl");
  EXPECT_EQ(
      objectKey("p", "h", artefact(Kind::Status, "/data/snapshots-payload//", "status.jsonl")),
      "p/h/status/snapshots-payload/status.jsonl");
}

TEST(ObjectKey, HostPrefix) {
  EXPECT_EQ(hostPrefix("ibsr", "h1"), "ibsr/h1/");
  EXPECT_EQ(hostPrefix("/a/b/", "h1"), "a/b/h1/");
  EXPECT_EQ(hostPrefix("", "h1"), "h1/");
}

TEST(SourceName, LastComponentWithoutTrailingSlashes) {
  EXPECT_EQ(sourceName("/var/lib/ibsr/snapshots"), "snapshots");
  EXPECT_EQ(sourceName("/var/lib/ibsr/snapshots-payload/"), "snapshots-payload");
  EXPECT_EQ(sourceName("incidents"), "incidents");
  EXPECT_EQ(sourceName("/"), "");
}

class KeyLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ibsr-keys-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void make(const std::string& rel) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << "x\n";
    utimbuf t{kNow - 7200, kNow - 7200};
    ASSERT_EQ(::utime((dir_ / rel).c_str(), &t), 0);
  }
  std::vector<Artefact> discoverAll(const std::vector<std::string>& sources) {
    DiscoveryOptions o;
    for (const auto& s : sources) o.sources.push_back(dir_ / s);
    o.now = kNow;
    Discovery d = discover(o);
    EXPECT_EQ(d.errors, std::vector<std::string>{});
    return d.artefacts;
  }
  fs::path dir_;
};

// packaging/ibsr-export.env exports the three out-dirs of the shipped units; each holds a
// status.jsonl at its top (incident runs: per run directory), and collect-payload keeps its own
// counter snapshots in counters/.
TEST_F(KeyLayoutTest, ShippedConfigurationMapsEveryFileToItsOwnKey) {
  make("snapshots/snapshot_2026112318.jsonl");
  make("snapshots/status.jsonl");
  make("snapshots-payload/payload_2026112318.jsonl");
  make("snapshots-payload/counters/snapshot_2026112318.jsonl");
  make("snapshots-payload/status.jsonl");
  make("incidents/baseline-1795455000/packets.pcap");
  make("incidents/baseline-1795455000/status.jsonl");
  const auto found = discoverAll({"snapshots", "snapshots-payload", "incidents"});
  EXPECT_EQ(keyCollisions("ibsr", "edge-1", found), std::vector<std::string>{});
  std::set<std::string> keys;
  for (const auto& a : found) keys.insert(objectKey("ibsr", "edge-1", a));
  const std::set<std::string> want{"ibsr/edge-1/snapshots/snapshot_2026112318.jsonl",
                                   "ibsr/edge-1/snapshots/counters/snapshot_2026112318.jsonl",
                                   "ibsr/edge-1/payload/payload_2026112318.jsonl",
                                   "ibsr/edge-1/incidents/baseline-1795455000/packets.pcap",
                                   "ibsr/edge-1/status/snapshots/status.jsonl",
                                   "ibsr/edge-1/status/snapshots-payload/status.jsonl",
                                   "ibsr/edge-1/status/incidents/baseline-1795455000/status.jsonl"};
  EXPECT_EQ(keys, want);
}

TEST_F(KeyLayoutTest, SourcesWithTheSameNameCollideAndBothFilesAreNamed) {
  make("a/snapshots/snapshot_2026112318.jsonl");
  make("a/snapshots/snapshot_2026112317.jsonl");
  make("a/snapshots/status.jsonl");
  make("b/snapshots/snapshot_2026112318.jsonl");
  make("b/snapshots/status.jsonl");
  const auto found = discoverAll({"a/snapshots", "b/snapshots"});
  const std::string a = (dir_ / "a/snapshots").string(), b = (dir_ / "b/snapshots").string();
  EXPECT_EQ(keyCollisions("ibsr", "h1", found),
            (std::vector<std::string>{
                "'" + a + "/snapshot_2026112318.jsonl' and '" + b +
                    "/snapshot_2026112318.jsonl' would both be uploaded to the object key "
                    "'ibsr/h1/snapshots/snapshot_2026112318.jsonl'",
                "'" + a + "/status.jsonl' and '" + b +
                    "/status.jsonl' would both be uploaded to the object key "
                    "'ibsr/h1/status/snapshots/status.jsonl'"}));
}

TEST_F(KeyLayoutTest, IncidentPcapsCollideToo) {
  make("x/incidents/run-1/packets.pcap");
  make("y/incidents/run-1/packets.pcap");
  make("y/incidents/run-2/packets.pcap");
  const auto found = discoverAll({"x/incidents", "y/incidents"});
  const auto c = keyCollisions("", "h1", found);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].find("'h1/incidents/run-1/packets.pcap'"), std::string::npos) << c[0];
}

TEST_F(KeyLayoutTest, OverlappingSourcesAreNamed) {
  fs::create_directories(dir_ / "ibsr/snapshots");
  fs::create_directories(dir_ / "ibsr/snap");
  fs::create_symlink(dir_ / "ibsr", dir_ / "link");
  const fs::path top = dir_ / "ibsr", snaps = dir_ / "ibsr/snapshots", snap = dir_ / "ibsr/snap";
  EXPECT_EQ(overlappingSources({snaps, snap}), std::vector<std::string>{});
  EXPECT_EQ(overlappingSources({snaps, top}),
            std::vector<std::string>{"--input '" + snaps.string() + "' lies inside --input '" +
                                     top.string() +
                                     "': its files would be uploaded twice, under two keys"});
  EXPECT_EQ(
      overlappingSources({dir_ / "link/snapshots/", snaps}),
      std::vector<std::string>{"--input '" + (dir_ / "link/snapshots/").string() +
                               "' and --input '" + snaps.string() + "' are the same directory"});
}

}  // namespace
}  // namespace ibsr::exporter
