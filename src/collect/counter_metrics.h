// The metrics of the counter half of a live mode (docs/metrics.md): its snapshot writer and the
// fill level of the LRU counter map, from the stats the heartbeat is written from.
#pragma once

#include <cstdint>

#include "collect/snapshot_cycle.h"
#include "core/metrics_file.h"

namespace ibsr::collect {

// `cycle` and `writer` are one SnapshotCycle's stats; `mapCapacity` is --map-size.
void addCounterMetrics(metrics::Exposition& out, const CycleStats& cycle,
                       const HourlyWriterStats& writer, std::uint32_t mapCapacity,
                       const metrics::Labels& labels);

}  // namespace ibsr::collect
