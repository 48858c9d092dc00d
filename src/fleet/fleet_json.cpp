// fleet.json, version 1 (docs/schemas/fleet-v1.schema.json): 2-space indented, keys in schema
// order, no wall-clock value anywhere.
#include <nlohmann/json.hpp>

#include "fleet/fleet_index.h"
#include "fleet/gap_scan.h"
#include "fleet/host_summary.h"

namespace ibsr::fleet {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json orNull(bool present, const std::string& value) {
  return present ? ordered_json(value) : ordered_json(nullptr);
}

ordered_json hostJson(const HostResult& h, const FleetIndex& index) {
  ordered_json blocked = ordered_json::array();
  for (const FlaggedSource& f : h.blocked)
    blocked.push_back({{"key_type", f.keyType},
                       {"key_value", f.keyValue},
                       {"dst_port", f.port},
                       {"abuse_class", f.abuseClass},
                       {"episodes", f.episodes}});
  ordered_json gaps = ordered_json::array();
  for (const Gap& g : h.gaps)
    gaps.push_back({{"stream", g.stream},
                    {"after", rfc3339(g.afterTs)},
                    {"before", rfc3339(g.beforeTs)},
                    {"missing_sec", g.beforeTs - g.afterTs},
                    {"interval_sec", g.intervalSec}});
  ordered_json heartbeat = nullptr;
  if (h.heartbeat)
    heartbeat = {{"status_file", h.heartbeat->key},
                 {"last", rfc3339(h.heartbeat->lastTs)},
                 {"age_sec", index.referenceTs - h.heartbeat->lastTs},
                 {"stopped", h.heartbeatStopped}};
  return {
      {"host", h.host},
      {"status", hostStatus(h)},
      {"problems", hostProblems(h)},
      {"verdict", orNull(h.reportOk, h.verdict)},
      {"observed_start", orNull(h.reportOk, h.observedStart)},
      {"last_snapshot_ts", orNull(h.reportOk, h.lastSnapshot)},
      {"observed_sec", h.reportOk ? ordered_json(h.observedSec) : ordered_json(nullptr)},
      {"period", orNull(h.reportOk, h.period)},
      {"report", orNull(h.reportOk, h.reportLocation)},
      {"report_files", h.reportFiles},
      {"data_quality", h.reportOk ? ordered_json::parse(h.dataQualityJson) : ordered_json(nullptr)},
      {"blocked_sources", blocked},
      {"heartbeat", heartbeat},
      {"gaps", gaps},
      {"error", orNull(!h.error.empty(), h.error)},
      {"stderr_tail", h.stderrTail},
  };
}

}  // namespace

std::string renderFleetJson(const FleetIndex& index) {
  ordered_json hosts = ordered_json::array();
  size_t failed = 0, stopped = 0, gaps = 0, ok = 0;
  for (const HostResult& h : index.hosts) {
    hosts.push_back(hostJson(h, index));
    failed += hostStatus(h) == "failed";
    stopped += h.heartbeatStopped;
    gaps += !h.gaps.empty();
    ok += hostStatus(h) == "ok";
  }
  ordered_json shared = ordered_json::array();
  for (const SharedSource& s : index.shared) {
    ordered_json hits = ordered_json::array();
    for (const SourceHit& hit : s.hits)
      hits.push_back({{"host", hit.host},
                      {"dst_port", hit.source.port},
                      {"abuse_class", hit.source.abuseClass},
                      {"episodes", hit.source.episodes},
                      {"first_episode_start",
                       orNull(!hit.source.firstEpisodeStart.empty(), hit.source.firstEpisodeStart)},
                      {"last_episode_end",
                       orNull(!hit.source.lastEpisodeEnd.empty(), hit.source.lastEpisodeEnd)}});
    shared.push_back({{"key_type", s.keyType},
                      {"key_value", s.keyValue},
                      {"host_count", s.hostCount},
                      {"hosts", hits}});
  }
  ordered_json j = {
      {"report", "ibsr-report fleet"},
      {"fleet_version", kFleetVersion},
      {"source", index.source},
      {"period", orNull(!index.period.empty(), index.period)},
      {"heartbeat_reference", rfc3339(index.referenceTs)},
      {"heartbeat_reference_from", index.referenceFrom},
      {"heartbeat_stale_after_sec", index.heartbeatStaleSec},
      {"gap_factor", kGapFactor},
      {"counts",
       {{"hosts", index.hosts.size()},
        {"ok", ok},
        {"failed", failed},
        {"heartbeat_stopped", stopped},
        {"with_gaps", gaps},
        {"shared_sources", index.shared.size()}}},
      {"hosts", hosts},
      {"shared_sources", shared},
  };
  return j.dump(2) + "\n";
}

}  // namespace ibsr::fleet
