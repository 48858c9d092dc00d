#include "report/canonical_parser.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>

#include "core/page_release.h"

namespace ibsr::report {
namespace {

uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// memcmp(p, s, n) == 0 for a literal `s`, in a few word compares (the literal's words fold into
// constants; a libc call per field cost more than the compare).
template <size_t n>
bool equalBytes(const char* p, const char* s) {
  if constexpr (n >= 8) {
    uint64_t diff = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) diff |= load64(p + i) ^ load64(s + i);
    if constexpr (n % 8 != 0) diff |= load64(p + n - 8) ^ load64(s + n - 8);
    return diff == 0;
  } else if constexpr (n >= 4) {
    return ((load32(p) ^ load32(s)) | (load32(p + n - 4) ^ load32(s + n - 4))) == 0;
  } else {
    return std::memcmp(p, s, n) == 0;
  }
}

// How many of the 8 bytes in `v` (in memory order) are ASCII digits before the first that is not.
// A byte is a digit when its high nibble is 3 before and after adding 6; a carry out of a byte
// of 0xFA or more only reaches bytes after it, which do not count.
unsigned digitRun(uint64_t v) {
  constexpr uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ull, kThrees = 0x3030303030303030ull;
  const uint64_t bad = ((v & kHigh) ^ kThrees) | (((v + 0x0606060606060606ull) & kHigh) ^ kThrees);
  return bad == 0 ? 8 : unsigned(__builtin_ctzll(bad)) / 8;
}

// The value of the first n (1..8) digits in `v`: moved to the top so that the bytes before them
// read as leading zeros, then combined pairwise (as simdjson's parse_eight_digits_unrolled).
uint64_t digitsValue(uint64_t v, unsigned n) {
  v = (v - 0x3030303030303030ull) << (8 * (8 - n));
  v = v * 10 + (v >> 8);
  constexpr uint64_t kMask = 0x000000FF000000FFull;
  return ((v & kMask) * 0x000F424000000064ull + ((v >> 16) & kMask) * 0x0000271000000001ull) >> 32;
}

constexpr uint64_t kPow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

// Reads the layout from [p, end). With `more` (the line goes on after `end`), a check that fails
// only because the bytes ran out sets cut(): the caller then waits for more instead of giving up.
class Cursor {
 public:
  Cursor(const char* p, const char* end, bool more) : p_(p), end_(end), more_(more) {}

  const char* pos() const { return p_; }
  bool atEnd() const { return p_ == end_; }
  bool cut() const { return cut_; }

