// The fleet index: per-host status and the sources flagged on two or more hosts, rendered as
// fleet.json (docs/schemas/fleet-v1.schema.json), fleet.md and a self-contained index.html.
// Everything in it is a function of the data and the options, never of the wall clock, so a
// rerun over unchanged data writes identical bytes (and uploads nothing).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/fleet_model.h"

namespace ibsr::fleet {

inline constexpr int kFleetVersion = 1;

// One host's hit of a shared source.
struct SourceHit {
  std::string host;
  FlaggedSource source;
};

// A source (same key_type and key_value: an address, a /24 or an IPv6 prefix) blocked on two or
// more hosts, whatever the ports.
struct SharedSource {
  std::string keyType;
  std::string keyValue;
  std::vector<SourceHit> hits;  // by host, then port
  size_t hostCount = 0;
};

struct FleetIndex {
  std::string source;         // s3://bucket/prefix or the local root
  int64_t referenceTs = 0;    // "now" for the heartbeat check
  std::string referenceFrom;  // "--now" or "newest heartbeat"
  int64_t heartbeatStaleSec = 0;
  std::string period;  // of the whole fleet; empty when no host has a report
  std::vector<HostResult> hosts;
  std::vector<SharedSource> shared;
};

// Decides the heartbeat reference and each host's heartbeatStopped, finds the shared sources and
// the fleet's period. `nowTs` < 0: the newest heartbeat in the fleet is the reference.
FleetIndex buildIndex(std::string source, std::vector<HostResult> hosts, int64_t nowTs,
                      int64_t heartbeatStaleSec);

// "failed", "heartbeat_stopped", "no_heartbeat", "gaps" or "ok": the worst that applies.
std::string hostStatus(const HostResult& host);
// Every problem of the host, worst first (the status is the first, "ok" when none).
std::vector<std::string> hostProblems(const HostResult& host);

// One line each, shared by fleet.md and index.html.
std::string gapText(const Gap& gap);
std::string heartbeatText(const HostResult& host, const FleetIndex& index);

std::string renderFleetJson(const FleetIndex& index);
std::string renderFleetMarkdown(const FleetIndex& index);
std::string renderFleetHtml(const FleetIndex& index);

}  // namespace ibsr::fleet
