// The counter analysis against its pre-issue-17 form (reference_analyzer.h), on random inputs:
// several streams, keys appearing, vanishing and moving, resets, short and long intervals (windows
// over one snapshot and over several), baselines, allowlists, port filters, flagged sources. The
// results, every delta handed to the sink and every observer call must be identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "reference_analyzer.h"
#include "report/analyzer.h"

namespace ibsr::report {
namespace {

// Records what the analysis tells its sink and observer, as text.
class Recorder : public DeltaSink, public WindowObserver {
 public:
  std::vector<uint64_t> tracedKeys, blockedKeys;
  std::ostringstream deltas, windows;

  void onDelta(uint32_t stream, int64_t ts, int64_t durationSec, uint64_t key, const Counters& d,
               bool allowlisted) override {
    deltas << stream << ' ' << ts << ' ' << durationSec << ' ' << key << ' ' << d.syn << ' '
           << d.ack << ' ' << d.handshakeAck << ' ' << d.rst << ' ' << d.packets << ' ' << d.bytes
           << ' ' << allowlisted << '\n';
  }
  void onWindowClosed(uint32_t stream, int64_t start, int64_t end) override {
    deltas << "window " << stream << ' ' << start << ' ' << end << '\n';
  }
  bool traced(uint64_t key) const override {
    return std::find(tracedKeys.begin(), tracedKeys.end(), key) != tracedKeys.end();
  }
  bool blocked(uint64_t key) const override {
    return std::find(blockedKeys.begin(), blockedKeys.end(), key) != blockedKeys.end();
  }
  void onWindow(size_t index, const WindowTotals& t) override {
    windows << "totals " << index << ' ' << t.start << ' ' << t.end << ' ' << t.packets << ' '
            << t.simulatedBlockedPackets << ' ' << t.upperBoundBlockedPackets << '\n';
  }
  void onKeyWindow(size_t index, uint64_t key, const WindowStats& s) override {
    windows << "key " << index << ' ' << key << ' ' << s.start << ' ' << s.end << ' ' << s.syn
            << ' ' << s.handshakeAck << ' ' << s.packets << ' ' << s.bytes << '\n';
  }
};

std::string describe(const AnalysisResult& r, const DataQuality& dq) {
  std::ostringstream o;
  o.precision(17);
  o << r.snapshots << ' ' << r.intervals << ' ' << r.windows << ' ' << r.firstTs << ' ' << r.lastTs
    << ' ' << r.startTs << ' ' << r.observedSec << " ports";
  for (uint16_t p : r.dstPorts) o << ' ' << p;
  o << "\ndq " << dq.counterResets << ' ' << dq.bucketsOutsidePorts << ' '
    << dq.zeroDurationIntervals << '\n';
  auto window = [&](const WindowStats& w) {
    o << " [" << w.start << ' ' << w.end << ' ' << w.syn << ' ' << w.handshakeAck << ' '
      << w.packets << ' ' << w.bytes << ']';
  };
  for (const KeyResult& k : r.keys) {
    o << k.key << ' ' << k.allowlisted << ' ' << int(k.abuseClass) << ' ' << k.block << ' '
      << k.hasShown;
    window(k.shown);
    o << ' ' << k.total.syn << ' ' << k.total.ack << ' ' << k.total.handshakeAck << ' '
      << k.total.rst << ' ' << k.total.packets << ' ' << k.total.bytes << ' ' << k.simulatedPackets
      << ' ' << k.simulatedBytes << ' ' << k.simulatedSyn << '\n';
    for (const Episode& e : k.episodes)
      o << "  episode " << e.keyId << ' ' << e.stream << ' ' << e.start << ' ' << e.end << ' '
        << e.windows << ' ' << e.synChurn << ' ' << e.volumetric << ' ' << e.peakSynRate << ' '
        << e.peakPktRate << ' ' << e.peakByteRate << ' ' << e.minSuccessRatio << ' ' << e.syn << ' '
        << e.packets << ' ' << e.bytes << '\n';
  }
  return o.str();
}

struct Input {
  AnalysisConfig config;
  Allowlist allowlist;
  std::vector<Snapshot> snapshots;
  std::vector<uint64_t> traced, blocked;
};

Input randomInput(std::mt19937_64& rng) {
  auto pick = [&](uint64_t n) { return uint64_t(rng() % n); };
  Input in;
  in.config.windowSec = std::vector<int64_t>{10, 30, 60, 120}[pick(4)];
  in.config.firstSnapshotBaseline = pick(3) == 0;
  in.config.blockDurationSec = std::vector<int64_t>{30, 300}[pick(2)];
  const std::vector<uint16_t> ports = {80, 443, 8899};
  if (pick(4) == 0) in.config.dstPorts = {443, 80};
  // A pool of keys, in packed (= report) order; some sources are whole /24s.
  std::vector<uint64_t> pool;
  const size_t nKeys = 2 + pick(30);
  while (pool.size() < nKeys) {
    const KeyType type = pick(5) == 0 ? KeyType::SrcCidr24 : KeyType::SrcIp;
    uint32_t ip = 0x0A000000u + uint32_t(pick(4096));
    if (type == KeyType::SrcCidr24) ip &= 0xFFFFFF00u;
    const uint64_t key = packKey(type, ip, ports[pick(ports.size())]);
    if (std::find(pool.begin(), pool.end(), key) == pool.end()) pool.push_back(key);
  }
  std::sort(pool.begin(), pool.end());
  std::string allow;
  for (uint64_t k : pool) {
    if (pick(8) == 0) allow += formatKeyValue(k) + "\n";
    if (pick(4) == 0) in.traced.push_back(k);
    if (pick(6) == 0) in.blocked.push_back(k);
  }
  in.allowlist = Allowlist::parse(allow, "allow").value();

  const size_t nStreams = 1 + pick(3);
  // Per stream and key: cumulative counters, a rate, and whether it is present.
  struct KeyState {
    Counters c;
    uint64_t rate = 0;
    bool present = false;
  };
  std::vector<std::vector<KeyState>> state(nStreams, std::vector<KeyState>(pool.size()));
  std::vector<int64_t> ts(nStreams);
  for (size_t s = 0; s < nStreams; ++s) ts[s] = 1000 + int64_t(pick(50));
  const size_t nSnapshots = 1 + pick(40);
  for (size_t n = 0; n < nSnapshots; ++n) {
    const uint32_t stream = uint32_t(pick(nStreams));
    // Intervals: mostly one fixed length per input, sometimes shorter, longer or zero.
    const int64_t step =
        std::vector<int64_t>{0, 5, 10, 20, 30, 60, 60, 60, 90}[pick(9)] * (pick(2) + 1);
    ts[stream] += step;
    Snapshot snap;
    snap.version = 3;
    snap.ts = ts[stream];
    snap.stream = stream;
    if (pick(3) == 0) snap.baseTs = ts[stream] - int64_t(pick(200));
    snap.dstPorts = ports;
    for (size_t i = 0; i < pool.size(); ++i) {
      KeyState& k = state[stream][i];
      // Keys come and go: the key list, and positions in it, change between snapshots.
      if (pick(10) == 0) k.present = !k.present;
      if (n == 0 || pick(20) == 0) k.present = true;
      if (pick(7) == 0) k.rate = std::vector<uint64_t>{0, 1, 50, 200, 2000, 20000}[pick(6)];
      if (pick(25) == 0) k.c = Counters{};  // evicted and re-created: a reset
      const uint64_t secs = uint64_t(std::max<int64_t>(step, 1));
      const uint64_t syn = k.rate * secs;
      k.c.syn += syn;
      k.c.ack += syn * pick(3);
      k.c.handshakeAck += pick(2) == 0 ? syn : syn / 20;
      k.c.rst += pick(3);
      k.c.packets += syn * (1 + pick(3)) + pick(5);
      k.c.bytes += (syn + 1) * 60 * (1 + pick(400));
      if (pick(50) == 0) k.c.packets = UINT64_MAX - pick(3);  // saturating sums
      if (k.present) snap.buckets.push_back(Bucket{pool[i], k.c});
    }
    // Collectors sort their buckets; a few inputs do not.
    if (pick(8) == 0) std::shuffle(snap.buckets.begin(), snap.buckets.end(), rng);
    in.snapshots.push_back(std::move(snap));
  }
  // The merger delivers snapshots in time order.
  std::stable_sort(in.snapshots.begin(), in.snapshots.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.ts < b.ts; });
  return in;
}

template <typename A>
std::string run(const Input& in, bool withSink, bool withObserver, std::string& calls) {
  DataQuality dq;
  Recorder rec;
  rec.tracedKeys = in.traced;
  rec.blockedKeys = in.blocked;
  A a(in.config, in.allowlist, dq, withObserver ? &rec : nullptr);
  if (withSink) a.setDeltaSink(&rec);
  for (const Snapshot& s : in.snapshots) a.add(s);
  AnalysisResult r = a.finish();
  calls = rec.deltas.str() + "--\n" + rec.windows.str();
  return describe(r, dq);
}

TEST(ReportAnalyzerEquivalence, RandomInputsMatchTheReference) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 3000; ++i) {
    const Input in = randomInput(rng);
    const bool sink = i % 2 == 0, observer = i % 3 != 0;
    std::string callsNew, callsRef;
    const std::string got = run<Analyzer>(in, sink, observer, callsNew);
    const std::string want = run<reference::ReferenceAnalyzer>(in, sink, observer, callsRef);
    ASSERT_EQ(got, want) << "input " << i;
    ASSERT_EQ(callsNew, callsRef) << "input " << i;
  }
}

