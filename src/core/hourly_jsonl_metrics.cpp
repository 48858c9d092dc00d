#include "core/hourly_jsonl_metrics.h"

namespace ibsr {

void addHourlyWriterMetrics(metrics::Exposition& out, const HourlyWriterStats& s,
                            const metrics::Labels& labels, std::string_view artefact) {
  using metrics::Type;
  metrics::Labels l = labels;
  l.emplace_back("artefact", std::string(artefact));
  out.add("ibsr_cycles_total", Type::Counter, "Collection cycles completed (status.jsonl cycle)", l,
          s.cycle);
  out.add("ibsr_snapshots_written_total", Type::Counter,
          "Record lines written to the hourly files (status.jsonl snapshots_written)", l,
          s.recordsWritten);
  out.add("ibsr_bytes_written_total", Type::Counter, "Bytes of the record lines written", l,
          s.bytesWritten);
  out.add("ibsr_last_success_timestamp_seconds", Type::Gauge,
          "Unix time of the last cycle whose output was written (0: none yet)", l, s.lastWrittenTs);
  out.add("ibsr_write_errors_total", Type::Counter,
          "Failed writes of records or heartbeats (status.jsonl write_errors)", l, s.writeErrors);
  out.add("ibsr_budget_deleted_files_total", Type::Counter,
          "Files deleted to stay within --max-disk-bytes", l, s.budgetDeletedFiles);
  out.add("ibsr_budget_deleted_bytes_total", Type::Counter,
          "Bytes of the files deleted to stay within --max-disk-bytes", l, s.budgetDeletedBytes);
  out.add("ibsr_budget_dropped_lines_total", Type::Counter,
          "Record lines not written: no room within --max-disk-bytes", l, s.budgetDroppedLines);
  out.add("ibsr_awaiting_export_files", Type::Gauge,
          "Files past retention kept until ibsr-export has verified them in S3", l,
          s.awaitingExport);
  // Always present (0 with --no-compress-closed): a crash recovery's failure counts there too.
  out.add("ibsr_compressed_files_total", Type::Counter,
          "Closed hourly files compressed to .jsonl.zst (--compress-closed)", l,
          s.compression.filesCompressed);
  out.add("ibsr_compressed_input_bytes_total", Type::Counter,
          "Bytes of the closed hourly files compressed, before compression", l,
          s.compression.bytesIn);
  out.add("ibsr_compressed_output_bytes_total", Type::Counter,
          "Bytes of the .jsonl.zst files they became", l, s.compression.bytesOut);
  out.add("ibsr_compress_errors_total", Type::Counter,
          "Closed hourly files that could not be compressed (kept as .jsonl, retried an hour "
          "later) and failed clean-ups of an interrupted compression (status.jsonl "
          "compress_errors)",
          l, s.compression.errors);
}

}  // namespace ibsr
