// Whole-file zstd streams for closed hourly files: compress one file into an open descriptor, and
// check that a .zst decompresses to exactly the bytes of a plain file. Both read in fixed chunks
// (memory independent of the file's size) and can be interrupted between chunks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"

namespace ibsr {

struct ZstdCopy {
  std::uint64_t inBytes = 0;
  std::uint64_t outBytes = 0;
};

// Compresses the file at `from` into `outFd` (one frame with its content size and checksum, so
// any decompressor detects a damaged copy). A set `stop` aborts with an error between chunks.
Result<ZstdCopy> zstdCompressFile(const std::string& from, int outFd, int level,
                                  const std::atomic<bool>* stop = nullptr);

// How the decompression of a zstd file ended.
enum class ZstdEnd {
  Complete,   // every frame whole, nothing after the last
  Corrupt,    // not valid zstd (ZstdDecoded::why says how)
  Truncated,  // the file ends inside a frame
  Declined,   // the sink returned false
};
struct ZstdDecoded {
  ZstdEnd end = ZstdEnd::Complete;
  std::string why;  // zstd's own words, for Corrupt
};

// Decompresses the zstd file at `path`, handing the bytes to `sink` chunk by chunk (memory
// independent of the file's size); a sink that returns false ends it early. An error only when the
// file cannot be read, or when `stop` is set between chunks.
Result<ZstdDecoded> zstdDecompressFile(const std::string& path,
                                       const std::function<bool(const char*, std::size_t)>& sink,
                                       const std::atomic<bool>* stop = nullptr);

// Whether `zst` decompresses to exactly the bytes of `plain` (false on any difference, a
// truncated or corrupt frame, or trailing bytes); an error only when a file cannot be read.
Result<bool> zstdSameContent(const std::string& zst, const std::string& plain,
                             const std::atomic<bool>* stop = nullptr);

}  // namespace ibsr
