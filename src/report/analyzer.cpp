#include "report/analyzer.h"

#include <algorithm>

namespace ibsr::report {

std::string_view abuseClassName(AbuseClass c) {
  switch (c) {
    case AbuseClass::SynFloodLike:
      return "SYN_FLOOD_LIKE";
    case AbuseClass::VolumetricTcpAbuse:
      return "VOLUMETRIC_TCP_ABUSE";
    case AbuseClass::None:
      break;
  }
  return "";
}

Analyzer::Analyzer(const AnalysisConfig& config, const Allowlist& allowlist, DataQuality& dq,
                   WindowObserver* observer)
    : config_(config), allowlist_(allowlist), dq_(dq), observer_(observer) {
  portFilter_ = config.dstPorts;
  std::sort(portFilter_.begin(), portFilter_.end());
  portFilter_.erase(std::unique(portFilter_.begin(), portFilter_.end()), portFilter_.end());
}

namespace {
constexpr uint32_t kNone = UINT32_MAX;

// The capacity to reserve for n elements of an array filled once: from 1 MB on, at least what
// PageAllocator maps with huge pages. On this kind of VM a 4 kB page costs about 10 us on first
// touch, a 2 MB one about 1 ms: 250 small faults for each MB would cost 2.5 times as much.
template <typename T>
size_t hugeCapacity(size_t n) {
  const size_t bytes = n * sizeof(T);
  if (bytes < (size_t(1) << 20) || bytes >= kPageAllocatorHugeBytes) return n;
  return kPageAllocatorHugeBytes / sizeof(T);
}
template <typename T>
void reserveHuge(PageVector<T>& v, size_t n) {
  v.reserve(hugeCapacity<T>(n));
}
}  // namespace

uint32_t Analyzer::newKey(uint64_t key) {
  const uint32_t id = uint32_t(keyOf_.size());
  keyOf_.push_back(key);
  keys_.emplace_back().key = key;
  bestSynRate_.push_back(0);
  flaggedId_.push_back(kNone);
  uint8_t flags = allowlist_.matches(key) ? kAllowlisted : 0;
  if (observer_ != nullptr) {
    if (observer_->traced(key)) flags |= kTraced;
    if (observer_->blocked(key)) flags |= kUpperBlocked;
  }
  keyFlags_.push_back(flags);
  return id;
}

uint32_t Analyzer::newSlot(uint32_t keyId) {
  const uint32_t id = uint32_t(prev_.size());
  prev_.emplace_back();
  slotKey_.push_back(keyId);
  slotWindow_.push_back(0);
  slotEpisode_.push_back(-1);
  return id;
}

uint32_t Analyzer::keyIdFor(uint64_t key) {
  if (!keyTableBuilt_) return newKey(key);  // one stream so far: a new slot is a new key
  bool inserted = false;
  const uint32_t id = keyTable_.findOrInsert(key, uint32_t(keyOf_.size()), inserted);
  return inserted ? newKey(key) : id;
}

void Analyzer::buildKeyTable() {
  keyTable_.reserve(keyOf_.size());
  bool inserted = false;
  for (uint32_t i = 0; i < keyOf_.size(); ++i) keyTable_.findOrInsert(keyOf_[i], i, inserted);
  keyTableBuilt_ = true;
}

void Analyzer::flushPendingSlots() {
  if (pending_.empty()) return;
  size_t n = slotTable_.size();
  for (const PendingSlots& p : pending_) n += p.to - p.from;
  slotTable_.reserve(n);
  auto tableKey = [&](uint32_t stream, uint32_t sid) {
    return (uint64_t(stream) << 50) | keyOf_[slotKey_[sid]];
  };
  constexpr uint32_t kAhead = 16;  // inserts are random accesses: start the loads early
  bool inserted = false;
  for (const PendingSlots& p : pending_) {
    for (uint32_t sid = p.from; sid < p.to; ++sid) {
      if (sid + kAhead < p.to) slotTable_.prefetch(tableKey(p.stream, sid + kAhead));
      slotTable_.findOrInsert(tableKey(p.stream, sid), sid, inserted);
    }
  }
  pending_.clear();
}

uint32_t Analyzer::lookupSlot(uint32_t stream, uint64_t key) {
  flushPendingSlots();
  bool inserted = false;
  const uint32_t id =
      slotTable_.findOrInsert((uint64_t(stream) << 50) | key, uint32_t(prev_.size()), inserted);
  if (!inserted) return id;
  return newSlot(keyIdFor(key));
}

uint32_t Analyzer::appendSlot(uint32_t stream, uint64_t key) {
  const uint32_t sid = newSlot(keyIdFor(key));
  if (pending_.empty() || pending_.back().stream != stream || pending_.back().to != sid)
    pending_.push_back(PendingSlots{stream, sid, sid});
  pending_.back().to = sid + 1;
  return sid;
}

inline uint32_t Analyzer::slotAt(StreamState& st, uint32_t stream, uint64_t key, size_t position) {
  const size_t known = st.lastKeys.size();
  if (position < known && st.lastKeys[position] == key) return st.lastSlots[position];
  uint32_t sid;
  if (appendNew_ && (appendPrevKey_ == UINT64_MAX || key > appendPrevKey_)) {
    appendPrevKey_ = key;
    sid = appendSlot(stream, key);
  } else {
    appendNew_ = false;
    sid = lookupSlot(stream, key);
  }
  // Position `position` of the previous snapshot has been compared: it can take the new key.
  if (position < known) {
    st.lastKeys[position] = key;
    st.lastSlots[position] = sid;
  } else {
    st.lastKeys.push_back(key);
    st.lastSlots.push_back(sid);
  }
  return sid;
}

void Analyzer::reserveFor(size_t buckets) {
  // A stream's first snapshot: most of its keys are new slots (and, with one stream, new keys).
  const size_t slots = prev_.size() + buckets;
  if (prev_.capacity() < slots) {
    reserveHuge(prev_, slots);
    reserveHuge(slotKey_, slots);
    reserveHuge(slotWindow_, slots);
    reserveHuge(slotEpisode_, slots);
  }
  const size_t keys = keyOf_.size() + buckets;
  if (!keyTableBuilt_ && keyOf_.capacity() < keys) {
    reserveHuge(keyOf_, keys);
    keys_.reserve(hugeCapacity<KeyResult>(keys));
    adviseHugePages(keys_.data(), keys_.capacity() * sizeof(KeyResult));
    reserveHuge(keyFlags_, keys);
    reserveHuge(bestSynRate_, keys);
    reserveHuge(flaggedId_, keys);
  }
}

Analyzer::FlaggedKey& Analyzer::flaggedKey(uint32_t keyId) {
  if (flaggedId_[keyId] == kNone) {
    flaggedId_[keyId] = uint32_t(flagged_.size());
    flagged_.emplace_back();
    keyFlags_[keyId] |= kFlagged;
  }
  return flagged_[flaggedId_[keyId]];
}

void Analyzer::add(const Snapshot& snap) {
  ++result_.snapshots;
  if (snap.stream >= streams_.size()) streams_.resize(size_t(snap.stream) + 1);
  if (firstStream_ == UINT32_MAX) {
    firstStream_ = snap.stream;
  } else if (!keyTableBuilt_ && snap.stream != firstStream_) {
    buildKeyTable();
  }
  StreamState& st = streams_[snap.stream];
  const bool filtered = !portFilter_.empty();
  if (!filtered)
    for (uint16_t port : snap.dstPorts) portsSeen_[port] = true;
  if (!st.haveSnapshot) reserveFor(snap.buckets.size());
  if (st.lastKeys.capacity() < snap.buckets.size()) {
    reserveHuge(st.lastKeys, snap.buckets.size());
    reserveHuge(st.lastSlots, snap.buckets.size());
  }
  appendNew_ = !st.haveSnapshot;
  appendPrevKey_ = UINT64_MAX;

  auto noteTimes = [&](int64_t start) {
    if (!haveSnapshot_) {
      result_.firstTs = result_.startTs = result_.lastTs = snap.ts;
      haveSnapshot_ = true;
    }
    result_.firstTs = std::min(result_.firstTs, snap.ts);
    result_.lastTs = std::max(result_.lastTs, snap.ts);
    result_.startTs = std::min(result_.startTs, start);
  };

  if (!st.haveSnapshot && config_.firstSnapshotBaseline) {
    // The first snapshot of a stream only says where its counters stood when the input begins.
    size_t position = 0;
    for (const Bucket& b : snap.buckets) {
      uint16_t port = keyPort(b.key);
      if (filtered && !std::binary_search(portFilter_.begin(), portFilter_.end(), port)) continue;
      if (!filtered) portsSeen_[port] = true;
      prev_[slotAt(st, snap.stream, b.key, position++)] = b.counters;
    }
    st.lastKeys.resize(position);
    st.lastSlots.resize(position);
    st.haveSnapshot = true;
    st.startTs = st.prevTs = snap.ts;
    noteTimes(snap.ts);
    return;
  }

  int64_t duration;
  if (!st.haveSnapshot) {
    duration =
        (snap.baseTs && snap.ts - *snap.baseTs > 0) ? snap.ts - *snap.baseTs : config_.windowSec;
    st.startTs = snap.ts - duration;
  } else {
    duration = snap.ts - st.prevTs;
  }
  noteTimes(st.startTs);
  if (duration == 0) ++dq_.zeroDurationIntervals;
  const int64_t intervalStart = snap.ts - duration;
  // A window that opens and closes with this snapshot (intervals at least window_sec long, the
  // usual case) is evaluated key by key as the deltas come, in the order closeWindow() would
  // take them, instead of in a second pass over every key.
  const bool fused = !st.windowOpen && st.windowDuration + duration >= config_.windowSec;
  if (!st.windowOpen) {
    st.windowOpen = true;
    st.windowStart = intervalStart;
    st.windowTotals = WindowTotals{};
  }
  if (fused) {
    addDeltas<true>(snap, st, duration, intervalStart);
  } else {
    addDeltas<false>(snap, st, duration, intervalStart);
  }
  st.haveSnapshot = true;
  st.prevTs = snap.ts;
  ++result_.intervals;
  st.windowDuration += duration;
  if (st.windowDuration >= config_.windowSec) closeWindow(st, snap.stream, snap.ts);
}

template <bool kFused>
void Analyzer::addDeltas(const Snapshot& snap, StreamState& st, int64_t duration,
                         int64_t intervalStart) {
  const bool filtered = !portFilter_.empty();
  const uint32_t stream = snap.stream;
  const int64_t index = int64_t(st.windowIndex);
  WindowTotals& wt = st.windowTotals;
  size_t position = 0;
  for (const Bucket& b : snap.buckets) {
    uint16_t port = keyPort(b.key);
    if (filtered && !std::binary_search(portFilter_.begin(), portFilter_.end(), port)) {
      ++dq_.bucketsOutsidePorts;
      continue;
    }
    if (!filtered) portsSeen_[port] = true;
    const uint32_t sid = slotAt(st, stream, b.key, position++);
    const uint32_t kid = slotKey_[sid];
    Counters& p = prev_[sid];
    const Counters& cur = b.counters;
    // A new slot's prev is zero: its first delta is its counters (first appearance).
    const bool reset = cur.syn < p.syn || cur.ack < p.ack || cur.handshakeAck < p.handshakeAck ||
                       cur.rst < p.rst || cur.packets < p.packets || cur.bytes < p.bytes;
    Counters d = cur;  // after a reset the current values are the whole delta
    if (reset) {
      ++dq_.counterResets;
    } else {
      d = Counters{cur.syn - p.syn, cur.ack - p.ack,         cur.handshakeAck - p.handshakeAck,
                   cur.rst - p.rst, cur.packets - p.packets, cur.bytes - p.bytes};
    }
    p = cur;
    uint8_t& flags = keyFlags_[kid];
    flags |= kObserved;
    const bool allowlisted = (flags & kAllowlisted) != 0;
    if (deltaSink_ != nullptr)
      deltaSink_->onDelta(stream, snap.ts, duration, b.key, d, allowlisted);
    Counters& t = keys_[kid].total;
    t.syn = satAdd(t.syn, d.syn);
    t.ack = satAdd(t.ack, d.ack);
    t.handshakeAck = satAdd(t.handshakeAck, d.handshakeAck);
    t.rst = satAdd(t.rst, d.rst);
    t.packets = satAdd(t.packets, d.packets);
    t.bytes = satAdd(t.bytes, d.bytes);

    if constexpr (!kFused) {
      uint32_t& entry = slotWindow_[sid];
      if (entry == 0) {
        st.open.push_back(OpenWindowEntry{sid, 0, 0, 0, 0});
        entry = uint32_t(st.open.size());
      }
      OpenWindowEntry& w = st.open[entry - 1];
      w.syn = satAdd(w.syn, d.syn);
      w.handshakeAck = satAdd(w.handshakeAck, d.handshakeAck);
      w.packets = satAdd(w.packets, d.packets);
      w.bytes = satAdd(w.bytes, d.bytes);
    }

    if (!allowlisted) {
      wt.packets = satAdd(wt.packets, d.packets);
      if (flags & kUpperBlocked)
        wt.upperBoundBlockedPackets = satAdd(wt.upperBoundBlockedPackets, d.packets);
      // Simulated enforcement: the blocked part of the interval, traffic assumed evenly spread.
      // Only keys flagged at some point have block periods.
      if (flags & kFlagged) {
        FlaggedKey& fk = flagged_[flaggedId_[kid]];
        const double frac = fk.blocks.blockedFraction(intervalStart, duration);
        if (frac > 0) {
          fk.simPackets += frac * double(d.packets);
          fk.simBytes += frac * double(d.bytes);
          fk.simSyn += frac * double(d.syn);
          wt.simulatedBlockedPackets += frac * double(d.packets);
        }
      }
    }
    if constexpr (kFused) {
      const WindowStats w{st.windowStart, snap.ts, d.syn, d.handshakeAck, d.packets, d.bytes};
      evaluateWindow(st, stream, sid, w, index);
    }
  }
  st.lastKeys.resize(position);
  st.lastSlots.resize(position);
}

void Analyzer::evaluateWindow(StreamState& st, uint32_t stream, uint32_t sid, const WindowStats& w,
                              int64_t index) {
  const uint32_t kid = slotKey_[sid];
  const uint8_t flags = keyFlags_[kid];
  if (observer_ != nullptr && (flags & kTraced))
    observer_->onKeyWindow(windowsClosed_, keyOf_[kid], w);
  const double synRate = w.synRate();
  // bestSynRate_ holds the best window's synRate(), computed alike: the comparison is unchanged.
  if (!(flags & kHasBestSyn) || synRate > bestSynRate_[kid]) {
    keys_[kid].shown = w;
    bestSynRate_[kid] = synRate;
    keyFlags_[kid] |= kHasBestSyn;
  }
  if (flags & kAllowlisted) return;
  const double ratio = w.successRatio();
  const double pktRate = w.pktRate();
  const double byteRate = w.byteRate();
  const bool churn = synRate >= config_.synRateThreshold && ratio <= config_.successRatioThreshold;
  const int volHits = int(synRate >= config_.volSynRate) + int(pktRate >= config_.volPktRate) +
                      int(byteRate >= config_.volByteRate);
  const bool vol = volHits >= 2;
  if (!churn && !vol) return;
  FlaggedKey& fk = flaggedKey(kid);
  if (churn) {
    keyFlags_[kid] |= kAnyChurn;
    if (!fk.hasBestChurn || synRate > fk.bestChurn.synRate()) {
      fk.bestChurn = w;
      fk.hasBestChurn = true;
    }
  }
  if (vol) {
    keyFlags_[kid] |= kAnyVol;
    if (!fk.hasBestVol || pktRate > fk.bestVol.pktRate()) {
      fk.bestVol = w;
      fk.hasBestVol = true;
    }
  }
  fk.blocks.add(w.end, config_.blockDurationSec);
  int32_t& open = slotEpisode_[sid];
  if (open < 0) {
    open = int32_t(episodes_.size());
    Episode& e = episodes_.emplace_back();
    e.keyId = kid;
    e.stream = stream;
    e.start = w.start;
    e.minSuccessRatio = ratio;
    episodeLastFlagged_.push_back(-1);
    st.openEpisodeSlots.push_back(sid);
  }
  Episode& e = episodes_[size_t(open)];
  e.end = w.end;
  ++e.windows;
  e.synChurn = e.synChurn || churn;
  e.volumetric = e.volumetric || vol;
  e.peakSynRate = std::max(e.peakSynRate, synRate);
  e.peakPktRate = std::max(e.peakPktRate, pktRate);
  e.peakByteRate = std::max(e.peakByteRate, byteRate);
  e.minSuccessRatio = std::min(e.minSuccessRatio, ratio);
  e.syn = satAdd(e.syn, w.syn);
  e.packets = satAdd(e.packets, w.packets);
  e.bytes = satAdd(e.bytes, w.bytes);
  episodeLastFlagged_[size_t(open)] = index;
}

void Analyzer::closeWindow(StreamState& st, uint32_t stream, int64_t end) {
  const int64_t index = int64_t(st.windowIndex);
  // Empty when the window was evaluated as its only snapshot came (addDeltas<true>).
  for (const OpenWindowEntry& o : st.open) {
    slotWindow_[o.slot] = 0;
    const WindowStats w{st.windowStart, end, o.syn, o.handshakeAck, o.packets, o.bytes};
    evaluateWindow(st, stream, o.slot, w, index);
  }
  st.open.clear();
  // An episode ends at the first window of its stream that is not flagged for its key (or has no
  // traffic from it).
  std::erase_if(st.openEpisodeSlots, [&](uint32_t sid) {
    int32_t& open = slotEpisode_[sid];
    if (episodeLastFlagged_[size_t(open)] == index) return false;
    open = -1;
    return true;
  });
  if (deltaSink_ != nullptr) deltaSink_->onWindowClosed(stream, st.windowStart, end);
  WindowTotals totals = st.windowTotals;
  totals.start = st.windowStart;
  totals.end = end;
  if (observer_ != nullptr) observer_->onWindow(windowsClosed_, totals);
  ++st.windowIndex;
  ++windowsClosed_;
  ++result_.windows;
  st.windowOpen = false;
  st.windowDuration = 0;
}

AnalysisResult Analyzer::finish() {
  // A trailing window shorter than window_sec is still evaluated (rates are per second of its own
  // span); one of zero span (repeated timestamps only) has no rate and is dropped.
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (uint32_t i = 0; i < streams_.size(); ++i) {
    StreamState& st = streams_[i];
    if (st.windowOpen && st.windowDuration > 0) {
      closeWindow(st, i, st.prevTs);
    } else if (st.windowOpen && deltaSink_ != nullptr) {
      deltaSink_->onWindowClosed(i, st.windowStart, st.windowStart);
    }
    if (st.haveSnapshot) spans.emplace_back(st.startTs, st.prevTs);
  }
  result_.observedSec = coveredSeconds(std::move(spans));
  AnalysisResult out = std::move(result_);
  if (portFilter_.empty()) {
    for (uint32_t port = 0; port < portsSeen_.size(); ++port)
      if (portsSeen_[port]) out.dstPorts.push_back(uint16_t(port));
  } else {
    out.dstPorts = portFilter_;
  }
  // Keys get their ids in the order they first appear, which for a collector's sorted snapshots
  // is already the report's order: then the results are made in id order directly; otherwise
  // through a sorted list of ids.
  auto observed = [&](uint32_t id) { return (keyFlags_[id] & kObserved) != 0; };
  bool inOrder = true;
  size_t count = 0;
  for (uint32_t i = 0, last = kNone; i < keyOf_.size(); ++i) {
    if (!observed(i)) continue;
    ++count;
    if (last != kNone && keyLess(keyOf_[i], keyOf_[last])) inOrder = false;
    last = i;
  }
  PageVector<uint32_t> ids;
  if (!inOrder) {
    ids.reserve(count);
    for (uint32_t i = 0; i < keyOf_.size(); ++i)
      if (observed(i)) ids.push_back(i);
    std::sort(ids.begin(), ids.end(),
              [&](uint32_t a, uint32_t b) { return keyLess(keyOf_[a], keyOf_[b]); });
  }
  // Only flagged keys have episodes: their results' positions, by flagged index.
  std::vector<uint32_t> flaggedResult(flagged_.size(), kNone);
  // A key's result already holds its key, totals and peak-SYN window (as `shown`).
  auto complete = [&](uint32_t id, KeyResult& r, size_t position) {
    const uint8_t flags = keyFlags_[id];
    const FlaggedKey* fk = nullptr;
    if (flags & kFlagged) {
      fk = &flagged_[flaggedId_[id]];
      flaggedResult[flaggedId_[id]] = uint32_t(position);
    }
    r.allowlisted = (flags & kAllowlisted) != 0;
    if (!r.allowlisted) {
      r.abuseClass = (flags & kAnyChurn) ? AbuseClass::SynFloodLike
                     : (flags & kAnyVol) ? AbuseClass::VolumetricTcpAbuse
                                         : AbuseClass::None;
    }
    r.block = r.abuseClass != AbuseClass::None;
    if (r.abuseClass == AbuseClass::SynFloodLike) {
      r.shown = fk->bestChurn, r.hasShown = true;
    } else if (r.abuseClass == AbuseClass::VolumetricTcpAbuse) {
      r.shown = fk->bestVol, r.hasShown = true;
    } else if (flags & kHasBestSyn) {
      r.hasShown = true;
    }
    if (fk != nullptr) {
      r.simulatedPackets = fk->simPackets;
      r.simulatedBytes = fk->simBytes;
      r.simulatedSyn = fk->simSyn;
    }
  };
  if (inOrder) {
    // In place: the results are the per-key state, less the keys never observed.
    size_t kept = 0;
    for (uint32_t i = 0; i < keyOf_.size(); ++i) {
      if (!observed(i)) continue;
      if (kept != i) keys_[kept] = std::move(keys_[i]);
      complete(i, keys_[kept], kept);
      ++kept;
    }
    keys_.erase(keys_.begin() + ptrdiff_t(kept), keys_.end());
    out.keys = std::move(keys_);
  } else {
    out.keys.reserve(count);
    adviseHugePages(out.keys.data(), count * sizeof(KeyResult));
    for (uint32_t id : ids) {
      out.keys.push_back(std::move(keys_[id]));
      complete(id, out.keys.back(), out.keys.size() - 1);
    }
  }
  // Episodes are listed per stream, each stream's in time order.
  std::stable_sort(episodes_.begin(), episodes_.end(),
                   [](const Episode& a, const Episode& b) { return a.stream < b.stream; });
  for (const Episode& e : episodes_)
    out.keys[flaggedResult[flaggedId_[e.keyId]]].episodes.push_back(e);
  return out;
}

}  // namespace ibsr::report
