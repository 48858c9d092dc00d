#include "report/rpc/rpc_evaluation.h"

#include <fmt/format.h>

#include <algorithm>

#include "report/evaluation.h"

namespace ibsr::report {

RpcEvaluation evaluateRpc(const RpcAnalysisResult& result, const AnalysisConfig& config) {
  RpcEvaluation ev;
  RpcCounts blocked;
  std::vector<std::string> singleWindowOnly;
  size_t singleWindowCount = 0;
  for (size_t i = 0; i < result.keys.size(); ++i) {
    const RpcKeyResult& k = result.keys[i];
    if (k.allowlisted) {
      ++ev.allowlistedKeys;
      continue;
    }
    ++ev.keys;
    ev.total.add(k.total);
    if (!k.block) continue;
    ++ev.blockedKeys;
    ++ev.classKeys[size_t(k.rpcClass)];
    ev.episodes += k.episodes.size();
    blocked.add(k.total);
    ev.simulated.requests += k.simulatedRequests;
    ev.simulated.requestBytes += k.simulatedRequestBytes;
    ev.simulated.responseBytes += k.simulatedResponseBytes;
    // Looks legitimate: no more amplification than the class allows and few errors.
    if (k.wholeAmplification() < config.rpc.amplification &&
        k.wholeErrorRatio() < config.rpc.fpErrorRatio) {
      ++ev.legitLookingKeys;
      ev.legitLookingRequests = satAdd(ev.legitLookingRequests, k.total.requests);
    }
    ev.topOffenders.push_back(i);
    const bool multi = std::any_of(k.episodes.begin(), k.episodes.end(),
                                   [](const RpcEpisode& e) { return e.windows > 1; });
    if (!multi) {
      ++singleWindowCount;
      if (singleWindowOnly.size() < kNamedSourcesInReason)
        singleWindowOnly.push_back(formatRpcKey(k.key));
    }
  }
  ev.upperBound.requests = double(blocked.requests);
  ev.upperBound.requestBytes = double(blocked.requestBytes);
  ev.upperBound.responseBytes = double(blocked.responseBytes);
  for (RpcShare* s : {&ev.upperBound, &ev.simulated}) {
    s->requestsPct = sharePct(s->requests, double(ev.total.requests));
    s->requestBytesPct = sharePct(s->requestBytes, double(ev.total.requestBytes));
    s->responseBytesPct = sharePct(s->responseBytes, double(ev.total.responseBytes));
  }

  // Keys are in RpcKey order, so a stable sort breaks ties by it.
  std::stable_sort(ev.topOffenders.begin(), ev.topOffenders.end(), [&](size_t a, size_t b) {
    return result.keys[a].total.responseBytes > result.keys[b].total.responseBytes;
  });
  if (ev.topOffenders.size() > kTopOffenders) ev.topOffenders.resize(kTopOffenders);

  if (ev.keys < config.minSamplesForFp) {
    ev.fpReason = fmt::format("Insufficient data: {} sources, need at least {}", ev.keys,
                              config.minSamplesForFp);
  } else {
    ev.fpKnown = true;
    ev.fpBoundPct = sharePct(double(ev.legitLookingRequests), double(blocked.requests));
  }

  if (auto reason = fpBoundReason(ev.fpKnown, ev.fpBoundPct, ev.fpReason))
    ev.reasons.push_back(*reason);
  if (ev.blockedKeys == 0) ev.reasons.push_back("No application-layer abuse pattern detected");
  if (ev.upperBound.responseBytesPct < kMinBlockedResponseBytesPct)
    ev.reasons.push_back(
        fmt::format("Less than {:.0f}% of response bytes would be blocked ({:.2f}%)",
                    kMinBlockedResponseBytesPct, ev.upperBound.responseBytesPct));
  if (ev.total.requests == 0 && ev.total.responseBytes == 0)
    ev.reasons.push_back("No RPC traffic observed");
  appendObservationReasons(ev.reasons, result.observedSec, config, singleWindowCount,
                           singleWindowOnly);
  ev.safe = ev.reasons.empty();
  return ev;
}

}  // namespace ibsr::report
