#include "export/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace ibsr::s3 {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> digestOf(const EVP_MD* md, std::string_view data) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N) {
    throw std::runtime_error("OpenSSL digest failed");
  }
  return out;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

}  // namespace

std::string toHex(const std::uint8_t* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string toBase64(const std::uint8_t* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Sha256 sha256(std::string_view data) {
  return digestOf<32>(EVP_sha256(), data);
}
std::string sha256Hex(std::string_view data) {
  return toHex(sha256(data));
}
Md5 md5(std::string_view data) {
  return digestOf<16>(EVP_md5(), data);
}

Sha256 hmacSha256(std::string_view key, std::string_view data) {
  Sha256 out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &len) == nullptr ||
      len != out.size()) {
    throw std::runtime_error("OpenSSL HMAC failed");
  }
  return out;
}

struct DualHasher::Impl {
  MdCtx md5{EVP_MD_CTX_new()};
  MdCtx sha;  // null without SHA-256
  void reset() {
    if (!md5 || EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr) != 1 ||
        (sha && EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1)) {
      throw std::runtime_error("OpenSSL digest init failed");
    }
  }
};

DualHasher::DualHasher(bool withSha256) : impl_(std::make_unique<Impl>()) {
  if (withSha256) {
    impl_->sha.reset(EVP_MD_CTX_new());
    if (!impl_->sha) throw std::runtime_error("OpenSSL digest init failed");
  }
  impl_->reset();
}
DualHasher::~DualHasher() = default;

void DualHasher::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(impl_->md5.get(), data, size);
  if (impl_->sha) EVP_DigestUpdate(impl_->sha.get(), data, size);
}

void DualHasher::finish(Md5& md5Out, Sha256& sha256Out) {
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->md5.get(), md5Out.data(), &len);
  if (impl_->sha) {
    EVP_DigestFinal_ex(impl_->sha.get(), sha256Out.data(), &len);
  } else {
    sha256Out.fill(0);
  }
  impl_->reset();
}

struct Sha256Hasher::Impl {
  MdCtx sha{EVP_MD_CTX_new()};
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {
  if (!impl_->sha || EVP_DigestInit_ex(impl_->sha.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest init failed");
  }
}
Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(impl_->sha.get(), data, size);
}

Sha256 Sha256Hasher::finish() {
  Sha256 out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->sha.get(), out.data(), &len);
  EVP_DigestInit_ex(impl_->sha.get(), EVP_sha256(), nullptr);
  return out;
}

}  // namespace ibsr::s3
