#include "export/key_layout.h"

#include <algorithm>
#include <initializer_list>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace ibsr::exporter {
namespace {

namespace fs = std::filesystem;

std::string_view trimSlashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

std::string joinKey(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view part : parts) {
    part = trimSlashes(part);
    if (part.empty()) continue;
    if (!key.empty()) key += '/';
    key += part;
  }
  return key;
}

// Symlinks resolved, so that two spellings of one directory compare equal.
fs::path comparable(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  if (ec) c = fs::absolute(p, ec).lexically_normal();
  if (!c.has_filename() && c.has_relative_path()) c = c.parent_path();
  return c;
}

bool within(const fs::path& inner, const fs::path& outer) {
  return std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end()).first == outer.end();
}

}  // namespace

std::string_view kindFolder(Kind kind) {
  switch (kind) {
    case Kind::Snapshot:
      return "snapshots";
    case Kind::Payload:
      return "payload";
    case Kind::Status:
      return "status";
    case Kind::Incident:
      return "incidents";
  }
  return "other";
}

std::string sourceName(const fs::path& source) {
  const std::string s = source.generic_string();
  const std::string_view trimmed = trimSlashes(s);
  const auto slash = trimmed.rfind('/');
  return std::string(slash == std::string_view::npos ? trimmed : trimmed.substr(slash + 1));
}

std::string objectKey(std::string_view prefix, std::string_view hostId, const Artefact& a) {
  const std::string source = a.kind == Kind::Status ? sourceName(a.source) : std::string();
  return joinKey({prefix, hostId, kindFolder(a.kind), source, a.relative});
}

std::string hostPrefix(std::string_view prefix, std::string_view hostId) {
  return joinKey({prefix, hostId}) + "/";
}

std::vector<std::string> overlappingSources(const std::vector<fs::path>& sources) {
  std::vector<fs::path> real;
  for (const fs::path& s : sources) real.push_back(comparable(s));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < real.size(); ++i) {
    for (std::size_t j = i + 1; j < real.size(); ++j) {
      if (real[i] == real[j]) {
        out.push_back(fmt::format("--input '{}' and --input '{}' are the same directory",
                                  sources[i].string(), sources[j].string()));
      } else if (within(real[j], real[i]) || within(real[i], real[j])) {
        const bool jInI = within(real[j], real[i]);
        out.push_back(fmt::format(
            "--input '{}' lies inside --input '{}': its files would be uploaded twice, under "
            "two keys",
            sources[jInI ? j : i].string(), sources[jInI ? i : j].string()));
      }
    }
  }
  return out;
}

std::vector<std::string> keyCollisions(std::string_view prefix, std::string_view hostId,
                                       const std::vector<Artefact>& artefacts) {
  std::vector<std::pair<std::string, std::string>> keyed;  // (key, local path)
  keyed.reserve(artefacts.size());
  for (const Artefact& a : artefacts) keyed.emplace_back(objectKey(prefix, hostId, a), a.path);
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> out;
  for (std::size_t i = 1; i < keyed.size(); ++i) {
    if (keyed[i].first != keyed[i - 1].first) continue;
    out.push_back(fmt::format("'{}' and '{}' would both be uploaded to the object key '{}'",
                              keyed[i - 1].second, keyed[i].second, keyed[i].first));
  }
  return out;
}

}  // namespace ibsr::exporter
