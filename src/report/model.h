// Snapshot data as parsed from one JSONL line, and the packed key that identifies a counter
// bucket. Timestamps are Unix seconds; counters are the cumulative values the collector read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"

namespace ibsr::report {

// IPv4 types are ordered like their key_type strings ("src_cidr24" < "src_ip") so that sorting
// packed IPv4 keys numerically gives the report's (key_type, numeric IP, port) order; IPv6 types
// come after every IPv4 one (keyLess orders IPv6 keys among themselves).
enum class KeyType : uint8_t { SrcCidr24 = 0, SrcIp = 1, SrcIp6 = 2, SrcNet6 = 3 };

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

  // Empty for the next line, the vectors keeping their capacity (stream is the merger's).
  void clearForLine(uint32_t lineVersion = 0) {
    version = lineVersion;
    ts = 0;
    baseTs.reset();
    runId.clear();
    dstPorts.clear();
    buckets.clear();
  }
};

// A key is (source, destination port): 2 bits of key type, 32 bits of source, 16 of port (50
// bits, so the analysis can put a stream index above them and hash one integer per bucket). An
// IPv4 source is its address (host order); an IPv6 source, which cannot fit, is the id under
// which internIpv6Source() keeps its prefix. IPv4 keys are thus exactly what they were before
// IPv6, and ingest pays for an IPv6 source only on IPv6 buckets.
inline uint64_t packKey(KeyType type, uint32_t source, uint16_t port) {
  return (uint64_t(type) << 48) | (uint64_t(source) << 16) | port;
}
inline KeyType keyType(uint64_t key) {
  return KeyType(key >> 48);
}
inline bool isIpv6Key(uint64_t key) {
  return keyType(key) >= KeyType::SrcIp6;
}
inline uint32_t keyIp(uint64_t key) {  // the IPv4 address, or the IPv6 source id
  return uint32_t(key >> 16);
}
inline uint16_t keyPort(uint64_t key) {
  return uint16_t(key);
}

// The id of an IPv6 source prefix (a /128 or a shorter prefix, host bits cleared), the same for
// the same prefix for the whole process, so both passes of a report and every stream agree on
// it. Ids are identities only: nothing is ordered or printed by id. Not thread-safe: ibsr-report
// analyses on one thread.
uint32_t internIpv6Source(const IpPrefix& prefix);
// An IPv6 key: (src_ip6 for a /128, src_net6 for a shorter prefix, interned prefix, port).
uint64_t packIpv6Key(const IpPrefix& prefix, uint16_t port);
// The address range of any key: a.b.c.d/32, a.b.c.0/24 or the IPv6 prefix.
IpPrefix keySource(uint64_t key);
// The report's order: IPv4 keys by (key_type, numeric IP, port), then IPv6 keys by (numeric
// network, prefix length, port).
bool keyLess(uint64_t a, uint64_t b);

// Saturating addition: counters are u64 on the wire, so sums over many keys could wrap.
inline uint64_t satAdd(uint64_t a, uint64_t b) {
  uint64_t r = a + b;
  return r < a ? UINT64_MAX : r;
}

// "a.b.c.d:port", "a.b.c.d/24:port", "[2001:db8::1]:port" or "[2001:db8:1:2::]/64:port" (the
// brackets keep the port apart from the address's colons).
std::string formatSource(uint64_t key);
// "a.b.c.d", "a.b.c.d/24", "2001:db8::1" or "2001:db8:1:2::/64".
std::string formatKeyValue(uint64_t key);
std::string_view keyTypeName(KeyType type);
// ISO 8601 UTC, e.g. 2025-01-15T10:02:00Z.
std::string formatTime(int64_t ts);
// Accepts Unix seconds or YYYY-MM-DDTHH:MM:SSZ.
std::optional<int64_t> parseTime(std::string_view text);

}  // namespace ibsr::report
