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
      writer_(std::move(outDir), withCompanion(std::move(policy), ipv6_.has_value())),
      buffer_(dstPorts.size()) {
  std::sort(dstPorts.begin(), dstPorts.end());
  dstPorts_ = dstPorts;
  snapshot6_.dstPorts = std::move(dstPorts);
}

std::pair<std::string_view, std::string> SnapshotCycle::ipv6Part(
    std::uint64_t ts, std::vector<Counter6Entry>* entries6) {
  if (!ipv6_) return {};
  snapshot6_.tsUnixSec = ts;
  snapshot6_.buckets.clear();
  if (entries6) snapshot6_.buckets.swap(*entries6);
  canonicalize(snapshot6_.buckets);
  stats_.lastIpv6Keys = snapshot6_.buckets.size();
  stats_.lastIpv6Sources = distinctSources(snapshot6_.buckets);
  // Like the IPv4 line: written into pages that only the written part ever occupies.
  char* const begin = line6_.reserve(
      maxSnapshot6JsonSize(*ipv6_, snapshot6_.dstPorts.size(), snapshot6_.buckets.size()));
  const char* const end = writeSnapshot6Json(*ipv6_, snapshot6_, begin);
  if (entries6) {
    snapshot6_.buckets.swap(*entries6);
    if (residentBytes_ == kKeepAll)
      entries6->clear();
    else
      clearAndReleasePages(*entries6);
  }
  return {std::string_view(begin, static_cast<std::size_t>(end - begin)),
          fmt::format("\"ipv6_keys\":{},\"ipv6_sources\":{}", stats_.lastIpv6Keys,
                      stats_.lastIpv6Sources)};
}

void SnapshotCycle::run(std::uint64_t ts, CounterEntries& entries,
                        std::vector<Counter6Entry>* entries6) {
  buffer_.clear();
  buffer_.reserve(entries.size());
  for (const CounterEntry& e : entries) buffer_.push_back(e);
  if (residentBytes_ == kKeepAll)
    entries.clear();
  else
    clearAndReleasePages(entries);
  run(ts, entries6);
}

void SnapshotCycle::run(std::uint64_t ts, std::vector<Counter6Entry>* entries6) {
  // Pages of the worst-case-sized buffer that are never written are never allocated, so RSS
  // follows the real line length rather than the bound.
  const std::size_t n = buffer_.size();
  buffer_.reserve(n);
  const WrittenLine written =
      writeSortedSnapshotLine(ts, dstPorts_, buffer_.entries(), n, buffer_.bytes(),
                              buffer_.mappedBytes(), residentBytes_ != kKeepAll);
  std::string_view line(buffer_.bytes(), static_cast<std::size_t>(written.end - buffer_.bytes()));
  buffer_.clear();
  stats_.lastBuckets = n;
  stats_.lastSources = written.sources;
  stats_.lastLineBytes = line.size();

  auto [line6, tail] = ipv6Part(ts, entries6);
  writer_.writeCycle(ts, line, fmt::format("\"ips_collected\":{}", stats_.lastSources),
                     {.companion = line6, .heartbeatTail = tail});
  // Between cycles the buffers are not needed: pages beyond what is kept resident go back, and
  // the next cycle faults them in again.
  if (residentBytes_ != kKeepAll) {
    buffer_.releaseBeyond(residentBytes_);
    line6_.release(line6_.size());
  }
  const HourlyWriterStats& w = writer_.stats();
  stats_.snapshot6Written = w.companionWritten;
  stats_.cycle = w.cycle;
  stats_.snapshotsWritten = w.recordsWritten;
  stats_.writeErrors = w.writeErrors;
}

}  // namespace ibsr::collect
