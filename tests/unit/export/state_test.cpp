#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "export/state.h"
#include "temp_dir.h"

namespace ibsr::exporter {
namespace {

namespace fs = std::filesystem;

ExportState::Map sample() {
  return {{"s3://b/p/h/snapshots/snapshot_2026112318.jsonl",
           {"/var/lib/ibsr/snapshots/snapshot_2026112318.jsonl", 1234, 1795462200123456789,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "d41d8cd98f00b204e9800998ecf8427e"}},
          {"s3://b/p/h/incidents/r/packets.pcap", {"/x/r/packets.pcap", 99, 1, "ab", "0123-3"}}};
}

TEST(StateFile, RoundTrip) {
  const auto text = ExportState::serialize(sample());
  auto parsed = ExportState::parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  const auto& l = parsed->at("s3://b/p/h/snapshots/snapshot_2026112318.jsonl");
  EXPECT_EQ(l.path, "/var/lib/ibsr/snapshots/snapshot_2026112318.jsonl");
  EXPECT_EQ(l.size, 1234u);
  EXPECT_EQ(l.mtimeNs, 1795462200123456789);
  EXPECT_EQ(l.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(l.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(parsed->at("s3://b/p/h/incidents/r/packets.pcap").etag, "0123-3");
}

TEST(StateFile, RejectsCorruptText) {
  for (const char* bad : {"", "{", "[]", "{\"version\":2,\"objects\":{}}", "{\"version\":1}",
                          "{\"version\":1,\"objects\":{\"k\":{\"path\":\"p\"}}}",
                          "{\"version\":1,\"objects\":{\"k\":{\"path\":1,\"size\":1,\"mtime_ns\":1,"
                          "\"sha256\":\"a\",\"etag\":\"b\"}}}"}) {
    EXPECT_FALSE(ExportState::parse(bad).ok()) << bad;
  }
  auto empty = ExportState::parse("{\"version\":1,\"objects\":{}}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

class StateFileOnDisk : public ::testing::Test {
 protected:
  ibsr::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

TEST_F(StateFileOnDisk, MissingIsEmptyWithoutWarning) {
  std::string warning;
  EXPECT_TRUE(ExportState::load((dir_ / "none.json").string(), warning).empty());
  EXPECT_EQ(warning, "");
}

TEST_F(StateFileOnDisk, CorruptIsEmptyWithWarning) {
  const auto path = (dir_ / "state.json").string();
  std::ofstream(path) << "{\"version\":1,\"objects\":{tru";
  std::string warning;
  EXPECT_TRUE(ExportState::load(path, warning).empty());
  EXPECT_EQ(warning.rfind("state file '" + path + "' ignored (malformed state: ", 0), 0u)
      << warning;
}

TEST_F(StateFileOnDisk, SaveThenLoad) {
  const auto path = (dir_ / "state.json").string();
  ASSERT_TRUE(ExportState::save(path, sample()).ok());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  std::string warning;
  auto loaded = ExportState::load(path, warning);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(ExportState::serialize(loaded), ExportState::serialize(sample()));
}

TEST_F(StateFileOnDisk, LockIsExclusive) {
  const auto path = (dir_ / "state.json.lock").string();
  {
    auto first = LockFile::acquire(path);
    ASSERT_TRUE(first.ok());
    auto second = LockFile::acquire(path);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().message,
              "another ibsr-export run holds '" + path + "'; not starting a second one");
  }
  EXPECT_TRUE(LockFile::acquire(path).ok());  // released with the first holder
}

}  // namespace
}  // namespace ibsr::exporter
