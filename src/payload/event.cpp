#include "payload/event.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace ibsr::payload {

namespace {

// The header's address words hold wire-order bytes (IPv4: the first four).
IpAddress toAddress(std::uint8_t family, const __u32 (&words)[4]) {
  if (family == IBSR_PAYLOAD_FAMILY_IPV4) return IpAddress::fromV4(ntohl(words[0]));
  std::array<std::uint8_t, 16> bytes;
  std::memcpy(bytes.data(), words, bytes.size());
  return IpAddress::fromV6(bytes);
}

}  // namespace

std::optional<Segment> decodeEvent(const void* record, std::size_t size) {
  ibsr_payload_event_hdr h;
  if (size < sizeof(h)) return std::nullopt;
  std::memcpy(&h, record, sizeof(h));
  if (h.cap_len > IBSR_PAYLOAD_MAX_SNAPLEN || h.cap_len > h.payload_len ||
      size < sizeof(h) + h.cap_len)
    return std::nullopt;
  if (h.direction != IBSR_PAYLOAD_DIR_INGRESS && h.direction != IBSR_PAYLOAD_DIR_EGRESS)
    return std::nullopt;
  if (h.family != IBSR_PAYLOAD_FAMILY_IPV4 && h.family != IBSR_PAYLOAD_FAMILY_IPV6)
    return std::nullopt;
  Segment s;
  s.tsNs = h.ts_ns;
  s.srcIp = toAddress(h.family, h.src_addr);
  s.dstIp = toAddress(h.family, h.dst_addr);
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
