// index.html: the fleet index in one self-contained page (no scripts, fonts or images from
// anywhere), in the look of the per-host report.html it links to.
#include <fmt/format.h>

#include "fleet/fleet_index.h"
#include "fleet/host_summary.h"
#include "report/report_data.h"

namespace ibsr::fleet {
namespace {

std::string esc(const std::string& s) {
  return report::htmlEscape(s);
}

const char* kFleetCss = R"CSS(
:root{--ink:#1d2330;--mute:#5b6472;--line:#d9dee6;--bg:#f6f7f9;--ok:#1a7f37;--bad:#c62828;--warn:#b26a00}
body{margin:0;font:15px/1.45 system-ui,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:0}h2{font-size:19px;margin:30px 0 10px;border-bottom:2px solid var(--line)}
.sub{color:var(--mute);margin:2px 0 18px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f5}.st{font-weight:700;padding:1px 6px;border-radius:4px;color:#fff;font-size:12px}
.st.ok{background:var(--ok)}.st.failed{background:var(--bad)}.st.heartbeat_stopped,.st.no_heartbeat,.st.gaps{background:var(--warn)}
pre{background:#f3f5f8;border:1px solid var(--line);border-radius:6px;padding:8px;overflow:auto;font-size:12.5px;margin:4px 0}
ul{margin:2px 0;padding-left:18px}
)CSS";

std::string hostRow(const HostResult& h, const FleetIndex& index) {
  const std::string status = hostStatus(h);
  std::string details = "<ul><li>heartbeat: " + esc(heartbeatText(h, index)) + "</li>";
  for (const Gap& g : h.gaps) details += "<li>gap: " + esc(gapText(g)) + "</li>";
  if (!h.reportOk) {
    details += "<li>" + esc(h.error) + "</li></ul>";
    std::string tail;
    for (const std::string& line : h.stderrTail) tail += esc(line) + "\n";
    if (!tail.empty()) details += "<pre>" + tail + "</pre>";
    return fmt::format(
        "<tr><td>{}</td><td><span class='st {}'>{}</span></td><td>-</td><td>-</td>"
        "<td>-</td><td>{}</td></tr>\n",
        esc(h.host), status, status, details);
  }
  details += fmt::format("<li>data quality: {} snapshots, {} malformed lines</li>", h.snapshots,
                         h.malformedLines);
  for (const FlaggedSource& f : h.blocked)
    details +=
        fmt::format("<li>blocked {} port {} ({})</li>", esc(f.keyValue), f.port, esc(f.abuseClass));
  details += "</ul>";
  // A local report set sits at HOST/reports/PERIOD/ next to _fleet/PERIOD/: link it relatively.
  std::string link = fmt::format("<a href='../../{}/reports/{}/report.html'>{}</a>", esc(h.host),
                                 esc(h.period), esc(h.period));
  return fmt::format(
      "<tr><td>{}</td><td><span class='st {}'>{}</span></td><td>{}</td><td>{} .. {}</td>"
      "<td>{}</td><td>{}</td></tr>\n",
      esc(h.host), status, status, esc(h.verdict), esc(h.observedStart), esc(h.lastSnapshot), link,
      details);
}

}  // namespace

std::string renderFleetHtml(const FleetIndex& index) {
  std::string o =
      "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
      "<meta name='viewport' content='width=device-width,initial-scale=1'>"
      "<title>IBSR fleet report</title><style>";
  o += kFleetCss;
  o += "</style></head><body><main>\n<h1>IBSR fleet report</h1>\n";
  o += fmt::format(
      "<p class='sub'>{} &middot; period {} &middot; {} host(s) &middot; heartbeat reference {} "
      "({}), stopped after {} s</p>\n",
      esc(index.source), esc(index.period.empty() ? "none" : index.period), index.hosts.size(),
      rfc3339(index.referenceTs), esc(index.referenceFrom), index.heartbeatStaleSec);

  o += "<h2>Sources flagged on two or more hosts</h2>\n";
  if (index.shared.empty())
    o += "<p>None.</p>\n";
  else {
    o += "<table id='shared'><tr><th>source</th><th>host</th><th>port</th><th>class</th>"
         "<th>episodes</th><th>first .. last</th></tr>\n";
    for (const SharedSource& s : index.shared)
      for (const SourceHit& hit : s.hits)
        o += fmt::format(
            "<tr><td>{} ({})</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{} .. {}</td></tr>\n",
            esc(s.keyValue), esc(s.keyType), esc(hit.host), hit.source.port,
            esc(hit.source.abuseClass), hit.source.episodes, esc(hit.source.firstEpisodeStart),
            esc(hit.source.lastEpisodeEnd));
    o += "</table>\n";
  }

  o += "<h2>Hosts</h2>\n<table id='hosts'><tr><th>host</th><th>status</th><th>verdict</th>"
       "<th>observed</th><th>report</th><th>details</th></tr>\n";
  for (const HostResult& h : index.hosts) o += hostRow(h, index);
  o += "</table>\n<p class='sub'>fleet.json and fleet.md next to this page hold the same "
       "index.</p>\n</main></body></html>\n";
  return o;
}

}  // namespace ibsr::fleet
