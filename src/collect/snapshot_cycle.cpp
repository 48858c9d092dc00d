#include "collect/snapshot_cycle.h"

#include <fmt/format.h>

namespace ibsr::collect {

SnapshotCycle::SnapshotCycle(std::string outDir, std::vector<std::uint16_t> dstPorts,
                             RotationPolicy policy)
    : writer_(std::move(outDir), std::move(policy)) {
  snapshot_.dstPorts = std::move(dstPorts);
}

void SnapshotCycle::run(std::uint64_t ts, std::vector<CounterEntry>& entries) {
  snapshot_.tsUnixSec = ts;
  snapshot_.buckets.swap(entries);
  canonicalize(snapshot_);
  std::size_t need = maxSnapshotJsonSize(snapshot_);
  if (lineCapacity_ < need) {
    // Uninitialised on purpose: the pages of a worst-case-sized buffer that are never written
    // stay unallocated, so RSS follows the real line length rather than the bound.
    line_.reset(new char[need]);
    lineCapacity_ = need;
  }
  std::string_view line(line_.get(), static_cast<std::size_t>(
                                         writeSnapshotJson(snapshot_, line_.get()) - line_.get()));
  stats_.lastBuckets = snapshot_.buckets.size();
  stats_.lastSources = distinctSources(snapshot_);
  stats_.lastLineBytes = line.size();
  snapshot_.buckets.swap(entries);
  entries.clear();

  writer_.writeCycle(ts, line, fmt::format("\"ips_collected\":{}", stats_.lastSources));
  const HourlyWriterStats& w = writer_.stats();
  stats_.cycle = w.cycle;
  stats_.snapshotsWritten = w.recordsWritten;
  stats_.writeErrors = w.writeErrors;
}

}  // namespace ibsr::collect
