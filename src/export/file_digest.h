// One read pass over (a prefix of) a file computing everything an upload needs up front:
// per-part MD5 and SHA-256 (Content-MD5 and x-amz-content-sha256 of each request) and the
// whole file's MD5 and SHA-256 (single-PUT ETag, stored object metadata, state file).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "export/digest.h"

namespace ibsr::exporter {

struct PartDigest {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  s3::Md5 md5{};
  s3::Sha256 sha256{};
};

struct FileDigest {
  std::uint64_t length = 0;
  s3::Md5 md5{};  // whole-file MD5: only when not split (a multipart ETag comes from the parts)
  s3::Sha256 sha256{};
  std::vector<PartDigest> parts;  // one part covering everything when not split
};

// Reads `length` bytes of `fd` from offset 0, split into parts of `partSize` bytes (0: one part).
Result<FileDigest> digestFile(int fd, std::uint64_t length, std::uint64_t partSize);

// Hashes the parts of a file (MD5 and SHA-256 each) in a background thread, at most `ahead` parts
// before the consumer, so that hashing part n+1 overlaps the upload of part n. The whole file's
// SHA-256 accumulates in the same read pass, so nothing is read before the first part is sent.
class PartHasher {
 public:
  PartHasher(int fd, std::uint64_t length, std::uint64_t partSize, std::size_t ahead = 2);
  ~PartHasher();  // stops the thread and waits for it
  PartHasher(const PartHasher&) = delete;
  PartHasher& operator=(const PartHasher&) = delete;

  // The next part, std::nullopt after the last one, or the error that stopped reading.
  Result<std::optional<PartDigest>> next();
  // The SHA-256 of the whole file, once next() has returned std::nullopt.
  s3::Sha256 wholeSha256() const { return whole_; }

 private:
  void run();

  const int fd_;
  const std::uint64_t length_;
  const std::uint64_t partSize_;
  const std::size_t ahead_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<PartDigest> ready_;
  std::optional<Error> error_;
  s3::Sha256 whole_{};
  bool finished_ = false;
  bool cancelled_ = false;
  std::thread thread_;  // last: starts after every other member exists
};

// S3's ETag of a multipart object: hex MD5 of the concatenated binary part MD5s, "-", part count.
std::string multipartEtag(const std::vector<PartDigest>& parts);

// Whether `etag` has the shape of an MD5 ETag: 32 lowercase hex digits, optionally followed by
// "-N" (multipart). SSE-KMS and some stores answer other forms (or none), which prove nothing.
bool isMd5Etag(const std::string& etag);

// Length of the prefix of `fd` (of `size` bytes) that ends with its last '\n' (0 if none).
Result<std::uint64_t> completeLinesLength(int fd, std::uint64_t size);

}  // namespace ibsr::exporter
