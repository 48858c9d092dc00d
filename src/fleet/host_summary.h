// Reads what the fleet index needs from one host's summary.json (docs/schemas/
// report-summary-v1.schema.json): verdict, observed period, data quality and blocked sources.
#pragma once

#include <string>

#include "core/result.h"
#include "fleet/fleet_model.h"

namespace ibsr::fleet {

// Fills the summary fields of `host` (verdict, period, dataQualityJson, blocked, ...).
Status readHostSummary(const std::string& summaryPath, HostResult& host);

// "YYYYMMDDHH-YYYYMMDDHH": the UTC hours of the first and the last observed second. Names the
// folder a host's report set goes to (PREFIX/HOST/reports/PERIOD/), so a later run over more data
// writes a new folder and a rerun over the same data the same one.
std::string periodName(int64_t startTs, int64_t endTs);

// "2026-12-01T10:00:00Z".
std::string rfc3339(int64_t ts);

}  // namespace ibsr::fleet
