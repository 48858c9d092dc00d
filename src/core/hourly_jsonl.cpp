#include "core/hourly_jsonl.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/append_line.h"
#include "core/artefacts.h"
#include "core/log.h"

namespace ibsr {

HourlyJsonlWriter::HourlyJsonlWriter(std::string dir, RotationPolicy policy)
    : dir_(std::move(dir)), policy_(std::move(policy)) {}

std::string HourlyJsonlWriter::hourPath(std::uint64_t ts) const {
  return dir_ + "/" + artefact::hourlyName(policy_.prefix, ts);
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

bool HourlyJsonlWriter::writeCycle(std::uint64_t ts, std::string_view record,
                                   std::string_view heartbeatFields) {
  ++stats_.cycle;
  bool written = append(hourPath(ts), record);
  if (written) ++stats_.recordsWritten;
  std::string heartbeat = fmt::format(
      "{{\"timestamp\":{},\"cycle\":{},{}{}\"snapshots_written\":{},\"write_errors\":{}}}\n", ts,
      stats_.cycle, heartbeatFields, heartbeatFields.empty() ? "" : ",", stats_.recordsWritten,
      stats_.writeErrors);
  append(statusPath(), heartbeat);
  applyRetention(ts);
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
}

}  // namespace ibsr
