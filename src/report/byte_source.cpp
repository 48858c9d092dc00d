#include "report/byte_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace ibsr::report {

FileSource::~FileSource() {
  ::close(fd_);
}

Result<std::unique_ptr<ByteSource>> FileSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sysError("cannot open '" + path + "'");
  return std::unique_ptr<ByteSource>(new FileSource(fd, path));
}

Result<size_t> FileSource::read(char* dst, size_t n) {
  for (;;) {
    ssize_t got = ::read(fd_, dst, n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return sysError("cannot read '" + path_ + "'");
    return size_t(got);
  }
}

}  // namespace ibsr::report
