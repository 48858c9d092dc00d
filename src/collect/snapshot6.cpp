#include "collect/snapshot6.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "collect/ipv6_text.h"
#include "collect/json_text.h"
#include "collect/radix_sort.h"

namespace ibsr::collect {
namespace {

using json_text::put;

// The address bytes as two big-endian integers: the canonical order compares them, then the port.
std::uint64_t word(const Counter6Entry& e, int half) {
  std::uint64_t v;
  std::memcpy(&v, reinterpret_cast<const char*>(e.key.src_prefix) + 8 * half, 8);
  return __builtin_bswap64(v);
}

bool before(const Counter6Entry& a, const Counter6Entry& b) {
  const std::uint64_t a0 = word(a, 0), b0 = word(b, 0);
  if (a0 != b0) return a0 < b0;
  const std::uint64_t a1 = word(a, 1), b1 = word(b, 1);
  if (a1 != b1) return a1 < b1;
  return a.key.dst_port < b.key.dst_port;
}

// One bucket's text, without its comma: the fixed names (about 110 bytes), the address and its
// "/N", a port and six counters of up to 20 digits.
constexpr std::size_t kMaxBucket6Json = 128 + kMaxIpv6Text + 4 + 5 + 6 * 20;

// The canonical order's key, 18 bytes compared one at a time: the address as on the wire, then the
// port, most significant byte first.
constexpr int kKeyBytes = 18;
inline std::size_t keyByte(const Counter6Entry& e, int at) {
  if (at < 16) return reinterpret_cast<const std::uint8_t*>(e.key.src_prefix)[at];
  return at == 16 ? e.key.dst_port >> 8 : e.key.dst_port & 0xFFu;
}

}  // namespace

void canonicalize(std::vector<Counter6Entry>& buckets) {
  // Lambdas, not the functions themselves: a call through a function pointer is not inlined.
  msdRadixSort(
      buckets.data(), buckets.size(), 0, kKeyBytes,
      [](const Counter6Entry& e, int at) { return keyByte(e, at); },
      [](const Counter6Entry& a, const Counter6Entry& b) { return before(a, b); });
}

std::size_t maxSnapshot6JsonSize(const Snapshot6Run& run, std::size_t ports, std::size_t buckets) {
  return 320 + run.runId.size() + ports * 6 + buckets * (kMaxBucket6Json + 1);
}

char* writeSnapshot6Json(const Snapshot6Run& run, const Snapshot6& s, char* p) {
  const bool exact = run.prefixLen == 128;
  p = put(p, "{\"version\":");
  p = put(p, kSnapshot6SchemaVersion);
  p = put(p, ",\"ts_unix_sec\":");
  p = put(p, s.tsUnixSec);
  p = put(p, ",\"interval_sec\":");
  p = put(p, run.intervalSec);
  p = put(p, ",\"run_id\":\"");
  p = std::copy(run.runId.begin(), run.runId.end(), p);
  p = put(p, "\",\"counter_mode\":\"cumulative\",\"base_ts_unix_sec\":");
  p = put(p, run.baseTs);
  p = exact ? put(p, ",\"aggregation\":\"src_ip6\",\"prefix_len\":")
            : put(p, ",\"aggregation\":\"src_net6\",\"prefix_len\":");
  p = put(p, run.prefixLen);
  p = put(p, ",\"dst_ports\":[");
  for (std::size_t i = 0; i < s.dstPorts.size(); ++i) {
    if (i) *p++ = ',';
    p = put(p, s.dstPorts[i]);
  }
  p = put(p, "],\"buckets\":[");
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    const Counter6Entry& b = s.buckets[i];
    if (i) *p++ = ',';
    p = exact ? put(p, "{\"key_type\":\"src_ip6\",\"src_ip\":\"")
              : put(p, "{\"key_type\":\"src_net6\",\"src_ip\":\"");
    p = writeIpv6Text(p, reinterpret_cast<const std::uint8_t*>(b.key.src_prefix));
    if (!exact) {
      *p++ = '/';
      p = put(p, run.prefixLen);
    }
    p = put(p, "\",\"dst_port\":");
    p = put(p, b.key.dst_port);
    p = json_text::putCounters(p, b.counters);
  }
  return put(p, "]}\n");
}

std::string snapshot6Json(const Snapshot6Run& run, const Snapshot6& s) {
  std::string out(maxSnapshot6JsonSize(run, s.dstPorts.size(), s.buckets.size()), '\0');
  out.resize(static_cast<std::size_t>(writeSnapshot6Json(run, s, out.data()) - out.data()));
  return out;
}

std::uint64_t distinctSources(const std::vector<Counter6Entry>& buckets) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (i == 0 || std::memcmp(buckets[i].key.src_prefix, buckets[i - 1].key.src_prefix,
                              sizeof buckets[i].key.src_prefix) != 0)
      ++n;
  return n;
}

std::string newRunId() {
  std::uint64_t v = 0;
  // A short read or failure leaves fewer random bits; the id only has to differ between runs.
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v))
    v ^= static_cast<std::uint64_t>(::time(nullptr)) * 0x9e3779b97f4a7c15ULL;
  return fmt::format("{:016x}", v);
}

void ipv6PrefixMask(std::uint32_t prefixLen, std::uint32_t (&words)[4]) {
  std::uint8_t bytes[16] = {};
  for (std::uint32_t bit = 0; bit < prefixLen && bit < 128; ++bit)
    bytes[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
  std::memcpy(words, bytes, sizeof bytes);  // the words' memory is the mask in wire order
}

}  // namespace ibsr::collect
