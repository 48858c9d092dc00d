#include "incident/archiver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "core/artefacts.h"
#include "core/log.h"
#include "core/unique_fd.h"

namespace ibsr::incident {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

}  // namespace

Status gzipFile(const std::string& src, const std::string& dst) {
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in.valid()) return sysError("cannot open '" + src + "'");
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return sysError("cannot stat '" + src + "'");
  if (!S_ISREG(st.st_mode)) return plainError("'" + src + "' is not a regular file");
  struct stat existing {};
  if (::lstat(dst.c_str(), &existing) == 0)
    return plainError("archive '" + dst + "' already exists; not overwriting it");

  std::string tmp = dst + ".tmp." + std::to_string(::getpid());
  UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!out.valid()) return sysError("cannot create '" + tmp + "'");
  int gzFd = ::dup(out.get());
  gzFile gz = gzFd >= 0 ? ::gzdopen(gzFd, "wb6") : nullptr;
  if (!gz) {
    if (gzFd >= 0) ::close(gzFd);
    ::unlink(tmp.c_str());
    return plainError("cannot start gzip stream for '" + tmp + "'");
  }
  std::vector<char> buf(1 << 16);
  std::uint64_t total = 0;
  bool ok = true;
  std::string why;
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      why = sysError("cannot read '" + src + "'").message;
      break;
    }
    if (n == 0) break;
    if (::gzwrite(gz, buf.data(), static_cast<unsigned>(n)) != static_cast<int>(n)) {
      ok = false;
      why = "cannot write '" + tmp + "'";
      break;
    }
    total += static_cast<std::uint64_t>(n);
  }
  if (::gzclose(gz) != Z_OK && ok) {
    ok = false;
    why = "cannot finish '" + tmp + "'";
  }
  // The source may have grown (it should not: it is closed) or shrunk under us: then the
  // archive would not be the whole file, so it does not count.
  if (ok && total != static_cast<std::uint64_t>(st.st_size)) {
    ok = false;
    why = "'" + src + "' changed size while it was archived";
  }
  if (ok && ::fsync(out.get()) != 0) {
    ok = false;
    why = sysError("cannot fsync '" + tmp + "'").message;
  }
  if (ok && ::rename(tmp.c_str(), dst.c_str()) != 0) {
    ok = false;
    why = sysError("cannot rename '" + tmp + "' to '" + dst + "'").message;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return plainError(why);
  }
  return {};
}

SweepResult archiveSweep(const std::string& outDir, const std::string& archiveDir,
                         std::uint64_t afterSec, std::uint64_t nowUnix,
                         const std::string& activeFile) {
  SweepResult r;
  std::unique_ptr<DIR, DirCloser> dir(::opendir(outDir.c_str()));
  if (!dir) {
    log::warn("archive sweep: cannot read '{}': {}", outDir, std::strerror(errno));
    ++r.errors;
    return r;
  }
  std::vector<std::string> names;
  // Bounded by the directory's size; readdir never loops.
  while (dirent* e = ::readdir(dir.get())) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    names.push_back(std::move(name));
  }
  for (const auto& name : names) {
    std::string runDir = outDir + "/" + name;
    struct stat ds {};
    if (::lstat(runDir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode)) continue;
    std::string pcap = runDir + "/" + std::string(artefact::kIncidentPcap);
    if (pcap == activeFile) continue;
    struct stat ps {};
    if (::lstat(pcap.c_str(), &ps) != 0 || !S_ISREG(ps.st_mode)) continue;
    std::uint64_t mtime = static_cast<std::uint64_t>(ps.st_mtim.tv_sec);
    if (mtime + afterSec > nowUnix) continue;

    std::string destDir = archiveDir + "/" + name;
    if (::mkdir(destDir.c_str(), 0750) != 0 && errno != EEXIST) {
      log::warn("archive sweep: cannot create '{}': {}", destDir, std::strerror(errno));
      ++r.errors;
      continue;
    }
    std::string dest = destDir + "/" + std::string(artefact::kIncidentPcap) + ".gz";
    if (Status st = gzipFile(pcap, dest); !st.ok()) {
      log::warn("archive sweep: {}", st.error().message);
      ++r.errors;
      continue;
    }
    if (::unlink(pcap.c_str()) != 0) {
      log::warn("archive sweep: archived '{}' but cannot remove it: {}", pcap,
                std::strerror(errno));
      ++r.errors;
      continue;
    }
    ::rmdir(runDir.c_str());  // fails harmlessly while status.jsonl or anything else is there
    log::info("archived {} to {}", pcap, dest);
    ++r.archived;
  }
  return r;
}

}  // namespace ibsr::incident
