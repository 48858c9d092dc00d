#include "core/interface_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>

namespace ibsr {

InterfaceLock::~InterfaceLock() {
  // Unlink while still holding the lock; see acquire() for why this is race-free.
  if (fd_.valid()) ::unlink(path_.c_str());
}

Result<InterfaceLock> InterfaceLock::acquire(const std::string& mode, int ifindex,
                                             const std::string& ifname,
                                             const std::string& lockDir) {
  // Interface indexes repeat across network namespaces: the namespace's inode is part of the name.
  struct stat ns {};
  if (::stat("/proc/self/ns/net", &ns) != 0)
    return sysError("cannot identify the network namespace");
  if (::mkdir(lockDir.c_str(), 0755) != 0 && errno != EEXIST)
    return sysError("cannot create lock directory '" + lockDir + "'");
  std::string path = fmt::format("{}/{}-{}-{}.lock", lockDir, mode, ns.st_ino, ifindex);
  // Bounded: each retry means another instance unlinked the file between our open and lock.
  for (int attempt = 0; attempt < 10; ++attempt) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd.valid()) return sysError("cannot open lock file '" + path + "'");
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK)
        return plainError("another ibsr " + mode + " is already running on interface '" + ifname +
                          "' (lock " + path + ")");
      return sysError("cannot lock '" + path + "'");
    }
    struct stat held {
    }, named{};
    if (::fstat(fd.get(), &held) == 0 && ::stat(path.c_str(), &named) == 0 &&
        held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
      InterfaceLock lock;
      lock.fd_ = std::move(fd);
      lock.path_ = path;
      return lock;
    }
  }
  return plainError("cannot lock '" + path + "': it keeps being replaced");
}

}  // namespace ibsr
