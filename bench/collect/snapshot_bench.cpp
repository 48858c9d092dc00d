// Snapshot cost of `ibsr collect` for a populated counter map: batched read of every entry,
// sort, schema-v3 serialisation and the single append, i.e. exactly one SnapshotCycle.
// Usage: snapshot_bench ENTRIES [REPEATS]   (root: creates a real LRU hash map in the kernel)
#include <bpf/bpf.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "bpf/map_reader.h"
#include "collect/snapshot_cycle.h"
#include "core/unique_fd.h"
#include "counter_map.h"

using Clock = std::chrono::steady_clock;

static double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ENTRIES [REPEATS]\n", argv[0]);
    return 2;
  }
  const auto entries = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;

  ibsr::UniqueFd map = ibsr::bench::createCounterMap(entries);
  // Realistic values: varied sources and ports, counters of several digits.
  std::vector<ibsr_counter_key> keys(entries);
  std::vector<ibsr_counters> values(entries);
  for (std::uint32_t i = 0; i < entries; ++i) {
    // A bijective scramble of i, so that every key is distinct but the map order is not sorted.
    keys[i] = {(i * 2654435761u) ^ 0x5bd1e995u, static_cast<__u16>(8000 + i % 4), 0};
    values[i] = {i % 5000, i % 70000, i % 60000, i % 300, i % 90000 + 10, (i % 90000) * 700ull};
  }
  for (std::uint32_t off = 0; off < entries;) {
    __u32 n = std::min<std::uint32_t>(65536, entries - off);
    if (bpf_map_update_batch(map.get(), &keys[off], &values[off], &n, nullptr) != 0) {
      std::perror("bpf_map_update_batch");
      return 1;
    }
    off += n;
  }
  keys.clear();
  keys.shrink_to_fit();
  values.clear();
  values.shrink_to_fit();

  const auto dir = ibsr::bench::benchDir("snapshot-bench");
  ibsr::bpf::MapReader<ibsr_counter_key, ibsr_counters, ibsr_counter_entry> reader(map.get(),
                                                                                   "counter map");
  ibsr::collect::SnapshotCycle cycle(dir.string(), {8000, 8001, 8002, 8003}, {});
  std::vector<ibsr_counter_entry> got;
  std::vector<double> readMs, cycleMs, totalMs;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    if (!reader.readAll(got).ok()) return 1;
    auto t1 = Clock::now();
    std::size_t n = got.size();
    cycle.run(1705312800 + static_cast<std::uint64_t>(r), got);
    auto t2 = Clock::now();
    readMs.push_back(ms(t1 - t0));
    cycleMs.push_back(ms(t2 - t1));
    totalMs.push_back(ms(t2 - t0));
    if (n != entries) std::fprintf(stderr, "warning: read %zu of %u entries\n", n, entries);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "entries=%u repeats=%d read_ms=%.1f sort_serialize_write_ms=%.1f total_ms=%.1f "
      "line_bytes=%llu peak_rss_mb=%.1f batch=%s\n",
      entries, repeats, median(readMs), median(cycleMs), median(totalMs),
      static_cast<unsigned long long>(cycle.stats().lastLineBytes),
      static_cast<double>(ru.ru_maxrss) / 1024.0, reader.usedBatch() ? "yes" : "no");
  std::filesystem::remove_all(dir);
  return 0;
}
