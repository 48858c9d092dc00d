// The evidence model of REPORT.md, computed online in one pass over time-ordered snapshots:
// cumulative counters -> per-interval deltas -> evaluation windows -> SYN-churn / volumetric
// flags -> episodes and simulated enforcement. State is per key, so memory is O(keys) whatever the
// number of snapshots.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "report/allowlist.h"
#include "report/config.h"
#include "report/input_set.h"
#include "report/key_table.h"
#include "report/model.h"

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
  std::vector<KeyResult> keys;  // ordered by packed key
  std::vector<uint16_t> dstPorts;
  uint64_t snapshots = 0;  // including a baseline
  uint64_t intervals = 0;
  uint64_t windows = 0;
  int64_t firstTs = 0;  // of the first snapshot
  int64_t lastTs = 0;
  int64_t startTs = 0;      // start of the first interval
  int64_t observedSec = 0;  // sum of interval durations
};

class Analyzer {
 public:
  Analyzer(const AnalysisConfig& config, const Allowlist& allowlist, DataQuality& dq,
           WindowObserver* observer = nullptr);
  void add(const Snapshot& snapshot);
  AnalysisResult finish();

 private:
  struct KeyState {
    uint64_t key = 0;
    Counters prev;
    Counters total;
    WindowStats window;  // current window accumulator (start/end unused)
    int64_t windowIndex = -1;
    int64_t blockUntil = std::numeric_limits<int64_t>::min();
    double simPackets = 0, simBytes = 0, simSyn = 0;
    int32_t openEpisode = -1;
    int64_t lastFlaggedWindow = -1;
    bool hasPrev = false;
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

  uint32_t keyId(uint64_t key, size_t position);
  void closeWindow(int64_t end);

  const AnalysisConfig& config_;
  const Allowlist& allowlist_;
  DataQuality& dq_;
  WindowObserver* observer_;
  std::vector<uint16_t> portFilter_;  // sorted; empty = all
  std::vector<bool> portsSeen_ = std::vector<bool>(65536);

  KeyTable table_;
  std::vector<KeyState> keys_;
  std::vector<KeyPeaks> peaks_;
  // The previous snapshot's keys by position: collectors emit the same sorted key list each time,
  // so most lookups are a comparison instead of a hash probe.
  std::vector<uint64_t> lastKeys_;
  std::vector<uint32_t> lastIds_;
  std::vector<uint64_t> curKeys_;
  std::vector<uint32_t> curIds_;

  bool haveSnapshot_ = false;
  int64_t prevTs_ = 0;
  AnalysisResult result_;

  size_t windowIndex_ = 0;
  int64_t windowStart_ = 0;
  int64_t windowDuration_ = 0;
  bool windowOpen_ = false;
  WindowTotals windowTotals_;
  std::vector<uint32_t> touched_;
  std::vector<uint32_t> openEpisodeKeys_;
  std::vector<Episode> episodes_;
};

}  // namespace ibsr::report
