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
    entries6->clear();
  }
  return {std::move(line), fmt::format("\"ipv6_keys\":{},\"ipv6_sources\":{}", stats_.lastIpv6Keys,
                                       stats_.lastIpv6Sources)};
}

void SnapshotCycle::run(std::uint64_t ts, std::vector<CounterEntry>& entries,
                        std::vector<Counter6Entry>* entries6) {
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

  auto [line6, tail] = ipv6Part(ts, entries6);
  writer_.writeCycle(ts, line, fmt::format("\"ips_collected\":{}", stats_.lastSources),
                     {.companion = line6, .heartbeatTail = tail});
  const HourlyWriterStats& w = writer_.stats();
  stats_.snapshot6Written = w.companionWritten;
  stats_.cycle = w.cycle;
  stats_.snapshotsWritten = w.recordsWritten;
  stats_.writeErrors = w.writeErrors;
}

}  // namespace ibsr::collect
