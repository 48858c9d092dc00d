#include "core/rotation.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/clock.h"
#include "core/export_state.h"
#include "core/log.h"

namespace ibsr {
namespace {

// The "YYYYMMDDHH" part of name, or empty if name is not PREFIX + stamp + ".jsonl" or
// ".jsonl.zst" (its compressed form, which retention and the budget count like the original).
std::string hourStampOf(const std::string& name, const std::string& prefix) {
  if (prefix.empty() || name.compare(0, prefix.size(), prefix) != 0) return {};
  for (std::string_view suffix : {artefact::kHourlySuffix, artefact::kCompressedHourlySuffix}) {
    if (name.size() != prefix.size() + 10 + suffix.size()) continue;
    if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::string stamp = name.substr(prefix.size(), 10);
    return parseUtcHourStamp(stamp) < 0 ? std::string() : stamp;
  }
  return {};
}

// The stamp of name in either family of p.
std::string hourStampOf(const std::string& name, const RotationPolicy& p) {
  std::string stamp = hourStampOf(name, p.prefix);
  return stamp.empty() ? hourStampOf(name, p.companionPrefix) : stamp;
}

// The policy of one family alone.
RotationPolicy family(const RotationPolicy& p, const std::string& prefix) {
  RotationPolicy one = p;
  one.prefix = prefix;
  one.companionPrefix.clear();
  return one;
}

Result<RotationResult> rotateFamily(const std::string& dir, const RotationPolicy& policy,
                                    std::uint64_t now);

std::optional<struct stat> statOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st;
}

// ENOENT counts as deleted: someone (the exporter's --delete-after-upload) was first.
bool remove(const std::string& path, std::vector<std::string>& errors) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return true;
  errors.push_back(sysError("cannot delete '" + path + "'").message);
  return false;
}

// The export state as this cycle sees it; nullopt when it cannot be trusted (then nothing that
// needs it is deleted).
std::optional<LandedFiles> landedFiles(const std::string& statePath) {
  auto landed = LandedFiles::load(statePath);
  if (landed.ok()) return std::move(landed.value());
  log::warn("retention waits: {}", landed.error().message);
  return std::nullopt;
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
  // Fixed-width UTC stamps sort chronologically; the two families interleave by hour.
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    auto sa = hourStampOf(a, policy), sb = hourStampOf(b, policy);
    return sa != sb ? sa < sb : a < b;
  });
  return names;
}

Result<RotationResult> rotateHourlyFiles(const std::string& dir, const RotationPolicy& policy,
                                         std::uint64_t now) {
  auto result = rotateFamily(dir, family(policy, policy.prefix), now);
  if (!result.ok() || policy.companionPrefix.empty()) return result;
  auto companion = rotateFamily(dir, family(policy, policy.companionPrefix), now);
  if (!companion.ok()) return companion.error();
  for (auto& name : companion->deleted) result->deleted.push_back(std::move(name));
  for (auto& err : companion->errors) result->errors.push_back(std::move(err));
  result->awaitingExport += companion->awaitingExport;
  return result;
}

namespace {

Result<RotationResult> rotateFamily(const std::string& dir, const RotationPolicy& policy,
                                    std::uint64_t now) {
  auto listed = listHourlyFiles(dir, policy);
  if (!listed.ok()) return listed.error();
  const std::vector<std::string>& names = *listed;
  const std::string current = artefact::hourlyName(policy.prefix, now);
  const std::filesystem::path absDir = std::filesystem::absolute(dir);

  RotationResult result;
  std::optional<std::optional<LandedFiles>> landed;  // read once, only if needed
  // --max-files counts hours: both forms of one hour (a compression between its rename and the
  // removal of the .jsonl) are one file, or that moment would cost an hour before its time.
  // hourOf[i]: the index of names[i]'s hour, oldest 0.
  std::vector<std::string> stamps;
  std::vector<std::size_t> hourOf;
  for (const std::string& name : names) {
    std::string stamp = hourStampOf(name, policy);
    hourOf.push_back(hourOf.empty() ? 0 : hourOf.back() + (stamp != stamps.back() ? 1 : 0));
    stamps.push_back(std::move(stamp));
  }
  const std::size_t hours = hourOf.empty() ? 0 : hourOf.back() + 1;
  const std::size_t excess = hours > policy.maxFiles ? hours - policy.maxFiles : 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name == current) continue;
    auto hourStart = parseUtcHourStamp(stamps[i]);
    bool tooOld = static_cast<std::uint64_t>(hourStart) + 3600 + policy.maxAgeSec <= now;
    if (hourOf[i] >= excess && !tooOld) continue;
    std::string path = dir + "/" + name;
    if (!policy.exportState.empty()) {
      if (!landed) landed = landedFiles(policy.exportState);
      auto st = statOf(path);
      if (!st) continue;
      std::int64_t mtimeNs =
          static_cast<std::int64_t>(st->st_mtim.tv_sec) * 1000000000 + st->st_mtim.tv_nsec;
      // The exporter records a file by its absolute, lexically normal path.
      const std::string exported = (absDir / name).lexically_normal().string();
      if (!*landed ||
          !(*landed)->landed(exported, static_cast<std::uint64_t>(st->st_size), mtimeNs)) {
        ++result.awaitingExport;
        continue;
      }
    }
    if (remove(path, result.errors)) result.deleted.push_back(name);
  }
  return result;
}

}  // namespace

std::uint64_t artefactBytes(const std::string& dir, const RotationPolicy& policy) {
  std::uint64_t total = 0;
  if (auto st = statOf(dir + "/" + std::string(artefact::kStatusFile)))
    total += static_cast<std::uint64_t>(st->st_size);
  auto listed = listHourlyFiles(dir, policy);
  if (!listed.ok()) return total;
  for (const auto& name : *listed)
    if (auto st = statOf(dir + "/" + name)) total += static_cast<std::uint64_t>(st->st_size);
  return total;
}

BudgetResult makeRoom(const std::string& dir, const RotationPolicy& policy, std::uint64_t now,
                      std::uint64_t incoming) {
  BudgetResult r;
  if (policy.maxDiskBytes == 0) return r;
  std::uint64_t used = artefactBytes(dir, policy);
  if (used + incoming <= policy.maxDiskBytes) return r;
  auto listed = listHourlyFiles(dir, policy);
  const std::string current = artefact::hourlyName(policy.prefix, now);
  const std::string currentCompanion = policy.companionPrefix.empty()
                                           ? std::string()
                                           : artefact::hourlyName(policy.companionPrefix, now);
  if (listed.ok()) {
    for (const auto& name : *listed) {
      if (used + incoming <= policy.maxDiskBytes) break;
      if (name == current || name == currentCompanion) continue;
      std::string path = dir + "/" + name;
      auto st = statOf(path);
      if (!st) continue;
      if (!remove(path, r.errors)) continue;
      auto size = static_cast<std::uint64_t>(st->st_size);
      used -= std::min(used, size);
      r.deleted.push_back(name);
      r.deletedBytes += size;
    }
  }
  r.room = used + incoming <= policy.maxDiskBytes;
  return r;
}

}  // namespace ibsr
