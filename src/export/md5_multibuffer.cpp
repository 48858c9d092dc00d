#include "export/md5_multibuffer.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace ibsr::s3 {
namespace {

// RFC 1321: the sine-derived constants, shift amounts and message word order of the 64 steps.
constexpr std::uint32_t kK[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr int kS[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                        5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
constexpr std::uint32_t kInit[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

// Fewer lanes with blocks than this go through the scalar code: one vector pass costs about
// what 3 scalar blocks do, so it pays from 4 lanes on.
constexpr std::size_t kVectorMinLanes = 4;

std::uint32_t loadLe32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// The vector kernel: 8 lanes of 32 bits, written with the compiler's generic vector operations
// so that one body compiles for AVX2 and, where present, for AVX-512VL on the same 256-bit
// registers (whose rotate and three-input logic instructions the compiler then uses).
using V8 = std::uint32_t __attribute__((vector_size(32)));
using KernelFn = void (*)(std::uint32_t (*state)[kMd5Lanes], const std::uint8_t* const* data,
                          std::size_t blocks);

#define IBSR_MD5_ROTL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))
#define IBSR_MD5_F(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define IBSR_MD5_G(b, c, d) ((c) ^ ((d) & ((b) ^ (c))))
#define IBSR_MD5_H(b, c, d) ((b) ^ (c) ^ (d))
#define IBSR_MD5_I(b, c, d) ((c) ^ ((b) | ~(d)))
#define IBSR_MD5_STEP(FN, a, b, c, d, i, g) \
  do {                                      \
    a += FN(b, c, d) + w[g] + k[i];         \
    a = b + IBSR_MD5_ROTL(a, kS[i]);        \
  } while (0)
#define IBSR_MD5_FOUR(FN, i, g0, g1, g2, g3)  \
  IBSR_MD5_STEP(FN, a, b, c, d, i, g0);       \
  IBSR_MD5_STEP(FN, d, a, b, c, (i) + 1, g1); \
  IBSR_MD5_STEP(FN, c, d, a, b, (i) + 2, g2); \
  IBSR_MD5_STEP(FN, b, c, d, a, (i) + 3, g3)

// The 64 steps, on the words w[] with the constants k[] in scope.
#define IBSR_MD5_ROUNDS                          \
  IBSR_MD5_FOUR(IBSR_MD5_F, 0, 0, 1, 2, 3);      \
  IBSR_MD5_FOUR(IBSR_MD5_F, 4, 4, 5, 6, 7);      \
  IBSR_MD5_FOUR(IBSR_MD5_F, 8, 8, 9, 10, 11);    \
  IBSR_MD5_FOUR(IBSR_MD5_F, 12, 12, 13, 14, 15); \
  IBSR_MD5_FOUR(IBSR_MD5_G, 16, 1, 6, 11, 0);    \
  IBSR_MD5_FOUR(IBSR_MD5_G, 20, 5, 10, 15, 4);   \
  IBSR_MD5_FOUR(IBSR_MD5_G, 24, 9, 14, 3, 8);    \
  IBSR_MD5_FOUR(IBSR_MD5_G, 28, 13, 2, 7, 12);   \
  IBSR_MD5_FOUR(IBSR_MD5_H, 32, 5, 8, 11, 14);   \
  IBSR_MD5_FOUR(IBSR_MD5_H, 36, 1, 4, 7, 10);    \
  IBSR_MD5_FOUR(IBSR_MD5_H, 40, 13, 0, 3, 6);    \
  IBSR_MD5_FOUR(IBSR_MD5_H, 44, 9, 12, 15, 2);   \
  IBSR_MD5_FOUR(IBSR_MD5_I, 48, 0, 7, 14, 5);    \
  IBSR_MD5_FOUR(IBSR_MD5_I, 52, 12, 3, 10, 1);   \
  IBSR_MD5_FOUR(IBSR_MD5_I, 56, 8, 15, 6, 13);   \
  IBSR_MD5_FOUR(IBSR_MD5_I, 60, 4, 11, 2, 9)

void scalarCompress(std::uint32_t h[4], const std::uint8_t* data, std::size_t blocks) {
  const std::uint32_t* k = kK;
  for (; blocks > 0; --blocks, data += 64) {
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = loadLe32(data + 4 * i);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    IBSR_MD5_ROUNDS;
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
  }
}

// Loads 8 consecutive words of each lane and transposes them: out[j] holds word j of every lane.
#define IBSR_MD5_LOAD8(out, offset)                                                               \
  do {                                                                                            \
    __m256i r[8];                                                                                 \
    for (int l = 0; l < 8; ++l)                                                                   \
      r[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p[l] + (offset)));               \
    const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]); \
    const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]); \
    const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]); \
    const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]); \
    const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);         \
    const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);         \
    const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);         \
    const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);         \
    out[0] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u0, u4, 0x20));                       \
    out[1] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u1, u5, 0x20));                       \
    out[2] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u2, u6, 0x20));                       \
    out[3] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u3, u7, 0x20));                       \
    out[4] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u0, u4, 0x31));                       \
    out[5] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u1, u5, 0x31));                       \
    out[6] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u2, u6, 0x31));                       \
    out[7] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u3, u7, 0x31));                       \
  } while (0)

