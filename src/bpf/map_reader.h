// Reads every entry of the counter map. Uses batched lookups (one syscall per few thousand
// entries) and falls back to key iteration on kernels without batch support for the map type.
#pragma once

#include <vector>

#include "core/result.h"
#include "ibsr_abi.h"

namespace ibsr::bpf {

using CounterEntry = ibsr_counter_entry;

class CounterMapReader {
 public:
  explicit CounterMapReader(int mapFd) : fd_(mapFd) {}

  // Replaces `out` with the map's current entries (in map order). Buffers are reused across
  // calls, so a long-running collector does not reallocate every cycle.
  Status readAll(std::vector<CounterEntry>& out);
  bool usedBatch() const { return useBatch_; }

 private:
  Status readBatched(std::vector<CounterEntry>& out);
  Status readIterating(std::vector<CounterEntry>& out);

  int fd_;
  bool useBatch_ = true;
  std::vector<ibsr_counter_key> keys_;
  std::vector<ibsr_counters> values_;
};

}  // namespace ibsr::bpf
