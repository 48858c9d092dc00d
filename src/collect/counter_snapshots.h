// The counter half of a live mode: each cycle reads the whole counter maps of a CounterProgram
// and writes them as one v3 snapshot line and, with IPv6 on, one snapshot6_ line (SnapshotCycle).
// `ibsr collect` is exactly this; `ibsr collect-payload` runs it beside its payload statistics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/counter_program.h"
#include "collect/snapshot_cycle.h"

namespace ibsr::collect {

class CounterSnapshots {
 public:
  // The run starts now (base_ts_unix_sec of the snapshot6_ lines, by the options' clock).
  CounterSnapshots(CounterProgram& program, std::string outDir, const CollectOptions& options,
                   RotationPolicy policy);

  // Reads the map and writes one cycle at ts. A failed read skips this cycle's snapshot (logged;
  // the next cycle's cumulative counters still hold everything).
  bool take(std::uint64_t ts);
  const CycleStats& stats() const { return cycle_.stats(); }
  const HourlyWriterStats& writerStats() const { return cycle_.writerStats(); }

 private:
  CounterProgram& program_;
  SnapshotCycle cycle_;
  std::vector<Counter6Entry> entries6_;
};

}  // namespace ibsr::collect
