// Warm-tier archive sweep (seed 004 "Retention"): every packets.pcap in a run directory of
// --out-dir whose mtime is older than --archive-after-sec is gzipped to
// {archive-dir}/{run-dir}/packets.pcap.gz. The gzip is written to a temporary name in that
// directory, fsynced and renamed into place; only then is the original removed (and its run
// directory, if nothing else is left in it). The file currently being written is never archived,
// and an existing archive is never overwritten.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace ibsr::incident {

struct SweepResult {
  std::uint64_t archived = 0;
  std::uint64_t errors = 0;
};

// `activeFile` is the full path of the pcap being written (may be empty).
SweepResult archiveSweep(const std::string& outDir, const std::string& archiveDir,
                         std::uint64_t afterSec, std::uint64_t nowUnix,
                         const std::string& activeFile);

// Gzips `src` into `dst` (temporary name + rename); `dst` must not exist.
Status gzipFile(const std::string& src, const std::string& dst);

}  // namespace ibsr::incident
