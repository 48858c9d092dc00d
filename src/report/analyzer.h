// The evidence model of REPORT.md, computed online in one pass over time-ordered snapshots:
// cumulative counters -> per-interval deltas -> evaluation windows -> SYN-churn / volumetric
// flags -> episodes and simulated enforcement. Deltas, intervals and windows belong to one stream
// (one collector's counters); a key's totals, flags, peaks and blocks span all streams. State is
// per key and per (stream, key), so memory is O(keys x streams) whatever the number of snapshots.
#pragma once

#include <cstdint>
#include <vector>

#include "core/page_release.h"
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
  template <typename T>
  using Array = PageVector<T>;

  // Per key (a source across all streams) and per slot (a source within one stream), state is
  // kept as structure of arrays indexed by dense ids, so the per-bucket loop streams through a few
  // compact arrays (about 60 bytes a slot, 20 a key) instead of pulling 400 bytes of structs
  // through the cache for every key; a key's totals and peak-SYN window are kept in its
  // KeyResult, which becomes its result (memory touched once is worth more here than locality).
  // What only flagged keys need (blocks, simulated traffic, the flagged peak windows) lives in
  // `flagged_`, reached through an index.
  enum KeyFlag : uint8_t {
    kObserved = 1,  // has at least one delta (not only a baseline)
    kAllowlisted = 2,
    kTraced = 4,
    kUpperBlocked = 8,
    kAnyChurn = 16,
    kAnyVol = 32,
    kHasBestSyn = 64,
    kFlagged = 128,  // has a FlaggedKey
  };
  struct FlaggedKey {
    BlockPeriods blocks;  // simulated enforcement blocks the source on every stream
    double simPackets = 0, simBytes = 0, simSyn = 0;
    WindowStats bestChurn, bestVol;
    bool hasBestChurn = false, hasBestVol = false;
  };
  // A window spanning several snapshots of a stream accumulates here, one entry per slot with
  // traffic in it, in first-touch order (the order windows are evaluated in).
  struct OpenWindowEntry {
    uint32_t slot = 0;
    uint64_t syn = 0, handshakeAck = 0, packets = 0, bytes = 0;
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
    std::vector<OpenWindowEntry> open;
    std::vector<uint32_t> openEpisodeSlots;
    // The previous snapshot's keys and slots by position, updated in place: collectors emit the
    // same sorted key list each time, so most lookups are a comparison instead of a hash probe.
    Array<uint64_t> lastKeys;
    Array<uint32_t> lastSlots;
  };
  // Slots appended for a stream's first snapshot whose keys were strictly increasing (hence all
  // new) are entered in slotTable_ only when a lookup first needs the table: with a stable key
  // set, it is never built.
  struct PendingSlots {
    uint32_t stream = 0;
    uint32_t from = 0, to = 0;  // [from, to)
  };

  // The slot of the bucket at `position` among the snapshot's accepted buckets.
  uint32_t slotAt(StreamState& st, uint32_t stream, uint64_t key, size_t position);
  uint32_t lookupSlot(uint32_t stream, uint64_t key);
  uint32_t appendSlot(uint32_t stream, uint64_t key);
  uint32_t keyIdFor(uint64_t key);  // a new slot's key: found or added
  uint32_t newKey(uint64_t key);
  uint32_t newSlot(uint32_t keyId);
  void flushPendingSlots();
  void buildKeyTable();
  void reserveFor(size_t buckets);
  FlaggedKey& flaggedKey(uint32_t keyId);
  template <bool kFused>
  void addDeltas(const Snapshot& snap, StreamState& st, int64_t duration, int64_t intervalStart);
  void evaluateWindow(StreamState& st, uint32_t stream, uint32_t sid, const WindowStats& w,
                      int64_t index);
  void closeWindow(StreamState& st, uint32_t stream, int64_t end);
  void endWindow(StreamState& st, uint32_t stream, int64_t end);

  const AnalysisConfig& config_;
  const Allowlist& allowlist_;
  DataQuality& dq_;
  WindowObserver* observer_;
  DeltaSink* deltaSink_ = nullptr;
  std::vector<uint16_t> portFilter_;  // sorted; empty = all
  std::vector<bool> portsSeen_ = std::vector<bool>(65536);

  // Keys.
  Array<uint64_t> keyOf_;
  // Each key's result, filled as the analysis goes (totals, peak-SYN window as `shown`) and
  // completed by finish(): the results need no second array of 160 bytes a key.
  std::vector<KeyResult> keys_;
  Array<uint8_t> keyFlags_;
  Array<double> bestSynRate_;  // the peak-SYN-rate window's synRate(), compared once per window
  Array<uint32_t> flaggedId_;  // index into flagged_, or kNone
  std::vector<FlaggedKey> flagged_;
  // key -> key id, needed only once a second stream appears: with one stream a new slot is a new
  // key.
  KeyTable keyTable_;
  bool keyTableBuilt_ = false;
  uint32_t firstStream_ = UINT32_MAX;

  // Slots.
  Array<Counters> prev_;  // zero for a new slot: its first delta is then its counters
  Array<uint32_t> slotKey_;
  Array<uint32_t> slotWindow_;  // 1 + its entry in its stream's open window, or 0
  Array<int32_t> slotEpisode_;  // its open episode, or -1
  KeyTable slotTable_;          // (stream, key) -> slot
  std::vector<PendingSlots> pending_;
  // Within add(): the stream's first snapshot, keys strictly increasing so far (so all new).
  bool appendNew_ = false;
  uint64_t appendPrevKey_ = 0;

  std::vector<StreamState> streams_;
  bool haveSnapshot_ = false;
  AnalysisResult result_;
  size_t windowsClosed_ = 0;  // over all streams: the observer's window index
  std::vector<Episode> episodes_;
  std::vector<int64_t> episodeLastFlagged_;  // per episode: the last window that extended it
};

}  // namespace ibsr::report
