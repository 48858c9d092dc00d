// One read pass over (a prefix of) a file computing everything an upload needs up front:
// per-part MD5 and SHA-256 (Content-MD5 and x-amz-content-sha256 of each request) and the
// whole file's MD5 and SHA-256 (single-PUT ETag, stored object metadata, state file).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
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

struct PartHashing {
  // Threads hashing parts: parts are independent, so several hash at once (MD5 runs at about
  // 0.75 GB/s on one core, slower than several connections can send).
  std::size_t threads = 1;
  // Parts hashed but not yet taken by next(): keeps the hashing just ahead of the senders, so the
  // bytes are still in the page cache when they are sent (nothing else is buffered).
  std::size_t ahead = 2;
  // Each part's SHA-256 too (x-amz-content-sha256 of a signed payload); MD5 alone otherwise.
  bool partSha256 = true;
  // MD5 alone on a CPU with the vector kernel: one thread hashes up to s3::kMd5Lanes parts at
  // once in the lanes of s3::Md5Lanes (2.5-3.5 x OpenSSL's MD5 in all) instead of `threads`
  // threads each running OpenSSL's MD5 over one part. It then starts a batch of parts only when
  // `ahead` leaves room for all of them, and keeps at least two batches in the window.
  bool multiBuffer = true;
};

// Hashes the parts of a file in background threads, at most `ahead` parts before the consumers,
// so that hashing the next parts overlaps the upload of the current ones. The whole file's
// SHA-256 (for the state) is computed by one more thread reading the file in order, beside the
// part hashers rather than before them, so nothing is read before the first part is sent.
class PartHasher {
 public:
  PartHasher(int fd, std::uint64_t length, std::uint64_t partSize, PartHashing how = {});
  ~PartHasher();  // stops the threads and waits for them
  PartHasher(const PartHasher&) = delete;
  PartHasher& operator=(const PartHasher&) = delete;

  // The next part in file order, std::nullopt after the last one, or the error that stopped
  // reading at this part. Thread-safe: several senders each get distinct parts.
  Result<std::optional<PartDigest>> next();
  // The SHA-256 of the whole file; waits for its thread to finish.
  Result<s3::Sha256> wholeSha256();

 private:
  void hashParts();
  void hashPartsInLanes();
  void hashWhole();
  // Records a hashed part, or the error that stopped it; with mutex_ held.
  void publish(std::uint64_t index, PartDigest p, std::optional<Error> failed);

  const int fd_;
  const std::uint64_t length_;
  const std::uint64_t partSize_;
  const std::uint64_t partCount_;
  const PartHashing how_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t claimed_ = 0;  // parts a hashing thread has started
  std::uint64_t taken_ = 0;    // parts next() has returned
  std::map<std::uint64_t, PartDigest> ready_;
  std::optional<std::pair<std::uint64_t, Error>> error_;  // first part that could not be read
  std::optional<Result<s3::Sha256>> whole_;
  bool cancelled_ = false;
  std::vector<std::thread> threads_;  // last: start after every other member exists
};

// S3's ETag of a multipart object: hex MD5 of the concatenated binary part MD5s, "-", part count.
std::string multipartEtag(const std::vector<PartDigest>& parts);

// Whether `etag` has the shape of an MD5 ETag: 32 lowercase hex digits, optionally followed by
// "-N" (multipart). SSE-KMS and some stores answer other forms (or none), which prove nothing.
bool isMd5Etag(const std::string& etag);

// Length of the prefix of `fd` (of `size` bytes) that ends with its last '\n' (0 if none).
Result<std::uint64_t> completeLinesLength(int fd, std::uint64_t size);

}  // namespace ibsr::exporter
