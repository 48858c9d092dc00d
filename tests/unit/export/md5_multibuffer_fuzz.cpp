// libFuzzer target for the multi-buffer MD5: the input is split into the lanes' streams and fed
// in chunks whose sizes come from the input too; every lane must equal OpenSSL's MD5 of its bytes.
#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "export/md5_multibuffer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ibsr::s3::kMd5Lanes;
  if (size < 2 * kMd5Lanes) return 0;
  // Header: each lane's share of the body and the chunk size it is fed in (1..256 bytes, or all).
  const std::uint8_t* share = data;
  const std::uint8_t* chunk = data + kMd5Lanes;
  const std::uint8_t* body = data + 2 * kMd5Lanes;
  const std::size_t bodySize = size - 2 * kMd5Lanes;
  std::size_t total = 0;
  for (std::size_t i = 0; i < kMd5Lanes; ++i) total += share[i];
  std::array<std::size_t, kMd5Lanes> begin{}, length{}, done{};
  std::size_t at = 0;
  for (std::size_t i = 0; i < kMd5Lanes; ++i) {
    begin[i] = at;
    length[i] = total == 0 ? 0 : std::min(bodySize - at, bodySize * share[i] / total);
    at += length[i];
  }
  ibsr::s3::Md5Lanes lanes;
  for (bool left = true; left;) {
    left = false;
    std::array<const void*, kMd5Lanes> in{};
    std::array<std::size_t, kMd5Lanes> n{};
    for (std::size_t i = 0; i < kMd5Lanes; ++i) {
      const std::size_t step = chunk[i] == 0 ? length[i] : chunk[i];
      n[i] = std::min(step, length[i] - done[i]);
      in[i] = body + begin[i] + done[i];
      done[i] += n[i];
      if (n[i] > 0) left = true;
    }
    lanes.update(in, n);
  }
  for (std::size_t i = 0; i < kMd5Lanes; ++i) {
    unsigned char want[16];
    unsigned int len = 0;
    if (EVP_Digest(body + begin[i], length[i], want, &len, EVP_md5(), nullptr) != 1) std::abort();
    const auto got = lanes.finish(i);
    if (std::memcmp(got.data(), want, sizeof want) != 0) std::abort();
  }
  return 0;
}
