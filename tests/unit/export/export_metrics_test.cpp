#include "export/export_metrics.h"

#include <gtest/gtest.h>

#include "core/metrics_file.h"
#include "temp_dir.h"

namespace ibsr::exporter {
namespace {

std::uint64_t sample(const std::map<std::string, std::uint64_t>& samples, const std::string& name,
                     const char* kind = nullptr) {
  metrics::Labels labels = metrics::modeLabels("export");
  if (kind) labels.emplace_back("kind", kind);
  auto it = samples.find(metrics::sampleKey(name, labels));
  EXPECT_NE(it, samples.end()) << name;
  return it == samples.end() ? 0 : it->second;
}

// A one-shot exporter's counters continue across runs, and a failing run keeps the time of the
// last successful one.
TEST(ExportMetrics, CountersContinueAcrossRunsAndLastSuccessSurvivesAFailure) {
  ibsr::testing::TempDir tmp;
  const std::string path = (tmp / "export.prom").string();
  Summary first;
  first.uploaded = 3;
  first.bytes = 300;
  first.pcapsWithheld = 2;
  writeExportMetrics(path, first, true, 1000);

  Summary second;
  second.uploaded = 1;
  second.bytes = 10;
  second.failed = 2;
  second.failures = {{"upload", 1}, {"verify", 1}, {"state", 1}};
  writeExportMetrics(path, second, false, 2000);

  auto s = metrics::readSamples(path);
  EXPECT_EQ(sample(s, "ibsr_export_runs_total"), 2u);
  EXPECT_EQ(sample(s, "ibsr_export_files_uploaded_total"), 4u);
  EXPECT_EQ(sample(s, "ibsr_export_bytes_uploaded_total"), 310u);
  EXPECT_EQ(sample(s, "ibsr_export_failures_total", "upload"), 1u);
  EXPECT_EQ(sample(s, "ibsr_export_failures_total", "verify"), 1u);
  EXPECT_EQ(sample(s, "ibsr_export_failures_total", "state"), 1u);
  EXPECT_EQ(sample(s, "ibsr_export_failures_total", "lock"), 0u);
  EXPECT_EQ(sample(s, "ibsr_export_files_withheld"), 0u);  // a gauge: the last run's
  EXPECT_EQ(sample(s, "ibsr_export_files_failed"), 2u);
  EXPECT_EQ(sample(s, "ibsr_export_last_run_timestamp_seconds"), 2000u);
  EXPECT_EQ(sample(s, "ibsr_export_last_run_success"), 0u);
  EXPECT_EQ(sample(s, "ibsr_export_last_success_timestamp_seconds"), 1000u);
  std::size_t kinds = 0;
  for (const auto& [key, value] : s) kinds += key.rfind("ibsr_export_failures_total{", 0) == 0;
  EXPECT_EQ(kinds, std::size(kFailureKinds));

  writeExportMetrics(path, Summary{}, true, 3000);
  s = metrics::readSamples(path);
  EXPECT_EQ(sample(s, "ibsr_export_last_success_timestamp_seconds"), 3000u);
  EXPECT_EQ(sample(s, "ibsr_export_files_uploaded_total"), 4u);
  EXPECT_EQ(sample(s, "ibsr_export_failures_total", "upload"), 1u);
}

}  // namespace
}  // namespace ibsr::exporter
