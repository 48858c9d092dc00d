#include "incident/salt_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "core/log.h"
#include "core/unique_fd.h"
#include "incident/options.h"

namespace ibsr::incident {
namespace {

// A short file: one read is enough; anything longer than a salt line is rejected.
constexpr std::size_t kMaxSaltFileBytes = 64;

Status createSalt(const std::string& path) {
  std::uint64_t salt = 0;
  if (::getrandom(&salt, sizeof(salt), 0) != static_cast<ssize_t>(sizeof(salt)))
    return sysError("cannot draw a random salt");
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return sysError("cannot create '" + tmp + "'");
  std::string line = fmt::format("{:016x}\n", salt);
  bool ok = ::fchmod(fd.get(), 0600) == 0 &&
            ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd.get()) == 0;
  // link(2) fails on an existing name: a salt another process wrote meanwhile wins.
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) ok = false;
  Status st;
  if (!ok) st = sysError("cannot write '" + path + "'");
  ::unlink(tmp.c_str());
  if (st.ok()) log::notice("created a new scrub salt in {}", path);
  return st;
}

}  // namespace

Result<std::uint64_t> loadOrCreateSalt(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return sysError("cannot stat '" + path + "'");
    if (Status c = createSalt(path); !c.ok()) return c.error();
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return sysError("cannot open '" + path + "'");
  if (::fstat(fd.get(), &st) != 0) return sysError("cannot stat '" + path + "'");
  if (!S_ISREG(st.st_mode)) return plainError("'" + path + "' is not a regular file");
  if ((st.st_mode & 077) != 0)
    return plainError(fmt::format("'{}' is accessible to others (mode {:04o}); chmod 600 it", path,
                                  st.st_mode & 07777));
  char buf[kMaxSaltFileBytes + 1];
  ssize_t n = ::read(fd.get(), buf, sizeof(buf));
  if (n < 0) return sysError("cannot read '" + path + "'");
  std::string_view text(buf, static_cast<std::size_t>(n));
  auto isSpace = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  auto salt = parseSalt(text);
  if (!salt.ok()) return plainError("'" + path + "': " + salt.error().message);
  return *salt;
}

}  // namespace ibsr::incident
