// An exclusive flock(2) on a lock file, held for the life of the owner (the kernel releases it
// on any death of the process, SIGKILL included) and unlinked on a clean release. acquire()
// re-checks after locking that the path still names the locked file, so a concurrent unlink
// never lets two processes both hold "the" lock. The holder ("ibsr MODE (pid N)") is written into
// the file, so a refused process can say who holds it.
#pragma once

#include <string>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr {

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  // Busy: an error "<busy> (lock PATH, held by ibsr MODE (pid N))"; anything else names the file.
  static Result<FileLock> acquire(const std::string& path, const std::string& mode,
                                  const std::string& busy);

 private:
  UniqueFd fd_;
  std::string path_;
};

// One collector per output directory: two collectors appending cumulative counters to the same
// hourly files would interleave two streams that no reader can separate. The lock file is
// OUT_DIR/.ibsr-collector.lock (hidden: never exported, never rotated, never read as input).
Result<FileLock> lockOutputDir(const std::string& dir, const std::string& mode);

}  // namespace ibsr
