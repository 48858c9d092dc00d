// The metrics of `ibsr-export s3` (docs/metrics.md). The exporter is a one-shot run (a timer
// starts it), so its counters continue from the values in the previous file: a run adds its
// own Summary to them, and the last successful export time survives a failing run.
#pragma once

#include <cstdint>
#include <string>

#include "export/uploader.h"

namespace ibsr::exporter {

// Every kind of ibsr_export_failures_total, written even at 0 so that increase() sees the
// first failure of each.
inline constexpr const char* kFailureKinds[] = {"config", "credentials", "discovery", "interrupted",
                                                "list",   "lock",        "read",      "state",
                                                "upload", "verify"};

// `success`: the run's exit status was 0. `now`: Unix seconds at the end of the run.
void writeExportMetrics(const std::string& path, const Summary& summary, bool success,
                        std::uint64_t now);

}  // namespace ibsr::exporter
