#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>

namespace ibsr {
namespace {

std::string readHolder(int fd) {
  char buf[256];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s.empty() ? "an unknown process" : s;
}

// Only the lock holder writes, through a descriptor closed again at once.
Status writeHolder(const std::string& path, const std::string& holder) {
  UniqueFd w(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
  std::string text = holder + "\n";
  if (!w.valid() || ::write(w.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return sysError("cannot write lock file '" + path + "'");
  return {};
}

}  // namespace

FileLock::~FileLock() {
  // Unlink while still holding the lock; see acquire() for why this is race-free.
  if (fd_.valid()) ::unlink(path_.c_str());
}

Result<FileLock> FileLock::acquire(const std::string& path, const std::string& mode,
                                   const std::string& busy) {
  // Bounded: each retry means another holder unlinked the file between our open and lock.
  for (int attempt = 0; attempt < 10; ++attempt) {
    // Held through a read-only descriptor: a file open for writing would keep its filesystem
    // from being remounted read-only (an operator's emergency move; the collector survives it).
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd.valid()) return sysError("cannot open lock file '" + path + "'");
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK)
        return plainError(
            fmt::format("{} (lock {}, held by {})", busy, path, readHolder(fd.get())));
      return sysError("cannot lock '" + path + "'");
    }
    struct stat held {
    }, named{};
    if (::fstat(fd.get(), &held) == 0 && ::stat(path.c_str(), &named) == 0 &&
        held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
      if (Status st = writeHolder(path, fmt::format("ibsr {} (pid {})", mode, ::getpid()));
          !st.ok())
        return st.error();
      FileLock lock;
      lock.fd_ = std::move(fd);
      lock.path_ = path;
      return lock;
    }
  }
  return plainError("cannot lock '" + path + "': it keeps being replaced");
}

Result<FileLock> lockOutputDir(const std::string& dir, const std::string& mode) {
  return FileLock::acquire(dir + "/.ibsr-collector.lock", mode,
                           fmt::format("another collector is already writing to '{}'", dir));
}

}  // namespace ibsr
