// The metrics of an hourly JSONL writer (docs/metrics.md), taken from the same HourlyWriterStats
// its status.jsonl heartbeat reports, so the two never disagree.
#pragma once

#include <string_view>

#include "core/hourly_jsonl.h"
#include "core/metrics_file.h"

namespace ibsr {

// Samples labelled `labels` plus {artefact="ARTEFACT"} (snapshot, payload): collect-payload
// runs two writers, its payload lines and its counters/ snapshots.
void addHourlyWriterMetrics(metrics::Exposition& out, const HourlyWriterStats& stats,
                            const metrics::Labels& labels, std::string_view artefact);

}  // namespace ibsr
