#include "core/export_state.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ibsr {
namespace {
constexpr int kVersion = 1;
}

Result<LandedObjects> parseExportState(const std::string& text) {
  LandedObjects out;
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

std::string serializeExportState(const LandedObjects& objects) {
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

Result<LandedFiles> LandedFiles::load(const std::string& statePath) {
  LandedFiles files;
  std::ifstream in(statePath);
  if (!in) {
    if (errno == ENOENT) return files;
    return sysError("cannot read export state '" + statePath + "'");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = parseExportState(ss.str());
  if (!parsed.ok())
    return plainError("export state '" + statePath + "': " + parsed.error().message);
  for (const auto& [dest, l] : *parsed) files.byPath_[l.path] = {l.size, l.mtimeNs};
  return files;
}

bool LandedFiles::landed(const std::string& path, std::uint64_t size, std::int64_t mtimeNs) const {
  auto it = byPath_.find(path);
  return it != byPath_.end() && it->second.first == size && it->second.second == mtimeNs;
}

}  // namespace ibsr
