#include "payload/aggregation.h"

#include <algorithm>

#include "payload/jsonrpc.h"

namespace ibsr::payload {

Aggregator::Accum* Aggregator::find(SourceKey src) {
  auto it = sources_.find(src);
  if (it != sources_.end()) return &it->second;
  if (sources_.size() >= maxSources_) {
    ++droppedSources_;
    return nullptr;
  }
  Accum& a = sources_[src];
  a.stats.key = src;
  return &a;
}

MethodStats& Aggregator::method(Accum& a, const std::string& name) {
  auto it = a.methods.find(name);
  if (it != a.methods.end()) return it->second;
  const std::string& key = a.methods.size() < kMaxTrackedMethods ? name : std::string(kOtherMethod);
  MethodStats& m = a.methods[key];
  m.method = key;
  return m;
}

void Aggregator::onRequest(SourceKey src, const RequestSummary& req) {
  Accum* a = find(src);
  if (!a) return;
  SourceStats& s = a->stats;
  ++s.requests;
  s.requestBytes += req.bytes;
  s.jsonrpcCalls += req.methods.size();
  if (req.batch) ++s.jsonrpcBatches;
  for (const auto& name : req.methods) {
    MethodStats& m = method(*a, name);
    ++m.calls;
    if (!req.batch) m.requestBytes += req.bytes;
  }
}

void Aggregator::onResponse(SourceKey src, std::uint64_t bytes, std::uint16_t status,
                            const RequestSummary* req, std::uint32_t jsonrpcErrors) {
  Accum* a = find(src);
  if (!a) return;
  SourceStats& s = a->stats;
  ++s.responses;
  s.responseBytes += bytes;
  if (status >= 100 && status <= 599) ++s.statusClasses[status / 100 - 1];
  s.jsonrpcErrors += jsonrpcErrors;
  if (req && !req->batch && req->methods.size() == 1)
    method(*a, req->methods.front()).responseBytes += bytes;
}

std::vector<SourceStats> Aggregator::take() {
  std::vector<SourceStats> out;
  out.reserve(sources_.size());
  auto order = [](const MethodStats& x, const MethodStats& y) {
    return x.calls != y.calls ? x.calls > y.calls : x.method < y.method;
  };
  for (auto& [key, a] : sources_) {
    std::vector<MethodStats> ms;
    ms.reserve(a.methods.size());
    for (auto& [name, m] : a.methods) ms.push_back(std::move(m));
    std::sort(ms.begin(), ms.end(), order);
    if (ms.size() > maxMethods_) {
      // The top maxMethods named methods are kept; everything else, including an "other"
      // entry wherever it ranked, is merged into one "other" entry.
      MethodStats other;
      other.method = std::string(kOtherMethod);
      std::vector<MethodStats> kept;
      for (std::size_t i = 0; i < ms.size(); ++i) {
        if (kept.size() < maxMethods_ && ms[i].method != kOtherMethod) {
          kept.push_back(std::move(ms[i]));
          continue;
        }
        other.calls += ms[i].calls;
        other.requestBytes += ms[i].requestBytes;
        other.responseBytes += ms[i].responseBytes;
      }
      kept.push_back(std::move(other));
      std::sort(kept.begin(), kept.end(), order);
      ms = std::move(kept);
    }
    a.stats.methods = std::move(ms);
    out.push_back(std::move(a.stats));
  }
  sources_.clear();
  return out;
}

}  // namespace ibsr::payload
