// Several independent MD5s advanced together in the lanes of one vector register (multi-buffer
// MD5). One MD5 is a chain of dependent steps that no single stream can run faster than
// OpenSSL's scalar code (0.74 GB/s on the benchmark host); but the parts of a multipart upload
// are independent streams, and 8 of them in the 32-bit lanes of AVX2 hash 2-3 x faster in all.
// Written here because no Debian package provides one: OpenSSL has none, and libipsec-mb only
// exposes HMAC-MD5. Chosen at run time (no -march): without AVX2 the lanes run the portable
// scalar code one after the other, and callers that do not need lanes keep OpenSSL's MD5.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "export/digest.h"

namespace ibsr::s3 {

inline constexpr std::size_t kMd5Lanes = 8;

// Whether this CPU runs the vector kernel (AVX2). Without it Md5Lanes is correct but no faster
// than OpenSSL, so callers should keep one OpenSSL MD5 per stream instead.
bool md5LanesAccelerated();
// "avx512vl", "avx2" or "scalar": the kernel this CPU runs (for benchmark records).
const char* md5LanesKernelName();

// kMd5Lanes incremental MD5s. Each lane is an independent stream of any length; the lanes are
// fed together (update), so the full 64-byte blocks they all have go through the vector kernel
// at once. Not thread-safe: one thread drives all lanes.
class Md5Lanes {
 public:
  Md5Lanes();
  // Appends size[i] bytes at data[i] to lane i, for every lane (size 0: nothing for that lane).
  void update(const std::array<const void*, kMd5Lanes>& data,
              const std::array<std::size_t, kMd5Lanes>& size);
  // Appends bytes to one lane alone.
  void update(std::size_t lane, const void* data, std::size_t size);
  // The MD5 of everything appended to `lane` since its last finish; the lane starts over.
  Md5 finish(std::size_t lane);

 private:
  void reset(std::size_t lane);
  void scalarBlocks(std::size_t lane, const std::uint8_t* data, std::size_t blocks);

  // Structure of arrays: word w of lane i is state_[w][i], the layout the kernel loads.
  alignas(32) std::uint32_t state_[4][kMd5Lanes];
  std::array<std::uint64_t, kMd5Lanes> length_{};
  std::array<std::array<std::uint8_t, 64>, kMd5Lanes> pending_{};  // a partial block per lane
  std::array<std::size_t, kMd5Lanes> pendingSize_{};
  const bool vector_;
};

}  // namespace ibsr::s3
