#include "payload/pipeline.h"

namespace ibsr::payload {

Pipeline::Pipeline(const PipelineLimits& limits)
    : aggregator_(limits.maxMethods, limits.maxSources),
      ctx_(),
      flows_(limits.maxFlows, limits.flowIdleNs, &ctx_) {
  ctx_.aggregator = &aggregator_;
}

void Pipeline::onRecord(const void* data, std::size_t size) {
  ++ctx_.stats.events;
  auto seg = decodeEvent(data, size);
  if (!seg) {
    ++ctx_.stats.badEvents;
    return;
  }
  flows_.process(*seg);
}

}  // namespace ibsr::payload
