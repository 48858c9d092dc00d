// The export state file (version 1): what ibsr-export verified as landed in S3, per destination.
// ibsr-export writes it (src/export/state.cpp: atomically, under a lock); the collectors read
// it so that retention never deletes an artefact that has not left the host (DESIGN.md §12).
// The format is defined here, once, for both.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/result.h"

namespace ibsr {

struct LandedObject {
  std::string path;  // local file it came from (absolute, lexically normal)
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
  std::string sha256;  // hex, of the bytes uploaded
  std::string etag;    // as verified after upload
};

// Destination "s3://bucket/key" -> what landed there.
using LandedObjects = std::map<std::string, LandedObject>;

// An error means the text is not a valid version-1 state.
Result<LandedObjects> parseExportState(const std::string& text);
std::string serializeExportState(const LandedObjects& objects);

// The local files a state records as landed, by path, as they were when they landed.
class LandedFiles {
 public:
  // A missing file is an empty set (nothing exported yet); an unreadable or corrupt one is an
  // error (the caller then deletes nothing it would need the state for).
  static Result<LandedFiles> load(const std::string& statePath);

  // Whether `path` (absolute, lexically normal) landed with exactly this size and mtime: a file
  // that changed after its upload has not landed as it is now.
  bool landed(const std::string& path, std::uint64_t size, std::int64_t mtimeNs) const;

 private:
  std::map<std::string, std::pair<std::uint64_t, std::int64_t>> byPath_;
};

}  // namespace ibsr
