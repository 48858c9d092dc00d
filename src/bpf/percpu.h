// Reads one slot of a BPF_MAP_TYPE_PERCPU_ARRAY: the kernel returns one value per possible CPU,
// which the caller sums (counters that each CPU updates without atomics).
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace ibsr::bpf {

template <typename Value>
Result<std::vector<Value>> readPerCpu(int mapFd, __u32 key, const char* what) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return sysError("cannot count possible CPUs", ncpu);
  std::vector<Value> per(static_cast<std::size_t>(ncpu));
  if (bpf_map_lookup_elem(mapFd, &key, per.data()) != 0)
    return sysError(std::string("cannot read the ") + what, errno);
  return per;
}

}  // namespace ibsr::bpf
