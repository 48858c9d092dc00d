#include "core/closed_compressor.h"

#include <sys/resource.h>
#include <unistd.h>

#include "core/log.h"

namespace ibsr {
namespace {

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates) at
// the start of `s`, 0 when there is none.
std::size_t utf8Length(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto inRange = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned b = byte(0);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return inRange(1, 0x80, 0xBF) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    const unsigned lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    return inRange(1, lo, hi) && inRange(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    const unsigned lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    return inRange(1, lo, hi) && inRange(2, 0x80, 0xBF) && inRange(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

}  // namespace

std::string boundedErrorText(std::string_view message) {
  constexpr std::string_view kCut = "...";
  std::string out;
  std::size_t fits = 0;  // out's length when only the part that leaves room for kCut is kept
  while (!message.empty()) {
    std::size_t n = utf8Length(message);
    const bool control = n == 1 && (message[0] < 0x20 || message[0] == 0x7F);
    std::string_view piece = n == 0 || control ? std::string_view("?") : message.substr(0, n);
    if (out.size() + piece.size() > kMaxErrorText) {
      out.resize(fits);
      return out += kCut;
    }
    out += piece;
    if (out.size() + kCut.size() <= kMaxErrorText) fits = out.size();
    message.remove_prefix(n == 0 ? 1 : n);
  }
  return out;
}

bool recoverClosedCompressionLogged(const std::string& dir, const RotationPolicy& policy,
                                    CompressorStats& stats) {
  auto r = recoverClosedCompression(dir, policy);
  if (!r.listed) {
    for (const auto& err : r.errors) log::warn("compression: clean-up at start: {}", err);
    return false;
  }
  for (const auto& name : r.removed)
    log::info("compression: removed {} left by an interrupted run (the .zst is complete)", name);
  for (const auto& err : r.errors) {
    log::warn("compression: {}", err);
    ++stats.errors;
    stats.lastError = boundedErrorText(err);
  }
  return true;
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
    // The hour's name first: not every message names the file (a failed write of the .zst).
    stats_.lastError = boundedErrorText(current_ + ": " + outcome_.error().message);
    log::warn("compression of closed file: {} (kept uncompressed; retried in an hour)",
              outcome_.error().message);
    retryAt_[current_] = startedAt_ + 3600;
  }
}

void ClosedFileCompressor::poll(std::uint64_t now) {
  if (!recovered_) {
    CompressorStats recovery;  // outside the lock: recovery may decompress for seconds
    recovered_ = recoverClosedCompressionLogged(dir_, policy_, recovery);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.errors += recovery.errors;
    if (!recovery.lastError.empty()) stats_.lastError = recovery.lastError;
    if (!recovered_) return;  // nothing is compressed before the clean-up
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
