// Finds holes in a host's snapshot data: consecutive snapshots of one stream (a folder and an
// address family, as ibsr-report separates them) more than kGapFactor intervals apart. The report
// itself measures observed time but does not list holes, and a host whose collector was down for
// an afternoon must stand out in the fleet index (docs/fleet.md, "Gaps").
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "fleet/fleet_model.h"
#include "report/s3_source.h"

namespace ibsr::fleet {

// A step longer than this many interval_sec is a gap: one late or skipped cycle is not.
inline constexpr int64_t kGapFactor = 2;

// Reads only ts_unix_sec and interval_sec from the head of every line (lines without them are
// the report's business and are ignored here). v3 lines have no interval_sec: the stream's shortest
// step is taken as its cadence.
// Only counter snapshot files are scanned; payload_ files found beside them are passed over.
// `input` is what the host's report read: a local directory or an s3:// folder (read with `s3`).
Result<std::vector<Gap>> findGaps(const std::string& input, size_t maxLineBytes,
                                  const report::S3Settings& s3);

}  // namespace ibsr::fleet
