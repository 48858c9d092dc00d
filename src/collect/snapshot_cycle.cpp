#include "collect/snapshot_cycle.h"

#include <fmt/format.h>

#include <algorithm>

namespace ibsr::collect {

namespace {

RotationPolicy withCompanion(RotationPolicy policy, bool ipv6) {
  if (ipv6) policy.companionPrefix = artefact::kSnapshot6Prefix;
  return policy;
}

}  // namespace

SnapshotCycle::SnapshotCycle(std::string outDir, std::vector<std::uint16_t> dstPorts,
                             RotationPolicy policy, std::optional<Snapshot6Run> ipv6)
    : ipv6_(std::move(ipv6)),
      writer_(std::move(outDir), withCompanion(std::move(policy), ipv6_.has_value())) {
  snapshot_.dstPorts = std::move(dstPorts);
  snapshot6_.dstPorts = snapshot_.dstPorts;
  std::sort(snapshot6_.dstPorts.begin(), snapshot6_.dstPorts.end());
}

std::pair<std::string, std::string> SnapshotCycle::ipv6Part(std::uint64_t ts,
                                                            std::vector<Counter6Entry>* entries6) {
  if (!ipv6_) return {};
  snapshot6_.tsUnixSec = ts;
  snapshot6_.buckets.clear();
  if (entries6) snapshot6_.buckets.swap(*entries6);
  canonicalize(snapshot6_.buckets);
  stats_.lastIpv6Keys = snapshot6_.buckets.size();
  stats_.lastIpv6Sources = distinctSources(snapshot6_.buckets);
  std::string line = snapshot6Json(*ipv6_, snapshot6_);
  if (entries6) {
    snapshot6_.buckets.swap(*entries6);
    clearAndReleasePages(*entries6);
  }
  return {std::move(line), fmt::format("\"ipv6_keys\":{},\"ipv6_sources\":{}", stats_.lastIpv6Keys,
                                       stats_.lastIpv6Sources)};
}

void SnapshotCycle::run(std::uint64_t ts, CounterEntries& entries,
                        std::vector<Counter6Entry>* entries6) {
  snapshot_.tsUnixSec = ts;
  snapshot_.buckets.swap(entries);
  canonicalize(snapshot_);
  stats_.lastBuckets = snapshot_.buckets.size();
  stats_.lastSources = distinctSources(snapshot_);
  // Pages of the worst-case-sized buffer that are never written are never allocated, so RSS
  // follows the real line length rather than the bound.
  char* const begin = line_.reserve(maxSnapshotJsonSize(snapshot_));
  // The buckets are formatted a slice at a time and each whole 2 MB block of them (the storage
  // starts at a huge-page boundary) goes back to the kernel once written out: the entries and the
  // whole line (which one write() needs) are never resident together.
  constexpr std::size_t kSlice = 16384;
  const std::size_t n = snapshot_.buckets.size();
  char* const entriesBegin = reinterpret_cast<char*>(snapshot_.buckets.data());
  std::size_t released = 0;
  char* end = writeSnapshotHead(snapshot_, begin);
  for (std::size_t i = 0; i < n; i += kSlice) {
    const std::size_t count = std::min(kSlice, n - i);
    end = writeSnapshotBuckets(snapshot_, i, count, end);
    const std::size_t done = (i + count) * sizeof(CounterEntry) / kHugePageBytes * kHugePageBytes;
    if (done > released && !keepPages_) {
      releasePages(entriesBegin + released, done - released);
      released = done;
    }
  }
  end = writeSnapshotTail(end);
  std::string_view line(begin, static_cast<std::size_t>(end - begin));
  stats_.lastLineBytes = line.size();
  snapshot_.buckets.swap(entries);
  if (keepPages_)
    entries.clear();
  else
    clearAndReleasePages(entries);

  auto [line6, tail] = ipv6Part(ts, entries6);
  writer_.writeCycle(ts, line, fmt::format("\"ips_collected\":{}", stats_.lastSources),
                     {.companion = line6, .heartbeatTail = tail});
  // Between cycles the line's pages are not needed: the next cycle faults them back in.
  if (!keepPages_) line_.release(line.size());
  const HourlyWriterStats& w = writer_.stats();
  stats_.snapshot6Written = w.companionWritten;
  stats_.cycle = w.cycle;
  stats_.snapshotsWritten = w.recordsWritten;
  stats_.writeErrors = w.writeErrors;
}

}  // namespace ibsr::collect
