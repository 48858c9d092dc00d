// Snapshot cost of `ibsr collect` for a populated counter map: batched read of every entry,
// sort, schema-v3 serialisation and the single append, i.e. exactly one SnapshotCycle -- and, in
// the same run, its floor: the kernel's batched read alone plus one write() of as many bytes as
// the line, from memory that is already resident, appended to a file in the same directory.
// Usage: snapshot_bench ENTRIES [REPEATS] [keep] [warm=GB]
//        keep: the cycle keeps its pages resident between cycles instead of releasing them
//        reserve=MB: the cycle keeps the first MB of its buffer resident and releases the rest
//        warm=GB: first touch (and free) GB of memory, as a long-running host has (warmMemory)
//        gap=S: sleep S seconds before each cycle, as the collector waits out its interval (a VM
//               whose balloon reports free pages to the host may take back what a cycle released)
//        (root: creates a real LRU hash map in the kernel; times are the thread's CPU time)
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bpf/map_reader.h"
#include "collect/snapshot.h"
#include "collect/snapshot_cycle.h"
#include "core/page_release.h"
#include "core/unique_fd.h"
#include "counter_map.h"
#include "cpu_time.h"

namespace {

using ibsr::bench::cpuMs;
using ibsr::bench::median;

// VmRSS / VmHWM of this process in MB.
double statusMb(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field, 0) == 0)
      return std::strtod(line.c_str() + std::strlen(field) + 1, nullptr) / 1024.0;
  return 0;
}

std::string lastLine(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line)) last.swap(line);
  return last + "\n";
}

