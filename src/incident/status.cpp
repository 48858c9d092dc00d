#include "incident/status.h"

#include <fmt/format.h>

namespace ibsr::incident {

std::string formatStatusLine(std::uint64_t timestamp, const IncidentStats& s) {
  return fmt::format(
      "{{\"timestamp\":{},\"cycle\":{},\"events_written\":{},\"events_decode_errors\":{},"
      "\"events_write_errors\":{},\"events_scrubbed\":{},\"rotations\":{},"
      "\"size_driven_rotations\":{},\"poll_errors\":{},\"archived\":{},\"archive_errors\":{},"
      "\"ringbuf_drops\":{},\"budget_deleted_files\":{},\"budget_deleted_bytes\":{},"
      "\"disk_bytes\":{}}}\n",
      timestamp, s.cycle, s.eventsWritten, s.eventsDecodeErrors, s.eventsWriteErrors,
      s.eventsScrubbed, s.rotations, s.sizeDrivenRotations, s.pollErrors, s.archived,
      s.archiveErrors, s.ringbufDrops, s.budgetDeletedFiles, s.budgetDeletedBytes, s.diskBytes);
}

}  // namespace ibsr::incident
