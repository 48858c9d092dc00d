// Where a snapshot file's (possibly compressed) bytes come from: a local file or an S3 object.
// LineReader decompresses and splits lines on top of it, so both inputs share one parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

namespace ibsr::report {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Copies up to `n` bytes to `dst`; 0 at the end of the input.
  virtual Result<size_t> read(char* dst, size_t n) = 0;
  // How many bytes are probably left (0: unknown); only a hint for sizing buffers.
  virtual uint64_t remainingHint() const { return 0; }
};

class FileSource : public ByteSource {
 public:
  ~FileSource() override;
  static Result<std::unique_ptr<ByteSource>> open(const std::string& path);
  Result<size_t> read(char* dst, size_t n) override;
  uint64_t remainingHint() const override { return size_ > read_ ? size_ - read_ : 0; }

 private:
  FileSource(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_;
  std::string path_;
  uint64_t size_;  // at open (a growing file is read to its end all the same)
  uint64_t read_ = 0;
};

}  // namespace ibsr::report
