// Measures the ingest stage of ibsr-report on real files: (1) read + parse only, (2) read + parse
// + deltas/windows/detection (the Analyzer), reporting MB/s of uncompressed JSONL and peak RSS.
//   ibsr_report_ingest_bench DIR_OR_FILE...
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "report/analyzer.h"
#include "report/input_set.h"

using namespace ibsr::report;

namespace {

double seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU seconds (user + system) of this process: throughput per core, unaffected by other load.
double cpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long peakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> inputs(argv + 1, argv + argc);
  auto files = findInputFiles(inputs);
  if (!files.ok() || files->empty()) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  IngestOptions opt;
  uint64_t bytes = 0, buckets = 0;
  {
    DataQuality dq;
    double c0 = cpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    ibsr::Status st =
        ingest(*files, opt, dq, [&](const Snapshot& s) { buckets += s.buckets.size(); });
    auto t1 = std::chrono::steady_clock::now();
    double cpu = cpuSeconds() - c0;
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    // Uncompressed size: count again through the reader would cost a pass; use file sizes for
    // plain files (the benchmark input is plain JSONL).
    for (const auto& f : *files) {
      FILE* fp = std::fopen(f.path.c_str(), "rb");
      std::fseek(fp, 0, SEEK_END);
      bytes += uint64_t(std::ftell(fp));
      std::fclose(fp);
    }
    double s = seconds(t0, t1);
    std::printf(
        "read + parse:            %.2f s wall, %.2f s CPU, %.0f MB/s per core, %llu snapshots, "
        "%llu buckets, peak RSS %ld MB\n",
        s, cpu, double(bytes) / 1e6 / cpu, (unsigned long long)dq.snapshots,
        (unsigned long long)buckets, peakRssMb());
  }
  {
    DataQuality dq;
    AnalysisConfig cfg;
    Allowlist allow;
    Analyzer analyzer(cfg, allow, dq);
    double c0 = cpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    ibsr::Status st = ingest(*files, opt, dq, [&](const Snapshot& s) { analyzer.add(s); });
    AnalysisResult r = analyzer.finish();
    auto t1 = std::chrono::steady_clock::now();
    double cpu = cpuSeconds() - c0;
    if (!st.ok()) return 1;
    double s = seconds(t0, t1);
    size_t blocked = 0;
    for (const auto& k : r.keys) blocked += k.block;
    std::printf(
        "read + parse + analysis: %.2f s wall, %.2f s CPU, %.0f MB/s per core, %zu keys (%zu "
        "blocked), %llu resets, peak RSS %ld MB\n",
        s, cpu, double(bytes) / 1e6 / cpu, r.keys.size(), blocked,
        (unsigned long long)dq.counterResets, peakRssMb());
  }
  return 0;
}
