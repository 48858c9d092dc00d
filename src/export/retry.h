// When and how long to wait before retrying an S3 request. Transient failures (connection
// errors, timeouts, 5xx, 429 and S3's RequestTimeout/SlowDown codes) are retried with
// exponential backoff and full jitter, bounded both in attempts and in total time; every other
// 4xx is final on the first attempt, because repeating a request the server rejected (bad
// signature, no such bucket, access denied) cannot succeed and only delays the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

namespace ibsr::s3 {

struct RetryPolicy {
  int maxRetries = 5;                             // attempts = maxRetries + 1
  std::chrono::milliseconds baseDelay{500};       // first backoff ceiling
  std::chrono::milliseconds maxDelay{20000};      // ceiling for one backoff
  std::chrono::milliseconds totalBudget{300000};  // no new attempt after this much time
};

// transportError: the request never got an HTTP answer (curl error). httpStatus: 0 if none.
bool isRetryable(bool transportError, long httpStatus, std::string_view s3ErrorCode);

// Ceiling of the backoff before retry number `retry` (1-based): min(maxDelay, base * 2^(retry-1)).
std::chrono::milliseconds backoffCeiling(const RetryPolicy& policy, int retry);

// Equal jitter: a uniformly random delay in [ceiling/2, ceiling], so that clients failing
// together do not retry together, while every wait still grows (a restarting server gets time).
std::chrono::milliseconds jitteredBackoff(const RetryPolicy& policy, int retry,
                                          std::mt19937_64& rng);

}  // namespace ibsr::s3
