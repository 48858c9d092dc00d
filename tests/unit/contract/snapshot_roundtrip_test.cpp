// The snapshot artefact contract, held by a test: what the collector's writer puts on disk
// (collect::SnapshotCycle through the core hourly writer) is found by the reporter's input
// discovery and read back, field for field, by both of the reporter's parse paths (the canonical
// v3 fast path and the general simdjson path).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "collect/snapshot_cycle.h"
#include "core/artefacts.h"
#include "report/canonical_parser.h"
#include "report/input_set.h"
#include "report/snapshot_parser.h"

#include "temp_dir.h"

namespace ibsr {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kHour = 1705312800;  // 2024-01-15T10:00:00Z

collect::CounterEntry entry(std::uint32_t ip, std::uint16_t port, std::uint64_t base) {
  collect::CounterEntry e{};
  e.key.src_ip = ip;
  e.key.dst_port = port;
  e.counters = {base + 1, base + 2, base + 3, base + 4, base + 5, base + 6};
  return e;
}

// What one cycle wrote, in the order the reporter must give back (sorted by ip, port).
collect::CounterEntries cycleEntries(std::uint64_t cycle) {
  return {entry(0xC0A80102, 443, 1000 * cycle), entry(0x0A000001, 80, 10 * cycle),
          entry(0x0A000001, 443, 20 * cycle), entry(0xFFFFFFFF, 65535, UINT64_MAX - 6)};
}

class SnapshotRoundTrip : public ::testing::Test {
 protected:
  ibsr::testing::TempDir tmp_;
  const fs::path dir_ = tmp_.path();

  // Three cycles, the last one in the next UTC hour: two hourly files.
  std::vector<std::uint64_t> writeCycles() {
    collect::SnapshotCycle cycle(dir_.string(), {443, 80}, RotationPolicy{});
    std::vector<std::uint64_t> ts = {kHour + 60, kHour + 120, kHour + 3600 + 5};
    for (std::size_t i = 0; i < ts.size(); ++i) {
      auto entries = cycleEntries(i + 1);
      cycle.run(ts[i], entries);
    }
    EXPECT_EQ(cycle.stats().snapshotsWritten, 3u);
    return ts;
  }

  static void expectSame(const report::Snapshot& got, std::uint64_t ts, std::uint64_t cycle) {
    EXPECT_EQ(got.version, artefact::kSnapshotVersion);
    EXPECT_EQ(got.ts, static_cast<std::int64_t>(ts));
    EXPECT_EQ(got.dstPorts, (std::vector<std::uint16_t>{80, 443}));
    auto want = cycleEntries(cycle);
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
      return std::pair(a.key.src_ip, a.key.dst_port) < std::pair(b.key.src_ip, b.key.dst_port);
    });
    ASSERT_EQ(got.buckets.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const auto& g = got.buckets[i];
      const auto& w = want[i];
      EXPECT_EQ(g.key, report::packKey(report::KeyType::SrcIp, w.key.src_ip, w.key.dst_port));
      EXPECT_EQ(g.counters.syn, w.counters.syn);
      EXPECT_EQ(g.counters.ack, w.counters.ack);
      EXPECT_EQ(g.counters.handshakeAck, w.counters.handshake_ack);
      EXPECT_EQ(g.counters.rst, w.counters.rst);
      EXPECT_EQ(g.counters.packets, w.counters.packets);
      EXPECT_EQ(g.counters.bytes, w.counters.bytes);
    }
  }
};

TEST_F(SnapshotRoundTrip, ReporterFindsAndReadsWhatTheCollectorWrote) {
  auto ts = writeCycles();
  auto files = report::findInputFiles({dir_.string()});
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_EQ(files->size(), 2u);  // two hours; status.jsonl is not a snapshot
  EXPECT_EQ(fs::path((*files)[0].path).filename(),
            artefact::hourlyName(artefact::kSnapshotPrefix, ts[0]));
  EXPECT_EQ(fs::path((*files)[1].path).filename(),
            artefact::hourlyName(artefact::kSnapshotPrefix, ts[2]));

  report::DataQuality dq;
  std::vector<report::Snapshot> got;
  report::IngestOptions opts;
  opts.silent = true;
  Status st =
      report::ingest(*files, opts, dq, [&](const report::Snapshot& s) { got.push_back(s); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(dq.malformedLines, 0u);
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < got.size(); ++i) expectSame(got[i], ts[i], i + 1);
}

TEST_F(SnapshotRoundTrip, BothParsePathsReadEveryWrittenLine) {
  auto ts = writeCycles();
  std::vector<std::string> lines;
  for (std::uint64_t t : {ts[0], ts[2]}) {
    std::ifstream in(dir_ / artefact::hourlyName(artefact::kSnapshotPrefix, t));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 3u);
  report::SnapshotParser parser;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string padded = lines[i];
    padded.resize(lines[i].size() + simdjson::SIMDJSON_PADDING);

    report::Snapshot fast;
    ASSERT_TRUE(report::parseCanonicalV3(padded.data(), lines[i].size(), fast))
        << "the fast path must accept the collector's own layout: " << lines[i];
    expectSame(fast, ts[i], i + 1);

    report::Snapshot general;
    ASSERT_EQ(parser.parseGeneral(padded.data(), lines[i].size(), padded.size(), general),
              report::ParseStatus::Ok)
        << parser.error();
    expectSame(general, ts[i], i + 1);
  }
}

}  // namespace
}  // namespace ibsr