// Touches `gb` GB of memory once and frees it. On a VM whose memory the host backs only when the
// guest first touches it, memory never used since boot costs about 1.2 ms/MB more to fault in
// (bench/collect/refault_bench): a snapshot then measures the VM's state, not the collector.
// A host up for days has touched its memory (page cache); this puts the bench in that state.
void warmMemory(std::size_t gb) {
  const std::size_t bytes = gb << 30;
  const double t0 = cpuMs();
  auto* p = static_cast<char*>(ibsr::mapPages(bytes));
  for (std::size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  ibsr::unmapPages(p, bytes);
  std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM: the peak from here on
  std::fprintf(stderr, "note: touched %zu GB once in %.0f ms\n", gb, cpuMs() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ENTRIES [REPEATS] [keep] [warm=GB]\n", argv[0]);
    return 2;
  }
  const auto entries = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  bool keep = false;
  std::size_t reserveMb = 0;
  unsigned gap = 0;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "keep") keep = true;
    if (arg.rfind("reserve=", 0) == 0) reserveMb = std::strtoull(arg.c_str() + 8, nullptr, 10);
    if (arg.rfind("warm=", 0) == 0) warmMemory(std::strtoull(arg.c_str() + 5, nullptr, 10));
    if (arg.rfind("gap=", 0) == 0)
      gap = static_cast<unsigned>(std::strtoul(arg.c_str() + 4, nullptr, 10));
  }

  ibsr::UniqueFd map = ibsr::bench::createCounterMap(entries);
  if (!ibsr::bench::fillCounterMap(map.get(), entries)) {
    std::perror("bpf_map_update_batch");
    return 1;
  }

  const auto dir = ibsr::bench::benchDir("snapshot-bench");
  ibsr::bpf::MapReader<ibsr_counter_key, ibsr_counters, ibsr_counter_entry> reader(map.get(),
                                                                                   "counter map");
  ibsr::collect::SnapshotCycle cycle(dir.string(), {8000, 8001, 8002, 8003}, {});
  cycle.keepResident(keep ? ibsr::collect::SnapshotCycle::kKeepAll : reserveMb << 20);
  std::vector<ibsr_counter_entry> resident;
  ibsr::PageBuffer bytes;  // the same kind of memory as the cycle's line
  std::vector<double> readMs, cycleMs, totalMs, floorReadMs, writeMs, appendMs;
  const double rssBefore = statusMb("VmRSS:");
  double rssAfter = 0, hwm = 0;
  // The floor, per repeat: the batched read into memory that stays resident (timed apart, right
  // after the cycle), plus the kernel's CPU time for the cycle's own append of its line (open,
  // one write(), close). The cycle's own write is used because the kernel's cost of writing the
  // same bytes again varies several-fold with the page cache's state (on the test VM, 25 to
  // 400 ms for 147 MB within one run); that separate write is printed too.
  for (int r = 0; r < repeats; ++r) {
    if (gap) ::sleep(gap);
    auto t0 = cpuMs();
    if (!reader.readAll(cycle.entries()).ok()) return 1;  // where the collector reads the map
    auto t1 = cpuMs();
    std::size_t n = cycle.entries().size();
    cycle.run(1705312800 + static_cast<std::uint64_t>(r));
    auto t2 = cpuMs();
    readMs.push_back(t1 - t0);
    cycleMs.push_back(t2 - t1);
    totalMs.push_back(t2 - t0);
    appendMs.push_back(static_cast<double>(cycle.writerStats().lastRecordAppendCpuNs) / 1e6);
    if (r == 0 && n != entries)  // the kernel's LRU evicts a little before it is exactly full
      std::fprintf(stderr, "note: the map holds %zu of %u entries\n", n, entries);
    if (r == 0) {  // before the floor's buffers exist: the cycle's own memory
      rssAfter = statusMb("VmRSS:");
      hwm = statusMb("VmHWM:");
    }

    const std::size_t lineBytes = cycle.stats().lastLineBytes;
    if (r == 0) {  // fault the floor's buffers in once, untimed
      if (!reader.readAll(resident).ok()) return 1;
      const std::string last = lastLine(cycle.snapshotPath(1705312800));
      std::memcpy(bytes.reserve(last.size()), last.data(), last.size());
    }
    auto f0 = cpuMs();
    if (!reader.readAll(resident).ok()) return 1;
    auto f1 = cpuMs();
    const std::string floorPath = cycle.snapshotPath(1705312800);
    ibsr::UniqueFd fd(::open(floorPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    auto f2 = cpuMs();
    ssize_t w = ::write(fd.get(), bytes.data(), lineBytes);
    auto f3 = cpuMs();
    if (w != static_cast<ssize_t>(lineBytes)) return 1;
    floorReadMs.push_back(f1 - f0);
    writeMs.push_back(f3 - f2);
  }
  const std::size_t lineBytes = cycle.stats().lastLineBytes;

  // Where the userspace part goes (the same steps as SnapshotCycle, timed one by one).
  std::vector<double> sortMs, formatMs;
  {
    ibsr::collect::Snapshot s;
    s.dstPorts = {8000, 8001, 8002, 8003};
    std::vector<char> line;
    for (int r = 0; r < repeats; ++r) {
      if (!reader.readAll(s.buckets).ok()) return 1;
      auto t0 = cpuMs();
      ibsr::collect::canonicalize(s);
      auto t1 = cpuMs();
      line.resize(ibsr::collect::maxSnapshotJsonSize(s));
      auto t2 = cpuMs();
      ibsr::collect::writeSnapshotJson(s, line.data());
      auto t3 = cpuMs();
      sortMs.push_back(t1 - t0);
      formatMs.push_back(t3 - t2);
    }
  }

  const double floorMs = median(floorReadMs) + median(appendMs);
  std::printf(
      "entries=%u repeats=%d line_bytes=%zu batch=%s pages=%s (times: thread CPU ms, medians)\n"
      "snapshot: total_ms=%.1f (read_ms=%.1f sort_serialize_write_ms=%.1f)\n"
      "floor:    total_ms=%.1f (read_into_resident_ms=%.1f the_cycle's_one_write_ms=%.1f)\n"
      "          (a separate write() of the same bytes to the same file: %.1f ms)\n"
      "ratio snapshot/floor=%.2f\n"
      "breakdown: sort_ms=%.1f format_ms=%.1f (medians, steps timed apart)\n"
      "memory: rss_before_cycles_mb=%.1f rss_between_cycles_mb=%.1f peak_rss_mb=%.1f\n",
      entries, repeats, lineBytes, reader.usedBatch() ? "yes" : "no",
      keep ? "kept-resident"
           : (reserveMb ? ("first " + std::to_string(reserveMb) + " MB kept").c_str() : "released"),
      median(totalMs), median(readMs), median(cycleMs), floorMs, median(floorReadMs),
      median(appendMs), median(writeMs), median(totalMs) / floorMs, median(sortMs),
      median(formatMs), rssBefore, rssAfter, hwm);
  std::filesystem::remove_all(dir);
  return 0;
}
