#include "payload/fifo.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace ibsr::payload {
namespace {

TEST(FifoTest, KeepsOrderAcrossCompactions) {
  Fifo<int> q;
  EXPECT_TRUE(q.empty());
  std::vector<int> out;
  int next = 0;
  // Interleave pushes and pops so the head moves and the storage is compacted many times.
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 3; ++i) q.push_back(next++);
    for (int i = 0; i < 2; ++i) {
      out.push_back(q.front());
      q.pop_front();
    }
  }
  EXPECT_EQ(q.size(), 100u);
  while (!q.empty()) {
    out.push_back(q.front());
    q.pop_front();
  }
  ASSERT_EQ(out.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], i);
}

TEST(FifoTest, PopReleasesTheElementAtOnce) {
  Fifo<std::shared_ptr<int>> q;
  auto held = std::make_shared<int>(7);
  q.push_back(held);
  q.push_back(std::make_shared<int>(8));
  EXPECT_EQ(held.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_EQ(*q.front(), 8);
}

TEST(FifoTest, ClearEmptiesAndTheQueueIsReusable) {
  Fifo<std::string> q;
  q.push_back("a");
  q.push_back("b");
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  q.push_back("c");
  EXPECT_EQ(q.front(), "c");
  EXPECT_EQ(q.size(), 1u);
}

}  // namespace
}  // namespace ibsr::payload
