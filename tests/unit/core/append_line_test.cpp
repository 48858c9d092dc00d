#include "core/append_line.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ibsr {
namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AppendLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ibsr-append-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(AppendLineTest, CreatesThenAppendsWholeLines) {
  std::string path = dir_ / "a.jsonl";
  ASSERT_TRUE(appendLine(path, "{\"a\":1}\n").ok());
  ASSERT_TRUE(appendLine(path, "{\"a\":2}\n").ok());
  EXPECT_EQ(readAll(path), "{\"a\":1}\n{\"a\":2}\n");
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
