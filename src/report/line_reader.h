// Streams the lines of one snapshot file or object (a ByteSource), decompressing .gz (zlib) and
// .zst (libzstd) on the fly.
// Memory is bounded by the longest accepted line: a line longer than maxLineBytes is skipped
// without being buffered (the reader discards bytes until the next newline). A line that a
// LineConsumer takes as it is read is not buffered at all.
#pragma once

#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/byte_source.h"
#include "report/line_consumer.h"

namespace ibsr::report {

struct Line {
  const char* data = nullptr;
  size_t size = 0;
  size_t capacity = 0;     // readable bytes from data (>= size + simdjson::SIMDJSON_PADDING)
  uint64_t number = 0;     // 1-based
  bool oversized = false;  // longer than the cap; data is empty
  bool lastWithoutNewline = false;  // the file ended without a final newline (maybe torn)
  bool consumed = false;            // the consumer parsed the whole line; data is empty
};

class LineReader {
 public:
  explicit LineReader(size_t maxLineBytes) : maxLine_(maxLineBytes) {}
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  Status open(const std::string& path);
  // `name` chooses the codec by its suffix and names the input in errors.
  Status open(std::unique_ptr<ByteSource> source, const std::string& name);
  // False at end of file. A read or decompression error is returned as an Error. With a consumer,
  // the line is fed to it as it is read; if it declines, the line is returned whole as without.
  Result<bool> next(Line& line, LineConsumer* consumer = nullptr);
  void close();

 private:
  enum class Codec { Plain, Gzip, Zstd };
  // What the gzip decoder expects next. As gzread does: a file that does not start with the gzip
  // magic is read as it is, concatenated members are read in turn, and bytes after a member that
  // are not another member are ignored.
  enum class GzState { Detect, Inflate, Raw, Done };
  // Appends up to `want` bytes at end_; returns the number read (0 at EOF).
  Result<size_t> fill(size_t want);
  Result<size_t> fillGzip(char* dst, size_t want);
  Result<size_t> fillZstd(char* dst, size_t want);
  // Reads more compressed input after [zpos_, zend_); false at the end of the source.
  Result<bool> moreInput();
  void ensureRoom(size_t bytes);
  // Puts the bytes a declining consumer took back in front of the rest of the line.
  void restore(const LineConsumer& consumer);
  size_t sizeHint() const;

  size_t maxLine_;
  std::string path_;
  Codec codec_ = Codec::Plain;
  std::unique_ptr<ByteSource> source_;
  z_stream gz_{};
  bool gzInit_ = false;
  GzState gzState_ = GzState::Detect;
  bool gzMemberSeen_ = false;
  ZSTD_DCtx* zstd_ = nullptr;
  std::vector<char> zin_;
  size_t zpos_ = 0;
  size_t zend_ = 0;
  bool zstdFrameOpen_ = false;
  // What the current frame still holds, decompressed, when its header says.
  std::optional<uint64_t> zstdFrameLeft_;
  bool zstdFrameSeen_ = false;  // an empty .zst has no frame: an error, as for `zstd -t`

  // Grows geometrically (bounded by `limit`) and is never zero-filled. realloc lets glibc move a
  // large (mmap'ed) buffer with mremap: no copy and no moment with two big buffers alive, which
  // matters for 150 MB snapshot lines. Data lives in [begin_, end_); padding follows end_.
  class Buffer {
   public:
    Buffer() = default;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { std::free(data_); }
    char* data() { return data_; }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    void grow(size_t n, size_t limit) {
      if (n <= size_) return;
      size_t cap = std::max(n, std::min(size_ * 2, limit));
      void* next = std::realloc(data_, cap);
      if (next == nullptr) throw std::bad_alloc();
      data_ = static_cast<char*>(next);
      size_ = cap;
    }

   private:
    char* data_ = nullptr;
    size_t size_ = 0;
  };
  Buffer buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scanned_ = 0;  // bytes after begin_ already known to hold no newline
  bool eof_ = false;
  bool skipping_ = false;  // discarding the rest of an oversized line
  uint64_t lineNo_ = 0;
};

}  // namespace ibsr::report
