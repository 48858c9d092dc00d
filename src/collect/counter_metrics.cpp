#include "collect/counter_metrics.h"

#include "core/hourly_jsonl_metrics.h"

namespace ibsr::collect {

void addCounterMetrics(metrics::Exposition& out, const CycleStats& cycle,
                       const HourlyWriterStats& writer, std::uint32_t mapCapacity,
                       const metrics::Labels& labels) {
  addHourlyWriterMetrics(out, writer, labels, "snapshot");
  // Entries of the last map read, which are the keys of the last snapshot line: an LRU map at
  // capacity evicts its least recently updated sources, so entries/capacity near 1 means loss.
  out.add("ibsr_map_entries", metrics::Type::Gauge,
          "(source, port) entries in the counter map at the last snapshot", labels,
          cycle.lastBuckets);
  out.add("ibsr_map_capacity", metrics::Type::Gauge, "Capacity of the counter map (--map-size)",
          labels, mapCapacity);
}

}  // namespace ibsr::collect
