#include "core/closed_compressor.h"

#include <sys/resource.h>
#include <unistd.h>

#include "core/log.h"

namespace ibsr {

void recoverClosedCompressionLogged(const std::string& dir, const RotationPolicy& policy) {
  auto r = recoverClosedCompression(dir, policy);
  for (const auto& name : r.removed)
    log::info("compression: removed {} left by an interrupted run (the .zst is complete)", name);
  for (const auto& err : r.errors) log::warn("compression: {}", err);
}

ClosedFileCompressor::ClosedFileCompressor(std::string dir, RotationPolicy policy)
    : dir_(std::move(dir)), policy_(std::move(policy)) {}

ClosedFileCompressor::~ClosedFileCompressor() {
  stop_ = true;
  if (worker_.joinable()) worker_.join();
}

void ClosedFileCompressor::wait() {
  if (worker_.joinable()) finish();
}

void ClosedFileCompressor::yieldFile(const std::string& name) {
  if (!worker_.joinable() || current_ != name) return;
  stop_ = true;
  worker_.join();
  stop_ = false;
  collect(true);
}

CompressorStats ClosedFileCompressor::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void ClosedFileCompressor::finish() {
  worker_.join();
  collect(false);
}

void ClosedFileCompressor::collect(bool yielded) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (outcome_.ok()) {  // after a yield: it was done first, and the new line starts a new .jsonl
    ++stats_.filesCompressed;
    stats_.bytesIn += outcome_->inBytes;
    stats_.bytesOut += outcome_->outBytes;
    log::info("compressed {} ({} -> {} bytes)", current_, outcome_->inBytes, outcome_->outBytes);
  } else if (yielded) {
    log::info("compression of {} stopped: the clock is in its hour again", current_);
  } else {
    ++stats_.errors;
    log::warn("compression of closed file: {} (kept uncompressed; retried in an hour)",
              outcome_.error().message);
    retryAt_[current_] = startedAt_ + 3600;
  }
}

void ClosedFileCompressor::poll(std::uint64_t now) {
  if (!recovered_) {
    recovered_ = true;
    recoverClosedCompressionLogged(dir_, policy_);
  }
  if (worker_.joinable()) {
    if (!done_) return;
    finish();
  }
  for (const auto& name : closedUncompressed(dir_, policy_, now)) {
    auto retry = retryAt_.find(name);
    if (retry != retryAt_.end() && retry->second > now) continue;
    retryAt_.erase(name);
    current_ = name;
    startedAt_ = now;
    done_ = false;
    worker_ = std::thread([this, name] {
      // Lower priority than the collection loop on a busy host; failure to lower is harmless.
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
      auto r = compressClosedFile(dir_, name, policy_.compressLevel, &stop_);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        outcome_ = std::move(r);
      }
      done_ = true;
    });
    return;
  }
}

}  // namespace ibsr
