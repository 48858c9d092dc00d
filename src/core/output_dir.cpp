#include "core/output_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/unique_fd.h"

namespace ibsr {

Status prepareOutputDir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
    return plainError("output path '" + dir + "' is not a directory");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{ec.value(), "cannot create output directory '" + dir + "': " + ec.message()};
  std::string probe = dir + "/.ibsr-write-probe-" + std::to_string(::getpid());
  UniqueFd fd(::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return sysError("output directory '" + dir + "' is not writable");
  ::unlink(probe.c_str());
  return {};
}

}  // namespace ibsr