// kK broadcast to every lane, so each step adds a constant straight from memory.
struct BroadcastK {
  V8 k[64];
  BroadcastK() {
    for (int i = 0; i < 64; ++i) {
      for (int l = 0; l < 8; ++l) k[i][l] = kK[i];
    }
  }
};
const BroadcastK kKv;

#define IBSR_MD5_KERNEL_BODY                  \
  const V8* k = kKv.k;                        \
  const std::uint8_t* p[8];                   \
  for (int l = 0; l < 8; ++l) p[l] = data[l]; \
  V8 a, b, c, d;                              \
  std::memcpy(&a, state[0], sizeof a);        \
  std::memcpy(&b, state[1], sizeof b);        \
  std::memcpy(&c, state[2], sizeof c);        \
  std::memcpy(&d, state[3], sizeof d);        \
  for (; blocks > 0; --blocks) {              \
    V8 w[16];                                 \
    IBSR_MD5_LOAD8(w, 0);                     \
    IBSR_MD5_LOAD8((w + 8), 32);              \
    const V8 a0 = a, b0 = b, c0 = c, d0 = d;  \
    IBSR_MD5_ROUNDS;                          \
    a += a0;                                  \
    b += b0;                                  \
    c += c0;                                  \
    d += d0;                                  \
    for (int l = 0; l < 8; ++l) p[l] += 64;   \
  }                                           \
  std::memcpy(state[0], &a, sizeof a);        \
  std::memcpy(state[1], &b, sizeof b);        \
  std::memcpy(state[2], &c, sizeof c);        \
  std::memcpy(state[3], &d, sizeof d)

__attribute__((target("avx2"))) void kernelAvx2(std::uint32_t (*state)[kMd5Lanes],
                                                const std::uint8_t* const* data,
                                                std::size_t blocks) {
  IBSR_MD5_KERNEL_BODY;
}

__attribute__((target("avx2,avx512f,avx512vl"))) void kernelAvx512(
    std::uint32_t (*state)[kMd5Lanes], const std::uint8_t* const* data, std::size_t blocks) {
  IBSR_MD5_KERNEL_BODY;
}

KernelFn chooseKernel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return kernelAvx512;
  if (__builtin_cpu_supports("avx2")) return kernelAvx2;
  return nullptr;
}

KernelFn kernel() {
  static const KernelFn chosen = chooseKernel();
  return chosen;
}

}  // namespace

bool md5LanesAccelerated() {
  return kernel() != nullptr;
}

const char* md5LanesKernelName() {
  if (kernel() == kernelAvx512) return "avx512vl";
  return kernel() == kernelAvx2 ? "avx2" : "scalar";
}

Md5Lanes::Md5Lanes() : vector_(md5LanesAccelerated()) {
  for (std::size_t i = 0; i < kMd5Lanes; ++i) reset(i);
}

void Md5Lanes::reset(std::size_t lane) {
  for (int w = 0; w < 4; ++w) state_[w][lane] = kInit[w];
  length_[lane] = 0;
  pendingSize_[lane] = 0;
}

