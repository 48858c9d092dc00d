#include "export/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace ibsr::exporter {
Result<ExportState::Map> ExportState::parse(const std::string& text) {
  return parseExportState(text);
}

std::string ExportState::serialize(const Map& objects) {
  return serializeExportState(objects);
}

ExportState::Map ExportState::load(const std::string& path, std::string& warning) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse(ss.str());
  if (!r.ok()) {
    warning = "state file '" + path + "' ignored (" + r.error().message +
              "); checking the bucket instead";
    return {};
  }
  return std::move(r).value();
}

Status ExportState::save(const std::string& path, const Map& objects) {
  const std::string tmp = path + ".tmp";
  const std::string text = serialize(objects);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return sysError("cannot create '" + tmp + "'");
  // A partial temporary file would only hold space on a filesystem that is likely full.
  auto failed = [&](const char* verb, const std::string& rest = {}) {
    const int err = errno;
    fd.reset();
    ::unlink(tmp.c_str());
    return sysError(std::string("cannot ") + verb + " '" + tmp + "'" + rest, err);
  };
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed("write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return failed("fsync");
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return failed("rename", " to '" + path + "'");
  return {};
}

Result<LockFile> LockFile::acquire(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return sysError("cannot open lock file '" + path + "'");
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return plainError("another ibsr-export run holds '" + path + "'; not starting a second one");
    }
    return sysError("cannot lock '" + path + "'");
  }
  return LockFile(std::move(fd));
}

}  // namespace ibsr::exporter
