#include "core/page_release.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace ibsr {
namespace {

const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

// Resident kB of this process's anonymous memory (RssAnon), the figure the release lowers.
long rssAnonKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  return -1;
}

TEST(ReleasePages, WholePagesReadZeroAndPartialPagesAtTheEndsAreKept) {
  PageBuffer buf;
  char* p = buf.reserve(8 * kPage);
  std::memset(p, 'x', 8 * kPage);
  // From the middle of page 1 to the middle of page 5: pages 2, 3 and 4 are whole inside.
  releasePages(p + kPage + 100, 4 * kPage);
  for (std::size_t i = 0; i < 8 * kPage; ++i) {
    const bool released = i >= 2 * kPage && i < 5 * kPage;
    ASSERT_EQ(p[i], released ? '\0' : 'x') << "byte " << i;
  }
}

TEST(ReleasePages, NullOrLessThanAPageIsANoOp) {
  releasePages(nullptr, 1 << 20);
  std::vector<char> v(kPage / 2, 'y');
  releasePages(v.data(), v.size());
  EXPECT_EQ(std::string(v.begin(), v.end()), std::string(kPage / 2, 'y'));
}

TEST(PageVector, SmallAndLargeVectorsHoldWhatIsPutIn) {
  PageVector<std::uint32_t> small{1, 2, 3};
  EXPECT_EQ(small.size(), 3u);
  EXPECT_EQ(small[2], 3u);
  PageVector<std::uint64_t> large;
  for (std::uint64_t i = 0; i < (1 << 20); ++i) large.push_back(i);  // grows through 8 MB
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data()) % kHugePageBytes, 0u);
  for (std::uint64_t i = 0; i < (1 << 20); ++i) ASSERT_EQ(large[i], i);
  PageVector<std::uint64_t> copy = large;
  EXPECT_EQ(copy, large);
}

TEST(ClearAndReleasePages, KeepsTheCapacityAndTheStorage) {
  PageVector<std::uint64_t> v(1 << 20, 7);  // 8 MB
  const auto* before = v.data();
  const std::size_t capacity = v.capacity();
  clearAndReleasePages(v);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), capacity);
  v.resize(1 << 20, 9);  // refilled in place: no reallocation
  EXPECT_EQ(v.data(), before);
  EXPECT_EQ(v.front(), 9u);
  EXPECT_EQ(v.back(), 9u);
}

TEST(PageBuffer, IsAlignedToHugePagesAndGrowsOnlyWhenAsked) {
  PageBuffer buf;
  char* p = buf.reserve(3 << 20);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % kHugePageBytes, 0u);
  EXPECT_EQ(buf.reserve(1 << 20), p);  // smaller: the same buffer
  p[(3 << 20) - 1] = 'z';
  char* q = buf.reserve(64 << 20);
  ASSERT_NE(q, nullptr);
  q[(64 << 20) - 1] = 'z';  // the whole asked size is writable
}

// The point of the class: a 32 MB line written, then released, leaves RSS where it was.
TEST(PageBuffer, ReleaseGivesTheWrittenPagesBack) {
  constexpr std::size_t kBytes = 32 << 20;
  PageBuffer buf;
  char* p = buf.reserve(kBytes);
  const long before = rssAnonKb();
  std::memset(p, 'a', kBytes);
  const long written = rssAnonKb();
  EXPECT_GE(written - before, 30 * 1024) << "writing 32 MB must make about 32 MB resident";
  buf.release(kBytes - 10);  // the partly used last page goes too
  const long after = rssAnonKb();
  // Measured as what the release took back (a sanitizer's own bookkeeping may grow meanwhile).
  EXPECT_GE(written - after, 30 * 1024) << "released pages must no longer be resident";
  EXPECT_EQ(p[0], '\0');
  EXPECT_EQ(p[kBytes - 1], '\0');
}

}  // namespace
}  // namespace ibsr
