// Total disk budget of record-incident (--max-disk-bytes): everything under --out-dir and
// --archive-dir counts (run directories, status files, the pcap being written, archives).
// Enforcement makes room for the file being written to reach --max-pcap-bytes (and, with an
// archive, for one archive being written), so disk use stays within the budget until the next
// enforcement: closed artefacts are deleted, archives first,
// then closed pcaps, each group oldest first (mtime, then name). The pcap being written and the
// status files are never deleted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ibsr::incident {

// Room kept for the heartbeat lines written between two enforcements (about 350 bytes each).
inline constexpr std::uint64_t kStatusSlackBytes = 4096;

// Room kept, with --archive-dir, for the archiver's temporary .gz while the original still
// exists: one pcap of the cap's size, plus deflate's worst-case growth of incompressible data
// (about 0.03 %, rounded up generously) and the gzip header.
constexpr std::uint64_t archiveRoom(std::uint64_t maxPcapBytes) {
  return maxPcapBytes + maxPcapBytes / 256 + 1024;
}

struct DiskBudget {
  std::string outDir;
  std::optional<std::string> archiveDir;
  std::uint64_t maxBytes = 0;
  std::uint64_t maxPcapBytes = 0;
};

struct BudgetResult {
  std::uint64_t deletedFiles = 0;
  std::uint64_t deletedBytes = 0;
  std::uint64_t usageBytes = 0;  // after the deletions
};

// Sum of the sizes (st_size) of the regular files in the budget's directories and in their
// subdirectories (one level: the run directories); a file is counted once even if both
// directories reach it.
std::uint64_t diskUsage(const DiskBudget& b);

// `activeFile` is the full path of the pcap being written, or empty between two files.
BudgetResult enforceDiskBudget(const DiskBudget& b, const std::string& activeFile);

}  // namespace ibsr::incident
