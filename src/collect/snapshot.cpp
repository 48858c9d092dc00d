#include "collect/snapshot.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ibsr::collect {
namespace {

// Sort key: the canonical (key_value, dst_port) order as one integer.
inline std::uint64_t sortKey(const CounterEntry& b) {
  return (static_cast<std::uint64_t>(b.key.src_ip) << 16) | b.key.dst_port;
}

// Worst case of one bucket object: the fixed text plus seven 20-digit numbers.
constexpr std::size_t kMaxBucketJson = 128 + 7 * 20;

template <std::size_t N>
inline char* put(char* p, const char (&text)[N]) {
  std::memcpy(p, text, N - 1);
  return p + N - 1;
}

inline char* put(char* p, std::uint64_t v) {
  return std::to_chars(p, p + 20, v).ptr;
}

}  // namespace

namespace {

bool keyLess(const CounterEntry& a, const CounterEntry& b) {
  return sortKey(a) < sortKey(b);
}

// Below this many entries a comparison sort of the (cache-resident) range is cheaper than
// another radix pass.
constexpr std::size_t kRadixCutoff = 384;

// In-place most-significant-digit radix sort ("American flag sort") on the 48-bit key, a byte
// at a time from bit `shift`: each entry is moved about once per level, where a comparison sort
// of a whole map moves it log2(n) times, and no second buffer of entries is needed (memory is
// what the collector must keep small). Skewed keys (most sources in a few /8s) only cost a
// level that moves nothing.
void radixSort(CounterEntry* a, std::size_t n, int shift) {
  if (n < kRadixCutoff || shift < 0) {
    std::sort(a, a + n, keyLess);
    return;
  }
  auto digit = [shift](const CounterEntry& e) {
    return static_cast<std::size_t>((sortKey(e) >> shift) & 0xFF);
  };
  std::size_t count[256] = {};
  for (std::size_t i = 0; i < n; ++i) ++count[digit(a[i])];
  std::size_t head[256], end[256];
  std::size_t at = 0;
  for (std::size_t d = 0; d < 256; ++d) {
    head[d] = at;
    at += count[d];
    end[d] = at;
  }
  if (count[digit(a[0])] != n) {
    for (std::size_t d = 0; d < 256; ++d) {
      while (head[d] < end[d]) {
        CounterEntry e = a[head[d]];
        for (std::size_t to = digit(e); to != d; to = digit(e)) std::swap(e, a[head[to]++]);
        a[head[d]++] = e;
      }
    }
  }
  for (std::size_t d = 0, from = 0; d < 256; from = end[d], ++d)
    if (end[d] - from > 1) radixSort(a + from, end[d] - from, shift - 8);
}

}  // namespace

void canonicalize(Snapshot& s) {
  std::sort(s.dstPorts.begin(), s.dstPorts.end());
  // 48-bit keys: src_ip (32) then dst_port (16), most significant byte first.
  radixSort(s.buckets.data(), s.buckets.size(), 40);
}

std::size_t maxSnapshotJsonSize(const Snapshot& s) {
  return 96 + s.dstPorts.size() * 8 + s.buckets.size() * kMaxBucketJson;
}

std::string snapshotJson(const Snapshot& s) {
  std::string out(maxSnapshotJsonSize(s), '\0');
  out.resize(static_cast<std::size_t>(writeSnapshotJson(s, out.data()) - out.data()));
  return out;
}

char* writeSnapshotHead(const Snapshot& s, char* p) {
  p = put(p, "{\"version\":");
  p = put(p, kSnapshotSchemaVersion);
  p = put(p, ",\"ts_unix_sec\":");
  p = put(p, s.tsUnixSec);
  p = put(p, ",\"dst_ports\":[");
  for (std::size_t i = 0; i < s.dstPorts.size(); ++i) {
    if (i) *p++ = ',';
    p = put(p, s.dstPorts[i]);
  }
  return put(p, "],\"buckets\":[");
}

char* writeSnapshotBuckets(const Snapshot& s, std::size_t first, std::size_t count, char* p) {
  for (std::size_t i = first; i < first + count; ++i) {
    const CounterEntry& b = s.buckets[i];
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
  return p;
}

char* writeSnapshotTail(char* p) {
  return put(p, "]}\n");
}

char* writeSnapshotJson(const Snapshot& s, char* p) {
  p = writeSnapshotHead(s, p);
  p = writeSnapshotBuckets(s, 0, s.buckets.size(), p);
  return writeSnapshotTail(p);
}

std::uint64_t distinctSources(const Snapshot& s) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.buckets.size(); ++i)
    if (i == 0 || s.buckets[i].key.src_ip != s.buckets[i - 1].key.src_ip) ++n;
  return n;
}

}  // namespace ibsr::collect
