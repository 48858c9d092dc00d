// One instance of a mode per interface: an flock(2) on /run/ibsr/{mode}-{netns}-{ifindex}.lock,
// held for the life of the process (the kernel releases it on any death, SIGKILL included).
// Holding it proves that a TC filter with our handle on that interface is a leftover of a
// crashed instance, which may then be replaced instead of blocking the restart.
// The file is removed on a clean exit (core/file_lock.h).
#pragma once

#include <string>

#include "core/file_lock.h"
#include "core/result.h"

namespace ibsr {

inline constexpr const char* kLockDir = "/run/ibsr";

// Where the locks live: the first directory of $RUNTIME_DIRECTORY when systemd sets it
// (RuntimeDirectory=ibsr gives /run/ibsr, owned by the unit's User=), else kLockDir. A mode run
// by a non-root user outside systemd sets RUNTIME_DIRECTORY to a directory it may write.
std::string defaultLockDir();

class InterfaceLock {
 public:
  // An error naming `mode` (e.g. "record-incident") if another live instance of that mode holds
  // the lock for this interface, or if the lock file cannot be used.
  static Result<InterfaceLock> acquire(const std::string& mode, int ifindex,
                                       const std::string& ifname,
                                       const std::string& lockDir = defaultLockDir());

 private:
  FileLock lock_;
};

}  // namespace ibsr
