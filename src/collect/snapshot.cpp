#include "collect/snapshot.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

namespace ibsr::collect {
namespace {

// Sort key: the canonical (key_value, dst_port) order as one integer.
inline std::uint64_t sortKey(const Bucket& b) {
  return (static_cast<std::uint64_t>(b.key.src_ip) << 16) | b.key.dst_port;
}

// Worst case of one bucket object: the fixed text plus seven 20-digit numbers.
constexpr std::size_t kMaxBucketJson = 128 + 7 * 20;

template <std::size_t N>
inline char* put(char* p, const char (&text)[N]) {
  std::memcpy(p, text, N - 1);
  return p + N - 1;
}

inline char* put(char* p, std::uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }

}  // namespace

void canonicalize(Snapshot& s) {
  std::sort(s.dstPorts.begin(), s.dstPorts.end());
  auto& b = s.buckets;
  if (std::is_sorted(b.begin(), b.end(),
                     [](const Bucket& x, const Bucket& y) { return sortKey(x) < sortKey(y); }))
    return;
  // LSD radix sort on the 48-bit key: three stable 16-bit passes over (key, index) pairs, then
  // one permutation of the 56-byte buckets. For a 1M-entry map this is several times faster
  // than a comparison sort that moves whole buckets.
  const std::size_t n = b.size();
  std::vector<std::pair<std::uint64_t, std::uint32_t>> items(n), tmp(n);
  for (std::size_t i = 0; i < n; ++i) items[i] = {sortKey(b[i]), static_cast<std::uint32_t>(i)};
  std::vector<std::uint32_t> count(65536);
  for (int shift = 0; shift < 48; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (const auto& it : items) ++count[(it.first >> shift) & 0xFFFF];
    std::uint32_t sum = 0;
    for (auto& c : count) sum += std::exchange(c, sum);
    for (const auto& it : items) tmp[count[(it.first >> shift) & 0xFFFF]++] = it;
    items.swap(tmp);
  }
  tmp = {};
  // Apply the permutation in place (following its cycles) instead of copying every bucket into
  // a second array: that copy would double peak memory for a full 1M-entry map.
  for (std::size_t i = 0; i < n; ++i) {
    if (items[i].second == i) continue;
    Bucket held = b[i];
    std::size_t dst = i;
    for (;;) {
      std::size_t src = items[dst].second;
      items[dst].second = static_cast<std::uint32_t>(dst);
      if (src == i) {
        b[dst] = held;
        break;
      }
      b[dst] = b[src];
      dst = src;
    }
  }
}

std::size_t maxSnapshotJsonSize(const Snapshot& s) {
  return 96 + s.dstPorts.size() * 8 + s.buckets.size() * kMaxBucketJson;
}

std::string snapshotJson(const Snapshot& s) {
  std::string out(maxSnapshotJsonSize(s), '\0');
  out.resize(static_cast<std::size_t>(writeSnapshotJson(s, out.data()) - out.data()));
  return out;
}

char* writeSnapshotJson(const Snapshot& s, char* p) {
  p = put(p, "{\"version\":");
  p = put(p, kSnapshotSchemaVersion);
  p = put(p, ",\"ts_unix_sec\":");
  p = put(p, s.tsUnixSec);
  p = put(p, ",\"dst_ports\":[");
  for (std::size_t i = 0; i < s.dstPorts.size(); ++i) {
    if (i) *p++ = ',';
    p = put(p, s.dstPorts[i]);
  }
  p = put(p, "],\"buckets\":[");
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    const Bucket& b = s.buckets[i];
    if (i) *p++ = ',';
    p = put(p, "{\"key_type\":\"src_ip\",\"key_value\":");
    p = put(p, b.key.src_ip);
    p = put(p, ",\"dst_port\":");
    p = put(p, b.key.dst_port);
    p = put(p, ",\"syn\":");
    p = put(p, b.counters.syn);
    p = put(p, ",\"ack\":");
    p = put(p, b.counters.ack);
    p = put(p, ",\"handshake_ack\":");
    p = put(p, b.counters.handshake_ack);
    p = put(p, ",\"rst\":");
    p = put(p, b.counters.rst);
    p = put(p, ",\"packets\":");
    p = put(p, b.counters.packets);
    p = put(p, ",\"bytes\":");
    p = put(p, b.counters.bytes);
    *p++ = '}';
  }
  return put(p, "]}\n");
}

std::uint64_t distinctSources(const Snapshot& s) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.buckets.size(); ++i)
    if (i == 0 || s.buckets[i].key.src_ip != s.buckets[i - 1].key.src_ip) ++n;
  return n;
}

}  // namespace ibsr::collect
