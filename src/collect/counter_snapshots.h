// The counter half of a live mode: each cycle reads the whole counter map of a CounterProgram
// and writes it as one v3 snapshot line (SnapshotCycle). `ibsr collect` is exactly this;
// `ibsr collect-payload` runs it beside its payload statistics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/counter_program.h"
#include "collect/snapshot_cycle.h"

namespace ibsr::collect {

class CounterSnapshots {
 public:
  CounterSnapshots(CounterProgram& program, std::string outDir, std::vector<std::uint16_t> dstPorts,
                   RotationPolicy policy);

  // Reads the map and writes one cycle at ts. A failed read skips this cycle's snapshot (logged;
  // the next cycle's cumulative counters still hold everything).
  bool take(std::uint64_t ts);
  const CycleStats& stats() const { return cycle_.stats(); }
  const HourlyWriterStats& writerStats() const { return cycle_.writerStats(); }

 private:
  CounterProgram& program_;
  SnapshotCycle cycle_;
  std::vector<CounterEntry> entries_;
};

}  // namespace ibsr::collect
