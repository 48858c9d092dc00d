#include "core/interface_lock.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace ibsr {
namespace {

class InterfaceLockTest : public ::testing::Test {
 protected:
  std::size_t lockFiles() {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_)) ++n;
    return n;
  }
  ibsr::testing::TempDir tmp_;
  // Not created: acquire() makes the lock directory itself.
  const std::filesystem::path dir_ = tmp_ / "locks";
};

TEST_F(InterfaceLockTest, SecondInstanceOfTheSameModeIsRefusedByName) {
  auto first = InterfaceLock::acquire("collect-payload", 7, "eth7", dir_.string());
  ASSERT_TRUE(first.ok()) << first.error().message;
  // flock(2) locks belong to the open file description, so a second acquire in this process
  // conflicts exactly like another process would.
  auto second = InterfaceLock::acquire("collect-payload", 7, "eth7", dir_.string());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find(
                "another ibsr collect-payload is already running on interface 'eth7'"),
            std::string::npos)
      << second.error().message;
}

TEST_F(InterfaceLockTest, ModesAndInterfacesDoNotShareALock) {
  auto payload = InterfaceLock::acquire("collect-payload", 7, "eth7", dir_.string());
  auto incident = InterfaceLock::acquire("record-incident", 7, "eth7", dir_.string());
  auto other = InterfaceLock::acquire("collect-payload", 8, "eth8", dir_.string());
  ASSERT_TRUE(payload.ok() && incident.ok() && other.ok());
  EXPECT_EQ(lockFiles(), 3u);
}

TEST_F(InterfaceLockTest, ReleaseRemovesTheFileAndFreesTheInterface) {
  {
    auto lock = InterfaceLock::acquire("record-incident", 3, "vs", dir_.string());
    ASSERT_TRUE(lock.ok());
    EXPECT_EQ(lockFiles(), 1u);
  }
  EXPECT_EQ(lockFiles(), 0u);
  EXPECT_TRUE(InterfaceLock::acquire("record-incident", 3, "vs", dir_.string()).ok());
}

TEST_F(InterfaceLockTest, UnusableLockDirectoryIsAClearError) {
  std::filesystem::create_directories(dir_);
  auto file = dir_ / "not-a-dir";
  std::ofstream(file) << "x";
  auto lock = InterfaceLock::acquire("record-incident", 3, "vs", (file / "sub").string());
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.error().message.find("cannot create lock directory"), std::string::npos)
      << lock.error().message;
}

TEST(InterfaceLockDir, SystemdRuntimeDirectoryElseRunIbsr) {
  ::unsetenv("RUNTIME_DIRECTORY");
  EXPECT_EQ(defaultLockDir(), "/run/ibsr");
  ::setenv("RUNTIME_DIRECTORY", "", 1);
  EXPECT_EQ(defaultLockDir(), "/run/ibsr");
  ::setenv("RUNTIME_DIRECTORY", "/run/ibsr-test", 1);
  EXPECT_EQ(defaultLockDir(), "/run/ibsr-test");
  ::setenv("RUNTIME_DIRECTORY", "/run/a:/run/b", 1);  // several RuntimeDirectory= entries
  EXPECT_EQ(defaultLockDir(), "/run/a");
  ::unsetenv("RUNTIME_DIRECTORY");
}

}  // namespace
}  // namespace ibsr
