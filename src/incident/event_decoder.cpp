#include "incident/event_decoder.h"

#include <time.h>

#include <cstring>

#include "ibsr_abi.h"

namespace ibsr::incident {
namespace {

std::int64_t nowNs(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

void EventDecoder::refreshClockOffset() {
  offsetNs_ = nowNs(CLOCK_REALTIME) - nowNs(CLOCK_MONOTONIC);
}

void EventDecoder::handle(const void* data, std::size_t size) {
  ibsr_incident_event e;
  if (size != sizeof(e)) {
    ++stats_.eventsDecodeErrors;
    return;
  }
  // Copy out: the consumer's view of the ring buffer is read-only, and scrubbing writes.
  std::memcpy(&e, data, sizeof(e));
  if (e.cap_len == 0 || e.cap_len > IBSR_INCIDENT_SNAPLEN || e.cap_len > e.orig_len ||
      e.direction > IBSR_DIR_EGRESS) {
    ++stats_.eventsDecodeErrors;
    return;
  }
  if (scrubber_.apply(e.data, e.cap_len) == ScrubVerdict::Drop) {
    ++stats_.eventsScrubbed;
    return;
  }
  std::int64_t wallNs = static_cast<std::int64_t>(e.ts_ns) + offsetNs_;
  std::uint64_t tsUsec = wallNs > 0 ? static_cast<std::uint64_t>(wallNs) / 1000 : 0;
  sink_.write(tsUsec, std::span<const std::uint8_t>(e.data, e.cap_len), e.orig_len);
}

}  // namespace ibsr::incident
