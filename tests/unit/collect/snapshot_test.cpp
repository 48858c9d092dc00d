#include "collect/snapshot.h"
#include "collect/snapshot_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ibsr::collect {
namespace {

CounterEntry bucket(std::uint32_t ip, std::uint16_t port, std::uint64_t syn,
                    std::uint64_t packets) {
  CounterEntry b{};
  b.key.src_ip = ip;
  b.key.dst_port = port;
  b.counters.syn = syn;
  b.counters.ack = 2;
  b.counters.handshake_ack = 1;
  b.counters.rst = 0;
  b.counters.packets = packets;
  b.counters.bytes = packets * 60;
  return b;
}

TEST(Snapshot, SerialisesSchemaV3ExactlyInCanonicalOrder) {
  Snapshot s;
  s.tsUnixSec = 1705312920;
  s.dstPorts = {8900, 8899};
  s.buckets = {bucket(0xC0A80102, 8899, 1, 3), bucket(0xC0A80101, 8900, 5, 7),
               bucket(0xC0A80101, 8899, 42, 200)};
  canonicalize(s);
  std::string out = snapshotJson(s);
  EXPECT_EQ(out,
            "{\"version\":3,\"ts_unix_sec\":1705312920,\"dst_ports\":[8899,8900],\"buckets\":["
            "{\"key_type\":\"src_ip\",\"key_value\":3232235777,\"dst_port\":8899,\"syn\":42,"
            "\"ack\":2,\"handshake_ack\":1,\"rst\":0,\"packets\":200,\"bytes\":12000},"
            "{\"key_type\":\"src_ip\",\"key_value\":3232235777,\"dst_port\":8900,\"syn\":5,"
            "\"ack\":2,\"handshake_ack\":1,\"rst\":0,\"packets\":7,\"bytes\":420},"
            "{\"key_type\":\"src_ip\",\"key_value\":3232235778,\"dst_port\":8899,\"syn\":1,"
            "\"ack\":2,\"handshake_ack\":1,\"rst\":0,\"packets\":3,\"bytes\":180}]}\n");
  EXPECT_EQ(distinctSources(s), 2u);
}

TEST(Snapshot, CanonicalOrderForManyShuffledBuckets) {
  Snapshot s;
  s.dstPorts = {1};
  // 70001 keys in a scrambled order, with duplicate source addresses across ports: exercises
  // every radix pass and long permutation cycles.
  for (std::uint32_t i = 0; i < 70001; ++i) {
    auto k = static_cast<std::uint32_t>(i * 7919ull % 70001u);  // a bijection on 0..70000
    s.buckets.push_back(
        bucket(0x0A000000u + (k >> 1) * 65599u, static_cast<std::uint16_t>(k & 1), k, k + 1));
  }
  canonicalize(s);
  for (std::size_t i = 1; i < s.buckets.size(); ++i) {
    const auto& a = s.buckets[i - 1].key;
    const auto& b = s.buckets[i].key;
    ASSERT_TRUE(a.src_ip < b.src_ip || (a.src_ip == b.src_ip && a.dst_port < b.dst_port)) << i;
  }
  for (const auto& b : s.buckets)  // each bucket still carries its own counters
    ASSERT_EQ(b.counters.packets, b.counters.syn + 1);
  EXPECT_EQ(distinctSources(s), 35001u);
}

// The radix sort against a comparison sort, on distinct-key sets that stress its levels:
// scrambled keys, every source in one /24 (the top bytes all equal: levels that move nothing),
// one source on many ports (only the port bytes differ), at sizes around the comparison-sort
// cutoff. Each bucket's counters must travel with its key.
TEST(Snapshot, CanonicalOrderEqualsAComparisonSortForSkewedKeys) {
  using Key = std::pair<std::uint32_t, std::uint16_t>;
  const std::vector<std::pair<const char*, std::function<Key(std::uint32_t)>>> shapes = {
      {"scrambled",
       [](std::uint32_t i) {
         return Key{i * 2654435761u, static_cast<std::uint16_t>(i * 40503u)};
       }},
      {"one /24",
       [](std::uint32_t i) {
         return Key{0xC6336400u | (i & 0xFF), static_cast<std::uint16_t>(65535 - (i >> 8))};
       }},
      {"one source",
       [](std::uint32_t i) {
         return Key{0x0A000001u, static_cast<std::uint16_t>((i * 40503u) & 0xFFFF)};
       }},
  };
  for (const auto& [name, key] : shapes) {
    for (std::uint32_t n : {0u, 1u, 2u, 383u, 384u, 385u, 5000u, 65536u}) {
      Snapshot s;
      s.dstPorts = {1};
      for (std::uint32_t i = 0; i < n; ++i) {
        auto [ip, port] = key(i);
        s.buckets.push_back(bucket(ip, port, i, i + 1));
      }
      std::vector<CounterEntry> expected(s.buckets.begin(), s.buckets.end());
      std::sort(expected.begin(), expected.end(), [](const CounterEntry& a, const CounterEntry& b) {
        return Key{a.key.src_ip, a.key.dst_port} < Key{b.key.src_ip, b.key.dst_port};
      });
      canonicalize(s);
      ASSERT_EQ(s.buckets.size(), expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(s.buckets[i].key.src_ip, expected[i].key.src_ip)
            << name << " n=" << n << " at " << i;
        ASSERT_EQ(s.buckets[i].key.dst_port, expected[i].key.dst_port) << name << " n=" << n;
        ASSERT_EQ(s.buckets[i].counters.syn, expected[i].counters.syn) << name << " n=" << n;
        ASSERT_EQ(s.buckets[i].counters.packets, expected[i].counters.packets) << name;
      }
    }
  }
}

// The cycle's fused sort + format against the two-step reference (canonicalize, then
// snapshotJson), byte for byte: on the skewed shapes above, on a first digit that holds nearly
// every key (sorted in place instead of through indices), on the largest bucket text (every
// counter at its maximum) and on the smallest (zero counters, one- to four-digit keys: the text
// then comes closest to the entries it is written over, and its scratch to the entries read at
// the line's start). The buffer starts as garbage; with releaseAsRead separate entries lose
// their pages once read, which must not touch the line.
TEST(Snapshot, FusedSortAndFormatWritesExactlyTheCanonicalLine) {
  const std::vector<std::pair<const char*, std::function<CounterEntry(std::uint32_t)>>> shapes = {
      {"scrambled",
       [](std::uint32_t i) {
         return bucket(i * 2654435761u, static_cast<std::uint16_t>(i * 40503u), i, i + 1);
       }},
      {"one /24",
       [](std::uint32_t i) {
         return bucket(0xC6336400u | (i & 0xFF), static_cast<std::uint16_t>(65535 - (i >> 8)), i,
                       7);
       }},
      {"one source",
       [](std::uint32_t i) {
         return bucket(0x0A000001u, static_cast<std::uint16_t>((i * 40503u) & 0xFFFF), 0, i);
       }},
      {"crowded first digit",  // all but 100 sources in 10/8
       [](std::uint32_t i) {
         return bucket(i < 100 ? 0x0B000000u | i : 0x0A000000u | (i * 7919u & 0xFFFFFF), 443, i, 3);
       }},
      {"smallest text",
       [](std::uint32_t i) {
         CounterEntry b = bucket(i >> 10, static_cast<std::uint16_t>((i * 7u) & 1023), 0, 0);
         b.counters = {};
         return b;
       }},
      {"maximal counters",
       [](std::uint32_t i) {
         CounterEntry b =
             bucket(0xFFFFFFFFu - i * 977u, static_cast<std::uint16_t>(10000 + i % 7), 0, 0);
         b.counters = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
         return b;
       }},
      {"maximal counters, crowded first digit",  // the crowded bucket is formatted first
       [](std::uint32_t i) {
         CounterEntry b =
             bucket(i < 100 ? 0x0B000000u | i : 0x0A000000u | (i * 7919u & 0xFFFFFF), 443, 0, 0);
         b.counters = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
         return b;
       }},
  };
  for (const auto& [name, make] : shapes) {
    // 156,503 buckets: the bound is 116 bytes short of 40 MiB (the mapping leaves no slack).
    for (std::uint32_t n : {0u, 1u, 2u, 383u, 384u, 385u, 5000u, 65536u, 156503u}) {
      if (n > 65536u && std::string(name) == "one source") continue;  // 65536 ports at most
      Snapshot s;
      s.tsUnixSec = 1705312920 + n;
      s.dstPorts = {8900, 80, 443};
      for (std::uint32_t i = 0; i < n; ++i) s.buckets.push_back(make(i));
      CounterEntries input = s.buckets;
      canonicalize(s);
      const std::string expected = snapshotJson(s);

      for (const bool release : {false, true}) {
        CounterEntries entries = input;  // as made, and reversed
        if (!release) std::reverse(entries.begin(), entries.end());
        PageBuffer out;
        out.reserve(maxSnapshotJsonSize(3, n));
        std::memset(out.data(), 0xAA, out.size());
        const WrittenLine w = writeSortedSnapshotLine(s.tsUnixSec, s.dstPorts, entries.data(), n,
                                                      out.data(), out.size(), release);
        ASSERT_EQ(std::string(out.data(), w.end), expected)
            << name << " n=" << n << " release=" << release;
        EXPECT_EQ(w.sources, distinctSources(s)) << name << " n=" << n;
      }
      // As the collector reads them: at the start of the line's own buffer, written over.
      SnapshotBuffer buffer(3);
      buffer.reserve(n);
      std::memset(buffer.bytes(), 0xAA, buffer.mappedBytes());
      for (const CounterEntry& e : input) buffer.push_back(e);
      const WrittenLine w =
          writeSortedSnapshotLine(s.tsUnixSec, s.dstPorts, buffer.entries(), n, buffer.bytes(),
                                  maxSnapshotJsonSize(3, n), true);
      ASSERT_EQ(std::string(buffer.bytes(), w.end), expected) << name << " n=" << n << " in place";
      EXPECT_EQ(w.sources, distinctSources(s)) << name << " n=" << n;
    }
  }
}

TEST(Snapshot, EmptyMapGivesEmptyBuckets) {
  Snapshot s;
  s.tsUnixSec = 5;
  s.dstPorts = {80};
  std::string out = snapshotJson(s);
  EXPECT_EQ(out, "{\"version\":3,\"ts_unix_sec\":5,\"dst_ports\":[80],\"buckets\":[]}\n");
  EXPECT_EQ(distinctSources(s), 0u);
}

TEST(Snapshot, LargeCountersAreNotTruncatedTo32Bits) {
  Snapshot s;
  s.dstPorts = {1};
  CounterEntry b = bucket(0xFFFFFFFF, 65535, 0, 0);
  b.counters.bytes = 18446744073709551615ull;
  b.counters.packets = 4294967296ull;
  s.buckets = {b};
  std::string out = snapshotJson(s);
  EXPECT_NE(out.find("\"key_value\":4294967295,\"dst_port\":65535"), std::string::npos);
  EXPECT_NE(out.find("\"packets\":4294967296,\"bytes\":18446744073709551615}"), std::string::npos);
}

}  // namespace
}  // namespace ibsr::collect
