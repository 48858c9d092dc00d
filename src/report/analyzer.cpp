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

uint32_t Analyzer::keyId(uint64_t key, size_t position) {
  uint32_t id;
  if (position < lastKeys_.size() && lastKeys_[position] == key) {
    id = lastIds_[position];
  } else {
    bool inserted = false;
    id = table_.findOrInsert(key, uint32_t(keys_.size()), inserted);
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
  }
  curKeys_.push_back(key);
  curIds_.push_back(id);
  return id;
}

void Analyzer::add(const Snapshot& snap) {
  ++result_.snapshots;
  curKeys_.clear();
  curIds_.clear();
  const bool filtered = !portFilter_.empty();
  if (!filtered)
    for (uint16_t port : snap.dstPorts) portsSeen_[port] = true;

  if (!haveSnapshot_ && config_.firstSnapshotBaseline) {
    // The first snapshot only says where the counters stood when the input begins.
    for (const Bucket& b : snap.buckets) {
      uint16_t port = keyPort(b.key);
      if (filtered && !std::binary_search(portFilter_.begin(), portFilter_.end(), port)) continue;
      if (!filtered) portsSeen_[port] = true;
      KeyState& k = keys_[keyId(b.key, curKeys_.size())];
      k.prev = b.counters;
      k.hasPrev = true;
    }
    haveSnapshot_ = true;
    result_.firstTs = result_.startTs = result_.lastTs = prevTs_ = snap.ts;
    lastKeys_.swap(curKeys_);
    lastIds_.swap(curIds_);
    return;
  }

  int64_t duration;
  if (!haveSnapshot_) {
    result_.firstTs = snap.ts;
    duration =
        (snap.baseTs && snap.ts - *snap.baseTs > 0) ? snap.ts - *snap.baseTs : config_.windowSec;
    result_.startTs = snap.ts - duration;
  } else {
    duration = snap.ts - prevTs_;
  }
  if (duration == 0) ++dq_.zeroDurationIntervals;
  const int64_t intervalStart = snap.ts - duration;
  if (!windowOpen_) {
    windowOpen_ = true;
    windowStart_ = intervalStart;
    windowTotals_ = WindowTotals{};
  }

  for (const Bucket& b : snap.buckets) {
    uint16_t port = keyPort(b.key);
    if (filtered && !std::binary_search(portFilter_.begin(), portFilter_.end(), port)) {
      ++dq_.bucketsOutsidePorts;
      continue;
    }
    if (!filtered) portsSeen_[port] = true;
    KeyState& k = keys_[keyId(b.key, curKeys_.size())];
    const Counters& cur = b.counters;
    Counters d = cur;  // first appearance or reset: the current values are the whole delta
    if (k.hasPrev) {
      const Counters& p = k.prev;
      bool reset = cur.syn < p.syn || cur.ack < p.ack || cur.handshakeAck < p.handshakeAck ||
                   cur.rst < p.rst || cur.packets < p.packets || cur.bytes < p.bytes;
      if (reset) {
        ++dq_.counterResets;
      } else {
        d = Counters{cur.syn - p.syn, cur.ack - p.ack,         cur.handshakeAck - p.handshakeAck,
                     cur.rst - p.rst, cur.packets - p.packets, cur.bytes - p.bytes};
      }
    }
    k.prev = cur;
    k.hasPrev = true;
    k.observed = true;
    Counters& t = k.total;
    t.syn = satAdd(t.syn, d.syn);
    t.ack = satAdd(t.ack, d.ack);
    t.handshakeAck = satAdd(t.handshakeAck, d.handshakeAck);
    t.rst = satAdd(t.rst, d.rst);
    t.packets = satAdd(t.packets, d.packets);
    t.bytes = satAdd(t.bytes, d.bytes);

    uint32_t id = curIds_.back();
    if (k.windowIndex != int64_t(windowIndex_)) {
      k.windowIndex = int64_t(windowIndex_);
      k.window = WindowStats{};
      touched_.push_back(id);
    }
    WindowStats& w = k.window;
    w.syn = satAdd(w.syn, d.syn);
    w.handshakeAck = satAdd(w.handshakeAck, d.handshakeAck);
    w.packets = satAdd(w.packets, d.packets);
    w.bytes = satAdd(w.bytes, d.bytes);

    if (k.allowlisted) continue;
    windowTotals_.packets = satAdd(windowTotals_.packets, d.packets);
    if (k.upperBlocked)
      windowTotals_.upperBoundBlockedPackets =
          satAdd(windowTotals_.upperBoundBlockedPackets, d.packets);
    // Simulated enforcement: blocks start at the end of a flagged window, which is always at or
    // before this interval's start, so the blocked part of the interval is [start, blockUntil).
    if (k.blockUntil > intervalStart) {
      double frac = duration == 0 ? 1.0
                                  : double(std::min(k.blockUntil - intervalStart, duration)) /
                                        double(duration);
      k.simPackets += frac * double(d.packets);
      k.simBytes += frac * double(d.bytes);
      k.simSyn += frac * double(d.syn);
      windowTotals_.simulatedBlockedPackets += frac * double(d.packets);
    }
  }

  haveSnapshot_ = true;
  prevTs_ = result_.lastTs = snap.ts;
  ++result_.intervals;
  result_.observedSec += duration;
  windowDuration_ += duration;
  lastKeys_.swap(curKeys_);
  lastIds_.swap(curIds_);
  if (windowDuration_ >= config_.windowSec) closeWindow(snap.ts);
}

void Analyzer::closeWindow(int64_t end) {
  const int64_t index = int64_t(windowIndex_);
  for (uint32_t id : touched_) {
    KeyState& k = keys_[id];
    KeyPeaks& peak = peaks_[id];
    WindowStats w = k.window;
    w.start = windowStart_;
    w.end = end;
    if (observer_ != nullptr && k.traced) observer_->onKeyWindow(windowIndex_, k.key, w);
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
    k.blockUntil = std::max(k.blockUntil, end + config_.blockDurationSec);
    if (k.openEpisode < 0) {
      k.openEpisode = int32_t(episodes_.size());
      Episode& e = episodes_.emplace_back();
      e.keyId = id;
      e.start = w.start;
      e.minSuccessRatio = ratio;
      openEpisodeKeys_.push_back(id);
    }
    Episode& e = episodes_[size_t(k.openEpisode)];
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
    k.lastFlaggedWindow = index;
  }
  // An episode ends at the first window of its key that is not flagged (or has no traffic).
  std::erase_if(openEpisodeKeys_, [&](uint32_t id) {
    KeyState& k = keys_[id];
    if (k.lastFlaggedWindow == index) return false;
    k.openEpisode = -1;
    return true;
  });
  WindowTotals totals = windowTotals_;
  totals.start = windowStart_;
  totals.end = end;
  if (observer_ != nullptr) observer_->onWindow(windowIndex_, totals);
  touched_.clear();
  ++windowIndex_;
  ++result_.windows;
  windowOpen_ = false;
  windowDuration_ = 0;
}

AnalysisResult Analyzer::finish() {
  // A trailing window shorter than window_sec is still evaluated (rates are per second of its own
  // span); one of zero span (repeated timestamps only) has no rate and is dropped.
  if (windowOpen_ && windowDuration_ > 0) closeWindow(prevTs_);
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
            [&](uint32_t a, uint32_t b) { return keys_[a].key < keys_[b].key; });
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
  for (const Episode& e : episodes_) out.keys[size_t(slot[e.keyId])].episodes.push_back(e);
  return out;
}

}  // namespace ibsr::report
