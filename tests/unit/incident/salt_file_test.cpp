#include "incident/salt_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "temp_dir.h"

namespace ibsr::incident {
namespace {

using testing::readFile;
using testing::TempDir;
using testing::writeFile;
namespace fs = std::filesystem;

mode_t modeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(SaltFile, ReadsSixteenHexDigitsWithSurroundingWhitespace) {
  TempDir d;
  writeFile(d / "salt", "  DEADbeefCAFEbabe\n");
  ::chmod((d / "salt").c_str(), 0600);
  auto s = loadOrCreateSalt(d / "salt");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*s, 0xdeadbeefcafebabeULL);
}

TEST(SaltFile, CreatesAPrivateRandomSaltOnceAndKeepsIt) {
  TempDir d;
  auto first = loadOrCreateSalt(d / "salt");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(modeOf(d / "salt"), 0600u);
  auto text = readFile(d / "salt");
  ASSERT_EQ(text.size(), 17u);
  EXPECT_EQ(text.back(), '\n');
  auto again = loadOrCreateSalt(d / "salt");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  // Only the salt file is left (no temporary).
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path())) ++entries;
  EXPECT_EQ(entries, 1);
  // Another file gets another salt (64 random bits: equal by chance with p = 2^-64).
  auto other = loadOrCreateSalt(d / "salt2");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first);
}

TEST(SaltFile, RefusesUnsafeOrMalformedFiles) {
  TempDir d;
  writeFile(d / "open", "0123456789abcdef\n");
  ::chmod((d / "open").c_str(), 0640);
  writeFile(d / "short", "0123456789abcde\n");
  ::chmod((d / "short").c_str(), 0600);
  writeFile(d / "long", std::string(100, 'a'));
  ::chmod((d / "long").c_str(), 0600);
  ASSERT_EQ(::symlink((d / "short").c_str(), (d / "link").c_str()), 0);
  fs::create_directory(d / "dir");
  ::chmod((d / "dir").c_str(), 0700);
  struct Case {
    std::string name, want;
  };
  for (const Case& c :
       {Case{"open", "accessible to others (mode 0640)"},
        Case{"short", "salt must be exactly 16 hex characters"},
        Case{"long", "salt must be exactly 16 hex characters"},
        Case{"link", "Too many levels of symbolic links"}, Case{"dir", "is not a regular file"},
        Case{"missing-dir/salt", "cannot create"}}) {
    auto s = loadOrCreateSalt(d / c.name);
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_NE(s.error().message.find(c.want), std::string::npos)
        << c.name << ": " << s.error().message;
  }
}

}  // namespace
}  // namespace ibsr::incident
