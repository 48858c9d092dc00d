#include "payload/payload_metrics.h"

#include "core/hourly_jsonl_metrics.h"

namespace ibsr::payload {

void addPayloadMetrics(metrics::Exposition& out, const HourlyWriterStats& writer,
                       const StatusCounters& s, const metrics::Labels& labels) {
  using metrics::Type;
  addHourlyWriterMetrics(out, writer, labels, "payload");
  out.add("ibsr_ringbuf_drops_total", Type::Counter,
          "Records the kernel could not queue: ring buffer full (packets still pass)", labels,
          s.ringbufDrops);
  out.add("ibsr_payload_events_total", Type::Counter, "Ring-buffer records received", labels,
          s.eventsReceived);
  out.add("ibsr_payload_parse_errors_total", Type::Counter,
          "HTTP or JSON-RPC messages that could not be parsed", labels, s.parseErrors);
  out.add("ibsr_payload_flows_tracked", Type::Gauge, "Connections being reassembled now", labels,
          s.flowsTracked);
  out.add("ibsr_payload_flows_evicted_total", Type::Counter,
          "Connections evicted to stay within --max-flows", labels, s.flowsEvicted);
  out.add("ibsr_payload_dropped_sources_total", Type::Counter,
          "Sources left out of an interval's line: more than --map-size", labels, s.droppedSources);
}

}  // namespace ibsr::payload
