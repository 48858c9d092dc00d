#include "collect/snapshot.h"

#include <algorithm>
#include <charconv>

namespace ibsr::collect {
namespace {

void appendUint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void appendField(std::string& out, const char* nameWithQuotesAndColon, std::uint64_t v) {
  out += nameWithQuotesAndColon;
  appendUint(out, v);
}

}  // namespace

void canonicalize(Snapshot& s) {
  std::sort(s.dstPorts.begin(), s.dstPorts.end());
  std::sort(s.buckets.begin(), s.buckets.end(), [](const Bucket& a, const Bucket& b) {
    if (a.key.src_ip != b.key.src_ip) return a.key.src_ip < b.key.src_ip;
    return a.key.dst_port < b.key.dst_port;
  });
}

void appendSnapshotJson(const Snapshot& s, std::string& out) {
  // Roughly 150 bytes per bucket; reserving avoids repeated growth for a 1M-entry map.
  out.reserve(out.size() + 96 + s.buckets.size() * 160);
  appendField(out, "{\"version\":", kSnapshotSchemaVersion);
  appendField(out, ",\"ts_unix_sec\":", s.tsUnixSec);
  out += ",\"dst_ports\":[";
  for (std::size_t i = 0; i < s.dstPorts.size(); ++i) {
    if (i) out += ',';
    appendUint(out, s.dstPorts[i]);
  }
  out += "],\"buckets\":[";
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    const Bucket& b = s.buckets[i];
    if (i) out += ',';
    appendField(out, "{\"key_type\":\"src_ip\",\"key_value\":", b.key.src_ip);
    appendField(out, ",\"dst_port\":", b.key.dst_port);
    appendField(out, ",\"syn\":", b.counters.syn);
    appendField(out, ",\"ack\":", b.counters.ack);
    appendField(out, ",\"handshake_ack\":", b.counters.handshake_ack);
    appendField(out, ",\"rst\":", b.counters.rst);
    appendField(out, ",\"packets\":", b.counters.packets);
    appendField(out, ",\"bytes\":", b.counters.bytes);
    out += '}';
  }
  out += "]}\n";
}

std::uint64_t distinctSources(const Snapshot& s) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.buckets.size(); ++i)
    if (i == 0 || s.buckets[i].key.src_ip != s.buckets[i - 1].key.src_ip) ++n;
  return n;
}

}  // namespace ibsr::collect
