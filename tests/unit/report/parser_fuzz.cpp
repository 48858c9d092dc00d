// libFuzzer target for the snapshot line parser. Any byte string must be parsed or rejected with
// a reason, never crash; and the fast path for the collector's canonical layout must agree
// exactly with the general simdjson path on every line (differential check). The input is also
// read as a file, in pieces of a size it chooses, with the canonical parser taking lines as they
// are read: every line must come out as the reader alone gives it (whole, byte for byte) or
// parsed exactly as the whole-line parser parses it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "report/canonical_parser.h"
#include "report/line_reader.h"
#include "report/snapshot_parser.h"

namespace {

using namespace ibsr::report;

bool same(const Snapshot& a, const Snapshot& b) {
  if (a.version != b.version || a.ts != b.ts || a.baseTs != b.baseTs || a.dstPorts != b.dstPorts ||
      a.buckets.size() != b.buckets.size())
    return false;
  for (size_t i = 0; i < a.buckets.size(); ++i) {
    const auto& x = a.buckets[i];
    const auto& y = b.buckets[i];
    if (x.key != y.key || x.counters.syn != y.counters.syn || x.counters.ack != y.counters.ack ||
        x.counters.handshakeAck != y.counters.handshakeAck || x.counters.rst != y.counters.rst ||
        x.counters.packets != y.counters.packets || x.counters.bytes != y.counters.bytes)
      return false;
  }
  return true;
}

class PieceSource : public ByteSource {
 public:
  PieceSource(std::string data, size_t piece) : data_(std::move(data)), piece_(piece) {}
  ibsr::Result<size_t> read(char* dst, size_t n) override {
    const size_t k = std::min({n, piece_, data_.size() - pos_});
    std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  size_t piece_;
  size_t pos_ = 0;
};

// The readers are kept from one input to the next: a new one's first buffer growth (a copy into
// fresh pages) would cost more than the rest of the check.
void checkStreamed(const std::string& data, size_t piece, LineReader& plain, LineReader& fed) {
  static SnapshotParser parser;
  static Snapshot streamed, whole;
  if (!plain.open(std::make_unique<PieceSource>(data, piece), "f.jsonl").ok() ||
      !fed.open(std::make_unique<PieceSource>(data, piece), "f.jsonl").ok())
    std::abort();
  CanonicalLineParser canonical;
  canonical.target(streamed);
  Line a, b;
  for (;;) {
    auto more = plain.next(a);
    auto moreFed = fed.next(b, &canonical);
    if (!more.ok() || !moreFed.ok() || *more != *moreFed) std::abort();
    if (!*more) return;
    if (a.number != b.number || a.oversized != b.oversized ||
        a.lastWithoutNewline != b.lastWithoutNewline)
      std::abort();
    if (b.consumed) {
      // Taken as read: the whole-line paths must take it too, with the same snapshot.
      if (!parseCanonicalV3(a.data, a.size, whole) || !same(streamed, whole)) std::abort();
      const ParseStatus ws = parser.parse(a.data, a.size, a.capacity, whole);
      if (parser.finishCanonical(streamed) != ws || !same(streamed, whole)) std::abort();
    } else if (a.size != b.size || std::memcmp(a.data, b.data, a.size) != 0) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static SnapshotParser parser;
  static Snapshot fast, general;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  ParseStatus a = parser.parse(buf.data(), size, buf.size(), fast);
  if (a != ParseStatus::Ok && parser.error().empty()) std::abort();
  ParseStatus b = parser.parseGeneral(buf.data(), size, buf.size(), general);
  if (a != b) std::abort();
  if (a == ParseStatus::Ok) {
    if (!same(fast, general)) std::abort();
    if (fast.version < 3 || fast.version > 7 || fast.ts < 0 || fast.ts > kMaxTimestamp)
      std::abort();
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t piece = size == 0 ? 1 : 1 + data[0] % 61;
  static LineReader plain(1 << 20), fed(1 << 20), plainCapped(100), fedCapped(100);
  checkStreamed(text, piece, plain, fed);
  checkStreamed(text, 1 << 20, plainCapped, fedCapped);  // lines over the cap too
  return 0;
}
