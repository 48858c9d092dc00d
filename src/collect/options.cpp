#include "collect/options.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <filesystem>

#include "core/unique_fd.h"

namespace ibsr::collect {

Status validatePorts(CollectOptions& o) {
  if (o.ports.empty()) return plainError("at least one --dst-port is required");
  if (o.ports.size() > IBSR_MAX_PORTS)
    return plainError(
        fmt::format("--dst-port: at most {} ports, got {}", IBSR_MAX_PORTS, o.ports.size()));
  std::vector<std::uint16_t> ports;
  for (int p : o.ports) {
    if (p < 1 || p > 65535)
      return plainError(fmt::format("--dst-port: {} is not a port (1..65535)", p));
    ports.push_back(static_cast<std::uint16_t>(p));
  }
  std::sort(ports.begin(), ports.end());
  auto dup = std::adjacent_find(ports.begin(), ports.end());
  if (dup != ports.end()) return plainError(fmt::format("--dst-port: {} given twice", *dup));
  o.dstPorts = std::move(ports);
  return {};
}

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

}  // namespace ibsr::collect
