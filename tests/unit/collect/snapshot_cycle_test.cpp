#include "collect/snapshot_cycle.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "temp_dir.h"

namespace ibsr::collect {
namespace {

using ibsr::testing::readFile;

class SnapshotCycleTest : public ::testing::Test {
 protected:
  static CounterEntries entries(std::uint32_t sources) {
    CounterEntries v;
    for (std::uint32_t i = 0; i < sources; ++i) {
      CounterEntry b{};
      b.key.src_ip = 0x0A000001 + i;
      b.key.dst_port = 80;
      b.counters.packets = 1;
      b.counters.bytes = 40;
      v.push_back(b);
      b.key.dst_port = 443;  // the same source on a second port counts once
      v.push_back(b);
    }
    return v;
  }
  ibsr::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

// 2024-01-15 10:59:58 UTC: two seconds before an hour boundary.
constexpr std::uint64_t kTs = 1705316398;

TEST_F(SnapshotCycleTest, WritesHourlyFilesAndHeartbeat) {
  SnapshotCycle cycle(dir_.string(), {80, 443}, RotationPolicy{});
  auto e = entries(3);
  cycle.run(kTs, e);
  EXPECT_TRUE(e.empty());
  e = entries(1);
  cycle.run(kTs + 2, e);  // next hour: a new file

  std::string first = readFile(dir_ / "snapshot_2024011510.jsonl");
  std::string second = readFile(dir_ / "snapshot_2024011511.jsonl");
  EXPECT_EQ(std::count(first.begin(), first.end(), '\n'), 1);
  EXPECT_EQ(first.rfind("{\"version\":3,\"ts_unix_sec\":1705316398,\"dst_ports\":[80,443],", 0),
            0u);
  EXPECT_EQ(second.rfind("{\"version\":3,\"ts_unix_sec\":1705316400,", 0), 0u);
  EXPECT_EQ(readFile(dir_ / "status.jsonl"),
            "{\"timestamp\":1705316398,\"cycle\":1,\"ips_collected\":3,\"snapshots_written\":1,"
            "\"write_errors\":0,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":\"\"}\n"
            "{\"timestamp\":1705316400,\"cycle\":2,\"ips_collected\":1,\"snapshots_written\":2,"
            "\"write_errors\":0,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":\"\"}\n");
}

// With IPv6 counted, every cycle also writes a snapshot6_ line with the same timestamp (even
// with no IPv6 bucket) and the heartbeat ends with the IPv6 counts; the v3 line is unchanged.
TEST_F(SnapshotCycleTest, Ipv6CompanionLineEveryCycle) {
  SnapshotCycle plain((dir_ / "plain").string(), {80, 443}, RotationPolicy{});
  SnapshotCycle both(
      dir_.string(), {443, 80}, RotationPolicy{},
      Snapshot6Run{
          .runId = "0123456789abcdef", .baseTs = kTs - 60, .intervalSec = 60, .prefixLen = 64});
  auto e = entries(3);
  plain.run(kTs, e);
  e = entries(3);
  std::vector<Counter6Entry> e6(3);
  for (int i = 0; i < 3; ++i) {
    e6[i].key.src_prefix[0] = htonl(0x20010db8);
    e6[i].key.src_prefix[1] = htonl(i < 2 ? 1 : 2);  // two ports of one /64, one other /64
    e6[i].key.dst_port = i == 1 ? 80 : 443;
    e6[i].counters.syn = e6[i].counters.packets = 1;
    e6[i].counters.bytes = 60;
  }
  both.run(kTs, e, &e6);
  EXPECT_TRUE(e6.empty());
  std::vector<Counter6Entry> none;
  e = entries(1);
  both.run(kTs + 60, e, &none);

  EXPECT_EQ(readFile(dir_ / "snapshot_2024011510.jsonl"),
            readFile(dir_ / "plain" / "snapshot_2024011510.jsonl"));
  const std::string head =
      "{\"version\":5,\"ts_unix_sec\":1705316398,\"interval_sec\":60,\"run_id\":"
      "\"0123456789abcdef\",\"counter_mode\":\"cumulative\",\"base_ts_unix_sec\":1705316338,"
      "\"aggregation\":\"src_net6\",\"prefix_len\":64,\"dst_ports\":[80,443],\"buckets\":[";
  const std::string tail =
      ",\"syn\":1,\"ack\":0,\"handshake_ack\":0,\"rst\":0,\"packets\":1,\"bytes\":60}";
  EXPECT_EQ(
      readFile(dir_ / "snapshot6_2024011510.jsonl"),
      head + "{\"key_type\":\"src_net6\",\"src_ip\":\"2001:db8:0:1::/64\",\"dst_port\":80" + tail +
          ",{\"key_type\":\"src_net6\",\"src_ip\":\"2001:db8:0:1::/64\",\"dst_port\":443" + tail +
          ",{\"key_type\":\"src_net6\",\"src_ip\":\"2001:db8:0:2::/64\",\"dst_port\":443" + tail +
          "]}\n");
  EXPECT_EQ(readFile(dir_ / "snapshot6_2024011511.jsonl")
                .rfind("{\"version\":5,\"ts_unix_sec\":1705316458,", 0),
            0u);
  EXPECT_NE(readFile(dir_ / "snapshot6_2024011511.jsonl").find("\"buckets\":[]}\n"),
            std::string::npos);
  EXPECT_EQ(readFile(dir_ / "status.jsonl"),
            "{\"timestamp\":1705316398,\"cycle\":1,\"ips_collected\":3,\"snapshots_written\":1,"
            "\"write_errors\":0,\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,"
            "\"budget_dropped_lines\":0,\"awaiting_export\":0,\"compress_errors\":0,\"compress_"
            "last_error\":\"\",\"ipv6_keys\":3,\"ipv6_sources\":2}\n"
            "{\"timestamp\":1705316458,\"cycle\":2,\"ips_collected\":1,\"snapshots_written\":2,"
            "\"write_errors\":0,\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,"
            "\"budget_dropped_lines\":0,\"awaiting_export\":0,\"compress_errors\":0,\"compress_"
            "last_error\":\"\",\"ipv6_keys\":0,\"ipv6_sources\":0}\n");
  EXPECT_EQ(both.stats().snapshot6Written, 2u);
  EXPECT_EQ(plain.stats().snapshot6Written, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "plain" / "snapshot6_2024011510.jsonl"));
}

TEST_F(SnapshotCycleTest, FailedWritesAreCountedAndCollectionResumes) {
  auto out = dir_ / "out";
  SnapshotCycle cycle(out.string(), {80}, RotationPolicy{});
  auto e = entries(1);
  cycle.run(kTs, e);
  // Replace the directory by a file: neither the snapshot nor the heartbeat can be written.
  std::filesystem::remove_all(out);
  std::ofstream(out) << "in the way\n";
  e = entries(1);
  cycle.run(kTs + 1, e);
  EXPECT_EQ(cycle.stats().writeErrors, 2u);
  EXPECT_EQ(cycle.stats().snapshotsWritten, 1u);
  // Removed obstacle: the cycle recreates the directory and writes normally again.
  std::filesystem::remove(out);
  e = entries(2);
  cycle.run(kTs + 2, e);
  EXPECT_EQ(cycle.stats().snapshotsWritten, 2u);
  EXPECT_EQ(readFile(out / "status.jsonl"),
            "{\"timestamp\":1705316400,\"cycle\":3,\"ips_collected\":2,\"snapshots_written\":2,"
            "\"write_errors\":2,"
            "\"budget_deleted_files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
            "\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":\"\"}\n");
}

TEST_F(SnapshotCycleTest, AppliesRetentionAfterWriting) {
  for (const char* n : {"snapshot_2024011401.jsonl", "snapshot_2024011509.jsonl", "keep.txt"})
    std::ofstream(dir_ / n) << "x\n";
  RotationPolicy p;
  p.maxFiles = 2;
  p.maxAgeSec = 86400;
  SnapshotCycle cycle(dir_.string(), {80}, p);
  auto e = entries(1);
  cycle.run(kTs, e);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "snapshot_2024011401.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "snapshot_2024011509.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "snapshot_2024011510.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "keep.txt"));
}

// A full-sized map: the line is written over the entries in the cycle's buffer, whose pages are
// released after the write. Every cycle's line must still be exactly the canonical
// serialisation, including the cycle that refills the released pages.
TEST_F(SnapshotCycleTest, SlicedFormattingOfAFullMapGivesTheExactLineEveryCycle) {
  constexpr std::uint32_t kBuckets = 100000;  // 6 slices, 5.6 MB of entries
  auto shuffled = [](std::uint32_t salt) {
    CounterEntries v(kBuckets);
    for (std::uint32_t i = 0; i < kBuckets; ++i) {
      v[i].key.src_ip = (i * 2654435761u) ^ salt;
      v[i].key.dst_port = static_cast<std::uint16_t>(8000 + i % 3);
      v[i].counters.syn = i + salt;
      v[i].counters.bytes = std::uint64_t{i} * 1000003u + salt;
    }
    return v;
  };
  SnapshotCycle cycle(dir_.string(), {8002, 8000, 8001}, RotationPolicy{});
  std::string expected;
  CounterEntries e;
  for (std::uint32_t round = 0; round < 2; ++round) {
    Snapshot s{.tsUnixSec = kTs - 10 + round,
               .dstPorts = {8002, 8000, 8001},
               .buckets = shuffled(round + 1)};
    e = s.buckets;
    canonicalize(s);
    expected += snapshotJson(s);
    const std::size_t capacity = e.capacity();
    cycle.run(kTs - 10 + round, e);
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(e.capacity(), capacity);  // kept for the next read
    EXPECT_EQ(cycle.stats().lastBuckets, kBuckets);
    EXPECT_EQ(cycle.stats().lastLineBytes, snapshotJson(s).size());
  }
  EXPECT_EQ(readFile(dir_ / "snapshot_2024011510.jsonl"), expected);
}

// --snapshot-memory: released, a cycle gives the entries' and the line's pages back to the
// kernel (the collector rests small); bounded, the line's buffer keeps its first MBs; kept
// resident, everything stays for the next cycle. Residency is read per page (mincore) rather than
// from the process's RSS, which a sanitizer's shadow memory and quarantine would blur.
TEST_F(SnapshotCycleTest, PagesGoBackAfterACycleBeyondWhatIsKeptResident) {
  constexpr std::uint32_t kBuckets = 200000;  // 11.2 MB of entries, a 29 MB line
  constexpr std::size_t kBounded = std::size_t{4} << 20;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  auto residentBytes = [page](const void* p, std::size_t bytes) {
    std::vector<unsigned char> in((bytes + page - 1) / page);
    if (::mincore(const_cast<void*>(p), bytes, in.data()) != 0) return std::size_t{0} - 1;
    std::size_t n = 0;
    for (unsigned char c : in) n += c & 1;
    return n * page;
  };
  for (const std::size_t kept : {SnapshotCycle::kReleaseAll, kBounded, SnapshotCycle::kKeepAll}) {
    SnapshotCycle cycle(
        dir_.string(), {80}, RotationPolicy{},
        Snapshot6Run{.runId = "0123456789abcdef", .baseTs = kTs, .intervalSec = 60});
    cycle.keepResident(kept);
    CounterEntries e(kBuckets);
    for (std::uint32_t i = 0; i < kBuckets; ++i) {
      e[i].key.src_ip = i * 2654435761u;
      e[i].key.dst_port = 80;
      e[i].counters.bytes = std::uint64_t{i} * 1000003u;
    }
    std::vector<Counter6Entry> e6(kBuckets / 4);  // a 7 MB IPv6 line
    for (std::uint32_t i = 0; i < e6.size(); ++i) {
      e6[i].key.src_prefix[0] = 0x20010db8u + i * 2654435761u;
      e6[i].key.dst_port = 80;
    }
    const std::size_t entryBytes = e.capacity() * sizeof(CounterEntry);
    ASSERT_GE(residentBytes(e.data(), entryBytes), kBuckets * sizeof(CounterEntry));
    cycle.run(kTs + (kept == SnapshotCycle::kKeepAll ? 3600 : 0), e, &e6);
    const std::size_t lineBytes = cycle.stats().lastLineBytes;
    ASSERT_GT(lineBytes, 25'000'000u);
    ASSERT_EQ(cycle.stats().lastIpv6Keys, kBuckets / 4);
    const auto [line, lineBufferBytes] = cycle.lineBuffer();
    const auto [line6, line6BufferBytes] = cycle.line6Buffer();
    if (kept == SnapshotCycle::kKeepAll) {
      EXPECT_GE(residentBytes(line, lineBufferBytes), lineBytes) << "the line stays resident";
      EXPECT_GE(residentBytes(line6, line6BufferBytes), 6'000'000u) << "the IPv6 line stays";
      EXPECT_GE(residentBytes(e.data(), entryBytes), kBuckets * sizeof(CounterEntry))
          << "the entries stay resident";
    } else {
      EXPECT_EQ(residentBytes(line, lineBufferBytes), kept) << "the line's pages go back";
      EXPECT_EQ(residentBytes(line6, line6BufferBytes), 0u) << "the IPv6 line's pages go back";
      EXPECT_EQ(residentBytes(e.data(), entryBytes), 0u) << "the entries' pages go back";
    }
  }
}

// The collector reads the map into the cycle's own buffer (SnapshotBuffer), where the line is
// then written over the entries: the same line as from entries held apart, cycle after cycle, and
// nothing else of the cycle's is resident afterwards.
TEST_F(SnapshotCycleTest, EntriesReadIntoTheLineBufferGiveTheSameLine) {
  SnapshotCycle apart((dir_ / "apart").string(), {8002, 8000}, RotationPolicy{});
  SnapshotCycle inBuffer((dir_ / "in").string(), {8002, 8000}, RotationPolicy{});
  for (std::uint32_t round = 0; round < 3; ++round) {
    const std::uint32_t n = round == 1 ? 0 : 70000 + round * 1000;
    CounterEntries e(n);
    SnapshotBuffer& read = inBuffer.entries();
    read.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
      e[i].key.src_ip = (i * 2654435761u) ^ round;
      e[i].key.dst_port = static_cast<std::uint16_t>(8000 + i % 2);
      e[i].counters.syn = i;
      e[i].counters.packets = std::uint64_t{i} << round * 20;
      read.push_back(e[i]);
    }
    apart.run(kTs - 10 + round, e);
    inBuffer.run(kTs - 10 + round);
    EXPECT_TRUE(read.empty());
    EXPECT_EQ(inBuffer.stats().lastBuckets, n);
    EXPECT_EQ(inBuffer.stats().lastSources, apart.stats().lastSources);
  }
  const std::string expected = readFile(dir_ / "apart" / "snapshot_2024011510.jsonl");
  EXPECT_EQ(std::count(expected.begin(), expected.end(), '\n'), 3);
  EXPECT_EQ(readFile(dir_ / "in" / "snapshot_2024011510.jsonl"), expected);
}

// A map whose capacity the kernel does not state is read without a reserve: the buffer grows
// keeping what it holds, and always has room for the line of as many buckets.
TEST(SnapshotBuffer, GrowsKeepingWhatItHolds) {
  SnapshotBuffer buffer(3);
  for (std::uint32_t i = 0; i < 10000; ++i) {
    CounterEntry e{};
    e.key.src_ip = i;
    e.counters.bytes = std::uint64_t{i} * 7;
    buffer.push_back(e);
    ASSERT_GE(buffer.mappedBytes(), maxSnapshotJsonSize(3, buffer.capacity()));
  }
  ASSERT_EQ(buffer.size(), 10000u);
  EXPECT_EQ(buffer.capacity(), 16384u);
  for (std::uint32_t i = 0; i < 10000; ++i) {
    ASSERT_EQ(buffer.entries()[i].key.src_ip, i);
    ASSERT_EQ(buffer.entries()[i].counters.bytes, std::uint64_t{i} * 7);
  }
  buffer.clear();
  buffer.reserve(100);  // less than it has: nothing moves
  EXPECT_EQ(buffer.capacity(), 16384u);
  EXPECT_TRUE(buffer.empty());
}

}  // namespace
}  // namespace ibsr::collect
