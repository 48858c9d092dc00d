// Cost and gain of --compress-closed on an hour of real collector output: fills a kernel LRU map
// like snapshot_bench, writes SNAPSHOTS snapshot lines through the collector's own SnapshotCycle
// (counters growing between snapshots, as on a live host), then compresses that hourly file at
// each LEVEL the way the collector does (core/closed_compression.h: compress, then the exact
// check) and prints, per level, the size ratio and the CPU seconds against the CPU the collector
// spent producing the same lines (batch read + serialise + write) and against one write() of
// the same bytes.
// Usage: compress_bench ENTRIES SNAPSHOTS LEVEL...   (root: creates a real LRU hash map)
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "bpf/map_reader.h"
#include "collect/snapshot_cycle.h"
#include "core/unique_fd.h"
#include "core/zstd_file.h"
#include "counter_map.h"

namespace {

double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Realistic values that grow between snapshots: source i gains a few packets per minute.
void fill(int map, std::uint32_t entries, std::uint32_t snapshot) {
  std::vector<ibsr_counter_key> keys(entries);
  std::vector<ibsr_counters> values(entries);
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::uint32_t g = snapshot * (1 + i % 7);  // growth since the first snapshot
    keys[i] = {(i * 2654435761u) ^ 0x5bd1e995u, static_cast<__u16>(8000 + i % 4), 0};
    values[i] = {i % 5000 + g,    i % 70000 + 3 * g,      i % 60000 + 2 * g,
                 i % 300 + g / 5, i % 90000 + 10 + 6 * g, (i % 90000) * 700ull + 900ull * g};
  }
  for (std::uint32_t off = 0; off < entries;) {
    __u32 n = std::min<std::uint32_t>(65536, entries - off);
    if (bpf_map_update_batch(map, &keys[off], &values[off], &n, nullptr) != 0) {
      std::perror("bpf_map_update_batch");
      std::exit(1);
    }
    off += n;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ENTRIES SNAPSHOTS LEVEL...\n", argv[0]);
    return 2;
  }
  const auto entries = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  const auto snapshots = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
  if (entries == 0 || snapshots == 0 || snapshots > 3600) {
    std::fprintf(stderr, "ENTRIES must be > 0 and SNAPSHOTS 1..3600\n");
    return 2;
  }
  ibsr::UniqueFd map = ibsr::bench::createCounterMap(entries);
  const auto dir = ibsr::bench::benchDir("compress-bench");
  ibsr::bpf::MapReader<ibsr_counter_key, ibsr_counters, ibsr_counter_entry> reader(map.get(),
                                                                                   "counter map");
  ibsr::collect::SnapshotCycle cycle(dir.string(), {8000, 8001, 8002, 8003}, {});
  ibsr::collect::CounterEntries got;
  const std::uint64_t hour = 1705312800;
  const std::uint64_t step = std::max<std::uint64_t>(1, 3600 / snapshots);
  double collectorCpu = 0;
  for (std::uint32_t s = 0; s < snapshots; ++s) {
    fill(map.get(), entries, s);
    const double t0 = cpuSeconds();
    if (!reader.readAll(got).ok()) return 1;
    cycle.run(hour + s * step, got);
    collectorCpu += cpuSeconds() - t0;
  }
  const std::string path = cycle.snapshotPath(hour);
  const auto bytes = std::filesystem::file_size(path);

  // The floor of writing these bytes: one pass from the page cache into a new file.
  std::vector<char> all(bytes);
  {
    ibsr::UniqueFd in(::open(path.c_str(), O_RDONLY));
    if (::read(in.get(), all.data(), all.size()) != static_cast<ssize_t>(bytes)) return 1;
  }
  const std::string copyPath = (dir / "copy").string();
  ibsr::UniqueFd copy(::open(copyPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  const double w0 = cpuSeconds();
  if (::write(copy.get(), all.data(), all.size()) != static_cast<ssize_t>(bytes)) return 1;
  const double writeCpu = cpuSeconds() - w0;
  copy.reset();
  std::filesystem::remove(copyPath);
  all = {};

  const double perHour = 3600.0 / static_cast<double>(step * snapshots);
  std::printf(
      "entries=%u snapshots=%u interval_sec=%llu hour_bytes=%llu collector_cpu_s=%.3f "
      "write_cpu_s=%.3f\n",
      entries, snapshots, static_cast<unsigned long long>(step),
      static_cast<unsigned long long>(bytes), collectorCpu, writeCpu);
  for (int a = 3; a < argc; ++a) {
    const int level = std::atoi(argv[a]);
    const std::string zst = (dir / "out.zst").string();
    ibsr::UniqueFd out(::open(zst.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
    const double c0 = cpuSeconds();
    auto r = ibsr::zstdCompressFile(path, out.get(), level);
    const double compressCpu = cpuSeconds() - c0;
    out.reset();
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.error().message.c_str());
      return 1;
    }
    const double v0 = cpuSeconds();
    auto same = ibsr::zstdSameContent(zst, path);
    const double checkCpu = cpuSeconds() - v0;
    if (!same.ok() || !*same) {
      std::fprintf(stderr, "level %d: the compressed copy differs\n", level);
      return 1;
    }
    const double total = compressCpu + checkCpu;
    std::printf(
        "level=%d ratio=%.4f compress_cpu_s=%.3f check_cpu_s=%.3f cpu_per_hour_s=%.2f "
        "vs_collector=%.3f vs_write=%.1f\n",
        level, static_cast<double>(r->outBytes) / static_cast<double>(bytes), compressCpu, checkCpu,
        total * perHour, total / collectorCpu, total / writeCpu);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