// One large stream with a stable key set, then a snapshot where a key is inserted near the start
// (every later position moves), then one where keys vanish: the positional fast path, the
// deferred slot table and its first use.
TEST(ReportAnalyzerEquivalence, KeyListShiftsAfterAStableRun) {
  Input in;
  std::vector<uint64_t> keys;
  for (uint32_t i = 0; i < 5000; ++i)
    keys.push_back(packKey(KeyType::SrcIp, 0x0A000000u + 2 * i, 80));
  for (int n = 0; n < 6; ++n) {
    Snapshot s;
    s.version = 3;
    s.ts = 60 * (n + 1);
    s.dstPorts = {80};
    std::vector<uint64_t> list = keys;
    if (n >= 3) list.insert(list.begin() + 10, packKey(KeyType::SrcIp, 0x0A000001u, 80));
    if (n >= 4) list.erase(list.begin() + 100, list.begin() + 200);
    for (size_t i = 0; i < list.size(); ++i)
      s.buckets.push_back(Bucket{list[i], Counters{uint64_t(n) * (i % 300) * 60, 0, uint64_t(n), 0,
                                                   uint64_t(n) * 100, uint64_t(n) * 6000}});
    in.snapshots.push_back(std::move(s));
  }
  std::string a, b;
  EXPECT_EQ(run<Analyzer>(in, true, false, a),
            run<reference::ReferenceAnalyzer>(in, true, false, b));
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace ibsr::report
