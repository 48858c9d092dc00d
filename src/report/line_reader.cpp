#include "report/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace ibsr::report {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kPad = simdjson::SIMDJSON_PADDING;

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

LineReader::~LineReader() {
  close();
}

void LineReader::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (gz_ != nullptr) gzclose(gz_);
  gz_ = nullptr;
  if (zstd_ != nullptr) ZSTD_freeDCtx(zstd_);
  zstd_ = nullptr;
}

Status LineReader::open(const std::string& path) {
  close();
  path_ = path;
  begin_ = end_ = scanned_ = 0;
  eof_ = skipping_ = false;
  lineNo_ = 0;
  codec_ = endsWith(path, ".gz")    ? Codec::Gzip
           : endsWith(path, ".zst") ? Codec::Zstd
                                    : Codec::Plain;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return sysError("cannot open '" + path + "'");
  if (codec_ == Codec::Gzip) {
    gz_ = gzdopen(fd_, "rb");
    if (gz_ == nullptr) return plainError("cannot open '" + path + "': zlib initialisation failed");
    fd_ = -1;  // owned by gz_ now
    gzbuffer(gz_, 1 << 18);
  } else if (codec_ == Codec::Zstd) {
    zstd_ = ZSTD_createDCtx();
    if (zstd_ == nullptr)
      return plainError("cannot open '" + path + "': zstd initialisation failed");
    zin_.resize(ZSTD_DStreamInSize());
    zinBuf_ = {zin_.data(), 0, 0};
    zstdFrameOpen_ = false;
  }
  if (buf_.empty()) buf_.grow(kChunk + kPad, kChunk + kPad);
  return {};
}

void LineReader::ensureRoom(size_t bytes) {
  // Move the unfinished line to the front, then grow if it still does not fit.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ + bytes + kPad > buf_.size())
    buf_.grow(end_ + bytes + kPad, maxLine_ + 2 * kChunk + kPad);
}

Result<size_t> LineReader::fill(size_t want) {
  char* dst = buf_.data() + end_;
  switch (codec_) {
    case Codec::Plain: {
      for (;;) {
        ssize_t n = ::read(fd_, dst, want);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sysError("cannot read '" + path_ + "'");
        return size_t(n);
      }
    }
    case Codec::Gzip: {
      int n = gzread(gz_, dst, unsigned(want));
      if (n < 0) {
        int code = 0;
        const char* msg = gzerror(gz_, &code);
        return plainError("cannot decompress '" + path_ + "': " + (msg ? msg : "gzip error"));
      }
      return size_t(n);
    }
    case Codec::Zstd: {
      ZSTD_outBuffer out{dst, want, 0};
      while (out.pos == 0) {
        if (zinBuf_.pos == zinBuf_.size) {
          ssize_t n = ::read(fd_, zin_.data(), zin_.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) return sysError("cannot read '" + path_ + "'");
          if (n == 0) {
            if (zstdFrameOpen_)
              return plainError("cannot decompress '" + path_ + "': truncated zstd frame");
            return size_t(0);
          }
          zinBuf_ = {zin_.data(), size_t(n), 0};
        }
        size_t rc = ZSTD_decompressStream(zstd_, &out, &zinBuf_);
        if (ZSTD_isError(rc))
          return plainError("cannot decompress '" + path_ + "': " + ZSTD_getErrorName(rc));
        zstdFrameOpen_ = rc != 0;
      }
      return out.pos;
    }
  }
  return size_t(0);
}

Result<bool> LineReader::next(Line& line) {
  for (;;) {
    char* base = buf_.data();
    if (end_ > begin_ + scanned_) {
      char* from = base + begin_ + scanned_;
      char* nl = static_cast<char*>(std::memchr(from, '\n', end_ - begin_ - scanned_));
      if (nl != nullptr) {
        size_t lineEnd = size_t(nl - base);
        ++lineNo_;
        line.number = lineNo_;
        line.lastWithoutNewline = false;
        if (skipping_ || lineEnd - begin_ > maxLine_) {
          skipping_ = false;
          line.oversized = true;
          line.data = base;
          line.size = 0;
          line.capacity = kPad;
        } else {
          line.oversized = false;
          line.data = base + begin_;
          line.size = lineEnd - begin_;
          line.capacity = buf_.size() - begin_;
        }
        begin_ = lineEnd + 1;
        scanned_ = 0;
        return true;
      }
      scanned_ = end_ - begin_;
    }
    if (skipping_) {
      begin_ = end_ = scanned_ = 0;  // still inside an oversized line: drop what we read
    } else if (end_ - begin_ > maxLine_) {
      // Over the cap: forget what we have of this line and discard until its newline.
      skipping_ = true;
      begin_ = end_ = scanned_ = 0;
    }
    if (eof_) {
      if (end_ == begin_ && !skipping_) return false;
      if (end_ - begin_ > maxLine_) skipping_ = true;
      ++lineNo_;
      line.number = lineNo_;
      line.lastWithoutNewline = true;
      line.oversized = skipping_;
      line.data = skipping_ ? base : base + begin_;
      line.size = skipping_ ? 0 : end_ - begin_;
      line.capacity = skipping_ ? kPad : buf_.size() - begin_;
      begin_ = end_;
      scanned_ = 0;
      skipping_ = false;
      return true;
    }
    size_t want = kChunk;
    ensureRoom(want);
    auto n = fill(want);
    if (!n.ok()) return n.error();
    if (*n == 0) {
      eof_ = true;
    } else {
      end_ += *n;
    }
    // Zero the padding so simdjson never reads stale bytes as part of the document tail.
    std::memset(buf_.data() + end_, 0, kPad);
  }
}

}  // namespace ibsr::report
