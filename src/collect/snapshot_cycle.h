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
#include "collect/snapshot_buffer.h"
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

  // Where the map is read before run(): the entries lie at the start of the line's buffer.
  SnapshotBuffer& entries() { return buffer_; }
  // One cycle of the entries read into entries() (left empty afterwards, capacity kept);
  // entries6 is read only when IPv6 is counted.
  void run(std::uint64_t tsUnixSec, std::vector<Counter6Entry>* entries6 = nullptr);
  // The same from entries held elsewhere (tests, benchmarks), which are left empty with their
  // capacity kept (and their pages released unless kept resident).
  void run(std::uint64_t tsUnixSec, CounterEntries& entries,
           std::vector<Counter6Entry>* entries6 = nullptr);

  // How much of the snapshot's buffer stays resident between cycles: its first `bytes` (in whole
  // huge pages); the rest goes back to the kernel after each cycle, as does the IPv6 line's
  // buffer. kReleaseAll rests at an idle collector's RSS; kKeepAll spares each cycle the
  // kernel's refilling of its memory (bench/collect/snapshot_bench measures both).
  static constexpr std::size_t kReleaseAll = 0;
  static constexpr std::size_t kKeepAll = ~std::size_t{0};
  void keepResident(std::size_t bytes) { residentBytes_ = bytes; }

  // The line's buffer, whose pages are resident between cycles only as far as kept (for tests).
  std::pair<const char*, std::size_t> lineBuffer() const {
    return {buffer_.bytes(), buffer_.mappedBytes()};
  }
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
  SnapshotBuffer buffer_;  // the entries, then the line written over them
  PageBuffer line6_;
  std::size_t residentBytes_ = kReleaseAll;
  CycleStats stats_;
};

}  // namespace ibsr::collect
