#include "core/rotation.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/clock.h"

namespace ibsr {
namespace {

// The "YYYYMMDDHH" part of name, or empty if name is not one of ours.
std::string hourStampOf(const std::string& name, const RotationPolicy& p) {
  const std::string_view suffix = artefact::kHourlySuffix;
  if (name.size() != p.prefix.size() + 10 + suffix.size()) return {};
  if (name.compare(0, p.prefix.size(), p.prefix) != 0) return {};
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return {};
  std::string stamp = name.substr(p.prefix.size(), 10);
  return parseUtcHourStamp(stamp) < 0 ? std::string() : stamp;
}

}  // namespace

Result<std::vector<std::string>> listHourlyFiles(const std::string& dir,
                                                 const RotationPolicy& policy) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return sysError("cannot list '" + dir + "'");
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (!hourStampOf(name, policy).empty()) names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());  // fixed-width UTC stamps sort chronologically
  return names;
}

Result<RotationResult> rotateHourlyFiles(const std::string& dir, const RotationPolicy& policy,
                                         std::uint64_t now) {
  auto listed = listHourlyFiles(dir, policy);
  if (!listed.ok()) return listed.error();
  const std::vector<std::string>& names = *listed;
  const std::string current = artefact::hourlyName(policy.prefix, now);

  RotationResult result;
  std::size_t excess = names.size() > policy.maxFiles ? names.size() - policy.maxFiles : 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name == current) continue;
    auto hourStart = parseUtcHourStamp(hourStampOf(name, policy));
    bool tooOld = static_cast<std::uint64_t>(hourStart) + 3600 + policy.maxAgeSec <= now;
    if (i >= excess && !tooOld) continue;
    std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) {
      result.deleted.push_back(name);
    } else {
      result.errors.push_back(sysError("cannot delete '" + path + "'").message);
    }
  }
  return result;
}

}  // namespace ibsr
