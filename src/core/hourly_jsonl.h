// The one writer of hourly JSONL artefacts (counter snapshots, payload statistics): each cycle
// appends one record line to DIR/PREFIX + "YYYYMMDDHH" + ".jsonl", one heartbeat line to
// DIR/status.jsonl, and applies retention to the hourly files.
// Fail-open: a failed write is logged and counted, collection continues and the next cycle
// writes again (the directory is recreated if it vanished). Every line is appended with a single
// write(2) (core/append_line.h), so a crash never leaves half a line in the middle of a file.
// The disk budget (RotationPolicy::maxDiskBytes) is checked before each record: the oldest
// closed files make room first; a record that still does not fit is dropped. Both losses are
// logged and counted in the heartbeat.
// With RotationPolicy::companionPrefix set, each cycle may also append a companion record (the
// IPv6 snapshot6_ line beside the IPv4 snapshot_ line) to that family's hourly file: the budget
// makes room for both lines together, and a cycle writes both or neither.
// With RotationPolicy::compressLevel set, closed hourly files are compressed to .jsonl.zst in the
// background after each cycle (core/closed_compressor.h); a failure leaves the .jsonl as it was
// and is counted in the heartbeat (compress_errors, compress_last_error) and the metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/closed_compressor.h"
#include "core/rotation.h"

namespace ibsr {

struct HourlyWriterStats {
  std::uint64_t cycle = 0;               // cycles completed, 1-indexed in the heartbeat
  std::uint64_t recordsWritten = 0;      // cumulative record lines written
  std::uint64_t bytesWritten = 0;        // cumulative bytes of those lines
  std::uint64_t lastWrittenTs = 0;       // timestamp of the last record written (0: none yet)
  std::uint64_t writeErrors = 0;         // cumulative failed record or heartbeat writes
  std::uint64_t budgetDeletedFiles = 0;  // closed hourly files deleted to stay in the budget
  std::uint64_t budgetDeletedBytes = 0;
  std::uint64_t budgetDroppedLines = 0;  // records not written: no room even after deleting
  std::uint64_t awaitingExport = 0;      // current: past retention but not landed in S3 yet
  std::uint64_t companionWritten = 0;    // cumulative companion record lines written
  // Closed-file compression (--compress-closed) as of the last heartbeat: files compressed, their
  // bytes before and after, failures and the last failure's text (CompressorStats). Failures
  // include crash recovery's, also without --compress-closed.
  CompressorStats compression;
  // This thread's CPU time for the last record's append (open, the one write(), close): what the
  // kernel charges for taking the line, the second half of a snapshot's floor (bench/collect).
  std::uint64_t lastRecordAppendCpuNs = 0;
};

// What a mode adds to one cycle besides its record line.
struct CycleExtras {
  std::string_view companion;      // companion record line (ending in '\n'); empty: none
  std::string_view heartbeatTail;  // `"name":value,...` appended at the end of the heartbeat
};

class HourlyJsonlWriter {
 public:
  // policy.prefix names the artefact (artefact::kSnapshotPrefix, kPayloadPrefix).
  HourlyJsonlWriter(std::string dir, RotationPolicy policy);

  // One cycle: the record line (ending in '\n') for timestamp ts, retention, then the heartbeat
  //   {"timestamp":ts,"cycle":N,<heartbeatFields>,"snapshots_written":W,"write_errors":E,
  //    "budget_deleted_files":F,"budget_deleted_bytes":B,"budget_dropped_lines":D,
  //    "awaiting_export":A,"compress_errors":C,"compress_last_error":"TEXT"}
  // where heartbeatFields is the mode's own `"name":value,...` part (may be empty), followed by
  // extras.heartbeatTail. Returns whether the record line was written.
  bool writeCycle(std::uint64_t ts, std::string_view record, std::string_view heartbeatFields,
                  const CycleExtras& extras = {});

  std::string hourPath(std::uint64_t ts) const;
  std::string companionPath(std::uint64_t ts) const;
  std::string statusPath() const;
  const HourlyWriterStats& stats() const { return stats_; }
  // Null without --compress-closed.
  ClosedFileCompressor* compressor() { return compressor_.get(); }

 private:
  bool append(const std::string& path, std::string_view line);
  bool makeRoom(std::uint64_t ts, std::size_t recordBytes);
  void applyRetention(std::uint64_t ts);

  std::string dir_;
  RotationPolicy policy_;
  HourlyWriterStats stats_;
  std::unique_ptr<ClosedFileCompressor> compressor_;
  bool recovered_ = false;    // without a compressor: after a crash of a run that had one
  CompressorStats recovery_;  // without a compressor: that recovery's errors
};

}  // namespace ibsr