  template <size_t N>
  bool lit(const char (&s)[N]) {
    constexpr size_t n = N - 1;
    const size_t avail = size_t(end_ - p_);
    if (avail < n) {
      if (more_ && std::memcmp(p_, s, avail) == 0) cut_ = true;
      return false;
    }
    if (!equalBytes<n>(p_, s)) return false;
    p_ += n;
    return true;
  }
  bool ch(char c) {
    if (p_ == end_) return ranOut();
    if (*p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) {
    if (p_ == end_) return ranOut();
    return *p_ == c;
  }

  // A JSON integer: "0" or a non-zero digit then digits; no sign, fraction or exponent; must fit
  // in u64. The next byte must not continue a number (JSON would read "1.5" or "1e3" as a float).
  bool u64(uint64_t& out) {
    // Up to 16 digits eight at a time where the bytes are there (all of a line but its end);
    // longer numbers, which may overflow, and the last bytes take the loop below.
    if (end_ - p_ > 16) {
      const uint64_t a = load64(p_);
      unsigned n = digitRun(a);
      if (n == 0 || (n > 1 && *p_ == '0')) return false;
      uint64_t v;
      if (n < 8) {
        v = digitsValue(a, n);
      } else {
        const uint64_t b = load64(p_ + 8);
        const unsigned m = digitRun(b);
        if (m < 8) {
          v = digitsValue(a, 8) * kPow10[m] + (m > 0 ? digitsValue(b, m) : 0);
          n += m;
        } else {
          return u64Loop(out);
        }
      }
      const char next = p_[n];
      if (next == '.' || next == 'e' || next == 'E') return false;
      p_ += n;
      out = v;
      return true;
    }
    return u64Loop(out);
  }

 private:
  bool u64Loop(uint64_t& out) {
    if (p_ == end_) return ranOut();
    unsigned d = unsigned(*p_) - '0';
    if (d > 9) return false;
    uint64_t v = d;
    ++p_;
    if (d != 0) {
      while (p_ != end_) {
        d = unsigned(*p_) - '0';
        if (d > 9) break;
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
        ++p_;
      }
    }
    if (p_ == end_) {
      if (more_) return ranOut();
    } else if (*p_ == '.' || *p_ == 'e' || *p_ == 'E' || (*p_ >= '0' && *p_ <= '9')) {
      return false;
    }
    out = v;
    return true;
  }

  bool ranOut() {
    cut_ = cut_ || more_;
    return false;
  }

  const char* p_;
  const char* end_;
  bool more_;
  bool cut_ = false;
};

constexpr char kHead[] = "{\"version\":3,\"ts_unix_sec\":";
constexpr char kPorts[] = ",\"dst_ports\":[";
constexpr char kBuckets[] = "],\"buckets\":[";
constexpr char kKey[] = "{\"key_type\":\"src_ip\",\"key_value\":";
constexpr char kPort[] = ",\"dst_port\":";
constexpr char kSyn[] = ",\"syn\":";
constexpr char kAck[] = ",\"ack\":";
constexpr char kHandshakeAck[] = ",\"handshake_ack\":";
constexpr char kRst[] = ",\"rst\":";
constexpr char kPackets[] = ",\"packets\":";
constexpr char kBytes[] = ",\"bytes\":";

// Everything up to and including "buckets":[. Starts over on every call (the header is short).
bool parseHeader(Cursor& c, Snapshot& out) {
  out.dstPorts.clear();
  uint64_t ts = 0;
  if (!c.lit(kHead) || !c.u64(ts) || ts > uint64_t(kMaxTimestamp)) return false;
  out.ts = int64_t(ts);
  if (!c.lit(kPorts)) return false;
  if (!c.peek(']')) {
    do {
      uint64_t port = 0;
      if (!c.u64(port) || port > 65535) return false;
      out.dstPorts.push_back(uint16_t(port));
    } while (c.ch(','));
  }
  return c.lit(kBuckets);
}

bool parseBucket(Cursor& c, Bucket& b) {
  uint64_t ip = 0, port = 0;
  Counters& k = b.counters;
  if (!c.lit(kKey) || !c.u64(ip) || ip > UINT32_MAX || !c.lit(kPort) || !c.u64(port) ||
      port > 65535 || !c.lit(kSyn) || !c.u64(k.syn) || !c.lit(kAck) || !c.u64(k.ack) ||
      !c.lit(kHandshakeAck) || !c.u64(k.handshakeAck) || !c.lit(kRst) || !c.u64(k.rst) ||
      !c.lit(kPackets) || !c.u64(k.packets) || !c.lit(kBytes) || !c.u64(k.bytes) || !c.ch('}'))
    return false;
  b.key = packKey(KeyType::SrcIp, uint32_t(ip), uint16_t(port));
  return true;
}

// The shortest bucket this layout can hold bounds the count of buckets in `bytes`: reserving it
// up front saves the vector's regrowth copies on a 134 MB line (the capacity is kept for the next
// lines), and untouched capacity costs no memory.
void reserveBuckets(Snapshot& out, size_t bytes) {
  constexpr size_t kMinBucketText =
      sizeof(
          "{\"key_type\":\"src_ip\",\"key_value\":0,\"dst_port\":0,\"syn\":0,\"ack\":0,"
          "\"handshake_ack\":0,\"rst\":0,\"packets\":0,\"bytes\":0}") -
      1;
  const size_t most = bytes / kMinBucketText + 1;
  if (out.buckets.capacity() < most) {
    // With room to spare: lines grow as counters gain digits, and each reallocation would touch
    // fresh pages again.
    const size_t room = most + most / 4;
    out.buckets.reserve(room);
    adviseHugePages(out.buckets.data(), room * sizeof(Bucket));
  }
}

// A piece that ends inside the header or a bucket is offered again with what follows. A bucket
// is at most a few hundred bytes, so more than this held back means a header with an unusual
// number of ports: the whole-line parser takes such a line rather than this one re-reading it.
constexpr size_t kMaxHeldBack = 64 << 10;

template <size_t N>
char* put(char* p, const char (&s)[N]) {
  std::memcpy(p, s, N - 1);
  return p + N - 1;
}
char* put(char* p, uint64_t v) {
  return std::to_chars(p, p + 20, v).ptr;
}

}  // namespace

void CanonicalLineParser::begin(size_t sizeHint) {
  Snapshot& out = *out_;
  out.clearForLine(3);
  if (sizeHint > 0) reserveBuckets(out, sizeHint);
  state_ = State::Header;
  consumed_ = 0;
  headerBytes_ = 0;
}

LineConsumer::Step CanonicalLineParser::feed(const char* data, size_t len, bool final,
                                             size_t& used) {
  Snapshot& out = *out_;
  Cursor c(data, data + len, !final);
  const char* committed = data;
  auto stop = [&](Step step) {
    used = size_t(committed - data);
    consumed_ += used;
    if (step == Step::More && len - used > kMaxHeldBack) return Step::Decline;
    return step;
  };
  auto giveUp = [&] { return stop(c.cut() ? Step::More : Step::Decline); };
  if (state_ == State::Header) {
    if (!parseHeader(c, out)) return giveUp();
    committed = c.pos();
    headerBytes_ = size_t(committed - data);
    state_ = State::FirstBucket;
  }
  for (;;) {
    const bool another = state_ == State::NextBucket ? c.ch(',') : !c.peek(']');
    if (c.cut()) return stop(Step::More);
    if (!another) {
      // The end of the line: "]}" then its newline, or the end of the input.
      if (!c.lit("]}")) return giveUp();
      if (c.atEnd() ? !final : *c.pos() != '\n')
        return stop(c.atEnd() ? Step::More : Step::Decline);
      committed = c.pos();
      return stop(Step::Done);
    }
    Bucket b;
    if (!parseBucket(c, b)) return giveUp();
    out.buckets.push_back(b);
    committed = c.pos();
    state_ = State::NextBucket;
  }
}

void CanonicalLineParser::writeConsumed(char* out) const {
  if (consumed_ == 0) return;
  const Snapshot& s = *out_;
  char* p = out;
  p = put(p, kHead);
  p = put(p, uint64_t(s.ts));
  p = put(p, kPorts);
  for (size_t i = 0; i < s.dstPorts.size(); ++i) {
    if (i > 0) *p++ = ',';
    p = put(p, uint64_t(s.dstPorts[i]));
  }
  p = put(p, kBuckets);
  assert(size_t(p - out) == headerBytes_);
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    const Bucket& b = s.buckets[i];
    const Counters& k = b.counters;
    if (i > 0) *p++ = ',';
    p = put(p, kKey);
    p = put(p, uint64_t(keyIp(b.key)));
    p = put(p, kPort);
    p = put(p, uint64_t(keyPort(b.key)));
    p = put(put(p, kSyn), k.syn);
    p = put(put(p, kAck), k.ack);
    p = put(put(p, kHandshakeAck), k.handshakeAck);
    p = put(put(p, kRst), k.rst);
    p = put(put(p, kPackets), k.packets);
    p = put(put(p, kBytes), k.bytes);
    *p++ = '}';
  }
  assert(size_t(p - out) == consumed_);
}

bool parseCanonicalV3(const char* data, size_t len, Snapshot& out) {
  CanonicalLineParser parser;
  parser.target(out);
  parser.begin(0);
  reserveBuckets(out, len);
  size_t used = 0;
  return parser.feed(data, len, true, used) == LineConsumer::Step::Done && used == len;
}

}  // namespace ibsr::report
