// Retention of hourly artefact files named PREFIX + "YYYYMMDDHH" + ".jsonl" in one directory.
// Only files matching that exact pattern are ever considered, so nothing else in the directory
// (status.jsonl, an operator's notes) can be deleted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/artefacts.h"
#include "core/result.h"

namespace ibsr {

struct RotationPolicy {
  std::string prefix{artefact::kSnapshotPrefix};
  std::uint64_t maxFiles = 3600;
  std::uint64_t maxAgeSec = 86400;
};

struct RotationResult {
  std::vector<std::string> deleted;  // file names, oldest first
  std::vector<std::string> errors;   // one message per file that could not be deleted
};

// Sorted (oldest first) names of the hourly files in dir.
Result<std::vector<std::string>> listHourlyFiles(const std::string& dir,
                                                 const RotationPolicy& policy);

// Deletes, oldest first, files beyond maxFiles and files whose hour ended more than maxAgeSec
// before now (the age of a file is that of its newest possible line, derived from its name, so
// it does not depend on mtime). The file of the current hour is never deleted.
Result<RotationResult> rotateHourlyFiles(const std::string& dir, const RotationPolicy& policy,
                                         std::uint64_t now);

}  // namespace ibsr
