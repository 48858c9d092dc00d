// Snapshot data as parsed from one JSONL line, and the packed key that identifies a counter
// bucket. Timestamps are Unix seconds; counters are the cumulative values the collector read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"

namespace ibsr::report {

// Ordered like the key_type strings ("src_cidr24" < "src_ip") so that sorting packed keys
// numerically gives the report's (key_type, numeric IP, port) order.
enum class KeyType : uint8_t { SrcCidr24 = 0, SrcIp = 1 };

// Latest timestamp we accept (9999-12-31T23:59:59Z): keeps every time computation far from
// int64 overflow and every timestamp printable as ISO 8601.
inline constexpr int64_t kMaxTimestamp = 253402300799;

struct Counters {
  uint64_t syn = 0;
  uint64_t ack = 0;
  uint64_t handshakeAck = 0;
  uint64_t rst = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct Bucket {
  uint64_t key = 0;  // packKey(type, ip, port)
  Counters counters;
};

struct Snapshot {
  uint32_t version = 0;
  int64_t ts = 0;
  std::optional<int64_t> baseTs;  // v5+: when the collector run started
  std::string runId;              // v5+: one collector run; empty when the line has none
  uint32_t stream = 0;            // set by the input merger: which stream the line belongs to
  std::vector<uint16_t> dstPorts;
  std::vector<Bucket> buckets;
};

inline uint64_t packKey(KeyType type, uint32_t ip, uint16_t port) {
  return (uint64_t(type) << 48) | (uint64_t(ip) << 16) | port;
}
inline KeyType keyType(uint64_t key) {
  return KeyType(key >> 48);
}
inline uint32_t keyIp(uint64_t key) {
  return uint32_t(key >> 16);
}
inline uint16_t keyPort(uint64_t key) {
  return uint16_t(key);
}

// Saturating addition: counters are u64 on the wire, so sums over many keys could wrap.
inline uint64_t satAdd(uint64_t a, uint64_t b) {
  uint64_t r = a + b;
  return r < a ? UINT64_MAX : r;
}

// "a.b.c.d:port" or "a.b.c.d/24:port" for cidr24 keys.
std::string formatSource(uint64_t key);
// "a.b.c.d" or "a.b.c.d/24".
std::string formatKeyValue(uint64_t key);
std::string_view keyTypeName(KeyType type);
// ISO 8601 UTC, e.g. 2025-01-15T10:02:00Z.
std::string formatTime(int64_t ts);
// Accepts Unix seconds or YYYY-MM-DDTHH:MM:SSZ.
std::optional<int64_t> parseTime(std::string_view text);

}  // namespace ibsr::report
