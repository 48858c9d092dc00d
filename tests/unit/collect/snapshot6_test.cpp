#include "collect/snapshot6.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ibsr::collect {
namespace {

Counter6Entry bucket(const char* prefix, std::uint16_t port, std::uint64_t syn) {
  Counter6Entry b{};
  EXPECT_EQ(inet_pton(AF_INET6, prefix, b.key.src_prefix), 1) << prefix;
  b.key.dst_port = port;
  b.counters.syn = syn;
  b.counters.ack = 2;
  b.counters.handshake_ack = 3;
  b.counters.rst = 4;
  b.counters.packets = syn + 10;
  b.counters.bytes = 60 * (syn + 10);
  return b;
}

const Snapshot6Run kRun{.runId = "00c0ffee12345678", .baseTs = 1705316000, .intervalSec = 60};

// The exact line the report's reader is written against (docs/schemas/snapshot6-v5.schema.json):
// buckets in (address bytes, port) order, RFC 5952 text with the /64 appended.
TEST(Snapshot6Json, ExactLineAtSlash64) {
  Snapshot6 s{.tsUnixSec = 1705316398, .dstPorts = {22, 443}, .buckets = {}};
  s.buckets = {bucket("2001:db8:1:2::", 443, 1), bucket("2001:db8::", 22, 5),
               bucket("2001:db8:1:2::", 22, 0)};
  canonicalize(s.buckets);
  EXPECT_EQ(
      snapshot6Json(kRun, s),
      "{\"version\":5,\"ts_unix_sec\":1705316398,\"interval_sec\":60,\"run_id\":"
      "\"00c0ffee12345678\","
      "\"counter_mode\":\"cumulative\",\"base_ts_unix_sec\":1705316000,\"aggregation\":\"src_"
      "net6\","
      "\"prefix_len\":64,\"dst_ports\":[22,443],\"buckets\":["
      "{\"key_type\":\"src_net6\",\"src_ip\":\"2001:db8::/64\",\"dst_port\":22,\"syn\":5,\"ack\":2,"
      "\"handshake_ack\":3,\"rst\":4,\"packets\":15,\"bytes\":900},"
      "{\"key_type\":\"src_net6\",\"src_ip\":\"2001:db8:1:2::/64\",\"dst_port\":22,\"syn\":0,"
      "\"ack\":2,\"handshake_ack\":3,\"rst\":4,\"packets\":10,\"bytes\":600},"
      "{\"key_type\":\"src_net6\",\"src_ip\":\"2001:db8:1:2::/64\",\"dst_port\":443,\"syn\":1,"
      "\"ack\":2,\"handshake_ack\":3,\"rst\":4,\"packets\":11,\"bytes\":660}]}\n");
  EXPECT_EQ(distinctSources(s.buckets), 2u);
}

TEST(Snapshot6Json, ExactAddressesAt128AndEmptyBuckets) {
  Snapshot6Run run = kRun;
  run.prefixLen = 128;
  Snapshot6 s{.tsUnixSec = 7, .dstPorts = {443}, .buckets = {bucket("2001:db8::1", 443, 1)}};
  EXPECT_EQ(snapshot6Json(run, s),
            "{\"version\":5,\"ts_unix_sec\":7,\"interval_sec\":60,\"run_id\":\"00c0ffee12345678\","
            "\"counter_mode\":\"cumulative\",\"base_ts_unix_sec\":1705316000,"
            "\"aggregation\":\"src_ip6\",\"prefix_len\":128,\"dst_ports\":[443],\"buckets\":["
            "{\"key_type\":\"src_ip6\",\"src_ip\":\"2001:db8::1\",\"dst_port\":443,\"syn\":1,"
            "\"ack\":2,\"handshake_ack\":3,\"rst\":4,\"packets\":11,\"bytes\":660}]}\n");
  s.buckets.clear();
  EXPECT_EQ(snapshot6Json(run, s).substr(snapshot6Json(run, s).find("\"dst_ports\"")),
            "\"dst_ports\":[443],\"buckets\":[]}\n");
}

// RFC 5952: the longest zero run is compressed, lowercase hex, IPv4-mapped in dotted form.
TEST(Snapshot6Json, CanonicalText) {
  Snapshot6Run run = kRun;
  run.prefixLen = 128;
  for (const auto& [in, out] : std::vector<std::pair<const char*, const char*>>{
           {"2001:0DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
           {"::ffff:10.0.0.1", "::ffff:10.0.0.1"},
           {"fe80::", "fe80::"}}) {
    Snapshot6 s{.tsUnixSec = 1, .dstPorts = {1}, .buckets = {bucket(in, 1, 0)}};
    EXPECT_NE(snapshot6Json(run, s).find(std::string("\"src_ip\":\"") + out + "\""),
              std::string::npos)
        << in;
  }
}

// The line as it was first written (fmt and inet_ntop per bucket, std::sort with memcmp): the
// direct writer and the integer-key sort must give it byte for byte.
std::string referenceLine(const Snapshot6Run& run, Snapshot6 s) {
  std::sort(s.buckets.begin(), s.buckets.end(), [](const Counter6Entry& a, const Counter6Entry& b) {
    if (int c = std::memcmp(a.key.src_prefix, b.key.src_prefix, sizeof a.key.src_prefix))
      return c < 0;
    return a.key.dst_port < b.key.dst_port;
  });
  const bool exact = run.prefixLen == 128;
  const char* keyType = exact ? "src_ip6" : "src_net6";
  const std::string suffix = exact ? std::string() : fmt::format("/{}", run.prefixLen);
  std::string out = fmt::format(
      "{{\"version\":{},\"ts_unix_sec\":{},\"interval_sec\":{},\"run_id\":\"{}\","
      "\"counter_mode\":\"cumulative\",\"base_ts_unix_sec\":{},\"aggregation\":\"{}\","
      "\"prefix_len\":{},\"dst_ports\":[{}],\"buckets\":[",
      kSnapshot6SchemaVersion, s.tsUnixSec, run.intervalSec, run.runId, run.baseTs, keyType,
      run.prefixLen, fmt::join(s.dstPorts, ","));
  char text[INET6_ADDRSTRLEN];
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    const Counter6Entry& b = s.buckets[i];
    ::inet_ntop(AF_INET6, b.key.src_prefix, text, sizeof text);
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

TEST(Snapshot6Json, SameLineAsTheReferenceForManyBuckets) {
  std::mt19937_64 rng(20261204);
  for (std::uint32_t prefixLen : {128u, 64u, 48u, 1u}) {
    Snapshot6Run run = kRun;
    run.prefixLen = prefixLen;
    Snapshot6 s{.tsUnixSec = UINT64_MAX, .dstPorts = {1, 443, 65535}, .buckets = {}};
    std::set<std::string> keys;
    for (int i = 0; i < 5000; ++i) {
      Counter6Entry b{};
      auto* bytes = reinterpret_cast<std::uint8_t*>(b.key.src_prefix);
      const std::uint64_t shape = rng();
      for (int k = 0; k < 16; ++k)  // runs of zero bytes, few distinct prefixes, mapped IPv4
        bytes[k] = (shape >> k) & 1 ? static_cast<std::uint8_t>(rng() % (i % 3 ? 256 : 4)) : 0;
      if (i % 97 == 0) {
        std::memset(bytes, 0, 10);
        bytes[10] = bytes[11] = 0xff;
      }
      b.key.dst_port = static_cast<std::uint16_t>(i % 5 == 0 ? 65535 : rng() % 4);
      const std::uint64_t big = i % 7 == 0 ? UINT64_MAX : rng() >> (rng() % 64);
      b.counters = {big, rng() % 10, 0, rng() >> 40, big, big};
      // A map holds each key once (equal keys would be ordered differently by different sorts).
      std::string key(reinterpret_cast<const char*>(&b.key), sizeof b.key);
      if (keys.insert(std::move(key)).second) s.buckets.push_back(b);
    }
    const std::string want = referenceLine(run, s);
    canonicalize(s.buckets);
    EXPECT_EQ(snapshot6Json(run, s), want) << prefixLen;
    EXPECT_LE(want.size(), maxSnapshot6JsonSize(run, s.dstPorts.size(), s.buckets.size()));
  }
}

// The canonical order (a radix sort on the key's 18 bytes) against a comparison sort on the
// address bytes and the port, on the shapes a host sees: random addresses, /64 prefixes under one
// /32 (bytes shared by every key at the front and the back), one prefix on many ports, a few
// prefixes, and sizes around the cutoff to the comparison sort.
TEST(Snapshot6, CanonicalOrderEqualsAComparisonSort) {
  auto setAddress = [](Counter6Entry& e, std::uint64_t hi, std::uint64_t lo) {
    for (int b = 0; b < 8; ++b) {
      reinterpret_cast<std::uint8_t*>(e.key.src_prefix)[b] =
          static_cast<std::uint8_t>(hi >> (56 - 8 * b));
      reinterpret_cast<std::uint8_t*>(e.key.src_prefix)[8 + b] =
          static_cast<std::uint8_t>(lo >> (56 - 8 * b));
    }
  };
  std::mt19937_64 rng(42);
  const std::vector<std::pair<const char*, std::function<void(Counter6Entry&, std::uint32_t)>>>
      shapes = {
          {"random /128",
           [&](Counter6Entry& e, std::uint32_t) {
             setAddress(e, rng(), rng());
             e.key.dst_port = static_cast<std::uint16_t>(rng());
           }},
          {"/64 under one /32",
           [&](Counter6Entry& e, std::uint32_t i) {
             setAddress(e, 0x20010db800000000ull | (i * 2654435761u), 0);
             e.key.dst_port = 443;
           }},
          {"one prefix, many ports",
           [&](Counter6Entry& e, std::uint32_t i) {
             setAddress(e, 0x2a0100000000beefull, 0);
             e.key.dst_port = static_cast<std::uint16_t>(i * 40503u);
           }},
          {"three prefixes",
           [&](Counter6Entry& e, std::uint32_t i) {
             setAddress(e, 0x2001000000000000ull | (i % 3) << 20, i % 3);
             e.key.dst_port = static_cast<std::uint16_t>(i / 3 * 7919u);
           }},
      };
  auto less = [](const Counter6Entry& a, const Counter6Entry& b) {
    const int c = std::memcmp(a.key.src_prefix, b.key.src_prefix, sizeof a.key.src_prefix);
    return c != 0 ? c < 0 : a.key.dst_port < b.key.dst_port;
  };
  for (const auto& [name, make] : shapes) {
    for (std::uint32_t n : {0u, 1u, 2u, 383u, 384u, 385u, 5000u, 65536u}) {
      std::vector<Counter6Entry> v(n);
      for (std::uint32_t i = 0; i < n; ++i) {
        make(v[i], i);
        v[i].counters.syn = i;  // tells the entries apart beyond their keys
      }
      std::vector<Counter6Entry> expected = v;
      std::sort(expected.begin(), expected.end(), less);
      canonicalize(v);
      ASSERT_EQ(v.size(), expected.size());
      for (std::uint32_t i = 0; i < n; ++i)
        ASSERT_EQ(std::memcmp(&v[i], &expected[i], sizeof v[i]), 0)
            << name << " n=" << n << " at " << i;
    }
  }
}

TEST(Snapshot6, RunIdIsSixteenHexDigitsAndDiffers) {
  std::string a = newRunId(), b = newRunId();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(Snapshot6, PrefixMaskWordsAreTheMaskInWireOrder) {
  for (const auto& [len, text] : std::vector<std::pair<std::uint32_t, const char*>>{
           {64, "ffff:ffff:ffff:ffff::"},
           {128, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
           {1, "8000::"},
           {63, "ffff:ffff:ffff:fffe::"},
           {127, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"}}) {
    std::uint32_t words[4];
    ipv6PrefixMask(len, words);
    std::uint8_t want[16];
    ASSERT_EQ(inet_pton(AF_INET6, text, want), 1);
    EXPECT_EQ(std::memcmp(words, want, 16), 0) << len;
  }
}

}  // namespace
}  // namespace ibsr::collect
