#include <gtest/gtest.h>

#include "export/retry.h"

namespace ibsr::s3 {
namespace {

TEST(Retry, Classification) {
  EXPECT_TRUE(isRetryable(true, 0, ""));
  EXPECT_TRUE(isRetryable(false, 500, "InternalError"));
  EXPECT_TRUE(isRetryable(false, 503, "SlowDown"));
  EXPECT_TRUE(isRetryable(false, 504, ""));
  EXPECT_TRUE(isRetryable(false, 429, ""));
  EXPECT_TRUE(isRetryable(false, 400, "RequestTimeout"));
  EXPECT_FALSE(isRetryable(false, 403, "SignatureDoesNotMatch"));
  EXPECT_FALSE(isRetryable(false, 403, "AccessDenied"));
  EXPECT_FALSE(isRetryable(false, 404, "NoSuchBucket"));
  EXPECT_FALSE(isRetryable(false, 400, "BadDigest"));
  EXPECT_FALSE(isRetryable(false, 400, "InvalidAccessKeyId"));
}

TEST(Retry, CeilingDoublesUpToCap) {
  RetryPolicy p;
  p.baseDelay = std::chrono::milliseconds(100);
  p.maxDelay = std::chrono::milliseconds(1000);
  EXPECT_EQ(backoffCeiling(p, 1).count(), 100);
  EXPECT_EQ(backoffCeiling(p, 2).count(), 200);
  EXPECT_EQ(backoffCeiling(p, 3).count(), 400);
  EXPECT_EQ(backoffCeiling(p, 4).count(), 800);
  EXPECT_EQ(backoffCeiling(p, 5).count(), 1000);
  EXPECT_EQ(backoffCeiling(p, 60).count(), 1000);
}

TEST(Retry, JitterStaysInUpperHalfAndVaries) {
  RetryPolicy p;
  p.baseDelay = std::chrono::milliseconds(1000);
  std::mt19937_64 rng(42);
  std::int64_t lo = 1 << 30, hi = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto d = jitteredBackoff(p, 2, rng).count();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, 1000);
  EXPECT_LE(hi, 2000);
  EXPECT_LT(lo, 1100);  // 1000 draws spread over the whole range
  EXPECT_GT(hi, 1900);
}

}  // namespace
}  // namespace ibsr::s3
