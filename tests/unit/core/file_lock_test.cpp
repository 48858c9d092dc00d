#include "core/file_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace ibsr {
namespace {

namespace fs = std::filesystem;

class OutputDirLockTest : public ::testing::Test {
 protected:
  ibsr::testing::TempDir tmp_;
  const fs::path dir_ = tmp_.path();
};

TEST_F(OutputDirLockTest, SecondCollectorOnTheSameDirectoryIsRefusedNamingTheHolder) {
  auto first = lockOutputDir(dir_.string(), "collect");
  ASSERT_TRUE(first.ok()) << first.error().message;
  // flock(2) locks belong to the open file description: a second acquire in this process
  // conflicts exactly like another process would.
  auto second = lockOutputDir(dir_.string(), "collect-payload");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "another collector is already writing to '" + dir_.string() +
                                        "' (lock " + (dir_ / ".ibsr-collector.lock").string() +
                                        ", held by ibsr collect (pid " +
                                        std::to_string(::getpid()) + "))");
}

TEST_F(OutputDirLockTest, ReleasedOnDestructionAndTheFileIsRemoved) {
  {
    auto lock = lockOutputDir(dir_.string(), "collect");
    ASSERT_TRUE(lock.ok());
  }
  EXPECT_FALSE(fs::exists(dir_ / ".ibsr-collector.lock"));
  auto again = lockOutputDir(dir_.string(), "collect");
  EXPECT_TRUE(again.ok());
}

TEST_F(OutputDirLockTest, AStaleFileOfADeadHolderDoesNotBlock) {
  // A SIGKILLed collector leaves its file behind, but no lock on it.
  { std::ofstream(dir_ / ".ibsr-collector.lock") << "ibsr collect (pid 1)\n"; }
  auto lock = lockOutputDir(dir_.string(), "collect");
  EXPECT_TRUE(lock.ok());
}

TEST_F(OutputDirLockTest, DistinctDirectoriesDoNotConflict) {
  fs::create_directories(dir_ / "a");
  fs::create_directories(dir_ / "b");
  auto a = lockOutputDir((dir_ / "a").string(), "collect");
  auto b = lockOutputDir((dir_ / "b").string(), "collect");
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(b.ok());
}

}  // namespace
}  // namespace ibsr
