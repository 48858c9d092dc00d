// The counter benches' fixture: a real kernel LRU hash map shaped like the collector's, and a
// private output directory. Exits the bench with a message when the map cannot be created (root
// is needed).
#pragma once

#include <bpf/bpf.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/unique_fd.h"
#include "ibsr_abi.h"

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

// TMPDIR/ibsr-NAME-PID, created.
inline std::filesystem::path benchDir(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("ibsr-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace ibsr::bench
