#include "collect/options.h"
#include "core/output_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace ibsr::collect {
namespace {

Status ports(std::vector<int> p, std::vector<std::uint16_t>* out = nullptr) {
  CollectOptions o;
  o.ports = std::move(p);
  Status st = validatePorts(o);
  if (out) *out = o.dstPorts;
  return st;
}

TEST(ValidatePorts, AcceptsOneToEightDistinctPortsSorted) {
  std::vector<std::uint16_t> out;
  ASSERT_TRUE(ports({8900, 22, 65535, 1}, &out).ok());
  EXPECT_EQ(out, (std::vector<std::uint16_t>{1, 22, 8900, 65535}));
  EXPECT_TRUE(ports({1, 2, 3, 4, 5, 6, 7, 8}).ok());
}

TEST(ValidatePorts, RejectsBadPortListsWithAMessageNamingTheFlag) {
  EXPECT_EQ(ports({}).error().message, "at least one --dst-port is required");
  EXPECT_EQ(ports({1, 2, 3, 4, 5, 6, 7, 8, 9}).error().message,
            "--dst-port: at most 8 ports, got 9");
  EXPECT_EQ(ports({0}).error().message, "--dst-port: 0 is not a port (1..65535)");
  EXPECT_EQ(ports({65536}).error().message, "--dst-port: 65536 is not a port (1..65535)");
  EXPECT_EQ(ports({-1}).error().message, "--dst-port: -1 is not a port (1..65535)");
  EXPECT_EQ(ports({80, 443, 80}).error().message, "--dst-port: 80 given twice");
}

TEST(PrepareOutputDir, CreatesMissingDirectoriesAndRejectsFiles) {
  ibsr::testing::TempDir tmp;
  const auto base = tmp / "out";
  ASSERT_TRUE(prepareOutputDir((base / "a" / "b").string()).ok());
  EXPECT_TRUE(std::filesystem::is_directory(base / "a" / "b"));
  EXPECT_TRUE(std::filesystem::is_empty(base / "a" / "b"));  // the probe file is gone
  std::filesystem::create_directories(base);
  { std::ofstream(base / "file") << "x"; }
  Status st = prepareOutputDir((base / "file").string());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("is not a directory"), std::string::npos);
}

}  // namespace
}  // namespace ibsr::collect
