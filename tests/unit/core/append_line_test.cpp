#include "core/append_line.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "temp_dir.h"

namespace ibsr {
namespace {

using ibsr::testing::readFile;

class AppendLineTest : public ::testing::Test {
 protected:
  ibsr::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

TEST_F(AppendLineTest, CreatesThenAppendsWholeLines) {
  std::string path = dir_ / "a.jsonl";
  ASSERT_TRUE(appendLine(path, "{\"a\":1}\n").ok());
  ASSERT_TRUE(appendLine(path, "{\"a\":2}\n").ok());
  EXPECT_EQ(readFile(path), "{\"a\":1}\n{\"a\":2}\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(AppendLineTest, MissingDirectoryIsAnErrorNamingThePath) {
  std::string path = dir_ / "missing" / "a.jsonl";
  Status st = appendLine(path, "x\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnum, ENOENT);
  EXPECT_NE(st.error().message.find(path), std::string::npos) << st.error().message;
}

TEST_F(AppendLineTest, PathThatIsADirectoryIsAnError) {
  Status st = appendLine(dir_.string(), "x\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnum, EISDIR);
}

}  // namespace
}  // namespace ibsr
