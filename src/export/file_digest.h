// One read pass over (a prefix of) a file computing everything an upload needs up front:
// per-part MD5 and SHA-256 (Content-MD5 and x-amz-content-sha256 of each request) and the
// whole file's MD5 and SHA-256 (single-PUT ETag, stored object metadata, state file).
#pragma once

#include <cstdint>
#include <string>
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

// S3's ETag of a multipart object: hex MD5 of the concatenated binary part MD5s, "-", part count.
std::string multipartEtag(const std::vector<PartDigest>& parts);

// Length of the prefix of `fd` (of `size` bytes) that ends with its last '\n' (0 if none).
Result<std::uint64_t> completeLinesLength(int fd, std::uint64_t size);

}  // namespace ibsr::exporter
