// The export state file: what already landed where, so that a rerun uploads nothing unchanged.
// JSON, written atomically (temporary file, fsync, rename). A missing or corrupt file is not
// an error: the uploader then asks the bucket (HEAD) instead, so losing the state costs requests,
// never correctness. A lock file next to it keeps two runs from sharing one state.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/export_state.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr::exporter {

using ibsr::LandedObject;  // the format is core's (core/export_state.h): collectors read it too

class ExportState {
 public:
  // Destination "s3://bucket/key" -> what landed there.
  using Map = LandedObjects;

  // Parses state text; an error means the text is not a valid state (the caller warns and
  // starts empty).
  static Result<Map> parse(const std::string& text);
  static std::string serialize(const Map& objects);

  // Loads `path`. A missing file gives an empty state; a corrupt one gives an empty state and
  // sets `warning`.
  static Map load(const std::string& path, std::string& warning);
  static Status save(const std::string& path, const Map& objects);
};

// Holds an exclusive flock on `path` (created if needed) for its lifetime.
class LockFile {
 public:
  static Result<LockFile> acquire(const std::string& path);

 private:
  explicit LockFile(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace ibsr::exporter
