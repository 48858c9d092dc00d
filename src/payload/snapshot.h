// The payload snapshot line of DESIGN.md §10 (version 1), one per interval, deterministic:
// fixed key order, sources and methods in the order Aggregator::take() gives (sorted),
// amplification = response_bytes / request_bytes rounded to 3 decimals with trailing zeros
// dropped (0 when there were no request bytes). Schema: docs/schemas/payload-v1.schema.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "payload/aggregation.h"

namespace ibsr::payload {

struct PayloadSnapshot {
  std::uint64_t tsUnixSec = 0;
  std::uint64_t intervalSec = 0;
  std::vector<std::uint16_t> dstPorts;  // sorted
  std::uint64_t ringbufDrops = 0;       // this interval
  std::uint64_t parseErrors = 0;        // this interval
  std::vector<SourceStats> sources;
};

// The line, '\n' terminated.
std::string snapshotLine(const PayloadSnapshot& s);

// "42.857", "2.5", "4", "0".
std::string formatRatio(std::uint64_t numerator, std::uint64_t denominator);

}  // namespace ibsr::payload
