// The counter analysis as it was before issue 17's rewrite (report/analyzer.cpp at 6361d8b), kept
// verbatim as an oracle: analyzer_equivalence_test feeds random inputs to both and requires equal
// results, deltas and observer calls. Not built into the product.
#pragma once

#include "report/analyzer.h"

namespace ibsr::report::reference {

class ReferenceAnalyzer {
 public:
  ReferenceAnalyzer(const AnalysisConfig& config, const Allowlist& allowlist, DataQuality& dq,
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

}  // namespace ibsr::report::reference
