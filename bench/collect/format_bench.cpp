// CPU cost of the collector's userspace step alone: writeSortedSnapshotLine (sort + format) of
// ENTRIES synthetic entries (the same keys and counters as snapshot_bench's map), into a buffer
// kept resident, so neither the kernel's read nor page faults are in the figure.
// Usage: format_bench ENTRIES [REPEATS]
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "collect/snapshot.h"
#include "core/page_release.h"
#include "cpu_time.h"
#include "synthetic_entries.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ENTRIES [REPEATS]\n", argv[0]);
    return 2;
  }
  const auto n = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
  std::vector<ibsr::collect::CounterEntry> entries(n);
  for (std::uint32_t i = 0; i < n; ++i)
    entries[i] = {ibsr::bench::syntheticKey(i), ibsr::bench::syntheticCounters(i)};
  const std::vector<std::uint16_t> ports{8000, 8001, 8002, 8003};
  ibsr::PageBuffer out;
  out.reserve(ibsr::collect::maxSnapshotJsonSize(ports.size(), n));
  std::vector<double> ms;
  std::size_t bytes = 0;
  for (int r = 0; r < repeats + 1; ++r) {  // the first run faults the buffer in, untimed
    const double t0 = ibsr::bench::cpuMs();
    const auto w = ibsr::collect::writeSortedSnapshotLine(1705312800, ports, entries.data(), n,
                                                          out.data(), out.size(), false);
    const double t1 = ibsr::bench::cpuMs();
    bytes = static_cast<std::size_t>(w.end - out.data());
    if (r > 0) ms.push_back(t1 - t0);
  }
  // The formatting alone, of the entries already in canonical order, into the same buffer.
  ibsr::collect::Snapshot sorted;
  sorted.dstPorts = ports;
  sorted.buckets.assign(entries.begin(), entries.end());
  ibsr::collect::canonicalize(sorted);
  std::vector<double> formatMs;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = ibsr::bench::cpuMs();
    ibsr::collect::writeSnapshotJson(sorted, out.data());
    formatMs.push_back(ibsr::bench::cpuMs() - t0);
  }
  const double fused = ibsr::bench::median(ms), format = ibsr::bench::median(formatMs);
  std::printf(
      "entries=%u line_bytes=%zu sort_format_ms=%.1f format_only_ms=%.1f (medians of %d; "
      "%.2f and %.2f GB/s of line)\n",
      n, bytes, fused, format, repeats, static_cast<double>(bytes) / fused / 1e6,
      static_cast<double>(bytes) / format / 1e6);
  return 0;
}
