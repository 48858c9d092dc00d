// The pieces the snapshot writers build their lines from: constant text and unsigned numbers,
// written at a pointer into a buffer the caller sized from its line's bound (no bounds checks,
// no allocation: a full map's line is hundreds of thousands of these).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>

#include "ibsr_abi.h"

namespace ibsr::collect::json_text {

template <std::size_t N>
inline char* put(char* p, const char (&text)[N]) {
  std::memcpy(p, text, N - 1);
  return p + N - 1;
}

inline char* put(char* p, std::uint64_t v) {
  return std::to_chars(p, p + 20, v).ptr;
}

// A bucket's counters and its closing brace, the same in both families' lines.
inline char* putCounters(char* p, const ibsr_counters& c) {
  p = put(p, ",\"syn\":");
  p = put(p, c.syn);
  p = put(p, ",\"ack\":");
  p = put(p, c.ack);
  p = put(p, ",\"handshake_ack\":");
  p = put(p, c.handshake_ack);
  p = put(p, ",\"rst\":");
  p = put(p, c.rst);
  p = put(p, ",\"packets\":");
  p = put(p, c.packets);
  p = put(p, ",\"bytes\":");
  p = put(p, c.bytes);
  *p++ = '}';
  return p;
}

}  // namespace ibsr::collect::json_text
