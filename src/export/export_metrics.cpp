#include "export/export_metrics.h"

#include "core/metrics_file.h"

namespace ibsr::exporter {

void writeExportMetrics(const std::string& path, const Summary& s, bool success,
                        std::uint64_t now) {
  using metrics::Type;
  const metrics::Labels labels = metrics::modeLabels("export");
  const auto previous = metrics::readSamples(path);
  auto before = [&](const std::string& name, const metrics::Labels& l) -> std::uint64_t {
    auto it = previous.find(metrics::sampleKey(name, l));
    return it == previous.end() ? 0 : it->second;
  };
  metrics::Exposition e;
  auto counter = [&](const std::string& name, const char* help, std::uint64_t add,
                     const metrics::Labels& l) {
    e.add(name, Type::Counter, help, l, before(name, l) + add);
  };
  counter("ibsr_export_runs_total", "Export runs that wrote this file", 1, labels);
  counter("ibsr_export_files_uploaded_total", "Files uploaded and verified in S3", s.uploaded,
          labels);
  counter("ibsr_export_bytes_uploaded_total", "Bytes of the files uploaded and verified", s.bytes,
          labels);
  counter("ibsr_export_files_deleted_total", "Local files deleted after a verified upload",
          s.deleted, labels);
  for (const char* kind : kFailureKinds) {
    metrics::Labels l = labels;
    l.emplace_back("kind", kind);
    auto it = s.failures.find(kind);
    counter("ibsr_export_failures_total", "Export failures by kind (docs/metrics.md)",
            it == s.failures.end() ? 0 : it->second, l);
  }
  e.add("ibsr_export_files_withheld", Type::Gauge,
        "Incident pcaps kept on the host by the last run (no --include-pcaps)", labels,
        s.pcapsWithheld);
  e.add("ibsr_export_files_open", Type::Gauge,
        "Files the last run left for later: still being written", labels, s.open);
  e.add("ibsr_export_files_failed", Type::Gauge, "Files the last run failed to export", labels,
        s.failed);
  e.add("ibsr_export_last_run_timestamp_seconds", Type::Gauge, "Unix time the last run ended",
        labels, now);
  e.add("ibsr_export_last_run_success", Type::Gauge, "1 if the last run exited 0, else 0", labels,
        success ? 1 : 0);
  const std::string lastSuccess = "ibsr_export_last_success_timestamp_seconds";
  e.add(lastSuccess, Type::Gauge, "Unix time of the last run that exited 0 (0: none yet)", labels,
        success ? now : before(lastSuccess, labels));
  metrics::MetricsFile(path, labels).write(std::move(e));
}

}  // namespace ibsr::exporter
