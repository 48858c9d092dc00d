// Where a snapshot file's (possibly compressed) bytes come from: a local file or an S3 object.
// LineReader decompresses and splits lines on top of it, so both inputs share one parser.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"

namespace ibsr::report {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Copies up to `n` bytes to `dst`; 0 at the end of the input.
  virtual Result<size_t> read(char* dst, size_t n) = 0;
};

class FileSource : public ByteSource {
 public:
  ~FileSource() override;
  static Result<std::unique_ptr<ByteSource>> open(const std::string& path);
  Result<size_t> read(char* dst, size_t n) override;

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace ibsr::report
