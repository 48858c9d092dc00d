// One counter collection cycle, independent of BPF: given the map's entries, the v3 snapshot
// line goes to the hourly snapshot file, the IPv6 map's line (when IPv6 is counted) to the
// companion snapshot6_ file with the same timestamp, the heartbeat to status.jsonl, then
// retention runs (all through the core hourly writer). Kept apart from the attach/loop code so that
// it is unit-tested with a fake clock and a plain directory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collect/snapshot.h"
#include "collect/snapshot6.h"
#include "core/hourly_jsonl.h"
#include "core/page_release.h"
#include "core/rotation.h"

namespace ibsr::collect {

struct CycleStats {
  std::uint64_t cycle = 0;             // cycles completed, 1-indexed in the heartbeat
  std::uint64_t snapshotsWritten = 0;  // cumulative
  std::uint64_t writeErrors = 0;       // cumulative failed snapshot or heartbeat writes
  std::uint64_t lastBuckets = 0;
  std::uint64_t lastSources = 0;
  std::uint64_t lastLineBytes = 0;
  std::uint64_t lastIpv6Keys = 0;      // entries of the IPv6 map this cycle
  std::uint64_t lastIpv6Sources = 0;   // distinct IPv6 source prefixes among them
  std::uint64_t snapshot6Written = 0;  // cumulative snapshot6_ lines
};

class SnapshotCycle {
 public:
  // ipv6: the run's constants when IPv6 sources are counted; then every cycle writes a snapshot6_
  // line (even with no IPv6 bucket, so a reader sees each cycle of both families).
  SnapshotCycle(std::string outDir, std::vector<std::uint16_t> dstPorts, RotationPolicy policy,
                std::optional<Snapshot6Run> ipv6 = std::nullopt);

  // Takes the entries (left empty afterwards, capacity kept for the next cycle); entries6 is
  // read only when IPv6 is counted.
  void run(std::uint64_t tsUnixSec, CounterEntries& entries,
           std::vector<Counter6Entry>* entries6 = nullptr);

  // By default the entries' and the line's pages go back to the kernel every cycle (RSS at rest
  // stays that of an idle collector); true keeps them resident, trading memory for the cost of
  // faulting them back in (bench/collect/snapshot_bench measures both).
  void keepPagesResident(bool keep) { keepPages_ = keep; }

  // The line's buffer, whose pages are resident between cycles only when kept (for tests).
  std::pair<const char*, std::size_t> lineBuffer() const { return {line_.data(), line_.size()}; }
  std::pair<const char*, std::size_t> line6Buffer() const { return {line6_.data(), line6_.size()}; }

  const CycleStats& stats() const { return stats_; }
  const HourlyWriterStats& writerStats() const { return writer_.stats(); }
  std::string snapshotPath(std::uint64_t tsUnixSec) const { return writer_.hourPath(tsUnixSec); }
  std::string statusPath() const { return writer_.statusPath(); }
  bool ipv6() const { return ipv6_.has_value(); }

 private:
  // The IPv6 line and the heartbeat tail naming its counts (both empty without IPv6).
  std::pair<std::string_view, std::string> ipv6Part(std::uint64_t ts,
                                                    std::vector<Counter6Entry>* entries6);

  std::optional<Snapshot6Run> ipv6_;
  HourlyJsonlWriter writer_;
  std::vector<std::uint16_t> dstPorts_;  // ascending
  Snapshot6 snapshot6_;
  PageBuffer line_;
  PageBuffer line6_;
  bool keepPages_ = false;
  CycleStats stats_;
};

}  // namespace ibsr::collect
