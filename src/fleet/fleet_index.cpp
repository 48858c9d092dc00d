#include "fleet/fleet_index.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "fleet/host_summary.h"

namespace ibsr::fleet {

std::vector<std::string> hostProblems(const HostResult& host) {
  std::vector<std::string> problems;
  if (!host.reportOk || !host.error.empty()) problems.push_back("failed");
  if (host.heartbeatStopped) problems.push_back("heartbeat_stopped");
  if (!host.heartbeat) problems.push_back("no_heartbeat");
  if (!host.gaps.empty()) problems.push_back("gaps");
  return problems;
}

std::string hostStatus(const HostResult& host) {
  auto problems = hostProblems(host);
  return problems.empty() ? "ok" : problems.front();
}

std::string gapText(const Gap& gap) {
  return fmt::format("{}: no snapshot between {} and {} ({} s, interval {} s)", gap.stream,
                     rfc3339(gap.afterTs), rfc3339(gap.beforeTs), gap.beforeTs - gap.afterTs,
                     gap.intervalSec);
}

std::string heartbeatText(const HostResult& host, const FleetIndex& index) {
  if (!host.heartbeat) return "no status.jsonl exported";
  return fmt::format("{} at {} ({} s before the reference{})", host.heartbeat->key,
                     rfc3339(host.heartbeat->lastTs), index.referenceTs - host.heartbeat->lastTs,
                     host.heartbeatStopped ? ": stopped" : "");
}

FleetIndex buildIndex(std::string source, std::vector<HostResult> hosts, int64_t nowTs,
                      int64_t heartbeatStaleSec) {
  FleetIndex index;
  index.source = std::move(source);
  index.heartbeatStaleSec = heartbeatStaleSec;
  // Without --now the reference is the newest heartbeat of the fleet: deterministic (a rerun
  // over the same bucket gives the same index) and immune to a wrong clock on the analyst's
  // machine. A fleet whose every heartbeat stopped at once then looks healthy: --now catches it.
  if (nowTs >= 0) {
    index.referenceTs = nowTs;
    index.referenceFrom = "--now";
  } else {
    index.referenceFrom = "newest heartbeat";
    for (const HostResult& h : hosts)
      if (h.heartbeat) index.referenceTs = std::max(index.referenceTs, h.heartbeat->lastTs);
  }
  int64_t first = 0, last = 0;
  std::map<std::pair<std::string, std::string>, std::vector<SourceHit>> bySource;
  for (HostResult& h : hosts) {
    if (h.heartbeat)
      h.heartbeatStopped = index.referenceTs - h.heartbeat->lastTs > heartbeatStaleSec;
    if (!h.reportOk) continue;
    if (first == 0 || h.observedStartTs < first) first = h.observedStartTs;
    last = std::max(last, h.lastSnapshotTs);
    for (const FlaggedSource& f : h.blocked)
      bySource[{f.keyType, f.keyValue}].push_back(SourceHit{h.host, f});
  }
  if (last > 0) index.period = periodName(first, last);
  for (auto& [key, hits] : bySource) {
    std::set<std::string> names;
    for (const SourceHit& hit : hits) names.insert(hit.host);
    if (names.size() < 2) continue;
    std::sort(hits.begin(), hits.end(), [](const SourceHit& a, const SourceHit& b) {
      return std::tie(a.host, a.source.port) < std::tie(b.host, b.source.port);
    });
    index.shared.push_back(SharedSource{key.first, key.second, hits, names.size()});
  }
  // Most widespread first: the coordinated abuse an analyst looks for first.
  std::stable_sort(
      index.shared.begin(), index.shared.end(),
      [](const SharedSource& a, const SharedSource& b) { return a.hostCount > b.hostCount; });
  index.hosts = std::move(hosts);
  return index;
}

}  // namespace ibsr::fleet
