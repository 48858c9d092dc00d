// One ring-buffer record of bpf/payload.bpf.c, decoded and validated. The payload bytes are a
// view into the ring buffer: valid only during the callback that delivered the record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/ip_address.h"
#include "ibsr_abi.h"

namespace ibsr::payload {

struct Segment {
  std::uint64_t tsNs = 0;
  IpAddress srcIp;
  IpAddress dstIp;
  std::uint16_t srcPort = 0;
  std::uint16_t dstPort = 0;
  std::uint32_t seq = 0;
  std::uint32_t payloadLen = 0;  // bytes the packet carried; data holds the first of them
  std::uint8_t direction = IBSR_PAYLOAD_DIR_INGRESS;
  std::uint8_t tcpFlags = 0;
  bool capped = false;
  std::span<const std::uint8_t> data;
};

// nullopt when the record is shorter than its header says or its fields are inconsistent
// (cap_len > payload_len, unknown direction or address family): such a record is counted and
// ignored.
std::optional<Segment> decodeEvent(const void* record, std::size_t size);

}  // namespace ibsr::payload
