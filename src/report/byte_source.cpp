#include "report/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace ibsr::report {

FileSource::~FileSource() {
  ::close(fd_);
}

Result<std::unique_ptr<ByteSource>> FileSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sysError("cannot open '" + path + "'");
  struct stat st {};
  const uint64_t size = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? uint64_t(st.st_size) : 0;
  return std::unique_ptr<ByteSource>(new FileSource(fd, path, size));
}

Result<size_t> FileSource::read(char* dst, size_t n) {
  for (;;) {
    ssize_t got = ::read(fd_, dst, n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return sysError("cannot read '" + path_ + "'");
    read_ += uint64_t(got);
    return size_t(got);
  }
}

}  // namespace ibsr::report
