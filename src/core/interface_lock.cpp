#include "core/interface_lock.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstdlib>

namespace ibsr {

std::string defaultLockDir() {
  const char* env = std::getenv("RUNTIME_DIRECTORY");
  if (env == nullptr || *env == '\0') return kLockDir;
  std::string dirs = env;
  return dirs.substr(0, dirs.find(':'));  // systemd lists several RuntimeDirectory= with ':'
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
  auto lock = FileLock::acquire(
      path, mode, "another ibsr " + mode + " is already running on interface '" + ifname + "'");
  if (!lock.ok()) return lock.error();
  InterfaceLock l;
  l.lock_ = std::move(lock.value());
  return l;
}

}  // namespace ibsr
