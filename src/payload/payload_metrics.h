// The metrics of `ibsr collect-payload` (docs/metrics.md): its payload writer and pipeline
// counters, from the values its status.jsonl heartbeat is written from. The counters/ snapshots
// add theirs through collect/counter_metrics.h.
#pragma once

#include "core/hourly_jsonl.h"
#include "core/metrics_file.h"
#include "payload/output.h"

namespace ibsr::payload {

void addPayloadMetrics(metrics::Exposition& out, const HourlyWriterStats& writer,
                       const StatusCounters& status, const metrics::Labels& labels);

}  // namespace ibsr::payload
