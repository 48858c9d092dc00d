#include "collect/snapshot_cycle.h"

#include <fmt/format.h>
#include <filesystem>

#include "core/append_line.h"
#include "core/clock.h"
#include "core/log.h"

namespace ibsr::collect {

SnapshotCycle::SnapshotCycle(std::string outDir, std::vector<std::uint16_t> dstPorts,
                             RotationPolicy policy)
    : outDir_(std::move(outDir)), policy_(std::move(policy)) {
  snapshot_.dstPorts = std::move(dstPorts);
}

std::string SnapshotCycle::snapshotPath(std::uint64_t ts) const {
  return outDir_ + "/" + policy_.prefix + utcHourStamp(ts) + policy_.suffix;
}

bool SnapshotCycle::write(const std::string& path, std::string_view line) {
  // The directory may have been removed since the last cycle; an operator expects it back.
  std::error_code ec;
  std::filesystem::create_directories(outDir_, ec);
  Status st = appendLine(path, line);
  if (st.ok()) return true;
  ++stats_.writeErrors;
  log::error("{} (collection continues; will retry next cycle)", st.error().message);
  return false;
}

void SnapshotCycle::run(std::uint64_t ts, std::vector<Bucket>& entries) {
  ++stats_.cycle;
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

  if (write(snapshotPath(ts), line)) ++stats_.snapshotsWritten;

  std::string status = fmt::format(
      "{{\"timestamp\":{},\"cycle\":{},\"ips_collected\":{},\"snapshots_written\":{},"
      "\"write_errors\":{}}}\n",
      ts, stats_.cycle, stats_.lastSources, stats_.snapshotsWritten, stats_.writeErrors);
  write(statusPath(), status);

  auto rotated = rotateHourlyFiles(outDir_, policy_, ts);
  if (!rotated.ok()) {
    log::warn("retention skipped: {}", rotated.error().message);
    return;
  }
  for (const auto& name : rotated->deleted) log::info("retention: deleted {}", name);
  for (const auto& err : rotated->errors) log::warn("retention: {}", err);
}

}  // namespace ibsr::collect
