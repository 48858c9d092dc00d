#include "collect/snapshot6.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/random.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <iterator>

namespace ibsr::collect {
namespace {

int compare(const Counter6Entry& a, const Counter6Entry& b) {
  if (int c = std::memcmp(a.key.src_prefix, b.key.src_prefix, sizeof a.key.src_prefix)) return c;
  return int{a.key.dst_port} - int{b.key.dst_port};
}

}  // namespace

void canonicalize(std::vector<Counter6Entry>& buckets) {
  std::sort(buckets.begin(), buckets.end(),
            [](const Counter6Entry& a, const Counter6Entry& b) { return compare(a, b) < 0; });
}

std::string snapshot6Json(const Snapshot6Run& run, const Snapshot6& s) {
  const bool exact = run.prefixLen == 128;
  const char* keyType = exact ? "src_ip6" : "src_net6";
  const std::string suffix = exact ? std::string() : fmt::format("/{}", run.prefixLen);
  std::string out = fmt::format(
      "{{\"version\":{},\"ts_unix_sec\":{},\"interval_sec\":{},\"run_id\":\"{}\","
      "\"counter_mode\":\"cumulative\",\"base_ts_unix_sec\":{},\"aggregation\":\"{}\","
      "\"prefix_len\":{},\"dst_ports\":[{}],\"buckets\":[",
      kSnapshot6SchemaVersion, s.tsUnixSec, run.intervalSec, run.runId, run.baseTs, keyType,
      run.prefixLen, fmt::join(s.dstPorts, ","));
  out.reserve(out.size() + s.buckets.size() * 200 + 3);
  char text[INET6_ADDRSTRLEN];
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    const Counter6Entry& b = s.buckets[i];
    ::inet_ntop(AF_INET6, b.key.src_prefix, text, sizeof text);  // RFC 5952 canonical form
    fmt::format_to(std::back_inserter(out),
                   "{}{{\"key_type\":\"{}\",\"src_ip\":\"{}{}\",\"dst_port\":{},\"syn\":{},"
                   "\"ack\":{},\"handshake_ack\":{},\"rst\":{},\"packets\":{},\"bytes\":{}}}",
                   i ? "," : "", keyType, text, suffix, b.key.dst_port, b.counters.syn,
                   b.counters.ack, b.counters.handshake_ack, b.counters.rst, b.counters.packets,
                   b.counters.bytes);
  }
  out += "]}\n";
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
