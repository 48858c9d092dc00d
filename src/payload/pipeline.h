// Everything between a ring-buffer record and the per-interval statistics, independent of BPF:
// decode -> flow table (reassembly, HTTP, JSON-RPC, pairing) -> aggregator. Unit tests, fuzz
// targets and the benchmark drive it with synthetic records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "payload/aggregation.h"
#include "payload/connection.h"
#include "payload/flow_table.h"

namespace ibsr::payload {

struct PipelineLimits {
  std::size_t maxFlows = IBSR_PAYLOAD_DEFAULT_FLOWS;
  std::uint64_t flowIdleNs = 300ull * 1000 * 1000 * 1000;
  std::size_t maxMethods = 20;
  std::size_t maxSources = IBSR_DEFAULT_MAP_SIZE;
};

class Pipeline {
 public:
  explicit Pipeline(const PipelineLimits& limits);

  // One ring-buffer record (header + captured payload).
  void onRecord(const void* data, std::size_t size);
  void onSegment(const Segment& seg) { flows_.process(seg); }
  void expireIdle(std::uint64_t nowNs) { flows_.expireIdle(nowNs); }
  void flushAll() { flows_.flushAll(); }
  std::vector<SourceStats> takeInterval() { return aggregator_.take(); }

  const PipelineStats& stats() const { return ctx_.stats; }
  std::size_t flowsTracked() const { return flows_.size(); }
  std::uint64_t droppedSources() const { return aggregator_.droppedSources(); }

 private:
  Aggregator aggregator_;
  PipelineContext ctx_;
  FlowTable flows_;
};

}  // namespace ibsr::payload
