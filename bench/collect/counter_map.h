// The counter benches' fixture: a real kernel LRU hash map shaped like the collector's, its
// fill, and a private output directory. Exits the bench with a message when the map cannot be
// created (root is needed).
#pragma once

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "ibsr_abi.h"
#include "synthetic_entries.h"

namespace ibsr::bench {

inline UniqueFd createCounterMap(std::uint32_t entries) {
  UniqueFd map(bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bench_counters", sizeof(ibsr_counter_key),
                              sizeof(ibsr_counters), entries, nullptr));
  if (!map.valid()) {
    std::perror("bpf_map_create");
    std::exit(1);
  }
  return map;
}

// Fills `map` with `entries` distinct keys (synthetic_entries.h), in slices so that the caller's
// own memory stays small. False (errno set) if the kernel refuses a batch.
inline bool fillCounterMap(int map, std::uint32_t entries) {
  constexpr std::uint32_t kSlice = 4096;
  std::vector<ibsr_counter_key> keys(kSlice);
  std::vector<ibsr_counters> values(kSlice);
  for (std::uint32_t off = 0; off < entries; off += kSlice) {
    __u32 n = std::min(kSlice, entries - off);
    for (std::uint32_t j = 0; j < n; ++j) {
      std::uint32_t i = off + j;
      keys[j] = syntheticKey(i);
      values[j] = syntheticCounters(i);
    }
    if (bpf_map_update_batch(map, keys.data(), values.data(), &n, nullptr) != 0) return false;
  }
  return true;
}

// TMPDIR/ibsr-NAME-PID, created.
inline std::filesystem::path benchDir(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("ibsr-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace ibsr::bench
