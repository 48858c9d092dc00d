#include "export/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ibsr::exporter {
namespace {
constexpr int kVersion = 1;
}

Result<ExportState::Map> ExportState::parse(const std::string& text) {
  Map out;
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("version", 0) != kVersion || !j.contains("objects") ||
        !j["objects"].is_object()) {
      return plainError("not an ibsr-export state (version " + std::to_string(kVersion) + ")");
    }
    for (const auto& [dest, o] : j["objects"].items()) {
      LandedObject l;
      l.path = o.at("path").get<std::string>();
      l.size = o.at("size").get<std::uint64_t>();
      l.mtimeNs = o.at("mtime_ns").get<std::int64_t>();
      l.sha256 = o.at("sha256").get<std::string>();
      l.etag = o.at("etag").get<std::string>();
      out.emplace(dest, std::move(l));
    }
  } catch (const nlohmann::json::exception& e) {
    return plainError(std::string("malformed state: ") + e.what());
  }
  return out;
}

std::string ExportState::serialize(const Map& objects) {
  nlohmann::json j;
  j["version"] = kVersion;
  j["objects"] = nlohmann::json::object();
  for (const auto& [dest, l] : objects) {
    j["objects"][dest] = {{"path", l.path},
                          {"size", l.size},
                          {"mtime_ns", l.mtimeNs},
                          {"sha256", l.sha256},
                          {"etag", l.etag}};
  }
  return j.dump(1) + "\n";
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
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot write '" + tmp + "'");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return sysError("cannot fsync '" + tmp + "'");
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return sysError("cannot rename '" + tmp + "' to '" + path + "'");
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
