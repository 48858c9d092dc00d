// A parser that takes a line while LineReader reads it, piece by piece, instead of after the
// whole line is buffered: a long line (134 MB for a full 1M-key map) is then parsed while each
// piece is still in cache, and no buffer the size of the line is ever filled. When the consumer
// meets something it does not handle, it declines and the reader hands the line over whole as
// usual (the consumer first writes back the bytes it had consumed).
#pragma once

#include <cstddef>

namespace ibsr::report {

class LineConsumer {
 public:
  enum class Step {
    More,     // all of the line so far is parsed or held back: offer the rest when it is read
    Done,     // the line is parsed; `used` ends at its last byte (a '\n' or the end follows)
    Decline,  // not for this consumer: the reader restores the line and returns it whole
  };
  virtual ~LineConsumer() = default;
  // A line begins. `sizeHint`: how many bytes the input may still hold (0: unknown).
  virtual void begin(size_t sizeHint) = 0;
  // [data, data + len) are the line's bytes after those consumed so far, possibly followed by a
  // '\n' and later lines. `final`: no byte follows data + len (end of input). Sets `used` to the
  // bytes consumed for good, which the reader drops; the rest is offered again, with what follows.
  // A consumer never consumes a '\n'.
  virtual Step feed(const char* data, size_t len, bool final, size_t& used) = 0;
  // Bytes consumed since begin().
  virtual size_t consumed() const = 0;
  // Writes exactly those consumed() bytes again, as they were read.
  virtual void writeConsumed(char* out) const = 0;
};

}  // namespace ibsr::report
