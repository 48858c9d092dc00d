#include "payload/output.h"

#include <fmt/format.h>

#include "core/artefacts.h"

namespace ibsr::payload {
namespace {

RotationPolicy payloadFiles(RotationPolicy policy) {
  policy.prefix = artefact::kPayloadPrefix;
  return policy;
}

}  // namespace

OutputWriter::OutputWriter(std::string outDir, RotationPolicy policy)
    : writer_(std::move(outDir), payloadFiles(std::move(policy))) {}

void OutputWriter::write(const PayloadSnapshot& s, const StatusCounters& c) {
  writer_.writeCycle(
      s.tsUnixSec, snapshotLine(s),
      fmt::format("\"sources\":{},\"events_received\":{},\"ringbuf_drops\":{},"
                  "\"flows_tracked\":{},\"flows_evicted\":{},\"flows_idle_closed\":{},"
                  "\"parse_errors\":{},\"gaps\":{},\"incomplete_bodies\":{},"
                  "\"unpaired_responses\":{},\"dropped_sources\":{}",
                  s.sources.size(), c.eventsReceived, c.ringbufDrops, c.flowsTracked,
                  c.flowsEvicted, c.flowsIdleClosed, c.parseErrors, c.gaps, c.incompleteBodies,
                  c.unpairedResponses, c.droppedSources));
}

}  // namespace ibsr::payload
