#include "reference_analyzer.h"

#include <algorithm>

namespace ibsr::report::reference {

ReferenceAnalyzer::ReferenceAnalyzer(const AnalysisConfig& config, const Allowlist& allowlist,
                                     DataQuality& dq, WindowObserver* observer)
    : config_(config), allowlist_(allowlist), dq_(dq), observer_(observer) {
  portFilter_ = config.dstPorts;
  std::sort(portFilter_.begin(), portFilter_.end());
  portFilter_.erase(std::unique(portFilter_.begin(), portFilter_.end()), portFilter_.end());
}

uint32_t ReferenceAnalyzer::slotId(StreamState& st, uint32_t stream, uint64_t key,
                                   size_t position) {
  uint32_t id;
  if (position < st.lastKeys.size() && st.lastKeys[position] == key) {
    id = st.lastSlots[position];
  } else {
    bool inserted = false;
    id = slotTable_.findOrInsert((uint64_t(stream) << 50) | key, uint32_t(slots_.size()), inserted);
    if (inserted) {
      uint32_t keyId = keyTable_.findOrInsert(key, uint32_t(keys_.size()), inserted);
      if (inserted) {
        peaks_.emplace_back();
        KeyState& k = keys_.emplace_back();
        k.key = key;
        k.allowlisted = allowlist_.matches(key);
        if (observer_ != nullptr) {
          k.traced = observer_->traced(key);
          k.upperBlocked = observer_->blocked(key);
        }
      }
      slots_.emplace_back().keyId = keyId;
    }
  }
  curKeys_.push_back(key);
  curSlots_.push_back(id);
  return id;
}

void ReferenceAnalyzer::add(const Snapshot& snap) {
  ++result_.snapshots;
  if (snap.stream >= streams_.size()) streams_.resize(size_t(snap.stream) + 1);
  StreamState& st = streams_[snap.stream];
  curKeys_.clear();
  curSlots_.clear();
  const bool filtered = !portFilter_.empty();
  if (!filtered)
    for (uint16_t port : snap.dstPorts) portsSeen_[port] = true;

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
    for (const Bucket& b : snap.buckets) {
      uint16_t port = keyPort(b.key);
      if (filtered && !std::binary_search(portFilter_.begin(), portFilter_.end(), port)) continue;
      if (!filtered) portsSeen_[port] = true;
      SlotState& sl = slots_[slotId(st, snap.stream, b.key, curKeys_.size())];
      sl.prev = b.counters;
      sl.hasPrev = true;
    }
    st.haveSnapshot = true;
    st.startTs = st.prevTs = snap.ts;
    noteTimes(snap.ts);
    st.lastKeys.swap(curKeys_);
    st.lastSlots.swap(curSlots_);
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
  if (!st.windowOpen) {
    st.windowOpen = true;
    st.windowStart = intervalStart;
    st.windowTotals = WindowTotals{};
  }

  for (const Bucket& b : snap.buckets) {
    uint16_t port = keyPort(b.key);
    if (filtered && !std::binary_search(portFilter_.begin(), portFilter_.end(), port)) {
      ++dq_.bucketsOutsidePorts;
      continue;
    }
    if (!filtered) portsSeen_[port] = true;
    const uint32_t sid = slotId(st, snap.stream, b.key, curKeys_.size());
    SlotState& sl = slots_[sid];
    KeyState& k = keys_[sl.keyId];
    const Counters& cur = b.counters;
    Counters d = cur;  // first appearance or reset: the current values are the whole delta
    if (sl.hasPrev) {
      const Counters& p = sl.prev;
      bool reset = cur.syn < p.syn || cur.ack < p.ack || cur.handshakeAck < p.handshakeAck ||
                   cur.rst < p.rst || cur.packets < p.packets || cur.bytes < p.bytes;
      if (reset) {
        ++dq_.counterResets;
      } else {
        d = Counters{cur.syn - p.syn, cur.ack - p.ack,         cur.handshakeAck - p.handshakeAck,
                     cur.rst - p.rst, cur.packets - p.packets, cur.bytes - p.bytes};
      }
    }
    sl.prev = cur;
    sl.hasPrev = true;
    k.observed = true;
    if (deltaSink_ != nullptr)
      deltaSink_->onDelta(snap.stream, snap.ts, duration, b.key, d, k.allowlisted);
    Counters& t = k.total;
    t.syn = satAdd(t.syn, d.syn);
    t.ack = satAdd(t.ack, d.ack);
    t.handshakeAck = satAdd(t.handshakeAck, d.handshakeAck);
    t.rst = satAdd(t.rst, d.rst);
    t.packets = satAdd(t.packets, d.packets);
    t.bytes = satAdd(t.bytes, d.bytes);

    if (sl.windowIndex != int64_t(st.windowIndex)) {
      sl.windowIndex = int64_t(st.windowIndex);
      sl.window = WindowStats{};
      st.touched.push_back(sid);
    }
    WindowStats& w = sl.window;
    w.syn = satAdd(w.syn, d.syn);
    w.handshakeAck = satAdd(w.handshakeAck, d.handshakeAck);
    w.packets = satAdd(w.packets, d.packets);
    w.bytes = satAdd(w.bytes, d.bytes);

    if (k.allowlisted) continue;
    WindowTotals& wt = st.windowTotals;
    wt.packets = satAdd(wt.packets, d.packets);
    if (k.upperBlocked)
      wt.upperBoundBlockedPackets = satAdd(wt.upperBoundBlockedPackets, d.packets);
    // Simulated enforcement: the blocked part of the interval, traffic assumed evenly spread.
    const double frac = k.blocks.blockedFraction(intervalStart, duration);
    if (frac > 0) {
      k.simPackets += frac * double(d.packets);
      k.simBytes += frac * double(d.bytes);
      k.simSyn += frac * double(d.syn);
      wt.simulatedBlockedPackets += frac * double(d.packets);
    }
  }

  st.haveSnapshot = true;
  st.prevTs = snap.ts;
  ++result_.intervals;
  st.windowDuration += duration;
  st.lastKeys.swap(curKeys_);
  st.lastSlots.swap(curSlots_);
  if (st.windowDuration >= config_.windowSec) closeWindow(st, snap.stream, snap.ts);
}

void ReferenceAnalyzer::closeWindow(StreamState& st, uint32_t stream, int64_t end) {
  const int64_t index = int64_t(st.windowIndex);
  for (uint32_t sid : st.touched) {
    SlotState& sl = slots_[sid];
    KeyState& k = keys_[sl.keyId];
    KeyPeaks& peak = peaks_[sl.keyId];
    WindowStats w = sl.window;
    w.start = st.windowStart;
    w.end = end;
    if (observer_ != nullptr && k.traced) observer_->onKeyWindow(windowsClosed_, k.key, w);
    const double synRate = w.synRate();
    if (!k.hasBestSyn || synRate > peak.bestSyn.synRate()) {
      peak.bestSyn = w;
      k.hasBestSyn = true;
    }
    if (k.allowlisted) continue;
    const double ratio = w.successRatio();
    const double pktRate = w.pktRate();
    const double byteRate = w.byteRate();
    const bool churn =
        synRate >= config_.synRateThreshold && ratio <= config_.successRatioThreshold;
    const int volHits = int(synRate >= config_.volSynRate) + int(pktRate >= config_.volPktRate) +
                        int(byteRate >= config_.volByteRate);
    const bool vol = volHits >= 2;
    if (churn) {
      k.anyChurn = true;
      if (!k.hasBestChurn || synRate > peak.bestChurn.synRate()) {
        peak.bestChurn = w;
        k.hasBestChurn = true;
      }
    }
    if (vol) {
      k.anyVol = true;
      if (!k.hasBestVol || pktRate > peak.bestVol.pktRate()) {
        peak.bestVol = w;
        k.hasBestVol = true;
      }
    }
    if (!churn && !vol) continue;
    k.blocks.add(end, config_.blockDurationSec);
    if (sl.openEpisode < 0) {
      sl.openEpisode = int32_t(episodes_.size());
      Episode& e = episodes_.emplace_back();
      e.keyId = sl.keyId;
      e.stream = stream;
      e.start = w.start;
      e.minSuccessRatio = ratio;
      st.openEpisodeSlots.push_back(sid);
    }
    Episode& e = episodes_[size_t(sl.openEpisode)];
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
    sl.lastFlaggedWindow = index;
  }
  // An episode ends at the first window of its stream that is not flagged for its key (or has no
  // traffic from it).
  std::erase_if(st.openEpisodeSlots, [&](uint32_t sid) {
    SlotState& sl = slots_[sid];
    if (sl.lastFlaggedWindow == index) return false;
    sl.openEpisode = -1;
    return true;
  });
  if (deltaSink_ != nullptr) deltaSink_->onWindowClosed(stream, st.windowStart, end);
  WindowTotals totals = st.windowTotals;
  totals.start = st.windowStart;
  totals.end = end;
  if (observer_ != nullptr) observer_->onWindow(windowsClosed_, totals);
  st.touched.clear();
  ++st.windowIndex;
  ++windowsClosed_;
  ++result_.windows;
  st.windowOpen = false;
  st.windowDuration = 0;
}

AnalysisResult ReferenceAnalyzer::finish() {
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
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].observed) ids.push_back(i);
  std::sort(ids.begin(), ids.end(),
            [&](uint32_t a, uint32_t b) { return keyLess(keys_[a].key, keys_[b].key); });
  std::vector<int64_t> slot(keys_.size(), -1);
  out.keys.reserve(ids.size());
  for (uint32_t id : ids) {
    const KeyState& k = keys_[id];
    slot[id] = int64_t(out.keys.size());
    KeyResult& r = out.keys.emplace_back();
    r.key = k.key;
    r.allowlisted = k.allowlisted;
    if (!k.allowlisted) {
      r.abuseClass = k.anyChurn ? AbuseClass::SynFloodLike
                     : k.anyVol ? AbuseClass::VolumetricTcpAbuse
                                : AbuseClass::None;
    }
    r.block = r.abuseClass != AbuseClass::None;
    const KeyPeaks& peak = peaks_[id];
    if (r.abuseClass == AbuseClass::SynFloodLike) {
      r.shown = peak.bestChurn, r.hasShown = true;
    } else if (r.abuseClass == AbuseClass::VolumetricTcpAbuse) {
      r.shown = peak.bestVol, r.hasShown = true;
    } else if (k.hasBestSyn) {
      r.shown = peak.bestSyn, r.hasShown = true;
    }
    r.total = k.total;
    r.simulatedPackets = k.simPackets;
    r.simulatedBytes = k.simBytes;
    r.simulatedSyn = k.simSyn;
  }
  // Episodes are listed per stream, each stream's in time order.
  std::stable_sort(episodes_.begin(), episodes_.end(),
                   [](const Episode& a, const Episode& b) { return a.stream < b.stream; });
  for (const Episode& e : episodes_) out.keys[size_t(slot[e.keyId])].episodes.push_back(e);
  return out;
}

}  // namespace ibsr::report::reference
