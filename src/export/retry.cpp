#include "export/retry.h"

#include <algorithm>

namespace ibsr::s3 {

bool isRetryable(bool transportError, long httpStatus, std::string_view s3ErrorCode) {
  if (transportError) return true;
  if (httpStatus >= 500 || httpStatus == 429 || httpStatus == 408) return true;
  // S3 reports a stalled upload as 400 RequestTimeout and throttling as 503 SlowDown.
  return s3ErrorCode == "RequestTimeout" || s3ErrorCode == "SlowDown" ||
         s3ErrorCode == "InternalError";
}

std::chrono::milliseconds backoffCeiling(const RetryPolicy& policy, int retry) {
  const auto cap = policy.maxDelay.count();
  std::int64_t d = policy.baseDelay.count();
  for (int i = 1; i < retry && d < cap; ++i) d *= 2;
  return std::chrono::milliseconds(std::min<std::int64_t>(d, cap));
}

std::chrono::milliseconds jitteredBackoff(const RetryPolicy& policy, int retry,
                                          std::mt19937_64& rng) {
  const auto ceiling = backoffCeiling(policy, retry).count();
  std::uniform_int_distribution<std::int64_t> dist(ceiling / 2, ceiling);
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace ibsr::s3
