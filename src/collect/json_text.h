// The pieces the snapshot writers build their lines from: constant text and unsigned numbers,
// written at a pointer into a buffer the caller sized from its line's bound (no bounds checks,
// no allocation: a full map's line is hundreds of thousands of these).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>

namespace ibsr::collect::json_text {

template <std::size_t N>
inline char* put(char* p, const char (&text)[N]) {
  std::memcpy(p, text, N - 1);
  return p + N - 1;
}

inline char* put(char* p, std::uint64_t v) {
  return std::to_chars(p, p + 20, v).ptr;
}

}  // namespace ibsr::collect::json_text
