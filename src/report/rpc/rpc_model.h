// Application-layer input as parsed from one payload_*.jsonl line (docs/collect-payload.md,
// schema payload-v1): per-interval counts per (source address, server port). Unlike counter
// snapshots these are already deltas: every line counts only its own interval.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "report/input_set.h"

namespace ibsr::report {

// A source of the application layer: the full client address (IPv6 too: payload lines carry
// whole addresses, not prefixes) and the monitored server port.
struct RpcKey {
  IpAddress address;
  uint16_t port = 0;
  // IPv4 before IPv6, numerically, then port: the order of every IBSR artefact.
  auto operator<=>(const RpcKey&) const = default;
};
// "a.b.c.d:port" or "[2001:db8::1]:port".
std::string formatRpcKey(const RpcKey& key);

// Counts of one source over some span (an interval, a window, the whole input). Sums saturate.
struct RpcCounts {
  uint64_t requests = 0;
  uint64_t responses = 0;
  uint64_t requestBytes = 0;
  uint64_t responseBytes = 0;
  std::array<uint64_t, 5> httpStatus{};  // responses by class: [0] = 1xx ... [4] = 5xx
  uint64_t jsonrpcCalls = 0;
  uint64_t jsonrpcBatches = 0;
  uint64_t jsonrpcErrors = 0;
  // Calls of the configured expensive methods (RpcConfig::expensiveMethods), counted by the
  // analysis from the method list; 0 as parsed.
  uint64_t expensiveCalls = 0;
  void add(const RpcCounts& o);  // saturating, field by field
  uint64_t httpErrors() const {  // 4xx + 5xx, saturating like every sum
    const uint64_t sum = httpStatus[3] + httpStatus[4];
    return sum < httpStatus[3] ? UINT64_MAX : sum;
  }
};

struct RpcMethodStats {
  std::string method;  // sanitised by the collector; "other" for the merged rest
  uint64_t calls = 0;
  uint64_t requestBytes = 0;  // non-batch requests only
  uint64_t responseBytes = 0;
};

struct PayloadSource {
  RpcKey key;
  RpcCounts counts;
  std::vector<RpcMethodStats> methods;
};

// One valid payload line.
struct PayloadInterval {
  uint32_t version = 0;
  int64_t ts = 0;           // end of the interval (ts_unix_sec)
  int64_t intervalSec = 0;  // the interval is [ts - intervalSec, ts]
  std::vector<uint16_t> dstPorts;
  uint64_t ringbufDrops = 0;
  uint64_t parseErrors = 0;
  std::vector<PayloadSource> sources;
  uint32_t stream = 0;  // set by the payload input merger (its own numbering, apart from counters)
};

// What went wrong with the payload input and was survived, plus what the collector itself said
// about its accuracy; the application layer's data-quality section.
struct PayloadQuality {
  uint64_t files = 0;
  uint64_t lines = 0;
  uint64_t blankLines = 0;
  uint64_t intervals = 0;       // valid payload lines delivered
  uint64_t malformedLines = 0;  // bad JSON, wrong types, missing fields, wrong kind...
  uint64_t tornLastLines = 0;   // subset of malformedLines: a final line with no newline
  uint64_t oversizedLines = 0;
  uint64_t outOfOrderLines = 0;        // earlier timestamp than the previous line of the file
  uint64_t zeroDurationIntervals = 0;  // filled in by the analysis
  uint64_t sourcesOutsidePorts = 0;    // filled in by the analysis (--dst-port)
  uint64_t ringbufDrops = 0;           // sum of the lines' ringbuf_drops
  uint64_t intervalsWithDrops = 0;  // lines with ringbuf_drops > 0: their counts are lower bounds
  uint64_t parseErrors = 0;         // sum of the lines' parse_errors
  uint64_t streamSplits = 0;
  std::vector<StreamInfo> streams;  // payload streams, in order of their first line
  bool singleStream() const { return streams.size() <= 1; }
};

}  // namespace ibsr::report
