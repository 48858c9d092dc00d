#include "incident/event_decoder.h"

#include <time.h>

#include <algorithm>
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
      e.direction > IBSR_DIR_EGRESS || e.vlan_present > 1) {
    ++stats_.eventsDecodeErrors;
    return;
  }
  std::uint8_t frame[IBSR_INCIDENT_SNAPLEN];
  std::size_t capLen = e.cap_len;
  std::uint32_t origLen = e.orig_len;
  if (e.vlan_present && capLen >= 12) {
    // Re-insert the tag the kernel took out of the frame (as libpcap does for AF_PACKET).
    const std::uint8_t tag[4] = {
        static_cast<std::uint8_t>(e.vlan_proto >> 8), static_cast<std::uint8_t>(e.vlan_proto),
        static_cast<std::uint8_t>(e.vlan_tci >> 8), static_cast<std::uint8_t>(e.vlan_tci)};
    std::memcpy(frame, e.data, 12);
    std::memcpy(frame + 12, tag, 4);
    std::size_t rest = std::min(capLen - 12, sizeof(frame) - 16);
    std::memcpy(frame + 16, e.data + 12, rest);
    capLen = 16 + rest;
    origLen += 4;
  } else {
    std::memcpy(frame, e.data, capLen);
  }
  if (scrubber_.apply(frame, capLen) == ScrubVerdict::Drop) {
    ++stats_.eventsScrubbed;
    return;
  }
  std::int64_t wallNs = static_cast<std::int64_t>(e.ts_ns) + offsetNs_;
  std::uint64_t tsUsec = wallNs > 0 ? static_cast<std::uint64_t>(wallNs) / 1000 : 0;
  sink_.write(tsUsec, std::span<const std::uint8_t>(frame, capLen), origLen);
}

}  // namespace ibsr::incident
