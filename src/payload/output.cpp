#include "payload/output.h"

#include <fmt/format.h>
#include <filesystem>

#include "core/append_line.h"
#include "core/clock.h"
#include "core/log.h"

namespace ibsr::payload {

OutputWriter::OutputWriter(std::string outDir, RotationPolicy policy)
    : outDir_(std::move(outDir)), policy_(std::move(policy)) {}

std::string OutputWriter::payloadPath(std::uint64_t ts) const {
  return outDir_ + "/" + policy_.prefix + utcHourStamp(ts) + policy_.suffix;
}

bool OutputWriter::append(const std::string& path, const std::string& line) {
  std::error_code ec;
  std::filesystem::create_directories(outDir_, ec);
  Status st = appendLine(path, line);
  if (st.ok()) return true;
  ++writeErrors_;
  log::error("{} (collection continues; will retry next interval)", st.error().message);
  return false;
}

void OutputWriter::write(const PayloadSnapshot& s, const StatusCounters& c) {
  ++cycle_;
  if (append(payloadPath(s.tsUnixSec), snapshotLine(s))) ++snapshotsWritten_;
  std::string status = fmt::format(
      "{{\"timestamp\":{},\"cycle\":{},\"sources\":{},\"events_received\":{},"
      "\"ringbuf_drops\":{},\"flows_tracked\":{},\"flows_evicted\":{},\"flows_idle_closed\":{},"
      "\"parse_errors\":{},\"gaps\":{},\"incomplete_bodies\":{},\"unpaired_responses\":{},"
      "\"dropped_sources\":{},\"snapshots_written\":{},\"write_errors\":{}}}\n",
      s.tsUnixSec, cycle_, s.sources.size(), c.eventsReceived, c.ringbufDrops, c.flowsTracked,
      c.flowsEvicted, c.flowsIdleClosed, c.parseErrors, c.gaps, c.incompleteBodies,
      c.unpairedResponses, c.droppedSources, snapshotsWritten_, writeErrors_);
  append(statusPath(), status);

  auto rotated = rotateHourlyFiles(outDir_, policy_, s.tsUnixSec);
  if (!rotated.ok()) {
    log::warn("retention skipped: {}", rotated.error().message);
    return;
  }
  for (const auto& name : rotated->deleted) log::info("retention: deleted {}", name);
  for (const auto& err : rotated->errors) log::warn("retention: {}", err);
}

}  // namespace ibsr::payload
