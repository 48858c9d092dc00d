#include "report/canonical_parser.h"

#include <cstring>

#include "core/page_release.h"

namespace ibsr::report {
namespace {

class Cursor {
 public:
  Cursor(const char* p, const char* end) : p_(p), end_(end) {}

  template <size_t N>
  bool lit(const char (&s)[N]) {
    constexpr size_t n = N - 1;
    if (size_t(end_ - p_) < n || std::memcmp(p_, s, n) != 0) return false;
    p_ += n;
    return true;
  }
  bool ch(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) const { return p_ != end_ && *p_ == c; }
  bool atEnd() const { return p_ == end_; }

  // A JSON integer: "0" or a non-zero digit then digits; no sign, fraction or exponent; must fit
  // in u64. The next byte must not continue a number (JSON would read "1.5" or "1e3" as a float).
  bool u64(uint64_t& out) {
    if (p_ == end_) return false;
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
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E' || (*p_ >= '0' && *p_ <= '9')))
      return false;
    out = v;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

bool parseCanonicalV3(const char* data, size_t len, Snapshot& out) {
  Cursor c(data, data + len);
  out.version = 3;
  out.baseTs.reset();
  out.runId.clear();
  out.dstPorts.clear();
  out.buckets.clear();
  uint64_t ts = 0;
  if (!c.lit("{\"version\":3,\"ts_unix_sec\":") || !c.u64(ts) || ts > uint64_t(kMaxTimestamp))
    return false;
  out.ts = int64_t(ts);
  if (!c.lit(",\"dst_ports\":[")) return false;
  if (!c.peek(']')) {
    do {
      uint64_t port = 0;
      if (!c.u64(port) || port > 65535) return false;
      out.dstPorts.push_back(uint16_t(port));
    } while (c.ch(','));
  }
  if (!c.lit("],\"buckets\":[")) return false;
  // The shortest bucket this layout can hold bounds the count: reserving it up front saves the
  // vector's regrowth copies on a 134 MB line (the capacity is kept for the next lines).
  constexpr size_t kMinBucketText =
      sizeof(
          "{\"key_type\":\"src_ip\",\"key_value\":0,\"dst_port\":0,\"syn\":0,\"ack\":0,"
          "\"handshake_ack\":0,\"rst\":0,\"packets\":0,\"bytes\":0}") -
      1;
  const size_t most = len / kMinBucketText + 1;
  if (out.buckets.capacity() < most) {
    // With room to spare: lines grow as counters gain digits, and each reallocation would touch
    // fresh pages again.
    const size_t room = most + most / 4;
    out.buckets.reserve(room);
    adviseHugePages(out.buckets.data(), room * sizeof(Bucket));
  }
  if (!c.peek(']')) {
    do {
      uint64_t ip = 0, port = 0;
      Bucket b;
      Counters& k = b.counters;
      if (!c.lit("{\"key_type\":\"src_ip\",\"key_value\":") || !c.u64(ip) || ip > UINT32_MAX ||
          !c.lit(",\"dst_port\":") || !c.u64(port) || port > 65535 || !c.lit(",\"syn\":") ||
          !c.u64(k.syn) || !c.lit(",\"ack\":") || !c.u64(k.ack) || !c.lit(",\"handshake_ack\":") ||
          !c.u64(k.handshakeAck) || !c.lit(",\"rst\":") || !c.u64(k.rst) ||
          !c.lit(",\"packets\":") || !c.u64(k.packets) || !c.lit(",\"bytes\":") ||
          !c.u64(k.bytes) || !c.ch('}'))
        return false;
      b.key = packKey(KeyType::SrcIp, uint32_t(ip), uint16_t(port));
      out.buckets.push_back(b);
    } while (c.ch(','));
  }
  return c.lit("]}") && c.atEnd();
}

}  // namespace ibsr::report
