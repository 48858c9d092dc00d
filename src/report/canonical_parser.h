// Fast path for the exact byte layout IBSR's own collector writes (src/collect/snapshot.cpp):
// schema v3, no whitespace, fixed field order. It accepts only that strict subset of JSON and
// gives up (returns false) at the first byte that differs, leaving the line to the general
// simdjson parser; so its results are those of the general parser on every line it accepts
// (checked by the differential fuzz target). Parsing this layout directly avoids building a DOM
// tape and runs several times faster.
#pragma once

#include <cstddef>

#include "report/model.h"

namespace ibsr::report {

// On true, `out` holds the snapshot (buckets not yet checked for duplicates).
bool parseCanonicalV3(const char* data, size_t len, Snapshot& out);

}  // namespace ibsr::report
