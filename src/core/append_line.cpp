#include "core/append_line.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/unique_fd.h"

namespace ibsr {

Status appendLine(const std::string& path, std::string_view line) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return sysError("cannot open '" + path + "' for appending");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sysError("cannot stat '" + path + "'");
  ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n == static_cast<ssize_t>(line.size())) return {};
  int err = n < 0 ? errno : ENOSPC;  // a short write on a regular file means out of space
  if (n > 0 && ::ftruncate(fd.get(), st.st_size) != 0) {
    return sysError("short write to '" + path + "' and cannot truncate the partial line", errno);
  }
  return sysError("cannot write to '" + path + "'", err);
}

}  // namespace ibsr
