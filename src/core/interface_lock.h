// One instance of a mode per interface: an flock(2) on /run/ibsr/{mode}-{netns}-{ifindex}.lock,
// held for the life of the process (the kernel releases it on any death, SIGKILL included).
// Holding it proves that a TC filter with our handle on that interface is a leftover of a
// crashed instance, which may then be replaced instead of blocking the restart.
// The file is removed on a clean exit; acquire() re-checks after locking that the path still
// names the locked file, so a concurrent unlink never lets two instances both hold "the" lock.
#pragma once

#include <string>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr {

inline constexpr const char* kLockDir = "/run/ibsr";

class InterfaceLock {
 public:
  InterfaceLock() = default;
  InterfaceLock(InterfaceLock&&) noexcept = default;
  InterfaceLock& operator=(InterfaceLock&&) noexcept = default;
  InterfaceLock(const InterfaceLock&) = delete;
  InterfaceLock& operator=(const InterfaceLock&) = delete;
  ~InterfaceLock();

  // An error naming `mode` (e.g. "record-incident") if another live instance of that mode holds
  // the lock for this interface, or if the lock file cannot be used.
  static Result<InterfaceLock> acquire(const std::string& mode, int ifindex,
                                       const std::string& ifname,
                                       const std::string& lockDir = kLockDir);

 private:
  UniqueFd fd_;
  std::string path_;
};

}  // namespace ibsr
