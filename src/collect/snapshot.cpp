#include "collect/snapshot.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "collect/json_text.h"

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

}  // namespace

WrittenLine writeSortedSnapshotLine(std::uint64_t ts, const std::vector<std::uint16_t>& ports,
                                    const CounterEntry* entries, std::size_t n, char* out,
                                    std::size_t outBytes, bool releaseAsRead) {
  WrittenLine r{.end = writeHead(ts, ports, out), .sources = 0};
  if (n == 0) {
    r.end = writeTail(r.end);
    return r;
  }
  // The first digit: the most significant key byte on which the entries differ (the bytes above
  // it are the same in every entry and order nothing).
  const std::uint64_t key0 = sortKey(entries[0]);
  std::uint64_t differ = 0;
  for (std::size_t i = 0; i < n; ++i) differ |= sortKey(entries[i]) ^ key0;
  const int shift = differ == 0 ? 0 : (63 - std::countl_zero(differ)) / 8 * 8;
  auto digit = [shift](const CounterEntry& e) {
    return static_cast<std::size_t>((sortKey(e) >> shift) & 0xFF);
  };
  std::size_t count[256] = {};
  for (std::size_t i = 0; i < n; ++i) ++count[digit(entries[i])];
  std::size_t start[256], head[256];
  for (std::size_t d = 0, at = 0; d < 256; at += count[d], ++d) start[d] = head[d] = at;

  // The first pass moves the entries out of place, into the end of `out`: one sequential read
  // and 256 sequential write streams instead of the in-place pass's random swaps, and no memory
  // beyond the line's own buffer, whose end a real line (about 147 bytes a bucket) never reaches.
  // `out` holds kMaxBucketJson bytes a bucket, more than any bucket's text takes
  // (kMaxBucketText) plus its entry, so text written from its start in the entries' order never
  // catches up with the next entry to format.
  char* const outEnd = out + outBytes;
  auto* sorted = reinterpret_cast<CounterEntry*>(
      reinterpret_cast<std::uintptr_t>(outEnd - n * sizeof(CounterEntry)) &
      ~std::uintptr_t{alignof(CounterEntry) - 1});
  for (std::size_t i = 0; i < n; ++i) sorted[head[digit(entries[i])]++] = entries[i];
  if (releaseAsRead) releaseWholeHugePages(entries, entries + n);

  // Then each first-digit bucket (a few hundred kB at most for spread keys) is ordered and
  // formatted while it is in cache, and its pages released once formatted unless the line has
  // reached them. Up to 65,536 entries a bucket is ordered through 8-byte (rest of the key, index)
  // pairs, which moves far less than sorting its 56-byte entries, and formatted through the
  // indices; a larger one (keys crowded under one first digit), or one the text could reach
  // before it is out, is sorted in place.
  constexpr std::size_t kIndexBits = 16;
  std::vector<std::uint64_t> pairs, ordered;
  bool lineFirst = true;
  std::uint32_t previousSource = 0;
  auto emit = [&](const CounterEntry& e) {
    if (lineFirst || e.key.src_ip != previousSource) ++r.sources;
    previousSource = e.key.src_ip;
    if (!lineFirst) *r.end++ = ',';
    lineFirst = false;
    r.end = writeBucket(e, r.end);
  };
  const std::uint64_t restMask = (std::uint64_t{1} << shift) - 1;
  // Released in whole huge pages, from the one where the scratch starts (the line has not
  // reached it) to the end of `out` once the last bucket is out (nothing lies beyond the scratch).
  auto blockOf = [](const void* p) {
    return reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(p) &
                                         ~(kHugePageBytes - 1));
  };
  const char* releasedTo = std::max<const char*>(blockOf(sorted), out);
  for (std::size_t d = 0; d < 256; ++d) {
    CounterEntry* const b = sorted + start[d];
    const std::size_t m = count[d];
    if (m == 0) continue;
    // Through indices, the bucket's entries are read in any order, so the text must not reach
    // the first of them before the last is out; in place, each is read before the text reaches
    // it (see above). Only near-maximal counters in a bucket of most of the map come that close.
    const auto room = reinterpret_cast<std::uintptr_t>(b) - reinterpret_cast<std::uintptr_t>(r.end);
    const bool inPlace = m > (std::size_t{1} << kIndexBits) || room < (m + 1) * kMaxBucketText;
    if (inPlace) {
      radixSort(b, m, shift - 8);
      for (std::size_t j = 0; j < m; ++j) emit(b[j]);
    } else {
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
      for (std::size_t k = 0; k < m; ++k)
        emit(b[order[k] & ((std::uint64_t{1} << kIndexBits) - 1)]);
    }
    if (releaseAsRead) {  // never up to the line's end: the text stays behind the entries
      const char* to = start[d] + m == n ? outEnd : reinterpret_cast<const char*>(b + m);
      releaseWholeHugePages(std::max<const char*>(releasedTo, r.end), to);
      releasedTo = std::max(releasedTo, blockOf(to));
    }
  }
  r.end = writeTail(r.end);
  return r;
}

std::uint64_t distinctSources(const Snapshot& s) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.buckets.size(); ++i)
    if (i == 0 || s.buckets[i].key.src_ip != s.buckets[i - 1].key.src_ip) ++n;
  return n;
}

}  // namespace ibsr::collect
