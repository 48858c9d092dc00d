#include "export/discovery.h"

#include <sys/stat.h>

#include <algorithm>
#include <system_error>

#include "core/artefacts.h"

namespace ibsr::exporter {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view baseName(std::string_view rel) {
  auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? rel : rel.substr(slash + 1);
}

}  // namespace

std::optional<Kind> classify(std::string_view rel) {
  const std::string_view name = baseName(rel);
  if (name.empty() || name.front() == '.') return std::nullopt;
  if (name == artefact::kStatusFile) return Kind::Status;
  // The IPv6 companion files are counter snapshots too, shipped under the same kind folder.
  for (std::string_view prefix : {artefact::kSnapshotPrefix, artefact::kSnapshot6Prefix})
    if (artefact::isNamed(name, prefix, artefact::kExportableJsonlSuffixes)) return Kind::Snapshot;
  if (artefact::isNamed(name, artefact::kPayloadPrefix, artefact::kExportableJsonlSuffixes))
    return Kind::Payload;
  if (name == artefact::kIncidentPcap && name.size() != rel.size()) return Kind::Incident;
  if (endsWith(name, artefact::kIncidentArchiveSuffix)) return Kind::Incident;
  return std::nullopt;
}

bool isCurrentHourFile(std::string_view name, std::time_t now) {
  const auto ts = static_cast<std::uint64_t>(now);
  for (std::string_view prefix :
       {artefact::kSnapshotPrefix, artefact::kSnapshot6Prefix, artefact::kPayloadPrefix}) {
    if (name == artefact::hourlyName(prefix, ts)) return true;
  }
  return false;
}

Discovery discover(const DiscoveryOptions& options) {
  namespace fs = std::filesystem;
  Discovery out;
  for (const fs::path& source : options.sources) {
    std::error_code ec;
    if (!fs::is_directory(source, ec)) {
      out.errors.push_back("source directory '" + source.string() +
                           "' does not exist or is not a directory");
      continue;
    }
    std::vector<Artefact> found;
    fs::recursive_directory_iterator it(source, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      // Only regular files count; symlinks could point outside the source or loop.
      if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
      const std::string rel = it->path().lexically_relative(source).generic_string();
      auto kind = classify(rel);
      if (!kind) continue;
      struct stat st {};
      if (::lstat(it->path().c_str(), &st) != 0) continue;  // vanished since listing
      Artefact a;
      a.path = it->path();
      a.source = source;
      a.relative = rel;
      a.kind = *kind;
      a.size = static_cast<std::uint64_t>(st.st_size);
      a.mtimeNs = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      a.appendOnly = *kind == Kind::Status;
      if (isCurrentHourFile(baseName(rel), options.now)) {
        a.open = true;
        a.openReason = "current hour's file";
      } else if (!a.appendOnly && st.st_mtim.tv_sec > options.now - options.minAgeSec) {
        a.open = true;
        a.openReason = "modified less than " + std::to_string(options.minAgeSec) + " s ago";
      }
      found.push_back(std::move(a));
    }
    if (ec) out.errors.push_back("cannot list '" + source.string() + "': " + ec.message());
    std::sort(found.begin(), found.end(),
              [](const Artefact& x, const Artefact& y) { return x.relative < y.relative; });
    for (auto& a : found) out.artefacts.push_back(std::move(a));
  }
  return out;
}

}  // namespace ibsr::exporter