void Md5Lanes::scalarBlocks(std::size_t lane, const std::uint8_t* data, std::size_t blocks) {
  std::uint32_t h[4] = {state_[0][lane], state_[1][lane], state_[2][lane], state_[3][lane]};
  scalarCompress(h, data, blocks);
  for (int w = 0; w < 4; ++w) state_[w][lane] = h[w];
}

void Md5Lanes::update(std::size_t lane, const void* data, std::size_t size) {
  std::array<const void*, kMd5Lanes> d{};
  std::array<std::size_t, kMd5Lanes> s{};
  d[lane] = data;
  s[lane] = size;
  update(d, s);
}

void Md5Lanes::update(const std::array<const void*, kMd5Lanes>& data,
                      const std::array<std::size_t, kMd5Lanes>& size) {
  std::array<const std::uint8_t*, kMd5Lanes> p{};
  std::array<std::size_t, kMd5Lanes> blocks{};
  for (std::size_t i = 0; i < kMd5Lanes; ++i) {
    p[i] = static_cast<const std::uint8_t*>(data[i]);
    std::size_t n = size[i];
    length_[i] += n;
    if (pendingSize_[i] > 0 && n > 0) {
      const std::size_t take = std::min(64 - pendingSize_[i], n);
      std::memcpy(pending_[i].data() + pendingSize_[i], p[i], take);
      pendingSize_[i] += take;
      p[i] += take;
      n -= take;
      if (pendingSize_[i] < 64) continue;
      scalarBlocks(i, pending_[i].data(), 1);
      pendingSize_[i] = 0;
    }
    blocks[i] = n / 64;
    // The tail after the full blocks waits for more bytes (the pending block is empty here).
    if (n % 64 > 0) std::memcpy(pending_[i].data(), p[i] + blocks[i] * 64, n % 64);
    pendingSize_[i] += n % 64;
  }
  if (vector_) {
    const KernelFn run = kernel();
    for (;;) {
      std::size_t active = 0, common = 0, any = 0;
      for (std::size_t i = 0; i < kMd5Lanes; ++i) {
        if (blocks[i] == 0) continue;
        common = active == 0 ? blocks[i] : std::min(common, blocks[i]);
        any = i;
        ++active;
      }
      if (active < kVectorMinLanes) break;
      // Idle lanes hash a busy lane's bytes into a state that is put back afterwards.
      const std::uint8_t* in[kMd5Lanes];
      std::uint32_t saved[4][kMd5Lanes];
      std::memcpy(saved, state_, sizeof saved);
      for (std::size_t i = 0; i < kMd5Lanes; ++i) in[i] = blocks[i] > 0 ? p[i] : p[any];
      run(state_, in, common);
      for (std::size_t i = 0; i < kMd5Lanes; ++i) {
        if (blocks[i] > 0) {
          p[i] += common * 64;
          blocks[i] -= common;
        } else {
          for (int w = 0; w < 4; ++w) state_[w][i] = saved[w][i];
        }
      }
    }
  }
  for (std::size_t i = 0; i < kMd5Lanes; ++i) {
    if (blocks[i] > 0) scalarBlocks(i, p[i], blocks[i]);
  }
}

Md5 Md5Lanes::finish(std::size_t lane) {
  // RFC 1321 padding: 0x80, zeros to 56 mod 64, then the length in bits, little-endian.
  std::uint8_t tail[128] = {};
  const std::size_t n = pendingSize_[lane];
  std::memcpy(tail, pending_[lane].data(), n);
  tail[n] = 0x80;
  const std::size_t total = n + 1 + 8 <= 64 ? 64 : 128;
  const std::uint64_t bits = length_[lane] * 8;
  for (int i = 0; i < 8; ++i) tail[total - 8 + i] = static_cast<std::uint8_t>(bits >> (8 * i));
  scalarBlocks(lane, tail, total / 64);
  Md5 out{};
  for (int w = 0; w < 4; ++w) {
    for (int i = 0; i < 4; ++i)
      out[4 * w + i] = static_cast<std::uint8_t>(state_[w][lane] >> (8 * i));
  }
  reset(lane);
  return out;
}

}  // namespace ibsr::s3
