#include "incident/disk_budget.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "core/artefacts.h"
#include "core/log.h"

namespace ibsr::incident {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Calls `f(path, stat)` for every entry of `dir` except "." and "..", without following links.
void forEachEntry(const std::string& dir,
                  const std::function<void(const std::string&, const struct stat&)>& f) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) f(path, st);
  }
}

struct Candidate {
  std::string path;
  std::uint64_t bytes;
  std::int64_t mtime;
};

// `{root}/*/{file}`, oldest first; `skip` is never listed.
std::vector<Candidate> closedFiles(const std::string& root, const std::string& file,
                                   const std::string& skip) {
  std::vector<Candidate> out;
  forEachEntry(root, [&](const std::string& runDir, const struct stat& ds) {
    if (!S_ISDIR(ds.st_mode)) return;
    std::string path = runDir + "/" + file;
    struct stat st {};
    if (path == skip || ::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    out.push_back({path, static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec});
  });
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.mtime, a.path) < std::tie(b.mtime, b.path);
  });
  return out;
}

std::uint64_t fileSize(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

std::uint64_t diskUsage(const DiskBudget& b) {
  std::set<std::pair<dev_t, ino_t>> seen;
  std::uint64_t total = 0;
  auto count = [&](const struct stat& st) {
    if (S_ISREG(st.st_mode) && seen.emplace(st.st_dev, st.st_ino).second)
      total += static_cast<std::uint64_t>(st.st_size);
  };
  auto walk = [&](const std::string& root) {
    forEachEntry(root, [&](const std::string& path, const struct stat& st) {
      count(st);
      if (S_ISDIR(st.st_mode))
        forEachEntry(path, [&](const std::string&, const struct stat& inner) { count(inner); });
    });
  };
  walk(b.outDir);
  if (b.archiveDir) walk(*b.archiveDir);
  return total;
}

BudgetResult enforceDiskBudget(const DiskBudget& b, const std::string& activeFile) {
  BudgetResult r;
  r.usageBytes = diskUsage(b);
  // Room for the active file to grow to its cap (a new file when there is none).
  std::uint64_t active = fileSize(activeFile);
  std::uint64_t headroom = (b.maxPcapBytes > active ? b.maxPcapBytes - active : 0) +
                           kStatusSlackBytes + (b.archiveDir ? archiveRoom(b.maxPcapBytes) : 0);
  auto over = [&] { return r.usageBytes + headroom > b.maxBytes; };
  if (!over()) return r;

  std::vector<Candidate> order;
  if (b.archiveDir)
    order = closedFiles(*b.archiveDir, std::string(artefact::kIncidentPcap) + ".gz", activeFile);
  auto pcaps = closedFiles(b.outDir, std::string(artefact::kIncidentPcap), activeFile);
  order.insert(order.end(), pcaps.begin(), pcaps.end());
  for (const auto& c : order) {
    if (!over()) break;
    if (::unlink(c.path.c_str()) != 0) {
      log::warn("disk budget: cannot delete '{}': {}", c.path, std::strerror(errno));
      continue;
    }
    // The run directory goes too once it is empty (status.jsonl keeps it otherwise).
    ::rmdir(c.path.substr(0, c.path.rfind('/')).c_str());
    ++r.deletedFiles;
    r.deletedBytes += c.bytes;
    r.usageBytes -= std::min(r.usageBytes, c.bytes);
    log::warn("disk budget: deleted '{}' ({} bytes) to stay within --max-disk-bytes {}", c.path,
              c.bytes, b.maxBytes);
  }
  if (over())
    log::warn(
        "disk budget: {} bytes in use plus {} kept free for the files being written exceed "
        "--max-disk-bytes {} and nothing closed is left to delete",
        r.usageBytes, headroom, b.maxBytes);
  return r;
}

}  // namespace ibsr::incident
