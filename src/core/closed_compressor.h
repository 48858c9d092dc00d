// The collectors' background compression of closed hourly files (--compress-closed). One worker
// thread at a time, at a lower CPU priority (nice +10), compresses one closed file
// (core/closed_compression.h); the collection loop only looks at it between cycles, after the
// cycle's lines are written, so a snapshot never waits for compression, whatever the file's size
// and the interval. The first poll that can list the directory cleans up what a crash left (a
// temporary file, a .jsonl whose .zst is complete) before anything new is compressed.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/closed_compression.h"

namespace ibsr {

// What the heartbeat (compress_errors, compress_last_error) and the metrics file report, so that
// an operator who reads those and not the journal sees a compression that keeps failing.
struct CompressorStats {
  std::uint64_t filesCompressed = 0;
  std::uint64_t bytesIn = 0;   // original bytes of those files
  std::uint64_t bytesOut = 0;  // their compressed bytes
  // Failed compressions and failed crash-recovery steps (a .zst that does not match its .jsonl, a
  // temporary file that cannot be deleted); a compression stopped by yieldFile is not one.
  std::uint64_t errors = 0;
  std::string lastError;  // the last one's message, boundedErrorText; empty: none yet
};

// The longest lastError, in bytes: a heartbeat line stays inside the disk budget's 1 KiB
// reserve for it, however long the out-dir's path.
inline constexpr std::size_t kMaxErrorText = 200;

// `message` cut to at most kMaxErrorText bytes (at a character boundary, "..." marking the cut),
// with control characters and bytes that are not UTF-8 replaced by '?': always valid JSON string
// content once '"' and '\\' are escaped.
std::string boundedErrorText(std::string_view message);

// recoverClosedCompression with its outcome logged and its errors added to `stats`: the first
// poll's step, and the writer's own when compression is off (a run with it may have crashed
// before). Returns false, counting nothing, when the directory could not be listed: that is the
// directory's fault (the writes count it), and recovery runs again on the next cycle.
bool recoverClosedCompressionLogged(const std::string& dir, const RotationPolicy& policy,
                                    CompressorStats& stats);

class ClosedFileCompressor {
 public:
  ClosedFileCompressor(std::string dir, RotationPolicy policy);
  // Stops a compression in progress (its temporary file is removed) and waits for the thread.
  ~ClosedFileCompressor();
  ClosedFileCompressor(const ClosedFileCompressor&) = delete;
  ClosedFileCompressor& operator=(const ClosedFileCompressor&) = delete;

  // Between cycles: reports the finished file, starts on the oldest closed one left.
  void poll(std::uint64_t now);
  // Waits for the file in progress (tests and the final cycle of a bounded run).
  void wait();
  // Before a line is appended to `name`: a clock set back into a closed hour makes it current
  // again, and a line appended between the check of its .zst and the removal of the .jsonl would
  // be lost. A compression of `name` in progress is stopped (or, if done, collected) first; the
  // hour is compressed once it is closed again.
  void yieldFile(const std::string& name);
  CompressorStats stats() const;

 private:
  void finish();
  // The outcome of the joined worker into the stats and the log; `yielded`: stopped by yieldFile,
  // which is neither an error nor a reason to wait an hour.
  void collect(bool yielded);

  std::string dir_;
  RotationPolicy policy_;
  bool recovered_ = false;
  std::thread worker_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::string current_;
  std::uint64_t startedAt_ = 0;
  Result<ZstdCopy> outcome_{ZstdCopy{}};
  // A file that failed is tried again an hour after that attempt began, not every cycle (also
  // when wait() collected the failure).
  std::map<std::string, std::uint64_t> retryAt_;
  mutable std::mutex mutex_;
  CompressorStats stats_;
};

}  // namespace ibsr
