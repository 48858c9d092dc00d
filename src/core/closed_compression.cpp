#include "core/closed_compression.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "core/artefacts.h"
#include "core/unique_fd.h"

namespace ibsr {
namespace {

constexpr std::string_view kTempSuffix = ".zst.tmp";

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status syncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return sysError("cannot fsync '" + dir + "'");
  return {};
}

// Step 4, also recovery's: X.jsonl goes only when X.jsonl.zst holds exactly its bytes.
Status dropRedundantOriginal(const std::string& dir, const std::string& name,
                             const std::atomic<bool>* stop) {
  const std::string plain = dir + "/" + name, zst = plain + ".zst";
  auto same = zstdSameContent(zst, plain, stop);
  if (!same.ok()) return same.error();
  if (!*same)
    return plainError("'" + zst + "' and '" + plain +
                      "' hold different lines; both kept (was the clock set back into a "
                      "compressed hour?)");
  if (::unlink(plain.c_str()) != 0 && errno != ENOENT)
    return sysError("cannot delete '" + plain + "'");
  return syncDir(dir);
}

// ".PREFIX*.jsonl.zst.tmp" of either family, whether or not its .jsonl is still there.
std::vector<std::string> leftoverTemps(const std::string& dir, const RotationPolicy& policy) {
  std::vector<std::string> temps;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return temps;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() < 2 || name[0] != '.' || !endsWith(name, kTempSuffix)) continue;
    std::string_view inner = name.substr(1, name.size() - 1 - kTempSuffix.size());
    for (const std::string& prefix : {policy.prefix, policy.companionPrefix})
      if (!prefix.empty() && inner.substr(0, prefix.size()) == prefix &&
          endsWith(inner, artefact::kHourlySuffix)) {
        temps.emplace_back(name);
        break;
      }
  }
  ::closedir(d);
  return temps;
}

}  // namespace

std::string compressionTempName(const std::string& name) {
  return "." + name + std::string(kTempSuffix);
}

Result<ZstdCopy> compressClosedFile(const std::string& dir, const std::string& name, int level,
                                    const std::atomic<bool>* stop, CompressStep stopAfter) {
  const std::string plain = dir + "/" + name, zst = plain + ".zst";
  const std::string temp = dir + "/" + compressionTempName(name);
  if (exists(zst)) {
    if (auto s = dropRedundantOriginal(dir, name, stop); !s.ok()) return s.error();
    return ZstdCopy{};
  }
  struct stat before {};
  if (::stat(plain.c_str(), &before) != 0) return sysError("cannot stat '" + plain + "'");
  ::unlink(temp.c_str());  // a leftover of an interrupted run
  UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out.valid()) return sysError("cannot create '" + temp + "'");
  auto fail = [&](Error e) -> Result<ZstdCopy> {
    ::unlink(temp.c_str());
    return e;
  };
  auto copy = zstdCompressFile(plain, out.get(), level, stop);
  if (!copy.ok()) return fail(copy.error());
  if (stopAfter == CompressStep::TempWritten) return copy;
  // The original's mtime: the time of its last line, as `ls -l` showed before compression.
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  if (::futimens(out.get(), times) != 0 || ::fsync(out.get()) != 0)
    return fail(sysError("cannot sync '" + temp + "'"));
  out.reset();
  if (stopAfter == CompressStep::TempSynced) return copy;
  auto same = zstdSameContent(temp, plain, stop);
  if (!same.ok()) return fail(same.error());
  if (!*same) return fail(plainError("'" + plain + "' changed while it was compressed; kept"));
  if (::rename(temp.c_str(), zst.c_str()) != 0)
    return fail(sysError("cannot rename '" + temp + "' to '" + zst + "'"));
  if (stopAfter == CompressStep::Renamed) return copy;
  if (auto s = syncDir(dir); !s.ok()) return s.error();
  if (stopAfter == CompressStep::DirSynced) return copy;
  if (::unlink(plain.c_str()) != 0 && errno != ENOENT)
    return sysError("cannot delete '" + plain + "'");
  if (auto s = syncDir(dir); !s.ok()) return s.error();
  return copy;
}

CompressionRecovery recoverClosedCompression(const std::string& dir, const RotationPolicy& policy) {
  CompressionRecovery r;
  auto listed = listHourlyFiles(dir, policy);
  if (!listed.ok()) {
    r.errors.push_back(listed.error().message);
    r.listed = false;
    return r;
  }
  const std::vector<std::string>& names = *listed;
  const std::set<std::string> present(names.begin(), names.end());
  for (const auto& temp : leftoverTemps(dir, policy)) {
    if (::unlink((dir + "/" + temp).c_str()) == 0 || errno == ENOENT)
      r.removed.push_back(temp);
    else
      r.errors.push_back(sysError("cannot delete '" + dir + "/" + temp + "'").message);
  }
  for (const auto& name : names) {
    if (!endsWith(name, artefact::kHourlySuffix)) continue;
    if (!present.count(name + ".zst")) continue;
    if (auto s = dropRedundantOriginal(dir, name, nullptr); s.ok())
      r.removed.push_back(name);
    else
      r.errors.push_back(s.error().message);
  }
  return r;
}

std::vector<std::string> closedUncompressed(const std::string& dir, const RotationPolicy& policy,
                                            std::uint64_t now) {
  std::vector<std::string> out;
  auto listed = listHourlyFiles(dir, policy);
  if (!listed.ok()) return out;
  const std::string current = artefact::hourlyName(policy.prefix, now);
  const std::string currentCompanion = policy.companionPrefix.empty()
                                           ? std::string()
                                           : artefact::hourlyName(policy.companionPrefix, now);
  const std::set<std::string> present(listed->begin(), listed->end());
  for (const auto& name : *listed) {
    if (name == current || name == currentCompanion) continue;
    if (!endsWith(name, artefact::kHourlySuffix) || present.count(name + ".zst")) continue;
    out.push_back(name);
  }
  return out;
}

}  // namespace ibsr
