// The metrics of `ibsr record-incident` (docs/metrics.md), from the IncidentStats its
// status.jsonl heartbeat is written from and the state its trigger socket reports.
#pragma once

#include "core/metrics_file.h"
#include "incident/command.h"
#include "incident/status.h"

namespace ibsr::incident {

void addIncidentMetrics(metrics::Exposition& out, const IncidentStats& stats,
                        const ControlState& state, const metrics::Labels& labels);

}  // namespace ibsr::incident
