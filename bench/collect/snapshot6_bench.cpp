// CPU cost of the IPv6 companion line: canonicalize (sort) and writeSnapshot6Json (format, into
// a buffer kept resident, as the cycle's with --snapshot-memory resident) of ENTRIES entries
// shaped like a busy host's (/64 prefixes, a few ports, counters of several digits), and in the
// same run the cost of copying that many bytes once (the floor a formatter cannot beat).
// Usage: snapshot6_bench ENTRIES [REPEATS] [PREFIX_LEN]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "collect/snapshot6.h"
#include "core/page_release.h"
#include "cpu_time.h"
#include "synthetic_entries.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ENTRIES [REPEATS] [PREFIX_LEN]\n", argv[0]);
    return 2;
  }
  using ibsr::bench::cpuMs;
  const auto n = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  ibsr::collect::Snapshot6Run run{
      .runId = "0123456789abcdef",
      .baseTs = 1705312800,
      .intervalSec = 60,
      .prefixLen = argc > 3 ? static_cast<std::uint32_t>(std::atoi(argv[3])) : 64u};
  std::mt19937_64 rng(20261204);
  std::vector<ibsr::collect::Counter6Entry> input(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto& e = input[i];
    std::uint64_t hi = 0x20010db800000000ull | (rng() & 0xFFFFFFFFull);
    std::uint64_t lo = run.prefixLen >= 128 ? rng() : 0;
    for (int b = 0; b < 8; ++b) {
      reinterpret_cast<std::uint8_t*>(e.key.src_prefix)[b] =
          static_cast<std::uint8_t>(hi >> (56 - 8 * b));
      reinterpret_cast<std::uint8_t*>(e.key.src_prefix)[8 + b] =
          static_cast<std::uint8_t>(lo >> (56 - 8 * b));
    }
    e.key.dst_port = static_cast<__u16>(8000 + i % 4);
    e.counters = ibsr::bench::syntheticCounters(i);
  }
  std::vector<double> sortMs, formatMs, copyMs;
  std::size_t bytes = 0;
  ibsr::PageBuffer line, copy;
  line.reserve(ibsr::collect::maxSnapshot6JsonSize(run, 4, n));
  for (int r = 0; r < repeats + 1; ++r) {  // the first run faults the buffers in, untimed
    ibsr::collect::Snapshot6 s{
        .tsUnixSec = 1705312860, .dstPorts = {8000, 8001, 8002, 8003}, .buckets = input};
    const double t0 = cpuMs();
    ibsr::collect::canonicalize(s.buckets);
    const double t1 = cpuMs();
    const char* end = ibsr::collect::writeSnapshot6Json(run, s, line.data());
    const double t2 = cpuMs();
    bytes = static_cast<std::size_t>(end - line.data());
    char* to = copy.reserve(bytes);
    const double t3 = cpuMs();
    std::memcpy(to, line.data(), bytes);
    const double t4 = cpuMs();
    if (r == 0) continue;
    sortMs.push_back(t1 - t0);
    formatMs.push_back(t2 - t1);
    copyMs.push_back(t4 - t3);
  }
  std::printf(
      "entries=%u prefix_len=%u line_bytes=%zu sort_ms=%.1f format_ms=%.1f copy_ms=%.1f "
      "(medians of %d)\n",
      n, run.prefixLen, bytes, ibsr::bench::median(sortMs), ibsr::bench::median(formatMs),
      ibsr::bench::median(copyMs), repeats);
  return 0;
}
