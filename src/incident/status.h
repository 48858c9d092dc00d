// Counters of a record-incident run and their status.jsonl line: exactly seed 004's fields, in
// its order, plus "ringbuf_drops" (samples the kernel could not queue because the ring buffer
// was full; summed over CPUs, cumulative since start like every other counter) and the disk
// budget's "budget_deleted_files", "budget_deleted_bytes" (cumulative) and "disk_bytes" (a gauge).
#pragma once

#include <cstdint>
#include <string>

namespace ibsr::incident {

struct IncidentStats {
  std::uint64_t cycle = 0;                // status lines written so far, this one included
  std::uint64_t eventsWritten = 0;        // pcap records written
  std::uint64_t eventsDecodeErrors = 0;   // ring-buffer records that were not a valid event
  std::uint64_t eventsWriteErrors = 0;    // records lost to a failed write or no open file
  std::uint64_t eventsScrubbed = 0;       // records dropped by --scrub-internal-subnet
  std::uint64_t rotations = 0;            // every new pcap after the first (trigger or size)
  std::uint64_t sizeDrivenRotations = 0;  // of those, caused by --max-pcap-bytes
  std::uint64_t pollErrors = 0;           // failed poll / ring-buffer consume calls
  std::uint64_t archived = 0;             // pcaps gzipped into --archive-dir
  std::uint64_t archiveErrors = 0;        // pcaps the sweep failed to archive
  std::uint64_t ringbufDrops = 0;         // kernel: ring buffer full
  std::uint64_t budgetDeletedFiles = 0;   // closed artefacts deleted by --max-disk-bytes
  std::uint64_t budgetDeletedBytes = 0;   // their sizes
  std::uint64_t diskBytes = 0;            // bytes under --out-dir and --archive-dir, last measured
  // Not in the status line (it reports on itself), only in --metrics-file:
  std::uint64_t statusWriteErrors = 0;  // heartbeat lines that could not be written
  std::uint64_t lastStatusTs = 0;       // timestamp of the last heartbeat written (0: none yet)
};

// One line, '\n'-terminated.
std::string formatStatusLine(std::uint64_t timestamp, const IncidentStats& s);

}  // namespace ibsr::incident
