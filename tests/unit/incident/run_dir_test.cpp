#include "incident/run_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "temp_dir.h"

namespace ibsr::incident {
namespace {

using ibsr::testing::TempDir;

bool isDir(const std::string& p) {
  return std::filesystem::is_directory(p);
}

TEST(RunDirName, TagTsAndSuffix) {
  EXPECT_EQ(runDirName("ad-hoc", 1715260200, 0), "ad-hoc-1715260200");
  EXPECT_EQ(runDirName("ad-hoc", 1715260200, 1), "ad-hoc-1715260200-1");
  EXPECT_EQ(runDirName("x", 0, 12), "x-0-12");
}

TEST(CreateRunDir, SameSecondGetsASuffixInsteadOfReuse) {
  TempDir out;
  EXPECT_EQ(createRunDir(out.path(), std::nullopt, "t", 100).value(), (out / "t-100").string());
  EXPECT_EQ(createRunDir(out.path(), std::nullopt, "t", 100).value(), (out / "t-100-1").string());
  EXPECT_EQ(createRunDir(out.path(), std::nullopt, "t", 100).value(), (out / "t-100-2").string());
  EXPECT_EQ(createRunDir(out.path(), std::nullopt, "t", 101).value(), (out / "t-101").string());
  EXPECT_EQ(createRunDir(out.path(), std::nullopt, "u", 100).value(), (out / "u-100").string());
  for (const char* n : {"t-100", "t-100-1", "t-100-2", "t-101", "u-100"})
    EXPECT_TRUE(isDir(out / n));
}

TEST(CreateRunDir, SkipsNamesAlreadyArchived) {
  TempDir out, arch;
  ASSERT_EQ(::mkdir((arch / "t-5").c_str(), 0755), 0);
  EXPECT_EQ(createRunDir(out.path(), arch.path(), "t", 5).value(), (out / "t-5-1").string());
  EXPECT_FALSE(isDir(out / "t-5"));
}

TEST(CreateRunDir, MissingOutDirIsAnError) {
  TempDir out;
  auto r = createRunDir(out / "missing", std::nullopt, "t", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot create run directory"), std::string::npos);
}

TEST(PrepareDir, CreatesParentsAndRejectsFiles) {
  TempDir out;
  EXPECT_TRUE(prepareDir(out / "a/b/c", "output directory").ok());
  EXPECT_TRUE(isDir(out / "a/b/c"));
  ibsr::testing::writeBytes(out / "file", {1});
  auto st = prepareDir(out / "file", "output directory");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "output directory '" + (out / "file").string() + "' is not a directory");
}

}  // namespace
}  // namespace ibsr::incident
