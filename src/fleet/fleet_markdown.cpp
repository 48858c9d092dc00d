// fleet.md: the fleet index for a terminal or a ticket.
#include <fmt/format.h>

#include "fleet/fleet_index.h"
#include "fleet/host_summary.h"

namespace ibsr::fleet {

std::string renderFleetMarkdown(const FleetIndex& index) {
  std::string o = "# IBSR fleet report\n\n";
  o += fmt::format("- Source: `{}`\n- Period: {}\n- Hosts: {}\n", index.source,
                   index.period.empty() ? "none" : index.period, index.hosts.size());
  o += fmt::format("- Heartbeat reference: {} ({}); stopped after {} s without one\n\n",
                   rfc3339(index.referenceTs), index.referenceFrom, index.heartbeatStaleSec);

  o += "## Hosts\n\n| host | status | verdict | observed | blocked sources | report |\n"
       "|---|---|---|---|---|---|\n";
  for (const HostResult& h : index.hosts) {
    if (h.reportOk)
      o += fmt::format("| {} | {} | {} | {} .. {} ({} s) | {} | `{}` |\n", h.host, hostStatus(h),
                       h.verdict, h.observedStart, h.lastSnapshot, h.observedSec, h.blocked.size(),
                       h.reportLocation);
    else
      o += fmt::format("| {} | failed | - | - | - | - |\n", h.host);
  }

  o += "\n## Sources flagged on two or more hosts\n\n";
  if (index.shared.empty()) o += "None.\n";
  for (const SharedSource& s : index.shared) {
    o += fmt::format("- **{}** ({}), {} hosts:\n", s.keyValue, s.keyType, s.hostCount);
    for (const SourceHit& hit : s.hits)
      o += fmt::format(
          "  - {} port {}: {}, {} episode(s){}\n", hit.host, hit.source.port, hit.source.abuseClass,
          hit.source.episodes,
          hit.source.firstEpisodeStart.empty()
              ? ""
              : fmt::format(", {} .. {}", hit.source.firstEpisodeStart, hit.source.lastEpisodeEnd));
  }

  o += "\n## Host details\n";
  for (const HostResult& h : index.hosts) {
    o += fmt::format("\n### {}\n\n- Status: {}\n- Heartbeat: {}\n", h.host, hostStatus(h),
                     heartbeatText(h, index));
    if (!h.reportOk) {
      o += fmt::format("- Error: {}\n", h.error);
      if (!h.stderrTail.empty()) {
        o += "\n```\n";
        for (const std::string& line : h.stderrTail) o += line + "\n";
        o += "```\n";
      }
      continue;
    }
    o += fmt::format("- Data quality: {} snapshots, {} malformed lines (`{}`)\n", h.snapshots,
                     h.malformedLines, h.dataQualityJson);
    for (const Gap& g : h.gaps) o += "- Gap: " + gapText(g) + "\n";
    for (const FlaggedSource& f : h.blocked)
      o += fmt::format("- Blocked: {} port {} ({}, {} episode(s))\n", f.keyValue, f.port,
                       f.abuseClass, f.episodes);
  }
  return o;
}

}  // namespace ibsr::fleet
