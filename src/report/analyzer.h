// The evidence model of REPORT.md, computed online in one pass over time-ordered snapshots:
// cumulative counters -> per-interval deltas -> evaluation windows -> SYN-churn / volumetric
// flags -> episodes and simulated enforcement. Deltas, intervals and windows belong to one stream
// (one collector's counters); a key's totals, flags, peaks and blocks span all streams. State is
// per key and per (stream, key), so memory is O(keys x streams) whatever the number of snapshots.
#pragma once

#include <cstdint>
#include <vector>

#include "report/allowlist.h"
#include "report/config.h"
#include "report/delta_sink.h"
#include "report/input_set.h"
#include "report/key_table.h"
#include "report/model.h"
#include "report/timeline.h"

namespace ibsr::report {

enum class AbuseClass : uint8_t { None, SynFloodLike, VolumetricTcpAbuse };
std::string_view abuseClassName(AbuseClass c);  // "" for None

// One evaluation window of one key: sums of its deltas over [start, end].
struct WindowStats {
  int64_t start = 0;
  int64_t end = 0;
  uint64_t syn = 0;
  uint64_t handshakeAck = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  double duration() const { return double(end - start); }
  double synRate() const { return double(syn) / duration(); }
  double pktRate() const { return double(packets) / duration(); }
  double byteRate() const { return double(bytes) / duration(); }
  double successRatio() const { return syn == 0 ? 0.0 : double(handshakeAck) / double(syn); }
};

struct Episode {
  uint32_t keyId = 0;
  uint32_t stream = 0;
  int64_t start = 0;
  int64_t end = 0;
  uint32_t windows = 0;
  bool synChurn = false;    // at least one SYN-churn window
  bool volumetric = false;  // at least one volumetric window
  double peakSynRate = 0;
  double peakPktRate = 0;
  double peakByteRate = 0;
  double minSuccessRatio = 0;
  uint64_t syn = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

// Whole-input totals of one closed window (non-allowlisted keys), for the HTML time chart.
struct WindowTotals {
  int64_t start = 0;
  int64_t end = 0;
  uint64_t packets = 0;
  double simulatedBlockedPackets = 0;
  uint64_t upperBoundBlockedPackets = 0;  // packets of keys in the observer's blocked set
};

// Receives per-window detail in a second pass, for the keys it asks about.
class WindowObserver {
 public:
  virtual ~WindowObserver() = default;
  virtual bool traced(uint64_t key) const = 0;
  virtual bool blocked(uint64_t key) const = 0;
  virtual void onWindow(size_t index, const WindowTotals& totals) = 0;
  virtual void onKeyWindow(size_t index, uint64_t key, const WindowStats& stats) = 0;
};

struct KeyResult {
  uint64_t key = 0;
  bool allowlisted = false;
  AbuseClass abuseClass = AbuseClass::None;
  bool block = false;
  bool hasShown = false;
  WindowStats shown;  // peak flagged window, else peak-SYN-rate window
  Counters total;
  double simulatedPackets = 0;  // traffic inside simulated block periods
  double simulatedBytes = 0;
  double simulatedSyn = 0;
  std::vector<Episode> episodes;
  double wholeSuccessRatio() const {
    return total.syn == 0 ? 0.0 : double(total.handshakeAck) / double(total.syn);
  }
};

struct AnalysisResult {
  std::vector<KeyResult> keys;  // in keyLess order
  std::vector<uint16_t> dstPorts;
  uint64_t snapshots = 0;  // including a baseline
  uint64_t intervals = 0;
  uint64_t windows = 0;
  int64_t firstTs = 0;  // of the first snapshot
  int64_t lastTs = 0;
  int64_t startTs = 0;      // start of the first interval
  int64_t observedSec = 0;  // time covered by at least one stream, first interval start to last ts
};

class Analyzer {
 public:
  Analyzer(const AnalysisConfig& config, const Allowlist& allowlist, DataQuality& dq,
           WindowObserver* observer = nullptr);
  // Also hands every delta and window boundary to `sink` (nullptr: none); set before add().
  void setDeltaSink(DeltaSink* sink) { deltaSink_ = sink; }
  void add(const Snapshot& snapshot);
  AnalysisResult finish();

 private:
  // A source across all streams: what the report shows for it.
  struct KeyState {
    uint64_t key = 0;
    Counters total;
    BlockPeriods blocks;  // simulated enforcement blocks the source on every stream
    double simPackets = 0, simBytes = 0, simSyn = 0;
    bool observed = false;  // has at least one delta (not only a baseline)
    bool allowlisted = false;
    bool traced = false;
    bool upperBlocked = false;
    bool anyChurn = false, anyVol = false;
    bool hasBestSyn = false, hasBestChurn = false, hasBestVol = false;
  };
  // Touched once per window, not per snapshot: kept apart so the per-bucket state stays small.
  struct KeyPeaks {
    WindowStats bestSyn, bestChurn, bestVol;
  };
  // A source within one stream: its counters and its current window.
  struct SlotState {
    uint32_t keyId = 0;
    Counters prev;
    WindowStats window;  // current window accumulator (start/end unused)
    int64_t windowIndex = -1;
    int32_t openEpisode = -1;
    int64_t lastFlaggedWindow = -1;
    bool hasPrev = false;
  };
  struct StreamState {
    bool haveSnapshot = false;
    int64_t prevTs = 0;
    int64_t startTs = 0;  // of its first interval
    size_t windowIndex = 0;
    int64_t windowStart = 0;
    int64_t windowDuration = 0;
    bool windowOpen = false;
    WindowTotals windowTotals;
    std::vector<uint32_t> touched;  // slots
    std::vector<uint32_t> openEpisodeSlots;
    // The previous snapshot's keys by position: collectors emit the same sorted key list each
    // time, so most lookups are a comparison instead of a hash probe.
    std::vector<uint64_t> lastKeys;
    std::vector<uint32_t> lastSlots;
  };

  uint32_t slotId(StreamState& st, uint32_t stream, uint64_t key, size_t position);
  void closeWindow(StreamState& st, uint32_t stream, int64_t end);

  const AnalysisConfig& config_;
  const Allowlist& allowlist_;
  DataQuality& dq_;
  WindowObserver* observer_;
  DeltaSink* deltaSink_ = nullptr;
  std::vector<uint16_t> portFilter_;  // sorted; empty = all
  std::vector<bool> portsSeen_ = std::vector<bool>(65536);

  KeyTable keyTable_;   // key -> keys_
  KeyTable slotTable_;  // (stream, key) -> slots_
  std::vector<KeyState> keys_;
  std::vector<KeyPeaks> peaks_;
  std::vector<SlotState> slots_;
  std::vector<StreamState> streams_;
  std::vector<uint64_t> curKeys_;
  std::vector<uint32_t> curSlots_;

  bool haveSnapshot_ = false;
  AnalysisResult result_;
  size_t windowsClosed_ = 0;  // over all streams: the observer's window index
  std::vector<Episode> episodes_;
};

}  // namespace ibsr::report
