#include "incident/run_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <filesystem>

#include "core/unique_fd.h"

namespace ibsr::incident {

std::string runDirName(const std::string& tag, std::uint64_t ts, unsigned suffix) {
  if (suffix == 0) return fmt::format("{}-{}", tag, ts);
  return fmt::format("{}-{}-{}", tag, ts, suffix);
}

Result<std::string> createRunDir(const std::string& outDir,
                                 const std::optional<std::string>& archiveDir,
                                 const std::string& tag, std::uint64_t ts) {
  // Bounded: 10000 directories of one tag within one second would be a runaway loop anyway.
  for (unsigned suffix = 0; suffix < 10000; ++suffix) {
    std::string name = runDirName(tag, ts, suffix);
    if (archiveDir) {
      struct stat st {};
      if (::lstat((*archiveDir + "/" + name).c_str(), &st) == 0) continue;
    }
    std::string path = outDir + "/" + name;
    if (::mkdir(path.c_str(), 0750) == 0) return path;
    if (errno != EEXIST) return sysError("cannot create run directory '" + path + "'");
  }
  return plainError("cannot create a run directory for tag '" + tag + "' in '" + outDir +
                    "': 10000 names already taken");
}

Status prepareDir(const std::string& dir, const char* what) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
    return plainError(fmt::format("{} '{}' is not a directory", what, dir));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Error{ec.value(), fmt::format("cannot create {} '{}': {}", what, dir, ec.message())};
  std::string probe = dir + "/.ibsr-write-probe-" + std::to_string(::getpid());
  UniqueFd fd(::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return sysError(fmt::format("{} '{}' is not writable", what, dir));
  ::unlink(probe.c_str());
  return {};
}

}  // namespace ibsr::incident
