// The in-place most-significant-digit radix sort ("American flag sort") that orders both families'
// snapshot buckets: each entry moves about once per key byte on which the entries differ, where a
// comparison sort of a whole map moves it log2(n) times, and no second buffer of entries is needed
// (memory is what the collector must keep small). Bytes every key shares (sources crowded in a
// few prefixes, the zero half of IPv6 /64s) cost one counting pass and move nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

namespace ibsr::collect {

// Below this many entries a comparison sort of the (cache-resident) range is cheaper than
// another radix pass.
inline constexpr std::size_t kRadixCutoff = 384;

// Sorts [a, a + n) by key bytes `level` to `levels` - 1, most significant first: digit(e, level)
// is entry e's key byte at that level (0..255), and less the same order as a comparison.
template <typename T, typename Digit, typename Less>
void msdRadixSort(T* a, std::size_t n, int level, int levels, const Digit& digit,
                  const Less& less) {
  while (n >= kRadixCutoff && level < levels) {
    std::size_t count[256] = {};
    for (std::size_t i = 0; i < n; ++i) ++count[digit(a[i], level)];
    if (count[digit(a[0], level)] == n) {  // one value: nothing to move at this byte
      ++level;
      continue;
    }
    std::size_t head[256], end[256];
    for (std::size_t d = 0, at = 0; d < 256; ++d) {
      head[d] = at;
      at += count[d];
      end[d] = at;
    }
    for (std::size_t d = 0; d < 256; ++d) {
      while (head[d] < end[d]) {
        T e = a[head[d]];
        for (std::size_t to = digit(e, level); to != d; to = digit(e, level))
          std::swap(e, a[head[to]++]);
        a[head[d]++] = e;
      }
    }
    for (std::size_t d = 0, from = 0; d < 256; from = end[d], ++d)
      if (end[d] - from > 1) msdRadixSort(a + from, end[d] - from, level + 1, levels, digit, less);
    return;
  }
  std::sort(a, a + n, less);
}

}  // namespace ibsr::collect
