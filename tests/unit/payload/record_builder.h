// Builds ring-buffer records exactly as bpf/payload.bpf.c emits them (header + captured prefix),
// for the unit tests, the fuzz targets and the benchmark. A Conversation keeps the sequence
// numbers of one client<->server connection.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/ip_address.h"
#include "ibsr_abi.h"

namespace ibsr::payload::testing {

using Record = std::vector<std::uint8_t>;

// An address as the kernel writes it: wire-order bytes, IPv4 in the first four.
inline void putAddress(__u32 (&words)[4], const IpAddress& a) {
  std::memset(words, 0, sizeof(words));
  std::memcpy(words, a.bytes().data(), a.isV4() ? 4 : 16);
}

inline Record makeRecord(std::uint8_t direction, const IpAddress& srcIp, const IpAddress& dstIp,
                         std::uint16_t srcPort, std::uint16_t dstPort, std::uint32_t seq,
                         std::uint8_t flags, std::string_view payload,
                         std::uint32_t snaplen = IBSR_PAYLOAD_MAX_SNAPLEN, std::uint64_t tsNs = 1) {
  ibsr_payload_event_hdr h{};
  h.ts_ns = tsNs;
  putAddress(h.src_addr, srcIp);
  putAddress(h.dst_addr, dstIp);
  h.family = srcIp.isV4() ? IBSR_PAYLOAD_FAMILY_IPV4 : IBSR_PAYLOAD_FAMILY_IPV6;
  h.src_port = srcPort;
  h.dst_port = dstPort;
  h.seq = seq;
  h.payload_len = static_cast<std::uint32_t>(payload.size());
  h.cap_len = std::min<std::uint32_t>(h.payload_len, snaplen);
  h.direction = direction;
  h.tcp_flags = flags;
  Record r(sizeof(h) + h.cap_len);
  std::memcpy(r.data(), &h, sizeof(h));
  if (h.cap_len > 0) std::memcpy(r.data() + sizeof(h), payload.data(), h.cap_len);
  return r;
}

// IPv4 addresses as host-order numbers.
inline Record makeRecord(std::uint8_t direction, std::uint32_t srcIp, std::uint32_t dstIp,
                         std::uint16_t srcPort, std::uint16_t dstPort, std::uint32_t seq,
                         std::uint8_t flags, std::string_view payload,
                         std::uint32_t snaplen = IBSR_PAYLOAD_MAX_SNAPLEN, std::uint64_t tsNs = 1) {
  return makeRecord(direction, IpAddress::fromV4(srcIp), IpAddress::fromV4(dstIp), srcPort, dstPort,
                    seq, flags, payload, snaplen, tsNs);
}

class Conversation {
 public:
  Conversation(const IpAddress& clientIp, std::uint16_t clientPort, const IpAddress& serverIp,
               std::uint16_t serverPort, std::uint32_t snaplen = IBSR_PAYLOAD_MAX_SNAPLEN)
      : cIp_(clientIp), sIp_(serverIp), cPort_(clientPort), sPort_(serverPort), snaplen_(snaplen) {}
  // IPv4 addresses as host-order numbers.
  Conversation(std::uint32_t clientIp, std::uint16_t clientPort, std::uint32_t serverIp,
               std::uint16_t serverPort, std::uint32_t snaplen = IBSR_PAYLOAD_MAX_SNAPLEN)
      : Conversation(IpAddress::fromV4(clientIp), clientPort, IpAddress::fromV4(serverIp),
                     serverPort, snaplen) {}

  Record syn() { return up(cSeq_++, IBSR_TCP_SYN, {}); }
  Record synAck() { return down(sSeq_++, IBSR_TCP_SYN | IBSR_TCP_ACK, {}); }
  // Sends `data` client->server in segments of at most `mss` bytes.
  std::vector<Record> request(std::string_view data, std::size_t mss = 1448) {
    return segments(data, mss, true);
  }
  std::vector<Record> response(std::string_view data, std::size_t mss = 1448) {
    return segments(data, mss, false);
  }
  Record clientFin() { return up(cSeq_++, IBSR_TCP_FIN | IBSR_TCP_ACK, {}); }
  Record serverFin() { return down(sSeq_++, IBSR_TCP_FIN | IBSR_TCP_ACK, {}); }
  Record clientRst() { return up(cSeq_, IBSR_TCP_RST, {}); }

  std::uint32_t clientSeq() const { return cSeq_; }
  std::uint32_t serverSeq() const { return sSeq_; }
  Record upAt(std::uint32_t seq, std::string_view data) {
    return up(seq, IBSR_TCP_ACK | IBSR_TCP_PSH, data);
  }
  Record downAt(std::uint32_t seq, std::string_view data) {
    return down(seq, IBSR_TCP_ACK | IBSR_TCP_PSH, data);
  }
  void advanceClient(std::uint32_t n) { cSeq_ += n; }
  void advanceServer(std::uint32_t n) { sSeq_ += n; }

 private:
  Record up(std::uint32_t seq, std::uint8_t flags, std::string_view data) {
    return makeRecord(IBSR_PAYLOAD_DIR_INGRESS, cIp_, sIp_, cPort_, sPort_, seq, flags, data,
                      snaplen_, ++ts_);
  }
  Record down(std::uint32_t seq, std::uint8_t flags, std::string_view data) {
    return makeRecord(IBSR_PAYLOAD_DIR_EGRESS, sIp_, cIp_, sPort_, cPort_, seq, flags, data,
                      snaplen_, ++ts_);
  }
  std::vector<Record> segments(std::string_view data, std::size_t mss, bool toServer) {
    std::vector<Record> out;
    for (std::size_t off = 0; off < data.size(); off += mss) {
      auto part = data.substr(off, mss);
      out.push_back(toServer ? upAt(cSeq_, part) : downAt(sSeq_, part));
      (toServer ? cSeq_ : sSeq_) += static_cast<std::uint32_t>(part.size());
    }
    return out;
  }

  IpAddress cIp_, sIp_;
  std::uint16_t cPort_, sPort_;
  std::uint32_t snaplen_;
  std::uint32_t cSeq_ = 1000;
  std::uint32_t sSeq_ = 50000;
  std::uint64_t ts_ = 0;
};

}  // namespace ibsr::payload::testing
