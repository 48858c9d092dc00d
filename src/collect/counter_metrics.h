// The metrics of the counter half of a live mode (docs/metrics.md): its snapshot writer and the
// fill level of the LRU counter maps (IPv4, and IPv6 unless --no-ipv6), from the stats the
// heartbeat is written from.
#pragma once

#include <cstdint>

#include "collect/options.h"
#include "collect/snapshot_cycle.h"
#include "core/metrics_file.h"

namespace ibsr::collect {

// `cycle` and `writer` are one SnapshotCycle's stats; the capacities come from `options`.
void addCounterMetrics(metrics::Exposition& out, const CycleStats& cycle,
                       const HourlyWriterStats& writer, const CollectOptions& options,
                       const metrics::Labels& labels);

}  // namespace ibsr::collect
