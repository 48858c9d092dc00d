#include "report/line_reader.h"

#include <cerrno>
#include <cstring>

namespace ibsr::report {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kCompressedChunk = 1 << 18;
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
  source_.reset();
  if (gzInit_) inflateEnd(&gz_);
  gzInit_ = false;
  if (zstd_ != nullptr) ZSTD_freeDCtx(zstd_);
  zstd_ = nullptr;
}

Status LineReader::open(const std::string& path) {
  auto source = FileSource::open(path);
  // A collector with --compress-closed replaces a closed X.jsonl by X.jsonl.zst holding the same
  // bytes, maybe after the file was listed: the lines are then there.
  if (!source.ok() && source.error().errnum == ENOENT && endsWith(path, ".jsonl")) {
    auto compressed = FileSource::open(path + ".zst");
    if (compressed.ok()) return open(std::move(compressed.value()), path + ".zst");
  }
  if (!source.ok()) {
    close();
    return source.error();
  }
  return open(std::move(source.value()), path);
}

Status LineReader::open(std::unique_ptr<ByteSource> source, const std::string& name) {
  close();
  source_ = std::move(source);
  path_ = name;
  begin_ = end_ = scanned_ = 0;
  eof_ = skipping_ = false;
  lineNo_ = 0;
  zpos_ = zend_ = 0;
  codec_ = endsWith(name, ".gz")    ? Codec::Gzip
           : endsWith(name, ".zst") ? Codec::Zstd
                                    : Codec::Plain;
  if (codec_ == Codec::Gzip) {
    gz_ = z_stream{};
    if (inflateInit2(&gz_, 16 + MAX_WBITS) != Z_OK)
      return plainError("cannot open '" + name + "': zlib initialisation failed");
    gzInit_ = true;
    gzState_ = GzState::Detect;
    gzMemberSeen_ = false;
    zin_.resize(kCompressedChunk);
  } else if (codec_ == Codec::Zstd) {
    zstd_ = ZSTD_createDCtx();
    if (zstd_ == nullptr)
      return plainError("cannot open '" + name + "': zstd initialisation failed");
    zin_.resize(ZSTD_DStreamInSize());
    zstdFrameOpen_ = false;
    zstdFrameLeft_.reset();
    zstdFrameSeen_ = false;
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

Result<bool> LineReader::moreInput() {
  if (zpos_ > 0) {
    std::memmove(zin_.data(), zin_.data() + zpos_, zend_ - zpos_);
    zend_ -= zpos_;
    zpos_ = 0;
  }
  if (zend_ == zin_.size()) return true;
  auto n = source_->read(zin_.data() + zend_, zin_.size() - zend_);
  if (!n.ok()) return n.error();
  zend_ += *n;
  return *n > 0;
}

Result<size_t> LineReader::fill(size_t want) {
  char* dst = buf_.data() + end_;
  switch (codec_) {
    case Codec::Plain:
      return source_->read(dst, want);
    case Codec::Gzip:
      return fillGzip(dst, want);
    case Codec::Zstd:
      return fillZstd(dst, want);
  }
  return size_t(0);
}

Result<size_t> LineReader::fillGzip(char* dst, size_t want) {
  for (;;) {
    switch (gzState_) {
      case GzState::Done:
        return size_t(0);
      case GzState::Detect: {
        // Two bytes decide, as in gzread: a lone first byte is not a gzip file.
        while (zend_ - zpos_ < 2) {
          auto more = moreInput();
          if (!more.ok()) return more.error();
          if (!*more) break;
        }
        const auto* in = reinterpret_cast<const unsigned char*>(zin_.data() + zpos_);
        if (zend_ - zpos_ >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
          inflateReset(&gz_);
          gzState_ = GzState::Inflate;
        } else {
          gzState_ = gzMemberSeen_ ? GzState::Done : GzState::Raw;
        }
        continue;
      }
      case GzState::Raw: {
        if (zend_ > zpos_) {
          size_t n = std::min(want, zend_ - zpos_);
          std::memcpy(dst, zin_.data() + zpos_, n);
          zpos_ += n;
          return n;
        }
        return source_->read(dst, want);
      }
      case GzState::Inflate: {
        if (zend_ == zpos_) {
          auto more = moreInput();
          if (!more.ok()) return more.error();
          if (!*more)
            return plainError("cannot decompress '" + path_ + "': unexpected end of file");
        }
        gz_.next_in = reinterpret_cast<Bytef*>(zin_.data() + zpos_);
        gz_.avail_in = unsigned(zend_ - zpos_);
        gz_.next_out = reinterpret_cast<Bytef*>(dst);
        gz_.avail_out = unsigned(want);
        int rc = inflate(&gz_, Z_NO_FLUSH);
        zpos_ = zend_ - gz_.avail_in;
        size_t produced = want - gz_.avail_out;
        if (rc == Z_STREAM_END) {
          gzMemberSeen_ = true;
          gzState_ = GzState::Detect;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
          return plainError("cannot decompress '" + path_ +
                            "': " + (gz_.msg != nullptr ? gz_.msg : "gzip error"));
        }
        if (produced > 0) return produced;
        continue;
      }
    }
  }
}

Result<size_t> LineReader::fillZstd(char* dst, size_t want) {
  ZSTD_outBuffer out{dst, want, 0};
  while (out.pos == 0) {
    if (zpos_ == zend_) {
      auto more = moreInput();
      if (!more.ok()) return more.error();
      if (!*more) {
        if (zstdFrameOpen_)
          return plainError("cannot decompress '" + path_ + "': truncated zstd frame");
        if (!zstdFrameSeen_)
          return plainError("cannot decompress '" + path_ + "': empty file, no zstd frame");
        return size_t(0);
      }
    }
    if (!zstdFrameOpen_) {
      const unsigned long long size = ZSTD_getFrameContentSize(zin_.data() + zpos_, zend_ - zpos_);
      const bool sized = size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR;
      zstdFrameLeft_ = sized ? std::optional<uint64_t>(size) : std::nullopt;
    }
    ZSTD_inBuffer in{zin_.data(), zend_, zpos_};
    const size_t before = out.pos;
    size_t rc = ZSTD_decompressStream(zstd_, &out, &in);
    zpos_ = in.pos;
    if (ZSTD_isError(rc))
      return plainError("cannot decompress '" + path_ + "': " + ZSTD_getErrorName(rc));
    zstdFrameOpen_ = rc != 0;
    if (zstdFrameLeft_) *zstdFrameLeft_ -= std::min<uint64_t>(*zstdFrameLeft_, out.pos - before);
    zstdFrameSeen_ = true;
  }
  return out.pos;
}

size_t LineReader::sizeHint() const {
  // A .zst frame's header may give its size (the collector's compressor and the zstd tool write
  // it); later frames, and gzip, are not known ahead.
  uint64_t ahead = 0;
  if (codec_ == Codec::Plain)
    ahead = source_->remainingHint();
  else if (codec_ == Codec::Zstd && zstdFrameLeft_)
    ahead = *zstdFrameLeft_;
  else
    return 0;
  const uint64_t left = ahead + (end_ - begin_);
  return size_t(std::min<uint64_t>(left, maxLine_));
}

void LineReader::restore(const LineConsumer& consumer) {
  const size_t taken = consumer.consumed();
  if (taken == 0) return;
  const size_t rest = end_ - begin_;
  if (taken + rest + kPad > buf_.size())
    buf_.grow(taken + rest + kPad, maxLine_ + 2 * kChunk + kPad);
  char* base = buf_.data();
  std::memmove(base + taken, base + begin_, rest);
  consumer.writeConsumed(base);
  begin_ = 0;
  end_ = taken + rest;
  scanned_ = 0;
  std::memset(base + end_, 0, kPad);
}

Result<bool> LineReader::next(Line& line, LineConsumer* consumer) {
  line.consumed = false;
  bool streaming = consumer != nullptr;
  bool begun = false;
  for (;;) {
    char* base = buf_.data();
    if (streaming && (end_ > begin_ || (eof_ && begun))) {
      if (!begun) {
        consumer->begin(sizeHint());
        begun = true;
      }
      size_t used = 0;
      const LineConsumer::Step step = consumer->feed(base + begin_, end_ - begin_, eof_, used);
      begin_ += used;
      const size_t taken = consumer->consumed();
      if (step == LineConsumer::Step::Done) {
        ++lineNo_;
        line.number = lineNo_;
        line.lastWithoutNewline = begin_ == end_;
        if (begin_ < end_) ++begin_;  // its newline
        scanned_ = 0;
        line.oversized = taken > maxLine_;
        line.consumed = !line.oversized;
        line.data = base;
        line.size = 0;
        line.capacity = kPad;
        return true;
      }
      if (taken > maxLine_) {
        // Over the cap whatever follows: the rest of the line is skipped as any other's.
        streaming = false;
        skipping_ = true;
        scanned_ = 0;
        continue;
      }
      if (step == LineConsumer::Step::Decline || eof_) {
        restore(*consumer);
        streaming = false;
        continue;
      }
    } else if (streaming) {
      if (eof_) return false;  // no line begins
    } else {
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
