// One counter collection cycle, independent of BPF: given the map's entries, the v3 snapshot
// line goes to the hourly snapshot file, the heartbeat to status.jsonl, then retention runs (all
// through the core hourly writer). Kept apart from the attach/loop code so that it is
// unit-tested with a fake clock and a plain directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collect/snapshot.h"
#include "core/hourly_jsonl.h"
#include "core/rotation.h"

namespace ibsr::collect {

struct CycleStats {
  std::uint64_t cycle = 0;             // cycles completed, 1-indexed in the heartbeat
  std::uint64_t snapshotsWritten = 0;  // cumulative
  std::uint64_t writeErrors = 0;       // cumulative failed snapshot or heartbeat writes
  std::uint64_t lastBuckets = 0;
  std::uint64_t lastSources = 0;
  std::uint64_t lastLineBytes = 0;
};

class SnapshotCycle {
 public:
  SnapshotCycle(std::string outDir, std::vector<std::uint16_t> dstPorts, RotationPolicy policy);

  // Takes the entries (left empty afterwards, capacity kept for the next cycle).
  void run(std::uint64_t tsUnixSec, std::vector<CounterEntry>& entries);

  const CycleStats& stats() const { return stats_; }
  const HourlyWriterStats& writerStats() const { return writer_.stats(); }
  std::string snapshotPath(std::uint64_t tsUnixSec) const { return writer_.hourPath(tsUnixSec); }
  std::string statusPath() const { return writer_.statusPath(); }

 private:
  HourlyJsonlWriter writer_;
  Snapshot snapshot_;
  std::unique_ptr<char[]> line_;
  std::size_t lineCapacity_ = 0;
  CycleStats stats_;
};

}  // namespace ibsr::collect
