// Names and creates the per-run / per-incident output directories "{tag}-{unix-ts}". Creation
// uses mkdir(2), which fails on an existing name, so a directory is never reused: a second one
// in the same second gets "{tag}-{ts}-1", then "-2", ... A name already present in the archive
// directory is skipped too, so an archived run is never overwritten by a later one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace ibsr::incident {

// "{tag}-{ts}" for suffix 0, "{tag}-{ts}-{suffix}" otherwise.
std::string runDirName(const std::string& tag, std::uint64_t ts, unsigned suffix);

// Creates a fresh run directory under outDir and returns its full path. archiveDir, if set, is
// only checked for name collisions.
Result<std::string> createRunDir(const std::string& outDir,
                                 const std::optional<std::string>& archiveDir,
                                 const std::string& tag, std::uint64_t ts);

// Creates the directory and its parents if missing and proves it writable with a probe file.
Status prepareDir(const std::string& dir, const char* what);

}  // namespace ibsr::incident
