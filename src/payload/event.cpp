#include "payload/event.h"

#include <cstring>

namespace ibsr::payload {

std::optional<Segment> decodeEvent(const void* record, std::size_t size) {
  ibsr_payload_event_hdr h;
  if (size < sizeof(h)) return std::nullopt;
  std::memcpy(&h, record, sizeof(h));
  if (h.cap_len > IBSR_PAYLOAD_MAX_SNAPLEN || h.cap_len > h.payload_len ||
      size < sizeof(h) + h.cap_len)
    return std::nullopt;
  if (h.direction != IBSR_PAYLOAD_DIR_INGRESS && h.direction != IBSR_PAYLOAD_DIR_EGRESS)
    return std::nullopt;
  Segment s;
  s.tsNs = h.ts_ns;
  s.srcIp = h.src_ip;
  s.dstIp = h.dst_ip;
  s.srcPort = h.src_port;
  s.dstPort = h.dst_port;
  s.seq = h.seq;
  s.payloadLen = h.payload_len;
  s.direction = h.direction;
  s.tcpFlags = h.tcp_flags;
  s.capped = h.capped != 0;
  s.data = {static_cast<const std::uint8_t*>(record) + sizeof(h), h.cap_len};
  return s;
}

}  // namespace ibsr::payload
