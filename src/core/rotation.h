// Retention of hourly artefact files named PREFIX + "YYYYMMDDHH" + ".jsonl" in one directory,
// and of their compressed form ".jsonl.zst" (core/closed_compression.h): both count alike.
// Only files matching that exact pattern are ever considered, so nothing else in the directory
// (status.jsonl, an operator's notes) can be deleted, and the current hour's file never is.
// Two independent limits:
//  - count/age retention (--max-files, --max-age-sec): with export configured it deletes only files
//    the exporter's verified state records as landed; the others wait for the exporter;
//  - the disk budget (--max-disk-bytes): a hard limit on the bytes of this artefact's hourly
//    files plus status.jsonl; to stay under it the oldest closed files go first, exported or
//    not, and the caller counts the loss.
// An artefact may have a companion family (RotationPolicy::companionPrefix: collect's IPv6
// snapshot6_ files beside its snapshot_ files): --max-files and --max-age-sec apply to each
// family on its own, and the disk budget to both together, the oldest hour of either going first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/artefacts.h"
#include "core/result.h"

namespace ibsr {

struct RotationPolicy {
  std::string prefix{artefact::kSnapshotPrefix};
  // A second hourly family written in the same cycles (empty: none).
  std::string companionPrefix;
  std::uint64_t maxFiles = 3600;
  std::uint64_t maxAgeSec = 86400;
  // ibsr-export's --state-file; empty: no export, count/age retention deletes as it finds.
  std::string exportState;
  // 0: no budget.
  std::uint64_t maxDiskBytes = 0;
  // zstd level for closed hourly files (core/closed_compression.h); 0: leave them as written.
  int compressLevel = 0;
};

struct RotationResult {
  std::vector<std::string> deleted;  // file names, oldest first
  std::vector<std::string> errors;   // one message per file that could not be deleted
  // Files count/age retention would delete but that have not landed in S3 yet.
  std::uint64_t awaitingExport = 0;
};

// Sorted (oldest first, then by name) names of the hourly files of both families in dir.
Result<std::vector<std::string>> listHourlyFiles(const std::string& dir,
                                                 const RotationPolicy& policy);

// Deletes, oldest first, files beyond maxFiles and files whose hour ended more than maxAgeSec
// before now (the age of a file is that of its newest possible line, derived from its name, so
// it does not depend on mtime), except files not yet exported when policy.exportState is set.
Result<RotationResult> rotateHourlyFiles(const std::string& dir, const RotationPolicy& policy,
                                         std::uint64_t now);

struct BudgetResult {
  std::vector<std::string> deleted;  // oldest first
  std::uint64_t deletedBytes = 0;
  std::vector<std::string> errors;
  bool room = true;  // false: `incoming` does not fit even with every closed file gone
};

// Bytes this policy's artefact occupies in dir: its hourly files (both families) and
// status.jsonl.
std::uint64_t artefactBytes(const std::string& dir, const RotationPolicy& policy);

// Deletes the oldest closed hourly files until `incoming` more bytes fit in maxDiskBytes.
BudgetResult makeRoom(const std::string& dir, const RotationPolicy& policy, std::uint64_t now,
                      std::uint64_t incoming);

}  // namespace ibsr
