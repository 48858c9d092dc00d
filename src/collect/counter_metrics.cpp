#include "collect/counter_metrics.h"

#include "core/hourly_jsonl_metrics.h"

namespace ibsr::collect {

void addCounterMetrics(metrics::Exposition& out, const CycleStats& cycle,
                       const HourlyWriterStats& writer, const CollectOptions& options,
                       const metrics::Labels& labels) {
  addHourlyWriterMetrics(out, writer, labels, "snapshot");
  // Entries of the last map read, which are the keys of the last snapshot line: an LRU map at
  // capacity evicts its least recently updated sources, so entries/capacity near 1 means loss.
  out.add("ibsr_map_entries", metrics::Type::Gauge,
          "(source, port) entries in the counter map at the last snapshot", labels,
          cycle.lastBuckets);
  out.add("ibsr_map_capacity", metrics::Type::Gauge, "Capacity of the counter map (--map-size)",
          labels, options.mapSize);
  if (options.noIpv6) return;
  // The IPv6 map evicts on its own: a flood rotating through many prefixes fills it alone.
  out.add("ibsr_ipv6_map_entries", metrics::Type::Gauge,
          "(source prefix, port) entries in the IPv6 counter map at the last snapshot", labels,
          cycle.lastIpv6Keys);
  out.add("ibsr_ipv6_map_capacity", metrics::Type::Gauge,
          "Capacity of the IPv6 counter map (--ipv6-map-size)", labels, ipv6MapSize(options));
}

}  // namespace ibsr::collect
