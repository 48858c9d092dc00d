// Hashes the S3 protocol needs: SHA-256 (payload hashes, SigV4), HMAC-SHA256 (signing keys),
// MD5 (Content-MD5, ETags), hex and base64 encodings. Thin wrappers over OpenSSL's EVP API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ibsr::s3 {

using Sha256 = std::array<std::uint8_t, 32>;
using Md5 = std::array<std::uint8_t, 16>;

std::string toHex(const std::uint8_t* data, std::size_t size);
template <std::size_t N>
std::string toHex(const std::array<std::uint8_t, N>& a) {
  return toHex(a.data(), a.size());
}
std::string toBase64(const std::uint8_t* data, std::size_t size);
template <std::size_t N>
std::string toBase64(const std::array<std::uint8_t, N>& a) {
  return toBase64(a.data(), a.size());
}

Sha256 sha256(std::string_view data);
std::string sha256Hex(std::string_view data);
Md5 md5(std::string_view data);
Sha256 hmacSha256(std::string_view key, std::string_view data);

// Incremental MD5 + SHA-256 over the same bytes (one pass over a file gives both). Without
// `withSha256` only the MD5 is computed (finish leaves the SHA-256 zero): a part sent with a
// signed Content-MD5 and UNSIGNED-PAYLOAD needs no SHA-256 of its own.
class DualHasher {
 public:
  explicit DualHasher(bool withSha256 = true);
  ~DualHasher();
  DualHasher(const DualHasher&) = delete;
  DualHasher& operator=(const DualHasher&) = delete;
  void update(const void* data, std::size_t size);
  // Finishes both digests; the hasher is reset and can be reused.
  void finish(Md5& md5Out, Sha256& sha256Out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Incremental SHA-256 alone (a multipart file's whole-file checksum next to per-part digests).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void update(const void* data, std::size_t size);
  Sha256 finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The hex SHA-256 of the empty string: the payload hash of bodiless requests.
inline constexpr std::string_view kEmptySha256Hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace ibsr::s3
