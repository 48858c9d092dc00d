// Fast path for the exact byte layout IBSR's own collector writes (src/collect/snapshot.cpp):
// schema v3, no whitespace, fixed field order. It accepts only that strict subset of JSON and
// gives up at the first byte that differs, leaving the line to the general simdjson parser; so
// its results are those of the general parser on every line it accepts (checked by the
// differential fuzz target). Parsing this layout directly avoids building a DOM tape and runs
// several times faster.
#pragma once

#include <cstddef>

#include "report/line_consumer.h"
#include "report/model.h"

namespace ibsr::report {

// On true, `out` holds the snapshot (buckets not yet checked for duplicates).
bool parseCanonicalV3(const char* data, size_t len, Snapshot& out);

// The same parser fed a line piece by piece as it is read (LineReader::next with a consumer), so
// a 134 MB line is parsed while each piece is still in cache and is never held whole. It commits
// after the header and after each bucket; a piece that ends inside a token is left unconsumed
// and offered again with the bytes that follow. Everything it accepted is determined by the
// values it parsed (the layout admits one spelling per value), so when it gives up midway it can
// write those bytes out again exactly (writeConsumed) for the general parser.
class CanonicalLineParser final : public LineConsumer {
 public:
  // Where the next line's snapshot goes; kept until changed.
  void target(Snapshot& out) { out_ = &out; }
  // `sizeHint`: how many bytes the input may still hold (0: unknown), to reserve buckets once.
  void begin(size_t sizeHint) override;
  Step feed(const char* data, size_t len, bool final, size_t& used) override;
  size_t consumed() const override { return consumed_; }
  void writeConsumed(char* out) const override;

 private:
  enum class State { Header, FirstBucket, NextBucket };
  Snapshot* out_ = nullptr;
  State state_ = State::Header;
  size_t consumed_ = 0;
  size_t headerBytes_ = 0;  // of consumed_, the header's (up to and including "buckets":[)
};

}  // namespace ibsr::report
