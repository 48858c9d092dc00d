#include "report/evaluation.h"

#include <fmt/format.h>

#include <algorithm>

namespace ibsr::report {
double sharePct(double part, double whole) {
  return whole > 0 ? part / whole * 100.0 : 0.0;
}

std::optional<std::string> fpBoundReason(bool known, double boundPct, const std::string& why) {
  if (!known) return fmt::format("FP bound unknown: {}", why);
  if (boundPct > kMaxFpBoundPct)
    return fmt::format("FP bound {:.2f}% is above {:.1f}%", boundPct, kMaxFpBoundPct);
  return std::nullopt;
}

void appendObservationReasons(std::vector<std::string>& reasons, int64_t observedSec,
                              const AnalysisConfig& config, size_t singleWindowCount,
                              const std::vector<std::string>& named) {
  if (config.minObservationSec && observedSec < *config.minObservationSec)
    reasons.push_back(
        fmt::format("Observed period {} s is shorter than the minimum {} s (--min-observation-sec)",
                    observedSec, *config.minObservationSec));
  if (!config.requireMultiWindow || singleWindowCount == 0) return;
  std::string names = fmt::format("{}", fmt::join(named, ", "));
  if (singleWindowCount > named.size())
    names += fmt::format(" and {} more", singleWindowCount - named.size());
  reasons.push_back(fmt::format(
      "{} blocked source(s) have only single-window episodes and need manual review: {}",
      singleWindowCount, names));
}

Evaluation evaluate(const AnalysisResult& result, const AnalysisConfig& config) {
  Evaluation ev;
  uint64_t blockedPackets = 0, blockedBytes = 0, blockedSyn = 0;
  std::vector<std::string> singleWindowOnly;
  size_t singleWindowCount = 0;
  for (size_t i = 0; i < result.keys.size(); ++i) {
    const KeyResult& k = result.keys[i];
    FamilyCounts& family = isIpv6Key(k.key) ? ev.ipv6 : ev.ipv4;
    if (k.allowlisted) {
      ++ev.allowlistedKeys;
      ++family.allowlistedKeys;
      continue;
    }
    ++ev.keys;
    ++family.keys;
    family.packets = satAdd(family.packets, k.total.packets);
    family.syn = satAdd(family.syn, k.total.syn);
    if (k.block) {
      ++family.blockedKeys;
      family.blockedPackets = satAdd(family.blockedPackets, k.total.packets);
      family.blockedSyn = satAdd(family.blockedSyn, k.total.syn);
    }
    ev.packets = satAdd(ev.packets, k.total.packets);
    ev.bytes = satAdd(ev.bytes, k.total.bytes);
    ev.syn = satAdd(ev.syn, k.total.syn);
    if (!k.block) continue;
    ++ev.blockedKeys;
    if (k.abuseClass == AbuseClass::SynFloodLike) ++ev.synFloodKeys;
    if (k.abuseClass == AbuseClass::VolumetricTcpAbuse) ++ev.volumetricKeys;
    ev.episodes += k.episodes.size();
    blockedPackets = satAdd(blockedPackets, k.total.packets);
    blockedBytes = satAdd(blockedBytes, k.total.bytes);
    blockedSyn = satAdd(blockedSyn, k.total.syn);
    ev.simulated.packets += k.simulatedPackets;
    ev.simulated.bytes += k.simulatedBytes;
    ev.simulated.syn += k.simulatedSyn;
    if (k.wholeSuccessRatio() >= config.fpSafeRatio) {
      ++ev.legitLookingKeys;
      ev.legitLookingPackets = satAdd(ev.legitLookingPackets, k.total.packets);
    }
    ev.topOffenders.push_back(i);
    bool multi = std::any_of(k.episodes.begin(), k.episodes.end(),
                             [](const Episode& e) { return e.windows > 1; });
    if (!multi) {
      ++singleWindowCount;
      if (singleWindowOnly.size() < kNamedSourcesInReason)
        singleWindowOnly.push_back(formatSource(k.key));
    }
  }
  ev.upperBound.packets = double(blockedPackets);
  ev.upperBound.bytes = double(blockedBytes);
  ev.upperBound.syn = double(blockedSyn);
  for (Share* s : {&ev.upperBound, &ev.simulated}) {
    s->packetsPct = sharePct(s->packets, double(ev.packets));
    s->bytesPct = sharePct(s->bytes, double(ev.bytes));
    s->synPct = sharePct(s->syn, double(ev.syn));
  }

  std::stable_sort(ev.topOffenders.begin(), ev.topOffenders.end(), [&](size_t a, size_t b) {
    return result.keys[a].total.syn > result.keys[b].total.syn;
  });
  if (ev.topOffenders.size() > kTopOffenders) ev.topOffenders.resize(kTopOffenders);

  if (ev.keys < config.minSamplesForFp) {
    ev.fpKnown = false;
    ev.fpReason = fmt::format("Insufficient data: {} keys, need at least {}", ev.keys,
                              config.minSamplesForFp);
  } else {
    ev.fpKnown = true;
    ev.fpBoundPct = blockedPackets == 0
                        ? 0.0
                        : sharePct(double(ev.legitLookingPackets), double(blockedPackets));
  }

  if (auto reason = fpBoundReason(ev.fpKnown, ev.fpBoundPct, ev.fpReason))
    ev.reasons.push_back(*reason);
  if (ev.blockedKeys == 0) ev.reasons.push_back("No abuse pattern detected");
  if (ev.upperBound.synPct < kMinBlockedSynPct)
    ev.reasons.push_back(fmt::format("Less than {:.0f}% of SYNs would be blocked ({:.2f}%)",
                                     kMinBlockedSynPct, ev.upperBound.synPct));
  if (ev.packets == 0 && ev.bytes == 0 && ev.syn == 0) ev.reasons.push_back("No traffic observed");
  appendObservationReasons(ev.reasons, result.observedSec, config, singleWindowCount,
                           singleWindowOnly);
  ev.safe = ev.reasons.empty();
  return ev;
}

}  // namespace ibsr::report
