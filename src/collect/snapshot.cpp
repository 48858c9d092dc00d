#include "collect/snapshot.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "collect/json_text.h"
#include "collect/radix_sort.h"

namespace ibsr::collect {
namespace {

// Sort key: the canonical (key_value, dst_port) order as one integer.
inline std::uint64_t sortKey(const CounterEntry& b) {
  return (static_cast<std::uint64_t>(b.key.src_ip) << 16) | b.key.dst_port;
}

// Worst case of one bucket object: the fixed text plus seven 20-digit numbers.
constexpr std::size_t kMaxBucketJson = 128 + 7 * 20;
// What one bucket's text (with its comma) can really take: 105 bytes of names and punctuation, a
// 10-digit address, a 5-digit port and six 20-digit counters.
constexpr std::size_t kMaxBucketText = 105 + 10 + 5 + 6 * 20;
static_assert(kMaxBucketText <= kMaxBucketJson);

using json_text::put;

}  // namespace

namespace {

bool keyLess(const CounterEntry& a, const CounterEntry& b) {
  return sortKey(a) < sortKey(b);
}

// The 48-bit key's bytes, most significant first, from bit `shift` (collect/radix_sort.h).
void radixSort(CounterEntry* a, std::size_t n, int shift) {
  constexpr int kKeyBytes = 6;
  msdRadixSort(
      a, n, (40 - shift) / 8, kKeyBytes,
      [](const CounterEntry& e, int level) {
        return static_cast<std::size_t>((sortKey(e) >> (40 - 8 * level)) & 0xFF);
      },
      keyLess);
}

}  // namespace

void canonicalize(Snapshot& s) {
  std::sort(s.dstPorts.begin(), s.dstPorts.end());
  // 48-bit keys: src_ip (32) then dst_port (16), most significant byte first.
  radixSort(s.buckets.data(), s.buckets.size(), 40);
}

std::size_t maxSnapshotJsonSize(std::size_t ports, std::size_t buckets) {
  return 96 + ports * 8 + buckets * kMaxBucketJson;
}

std::size_t maxSnapshotJsonSize(const Snapshot& s) {
  return maxSnapshotJsonSize(s.dstPorts.size(), s.buckets.size());
}

std::string snapshotJson(const Snapshot& s) {
  std::string out(maxSnapshotJsonSize(s), '\0');
  out.resize(static_cast<std::size_t>(writeSnapshotJson(s, out.data()) - out.data()));
  return out;
}

namespace {

char* writeHead(std::uint64_t ts, const std::vector<std::uint16_t>& ports, char* p) {
  p = put(p, "{\"version\":");
  p = put(p, kSnapshotSchemaVersion);
  p = put(p, ",\"ts_unix_sec\":");
  p = put(p, ts);
  p = put(p, ",\"dst_ports\":[");
  for (std::size_t i = 0; i < ports.size(); ++i) {
    if (i) *p++ = ',';
    p = put(p, ports[i]);
  }
  return put(p, "],\"buckets\":[");
}

// One bucket as a JSON object. The fused sort + format below writes text over the memory where
// sorted entries lie, never past the one being formatted: callers pass a copy.
inline char* writeBucket(const CounterEntry b, char* p) {
  p = put(p, "{\"key_type\":\"src_ip\",\"key_value\":");
  p = put(p, b.key.src_ip);
  p = put(p, ",\"dst_port\":");
  p = put(p, b.key.dst_port);
  return json_text::putCounters(p, b.counters);
}

// Buckets [entries, entries + count), each preceded by a comma unless it is the line's first.
char* writeBuckets(const CounterEntry* entries, std::size_t count, bool lineFirst, char* p) {
  for (std::size_t i = 0; i < count; ++i) {
    const CounterEntry b = entries[i];
    if (i || !lineFirst) *p++ = ',';
    p = writeBucket(b, p);
  }
  return p;
}

char* writeTail(char* p) {
  return put(p, "]}\n");
}

}  // namespace

char* writeSnapshotJson(const Snapshot& s, char* p) {
  p = writeHead(s.tsUnixSec, s.dstPorts, p);
  p = writeBuckets(s.buckets.data(), s.buckets.size(), true, p);
  return writeTail(p);
}

namespace {

// Returns the whole huge pages inside [from, to) to the kernel (one released in part would be
// split: core/page_release.h).
void releaseWholeHugePages(const void* from, const void* to) {
  const auto a =
      (reinterpret_cast<std::uintptr_t>(from) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const auto b = reinterpret_cast<std::uintptr_t>(to) & ~(kHugePageBytes - 1);
  if (b > a) releasePages(reinterpret_cast<void*>(a), b - a);
}

// At least the decimal digits of v (what std::to_chars writes for it), at most one more: (bit width
// x 1233) >> 12, the classic estimate from log10(2) ~ 1233/4096, is the digits or one less.
inline std::size_t decimalDigitsBound(std::uint64_t v) {
  return ((static_cast<std::size_t>(std::bit_width(v | 1)) * 1233) >> 12) + 1;
}

// A bucket's text with its comma, less the digits of its eight numbers: measured on the writer
// itself so that the line's length computed ahead and the text written cannot disagree.
std::size_t bucketTextWithoutDigits() {
  char text[kMaxBucketJson];
  return 1 + static_cast<std::size_t>(writeBucket(CounterEntry{}, text) - text) - 8;
}

// At least the text of one bucket with its comma, at most eight bytes more.
inline std::size_t bucketTextBound(const CounterEntry& e, std::size_t withoutDigits) {
  const ibsr_counters& c = e.counters;
  return withoutDigits + decimalDigitsBound(e.key.src_ip) + decimalDigitsBound(e.key.dst_port) +
         decimalDigitsBound(c.syn) + decimalDigitsBound(c.ack) +
         decimalDigitsBound(c.handshake_ack) + decimalDigitsBound(c.rst) +
         decimalDigitsBound(c.packets) + decimalDigitsBound(c.bytes);
}

}  // namespace

WrittenLine writeSortedSnapshotLine(std::uint64_t ts, const std::vector<std::uint16_t>& ports,
                                    const CounterEntry* entries, std::size_t n, char* out,
                                    std::size_t outBytes, bool releaseAsRead) {
  // The head goes in last when the entries lie where it is written.
  std::string head(maxSnapshotJsonSize(ports.size(), 0), '\0');
  head.resize(static_cast<std::size_t>(writeHead(ts, ports, head.data()) - head.data()));
  WrittenLine r{.end = out, .sources = 0};
  if (n == 0) {
    std::memcpy(out, head.data(), head.size());
    r.end = writeTail(out + head.size());
    return r;
  }
  // The first digit: the most significant key byte on which the entries differ (the bytes above
  // it are the same in every entry and order nothing); in the same pass, a bound of the line's
  // length, over by a few bytes a bucket at most.
  static const std::size_t withoutDigits = bucketTextWithoutDigits();
  const std::uint64_t key0 = sortKey(entries[0]);
  std::uint64_t differ = 0;
  std::size_t lineBound = head.size() - 1 + 3;  // the first bucket has no comma; "]}\n"
  for (std::size_t i = 0; i < n; ++i) {
    differ |= sortKey(entries[i]) ^ key0;
    lineBound += bucketTextBound(entries[i], withoutDigits);
  }
  const int shift = differ == 0 ? 0 : (63 - std::countl_zero(differ)) / 8 * 8;
  auto digit = [shift](const CounterEntry& e) {
    return static_cast<std::size_t>((sortKey(e) >> shift) & 0xFF);
  };
  std::size_t count[256] = {};
  for (std::size_t i = 0; i < n; ++i) ++count[digit(entries[i])];
  std::size_t start[256], fill[256];
  for (std::size_t d = 0, at = 0; d < 256; at += count[d], ++d) start[d] = fill[d] = at;

  // The first pass moves the entries out of place, into a scratch that ends where the line will
  // end (give or take the bound's few bytes): one sequential read and 256 sequential write streams
  // instead of the in-place pass's random swaps, and no memory beyond the line's own. Every
  // bucket's text is longer than its entry (113 bytes at least, against 56), so text written from
  // the line's start in the entries' order never reaches the next entry to format; and the scratch
  // starts beyond the entries when they lie at the line's start (the collector reads the map there:
  // a cycle's memory is then its line's, and no more).
  static_assert(sizeof(CounterEntry) % alignof(CounterEntry) == 0);
  const auto scratchFrom = (reinterpret_cast<std::uintptr_t>(out) + lineBound -
                            n * sizeof(CounterEntry) + alignof(CounterEntry) - 1) &
                           ~std::uintptr_t{alignof(CounterEntry) - 1};
  auto* const sorted = reinterpret_cast<CounterEntry*>(scratchFrom);
  const bool entriesInOut = reinterpret_cast<const char*>(entries) >= out &&
                            reinterpret_cast<const char*>(entries) < out + outBytes;
  if (withoutDigits + 7 < 2 * sizeof(CounterEntry) ||
      reinterpret_cast<const char*>(sorted + n) > out + outBytes ||
      (entriesInOut && sorted < entries + n))
    throw std::logic_error("snapshot line: no room for the sort's scratch");
  for (std::size_t i = 0; i < n; ++i) sorted[fill[digit(entries[i])]++] = entries[i];
  if (releaseAsRead && !entriesInOut) releaseWholeHugePages(entries, entries + n);
  std::memcpy(out, head.data(), head.size());
  r.end = out + head.size();

  // Then each first-digit bucket (a few hundred kB at most for spread keys) is ordered and
  // formatted while it is in cache. Up to 65,536 entries a bucket is ordered through 8-byte (rest
  // of the key, index) pairs, which moves far less than sorting its 56-byte entries, and
  // formatted through the indices, in any order of its place: so its whole text must fit before
  // it. A larger bucket (keys crowded under one first digit), or one without that room (the last
  // ones, as the text closes in on the scratch), is sorted in place and formatted in order, each
  // entry read before the text reaches it.
  constexpr std::size_t kIndexBits = 16;
  std::vector<std::uint64_t> pairs, ordered;
  bool lineFirst = true;
  std::uint32_t previousSource = 0;
  auto emit = [&](const CounterEntry& at) {
    const CounterEntry e = at;  // the comma may be written over it
    if (lineFirst || e.key.src_ip != previousSource) ++r.sources;
    previousSource = e.key.src_ip;
    if (!lineFirst) *r.end++ = ',';
    lineFirst = false;
    r.end = writeBucket(e, r.end);
  };
  const std::uint64_t restMask = (std::uint64_t{1} << shift) - 1;
  for (std::size_t d = 0; d < 256; ++d) {
    CounterEntry* const b = sorted + start[d];
    const std::size_t m = count[d];
    if (m == 0) continue;
    const auto room = static_cast<std::size_t>(reinterpret_cast<char*>(b) - r.end);
    if (m > (std::size_t{1} << kIndexBits) || room < m * kMaxBucketText) {
      radixSort(b, m, shift - 8);
      for (std::size_t j = 0; j < m; ++j) emit(b[j]);
      continue;
    }
    pairs.resize(m);
    for (std::size_t j = 0; j < m; ++j) pairs[j] = ((sortKey(b[j]) & restMask) << kIndexBits) | j;
    const std::uint64_t* order = pairs.data();
    if (m < kRadixCutoff || shift < 8) {
      std::sort(pairs.begin(), pairs.end());
    } else {  // one more radix digit, then each (small) group sorted
      const int second = shift - 8 + static_cast<int>(kIndexBits);
      std::size_t groupCount[256] = {}, groupStart[257];
      for (std::uint64_t v : pairs) ++groupCount[(v >> second) & 0xFF];
      groupStart[0] = 0;
      for (std::size_t g = 0; g < 256; ++g) groupStart[g + 1] = groupStart[g] + groupCount[g];
      ordered.resize(m);
      std::size_t at[256];
      std::copy(groupStart, groupStart + 256, at);
      for (std::uint64_t v : pairs) ordered[at[(v >> second) & 0xFF]++] = v;
      for (std::size_t g = 0; g < 256; ++g)
        if (groupCount[g] > 1)
          std::sort(ordered.begin() + static_cast<std::ptrdiff_t>(groupStart[g]),
                    ordered.begin() + static_cast<std::ptrdiff_t>(groupStart[g + 1]));
      order = ordered.data();
    }
    for (std::size_t k = 0; k < m; ++k) emit(b[order[k] & ((std::uint64_t{1} << kIndexBits) - 1)]);
  }
  r.end = writeTail(r.end);
  assert(static_cast<std::size_t>(r.end - out) <= lineBound);
  return r;
}

std::uint64_t distinctSources(const Snapshot& s) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.buckets.size(); ++i)
    if (i == 0 || s.buckets[i].key.src_ip != s.buckets[i - 1].key.src_ip) ++n;
  return n;
}

}  // namespace ibsr::collect
