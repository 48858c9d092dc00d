#include "collect/ipv6_text.h"

namespace ibsr::collect {
namespace {

char* writeHexGroup(char* p, unsigned v) {
  static constexpr char kHex[] = "0123456789abcdef";
  int shift = v >= 0x1000 ? 12 : v >= 0x100 ? 8 : v >= 0x10 ? 4 : 0;
  for (; shift >= 0; shift -= 4) *p++ = kHex[(v >> shift) & 0xF];
  return p;
}

char* writeDecimalByte(char* p, unsigned v) {
  if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
  if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
  *p++ = static_cast<char>('0' + v % 10);
  return p;
}

}  // namespace

char* writeIpv6Text(char* p, const std::uint8_t* bytes) {
  unsigned words[8];
  for (int i = 0; i < 8; ++i) words[i] = (unsigned{bytes[2 * i]} << 8) | bytes[2 * i + 1];
  // The first longest run of zero groups, if two or longer (a later run must be longer to win).
  int bestBase = -1, bestLen = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  for (int i = 0; i < 8; ++i) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i == bestBase) *p++ = ':';
      continue;
    }
    if (i != 0) *p++ = ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses end in dotted form.
    if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && words[5] == 0xffff))) {
      for (int b = 12; b < 16; ++b) {
        if (b != 12) *p++ = '.';
        p = writeDecimalByte(p, bytes[b]);
      }
      return p;
    }
    p = writeHexGroup(p, words[i]);
  }
  if (bestBase >= 0 && bestBase + bestLen == 8) *p++ = ':';
  return p;
}

}  // namespace ibsr::collect
