#include "core/hourly_jsonl.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/append_line.h"
#include "core/artefacts.h"
#include "core/clock.h"
#include "core/log.h"

namespace ibsr {
namespace {

// A JSON string of boundedErrorText's output, which has no control characters left to escape.
std::string jsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out += '"';
}

}  // namespace

HourlyJsonlWriter::HourlyJsonlWriter(std::string dir, RotationPolicy policy)
    : dir_(std::move(dir)), policy_(std::move(policy)) {
  if (policy_.compressLevel > 0)
    compressor_ = std::make_unique<ClosedFileCompressor>(dir_, policy_);
}

std::string HourlyJsonlWriter::hourPath(std::uint64_t ts) const {
  return dir_ + "/" + artefact::hourlyName(policy_.prefix, ts);
}

std::string HourlyJsonlWriter::companionPath(std::uint64_t ts) const {
  return dir_ + "/" + artefact::hourlyName(policy_.companionPrefix, ts);
}

std::string HourlyJsonlWriter::statusPath() const {
  return dir_ + "/" + std::string(artefact::kStatusFile);
}

bool HourlyJsonlWriter::append(const std::string& path, std::string_view line) {
  // The directory may have been removed since the last cycle; an operator expects it back.
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  Status st = appendLine(path, line);
  if (st.ok()) return true;
  ++stats_.writeErrors;
  log::error("{} (collection continues; will retry next cycle)", st.error().message);
  return false;
}

// Room for the record and this cycle's heartbeat line.
bool HourlyJsonlWriter::makeRoom(std::uint64_t ts, std::size_t recordBytes) {
  constexpr std::size_t kHeartbeatReserve = 1024;
  BudgetResult r = ibsr::makeRoom(dir_, policy_, ts, recordBytes + kHeartbeatReserve);
  for (const auto& name : r.deleted)
    log::warn("disk budget of {} bytes: deleted {} (oldest first, exported or not)",
              policy_.maxDiskBytes, name);
  for (const auto& err : r.errors) log::warn("disk budget: {}", err);
  stats_.budgetDeletedFiles += r.deleted.size();
  stats_.budgetDeletedBytes += r.deletedBytes;
  if (r.room) return true;
  ++stats_.budgetDroppedLines;
  log::error("disk budget of {} bytes: no room for this cycle's {}-byte line; dropped",
             policy_.maxDiskBytes, recordBytes);
  return false;
}

bool HourlyJsonlWriter::writeCycle(std::uint64_t ts, std::string_view record,
                                   std::string_view heartbeatFields, const CycleExtras& extras) {
  ++stats_.cycle;
  const bool companion = !policy_.companionPrefix.empty() && !extras.companion.empty();
  if (compressor_) {
    compressor_->yieldFile(artefact::hourlyName(policy_.prefix, ts));
    if (companion) compressor_->yieldFile(artefact::hourlyName(policy_.companionPrefix, ts));
  }
  bool room = makeRoom(ts, record.size() + (companion ? extras.companion.size() : 0));
  const std::uint64_t before = threadCpuNs();
  bool written = room && append(hourPath(ts), record);
  stats_.lastRecordAppendCpuNs = threadCpuNs() - before;
  if (written) {
    ++stats_.recordsWritten;
    stats_.bytesWritten += record.size();
    stats_.lastWrittenTs = ts;
  }
  if (written && companion && append(companionPath(ts), extras.companion))
    ++stats_.companionWritten;
  applyRetention(ts);  // before the heartbeat, which reports what retention is waiting for
  // Taken here only, so that the metrics written after the cycle say what its heartbeat says.
  stats_.compression = compressor_ ? compressor_->stats() : recovery_;
  std::string heartbeat = fmt::format(
      "{{\"timestamp\":{},\"cycle\":{},{}{}\"snapshots_written\":{},\"write_errors\":{},"
      "\"budget_deleted_files\":{},\"budget_deleted_bytes\":{},\"budget_dropped_lines\":{},"
      "\"awaiting_export\":{},\"compress_errors\":{},\"compress_last_error\":{}{}{}}}\n",
      ts, stats_.cycle, heartbeatFields, heartbeatFields.empty() ? "" : ",", stats_.recordsWritten,
      stats_.writeErrors, stats_.budgetDeletedFiles, stats_.budgetDeletedBytes,
      stats_.budgetDroppedLines, stats_.awaitingExport, stats_.compression.errors,
      jsonString(stats_.compression.lastError), extras.heartbeatTail.empty() ? "" : ",",
      extras.heartbeatTail);
  append(statusPath(), heartbeat);
  // After the cycle's lines: compression runs beside the collection, never before a write.
  if (compressor_) {
    compressor_->poll(ts);
  } else if (!recovered_) {
    recovered_ = recoverClosedCompressionLogged(dir_, policy_, recovery_);
  }
  return written;
}

void HourlyJsonlWriter::applyRetention(std::uint64_t ts) {
  auto rotated = rotateHourlyFiles(dir_, policy_, ts);
  if (!rotated.ok()) {
    log::warn("retention skipped: {}", rotated.error().message);
    return;
  }
  for (const auto& name : rotated->deleted) log::info("retention: deleted {}", name);
  for (const auto& err : rotated->errors) log::warn("retention: {}", err);
  if (rotated->awaitingExport > stats_.awaitingExport)
    log::warn(
        "retention: {} file(s) past --max-files/--max-age-sec kept until ibsr-export has "
        "verified them in S3 ({})",
        rotated->awaitingExport, policy_.exportState);
  stats_.awaitingExport = rotated->awaitingExport;
}

}  // namespace ibsr
