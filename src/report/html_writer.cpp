// report.html: one self-contained page (inline CSS, inline SVG, a few lines of inline script for
// table sorting; nothing loaded from anywhere). Laid out so the verdict, who would be blocked and
// what it would cost are visible without scrolling; the detail follows. Prints cleanly.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/report_data.h"
#include "report/rpc/rpc_writers.h"
#include "report/svg_chart.h"

namespace ibsr::report {
namespace {

constexpr size_t kMaxTableRows = 500;
using svg::kMaxChartKeys;
using svg::kPalette;
using svg::Plot;
using svg::shortNum;

std::string esc(std::string_view s) {
  return htmlEscape(s);
}

std::vector<int64_t> binEnds(const ChartSeries& c) {
  std::vector<int64_t> ends;
  for (const auto& b : c.bins) ends.push_back(b.end);
  return ends;
}

std::string keyLegend(const ChartSeries& c) {
  std::vector<std::string> names;
  for (uint64_t key : c.keys) names.push_back(formatSource(key));
  return svg::legend(names);
}

// SYN rate (peak window per bin) for the top offenders, with the SYN-churn threshold.
std::string synRateChart(const ReportData& d) {
  const ChartSeries& c = d.chart;
  Plot p;
  double max = d.config.synRateThreshold;
  for (size_t k = 0; k < std::min(c.keys.size(), kMaxChartKeys); ++k)
    for (const auto& pt : c.points[k]) max = std::max(max, pt.peakSynRate);
  max = svg::niceMax(max * 1.05);
  std::string o = svg::svgOpen(p, "SYN rate over time for the top offenders") +
                  svg::axes(p, binEnds(c), max, "/s");
  o += svg::thresholdLine(
      p, d.config.synRateThreshold, max,
      fmt::format("SYN-churn threshold {}/s", shortNum(d.config.synRateThreshold)));
  for (size_t k = 0; k < std::min(c.keys.size(), kMaxChartKeys); ++k) {
    std::vector<double> values;
    for (const auto& pt : c.points[k]) values.push_back(pt.peakSynRate);
    o += svg::seriesLine(p, values, max, k);
  }
  return o + "</svg>" + keyLegend(c);
}

// Success ratio per bin (only where the key sent SYNs), with the SYN-churn ratio threshold.
std::string ratioChart(const ReportData& d) {
  const ChartSeries& c = d.chart;
  Plot p;
  p.h = 180;
  const double max = 1.0;
  std::string o = svg::svgOpen(p, "Handshake success ratio over time for the top offenders");
  for (int i = 0; i <= 4; ++i) {
    double v = i / 4.0;
    double y = p.y(v, max);
    fmt::format_to(std::back_inserter(o),
                   "<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' class='grid'/><text "
                   "x='{:.1f}' y='{:.1f}' class='ylab'>{:.2f}</text>",
                   p.left, y, p.w - p.right, y, p.left - 6, y + 4, v);
  }
  o += svg::timeLabels(p, binEnds(c));
  size_t n = c.bins.size();
  o += svg::thresholdLine(
      p, d.config.successRatioThreshold, max,
      fmt::format("churn at or below {}", shortNum(d.config.successRatioThreshold)));
  for (size_t k = 0; k < std::min(c.keys.size(), kMaxChartKeys); ++k) {
    std::string seg;
    for (size_t i = 0; i < n; ++i) {
      const auto& pt = c.points[k][i];
      if (pt.syn == 0) {
        if (!seg.empty())
          o += fmt::format("<polyline points='{}' fill='none' stroke='{}' stroke-width='2'/>", seg,
                           kPalette[k]);
        seg.clear();
        continue;
      }
      double r = double(pt.handshakeAck) / double(pt.syn);
      seg += fmt::format("{:.1f},{:.1f} ", p.x(i, n), p.y(r, max));
      o += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='2.5' fill='{}'/>", p.x(i, n),
                       p.y(r, max), kPalette[k]);
    }
    if (!seg.empty())
      o += fmt::format("<polyline points='{}' fill='none' stroke='{}' stroke-width='2'/>", seg,
                       kPalette[k]);
  }
  return o + "</svg>" + keyLegend(c);
}

// Packets per bin: all traffic, what simulated enforcement removes, and the upper bound.
std::string trafficChart(const ReportData& d) {
  svg::VolumeSeries v;
  for (const ChartSeries::Bin& b : d.chart.bins) {
    v.ends.push_back(b.end);
    v.all.push_back(double(b.packets));
    v.simulated.push_back(b.simulatedBlocked);
    v.upperBound.push_back(double(b.upperBoundBlocked));
  }
  v.label = "Packets over time and the share simulated enforcement would drop";
  v.allText = "all packets (non-allowlisted)";
  v.simulatedText = "dropped by simulated enforcement";
  v.upperBoundText = "packets of blocked sources (upper bound)";
  return svg::volumeChart(v);
}

// Horizontal bars: upper bound vs simulated share of packets, bytes and SYNs.
std::string shareBars(const Evaluation& ev) {
  struct Row {
    const char* name;
    double ub, sim;
  } rows[] = {{"Packets", ev.upperBound.packetsPct, ev.simulated.packetsPct},
              {"Bytes", ev.upperBound.bytesPct, ev.simulated.bytesPct},
              {"SYNs", ev.upperBound.synPct, ev.simulated.synPct}};
  std::string o =
      "<svg viewBox='0 0 500 150' role='img' aria-label='Share of traffic that would be blocked'>";
  for (int i = 0; i <= 4; ++i) {
    double x = 80 + 360.0 * i / 4;
    fmt::format_to(std::back_inserter(o),
                   "<line x1='{:.0f}' y1='4' x2='{:.0f}' y2='128' class='grid'/><text x='{:.0f}' "
                   "y='144' class='xlab' text-anchor='middle'>{}%</text>",
                   x, x, x, i * 25);
  }
  for (int r = 0; r < 3; ++r) {
    double y = 8 + r * 40;
    fmt::format_to(std::back_inserter(o),
                   "<text x='72' y='{:.0f}' class='ylab'>{}</text>"
                   "<rect x='80' y='{:.0f}' width='{:.1f}' height='14' class='b-ub'/>"
                   "<rect x='80' y='{:.0f}' width='{:.1f}' height='14' class='b-sim'/>"
                   "<text x='{:.1f}' y='{:.0f}' class='blab'>{}</text>"
                   "<text x='{:.1f}' y='{:.0f}' class='blab'>{}</text>",
                   y + 18, rows[r].name, y, 3.6 * rows[r].ub, y + 15, 3.6 * rows[r].sim,
                   84 + 3.6 * rows[r].ub, y + 11, formatPct(rows[r].ub), 84 + 3.6 * rows[r].sim,
                   y + 26, formatPct(rows[r].sim));
  }
  o += "</svg><div class='legend'><span><i class='k-ubbar'></i>upper bound (blocked "
       "throughout)</span>"
       "<span><i class='k-sim'></i>simulated enforcement</span></div>";
  return o;
}

const char* kCss = R"CSS(
:root{--ink:#1d2330;--mute:#5b6472;--line:#d9dee6;--bg:#f6f7f9;--ok:#1a7f37;--bad:#c62828;--warn:#b26a00}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1040px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:0}h2{font-size:19px;margin:34px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}h3{font-size:16px;margin:18px 0 6px}
.sub{color:var(--mute);margin:2px 0 18px}
.verdict{display:flex;gap:18px;align-items:flex-start;border-radius:10px;padding:16px 20px;margin:10px 0 18px;border:2px solid}
.verdict.safe{border-color:var(--ok);background:#eef8f0}.verdict.unsafe{border-color:var(--bad);background:#fdf0f0}
.badge{font-weight:800;font-size:22px;white-space:nowrap;padding:4px 14px;border-radius:6px;color:#fff}
.safe .badge{background:var(--ok)}.unsafe .badge{background:var(--bad)}
.verdict ol,.verdict p{margin:2px 0 0 0}.verdict ol{padding-left:20px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:6px 0 8px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:24px}.card span{color:var(--mute);font-size:13px}
.card.alert b{color:var(--bad)}
svg{width:100%;height:auto;display:block}svg text{font:12px system-ui,"DejaVu Sans",sans-serif;fill:var(--mute)}
.grid{stroke:#e8ebf0}.ylab{text-anchor:end}.blab{fill:var(--ink)!important}
.thr{stroke:#555;stroke-dasharray:5 4}.thrlab{text-anchor:end;fill:#333!important}
.a-all{fill:#cfd6e1}.a-sim{fill:#e57373}.l-ub{fill:none;stroke:#7a1f1f;stroke-width:1.5;stroke-dasharray:4 3}
.b-ub{fill:#f3b3b3}.b-sim{fill:#c62828}
.legend{display:flex;flex-wrap:wrap;gap:14px;color:var(--mute);font-size:13px;margin:4px 0 10px 56px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.k-all{background:#cfd6e1}.k-sim{background:#c62828}.k-ub{border-top:2px dashed #7a1f1f;height:0!important;margin-bottom:3px}.k-ubbar{background:#f3b3b3}
.two{display:grid;grid-template-columns:1.1fr .9fr;gap:24px;align-items:start}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left}
th{background:#eef1f5;position:sticky;top:0}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.sort th{cursor:pointer;user-select:none}table.sort th:after{content:" \2195";color:#9aa3ae;font-size:11px}
tr.block td:first-child{border-left:4px solid var(--bad)}tr.allowl td:first-child{border-left:4px solid var(--warn)}
.tag{font-size:12px;padding:1px 6px;border-radius:4px;background:#eef1f5}.tag.block{background:#fde2e2;color:#8b1a1a}.tag.allowl{background:#fff1d6;color:#7a4a00}
pre{background:#f3f5f8;border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;font-size:12.5px;max-height:420px}
.note{color:var(--mute);font-size:13px}td.t{white-space:nowrap}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}dl.kv dt{color:var(--mute)}dl.kv dd{margin:0}
@media (max-width:800px){.cards{grid-template-columns:repeat(2,1fr)}.two{grid-template-columns:1fr}}
@media print{body{background:#fff}main{padding:0;max-width:none}pre{max-height:none;white-space:pre-wrap}
 h2{break-after:avoid}svg,.verdict,.cards,tr{break-inside:avoid}table.sort th:after{content:""}th{position:static}}
)CSS";

const char* kScript = R"JS(
document.querySelectorAll('table.sort').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),asc=th.dataset.dir!=='asc';
      t.querySelectorAll('th').forEach(function(h){delete h.dataset.dir});th.dataset.dir=asc?'asc':'desc';
      rows.sort(function(x,y){var a=x.cells[i].dataset.v,c=y.cells[i].dataset.v;
        var r=(th.classList.contains('n'))?(parseFloat(a)-parseFloat(c)):a.localeCompare(c);return asc?r:-r;});
      rows.forEach(function(r){b.appendChild(r)});
    });
  });
});
)JS";

using Out = std::back_insert_iterator<std::string>;

const char* verdictWord(const Evaluation& ev) {
  return ev.safe ? "SAFE" : "NOT SAFE";
}

std::string portList(const AnalysisResult& r) {
  return esc(fmt::format("{}", fmt::join(r.dstPorts, ", ")));
}

void writeReasons(Out out, const Evaluation& ev) {
  fmt::format_to(out, "<ol>");
  for (const std::string& reason : ev.reasons) fmt::format_to(out, "<li>{}</li>", esc(reason));
  fmt::format_to(out, "</ol>");
}

void writeHead(Out out, const ReportData& d) {
  const AnalysisResult& r = d.result;
  fmt::format_to(out,
                 "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                 "<meta name='viewport' content='width=device-width,initial-scale=1'>"
                 "<title>IBSR Report: {}</title><style>{}</style></head><body><main>\n",
                 verdictWord(d.evaluation), kCss);
  if (noCounterSnapshots(d))
    fmt::format_to(out,
                   "<h1>IBSR Report</h1><p class='sub'>Shadow-mode evidence: {} &middot; "
                   "generated {}</p>\n",
                   kNoCounterSnapshots, formatTime(d.generatedAt));
  else
    fmt::format_to(out,
                   "<h1>IBSR Report</h1><p class='sub'>Shadow-mode evidence for ports {} &middot; "
                   "{} to {} ({} s) &middot; generated {}</p>\n",
                   portList(r), formatTime(r.startTs), formatTime(r.lastTs), r.observedSec,
                   formatTime(d.generatedAt));
}

// Verdict first: what a reader needs in the first ten seconds.
void writeVerdict(Out out, const ReportData& d) {
  const Evaluation& ev = d.evaluation;
  fmt::format_to(out, "<section class='verdict {}' id='verdict'><div class='badge'>{}</div><div>",
                 ev.safe ? "safe" : "unsafe", verdictWord(ev));
  if (ev.safe) {
    fmt::format_to(
        out,
        "<p><b>Enforcement looks safe.</b> Abuse was detected, the false-positive bound is {} (at "
        "most {:.1f}%), and {} of SYNs come from the sources that would be blocked.</p>",
        formatPct(ev.fpBoundPct), kMaxFpBoundPct, formatPct(ev.upperBound.synPct));
  } else {
    fmt::format_to(out, "<p><b>Enforcement is not ready</b> because:</p>");
    writeReasons(out, ev);
  }
  if (d.payloadInput)
    fmt::format_to(out, "<p>{} <a href='#application'>Application layer</a></p>",
                   esc(layersSentence(d)));
  fmt::format_to(out, "</div></section>\n");
}

void writeHeadlineCards(Out out, const ReportData& d) {
  const Evaluation& ev = d.evaluation;
  fmt::format_to(
      out,
      "<div class='cards'>"
      "<div class='card{}'><b>{}</b><span>source(s) would be blocked, of {} analysed</span></div>"
      "<div class='card'><b>{}</b><span>of packets dropped by simulated enforcement ({} s "
      "blocks)</span></div>"
      "<div class='card'><b>{}</b><span>of packets from blocked sources (upper bound)</span></div>"
      "<div class='card{}'><b>{}</b><span>false-positive bound{}</span></div></div>\n",
      ev.blockedKeys ? " alert" : "", ev.blockedKeys, ev.keys, formatPct(ev.simulated.packetsPct),
      d.config.blockDurationSec, formatPct(ev.upperBound.packetsPct),
      (!ev.fpKnown || ev.fpBoundPct > kMaxFpBoundPct) ? " alert" : "",
      ev.fpKnown ? formatPct(ev.fpBoundPct) : std::string("UNKNOWN"),
      ev.fpKnown ? fmt::format(" (share of blocked packets from sources that look legitimate)")
                 : " (" + esc(ev.fpReason) + ")");
}

void writeTopOffenders(Out out, const ReportData& d) {
  fmt::format_to(out,
                 "<h3>Top offenders (by SYNs)</h3><table><thead><tr><th "
                 "class='n'>#</th><th>Source</th><th>Class</th><th class='n'>Peak SYN/s</th><th "
                 "class='n'>Success ratio</th><th class='n'>SYNs</th><th class='n'>Packets</th><th "
                 "class='n'>Episodes</th><th>First flagged</th></tr></thead><tbody>\n");
  size_t rank = 0;
  for (size_t i : d.evaluation.topOffenders) {
    const KeyResult& k = d.result.keys[i];
    fmt::format_to(out,
                   "<tr class='block'><td class='n'>{}</td><td>{}</td><td>{}</td><td "
                   "class='n'>{:.2f}</td><td class='n'>{:.4f}</td><td class='n'>{}</td><td "
                   "class='n'>{}</td><td class='n'>{}</td><td class='t'>{}</td></tr>\n",
                   ++rank, esc(formatSource(k.key)), abuseClassName(k.abuseClass),
                   k.shown.synRate(), k.shown.successRatio(), formatCount(k.total.syn),
                   formatCount(k.total.packets), k.episodes.size(),
                   k.episodes.empty() ? "" : formatTime(k.episodes.front().start));
  }
  fmt::format_to(out, "</tbody></table>\n");
}

// 2. Abuse: who would be blocked.
void writeAbuse(Out out, const ReportData& d) {
  const AnalysisConfig& cfg = d.config;
  const Evaluation& ev = d.evaluation;
  fmt::format_to(out, "<h2>Abuse Pattern Observed</h2>\n");
  if (noCounterSnapshots(d)) {
    fmt::format_to(out,
                   "<p>No counter snapshots in the input: the transport layer has no "
                   "evidence.</p>\n");
  } else if (ev.blockedKeys == 0) {
    fmt::format_to(out, "<p>No source matched an abuse pattern.</p>\n");
  } else {
    fmt::format_to(
        out,
        "<p>{} source(s) matched an abuse pattern: {} SYN_FLOOD_LIKE (SYN rate &ge; {}/s with "
        "success ratio &le; {}), {} VOLUMETRIC_TCP_ABUSE, in {} episode(s).</p>\n",
        ev.blockedKeys, ev.synFloodKeys, shortNum(cfg.synRateThreshold),
        shortNum(cfg.successRatioThreshold), ev.volumetricKeys, ev.episodes);
    writeTopOffenders(out, d);
  }
  if (!d.chart.bins.empty() && !d.chart.keys.empty()) {
    fmt::format_to(out, "<h3>SYN rate over time (peak window per point), top offenders</h3>{}\n",
                   synRateChart(d));
    fmt::format_to(out, "<h3>Handshake success ratio over time, top offenders</h3>{}\n",
                   ratioChart(d));
  }
}

void writeFpBound(Out out, const ReportData& d) {
  const Evaluation& ev = d.evaluation;
  if (ev.fpKnown) {
    fmt::format_to(out,
                   "<p><b>False-positive bound: {}</b> &mdash; {} blocked source(s) completed at "
                   "least {} of their handshakes over the whole input ({} packets).</p>",
                   formatPct(ev.fpBoundPct), ev.legitLookingKeys, shortNum(d.config.fpSafeRatio),
                   formatCount(ev.legitLookingPackets));
  } else {
    fmt::format_to(out, "<p><b>False-positive bound: UNKNOWN</b> &mdash; {}.</p>",
                   esc(ev.fpReason));
  }
}

// 3. Cost.
void writeImpact(Out out, const ReportData& d) {
  const Evaluation& ev = d.evaluation;
  if (noCounterSnapshots(d)) {
    fmt::format_to(out,
                   "<h2>Counterfactual Enforcement Impact</h2><p>No counter snapshots in the "
                   "input: nothing to measure at the transport layer.</p>\n");
    return;
  }
  fmt::format_to(out,
                 "<h2>Counterfactual Enforcement Impact</h2>\n<div class='two'><div>{}</div><div>",
                 shareBars(ev));
  fmt::format_to(
      out,
      "<table><thead><tr><th>Measure</th><th class='n'>Packets</th><th class='n'>Bytes</th><th "
      "class='n'>SYNs</th></tr></thead><tbody>"
      "<tr><td>Upper bound</td><td class='n'>{}</td><td class='n'>{}</td><td class='n'>{}</td></tr>"
      "<tr><td>Simulated enforcement</td><td class='n'>{}</td><td class='n'>{}</td><td "
      "class='n'>{}</td></tr></tbody></table>",
      formatPct(ev.upperBound.packetsPct), formatPct(ev.upperBound.bytesPct),
      formatPct(ev.upperBound.synPct), formatPct(ev.simulated.packetsPct),
      formatPct(ev.simulated.bytesPct), formatPct(ev.simulated.synPct));
  fmt::format_to(
      out,
      "<p class='note'><b>Upper bound</b>: share of all (non-allowlisted) traffic sent by the "
      "blocked sources over the whole input. "
      "<b>Simulated</b>: what a real enforcer would have dropped, blocking each source for {} s "
      "from the end of its first flagged window and renewing while it stays flagged.</p>",
      d.config.blockDurationSec);
  writeFpBound(out, d);
  fmt::format_to(out, "</div></div>\n");
  if (!d.chart.bins.empty()) fmt::format_to(out, "<h3>Packets over time</h3>{}\n", trafficChart(d));
}

void writeUncertainty(Out out, const ReportData& d) {
  const AnalysisResult& r = d.result;
  const Evaluation& ev = d.evaluation;
  const DataQuality& q = d.quality;
  fmt::format_to(out,
                 "<h3>Uncertainty</h3><dl class='kv'><dt>Totals analysed</dt><dd>{} packets, {} "
                 "bytes, {} SYNs from {} source(s) over {} s ({} snapshot(s), {} window(s))</dd>"
                 "<dt>Data quality</dt><dd>{} file(s), {} line(s), {} valid snapshot(s); skipped "
                 "{} malformed ({} torn last line(s)), {} oversized, {} out of order; {} counter "
                 "reset(s); {} bucket(s) outside the ports; {} zero-length interval(s)</dd></dl>\n",
                 formatCount(ev.packets), formatCount(ev.bytes), formatCount(ev.syn), ev.keys,
                 r.observedSec, r.snapshots, r.windows, q.files, q.lines, q.snapshots,
                 q.malformedLines, q.tornLastLines, q.oversizedLines, q.outOfOrderLines,
                 q.counterResets, q.bucketsOutsidePorts, q.zeroDurationIntervals);
  if (q.singleStream()) return;
  fmt::format_to(out,
                 "<p class='note'>{} streams (one collector's counters each; deltas and windows "
                 "never cross them), {} split because files of one directory overlap in time.</p>"
                 "<table><thead><tr><th class='n'>#</th><th>Stream</th><th>First snapshot</th>"
                 "<th>Last snapshot</th><th class='n'>Snapshots</th></tr></thead><tbody>",
                 q.streams.size(), q.streamSplits);
  size_t n = 0;
  for (const StreamInfo& st : q.streams)
    fmt::format_to(out,
                   "<tr><td class='n'>{}</td><td>{}</td><td>{}</td><td>{}</td><td "
                   "class='n'>{}</td></tr>",
                   ++n, esc(streamName(st)), formatTime(st.firstTs), formatTime(st.lastTs),
                   formatCount(st.snapshots));
  fmt::format_to(out, "</tbody></table>\n");
}

// The keys the evidence table shows, in key order: at most kMaxTableRows of them, blocked sources
// first, then allowlisted, then the most SYNs.
std::vector<size_t> evidenceRows(const AnalysisResult& r) {
  std::vector<size_t> rows(r.keys.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  auto rank = [&](size_t i) { return r.keys[i].block ? 0 : r.keys[i].allowlisted ? 1 : 2; };
  auto before = [&](size_t a, size_t b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (r.keys[a].total.syn != r.keys[b].total.syn)
      return r.keys[a].total.syn > r.keys[b].total.syn;
    return a < b;
  };
  if (rows.size() > kMaxTableRows) {
    std::partial_sort(rows.begin(), rows.begin() + kMaxTableRows, rows.end(), before);
    rows.resize(kMaxTableRows);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void writeEvidenceRow(Out out, const KeyResult& k, size_t index) {
  double sr = k.hasShown ? k.shown.synRate() : 0, ratio = k.hasShown ? k.shown.successRatio() : 0;
  const char* decision = k.block ? "block" : k.allowlisted ? "allow (allowlisted)" : "allow";
  const char* cls = k.block ? "block" : k.allowlisted ? "allowl" : "";
  fmt::format_to(
      out,
      "<tr class='{}'><td data-v='{:020}'>{}</td><td data-v='{}'><span class='tag "
      "{}'>{}</span></td><td data-v='{}'>{}</td><td class='n' data-v='{}'>{:.2f}</td><td "
      "class='n' data-v='{}'>{:.4f}</td><td class='n' data-v='{}'>{}</td><td class='n' "
      "data-v='{}'>{}</td><td class='n' data-v='{}'>{}</td></tr>\n",
      cls, index, esc(formatSource(k.key)), decision, cls, decision, abuseClassName(k.abuseClass),
      abuseClassName(k.abuseClass), sr, sr, ratio, ratio, k.total.syn, formatCount(k.total.syn),
      k.total.packets, formatCount(k.total.packets), k.total.bytes, formatCount(k.total.bytes));
}

// Evidence table (sortable).
void writeEvidence(Out out, const ReportData& d) {
  const AnalysisResult& r = d.result;
  fmt::format_to(out, "<h2>Evidence by source</h2>\n");
  std::vector<size_t> rows = evidenceRows(r);
  if (rows.size() < r.keys.size())
    fmt::format_to(out,
                   "<p class='note'>Showing {} of {} sources (blocked first, then allowlisted, "
                   "then the most SYNs); evidence.csv has all of them.</p>\n",
                   rows.size(), r.keys.size());
  fmt::format_to(out,
                 "<p class='note'>Click a column to sort.</p><table "
                 "class='sort'><thead><tr><th>Source</th><th>Decision</th><th>Class</th><th "
                 "class='n'>SYN/s</th><th class='n'>Success ratio</th><th class='n'>SYNs</th><th "
                 "class='n'>Packets</th><th class='n'>Bytes</th></tr></thead><tbody>\n");
  for (size_t i : rows) writeEvidenceRow(out, r.keys[i], i);
  fmt::format_to(out, "</tbody></table>\n");
}

// 1. Scope.
void writeScope(Out out, const ReportData& d) {
  const AnalysisConfig& cfg = d.config;
  const AnalysisResult& r = d.result;
  const Evaluation& ev = d.evaluation;
  fmt::format_to(
      out,
      "<h2>Scope &amp; Configuration</h2><dl class='kv'>"
      "<dt>Input</dt><dd>{} file(s), {} snapshot(s)</dd><dt>Observed</dt><dd>{}</dd>"
      "<dt>First snapshot</dt><dd>{}</dd><dt>Destination ports</dt><dd>{}</dd>"
      "<dt>Sources</dt><dd>{} analysed, {} allowlisted (excluded)</dd>"
      "<dt>Evaluation window</dt><dd>{} s ({} window(s))</dd>"
      "<dt>SYN-churn rule</dt><dd>SYN rate &ge; {}/s and success ratio &le; {}</dd>"
      "<dt>Volumetric rule</dt><dd>two of: SYN rate &ge; {}/s, packet rate &ge; {}/s, byte rate "
      "&ge; {} B/s</dd>"
      "<dt>Block duration</dt><dd>{} s</dd><dt>FP bound</dt><dd>success ratio &ge; {} looks "
      "legitimate; needs &ge; {} sources</dd>"
      "<dt>Allowlist</dt><dd>{} entr{}</dd>",
      inputFiles(d, InputKind::Counters), r.snapshots,
      noCounterSnapshots(d) ? std::string(kNoCounterSnapshots)
                            : fmt::format("{} to {} ({} s)", formatTime(r.startTs),
                                          formatTime(r.lastTs), r.observedSec),
      cfg.firstSnapshotBaseline ? "baseline (not analysed)" : "counted", portList(r), ev.keys,
      ev.allowlistedKeys, cfg.windowSec, r.windows, fmt::format("{}", cfg.synRateThreshold),
      fmt::format("{}", cfg.successRatioThreshold), fmt::format("{}", cfg.volSynRate),
      fmt::format("{}", cfg.volPktRate), fmt::format("{}", cfg.volByteRate), cfg.blockDurationSec,
      fmt::format("{}", cfg.fpSafeRatio), cfg.minSamplesForFp, d.allowlist.entries().size(),
      d.allowlist.entries().size() == 1 ? "y" : "ies");
  if (d.ipv6Input())
    fmt::format_to(out, "<dt>Sources by family</dt><dd>{}</dd>", esc(familySummary(ev)));
  if (cfg.minObservationSec)
    fmt::format_to(out, "<dt>Minimum observation</dt><dd>{} s</dd>", *cfg.minObservationSec);
  fmt::format_to(out, "</dl>\n");
}

// 4. Rules.
void writeCandidateRules(Out out, const ReportData& d) {
  fmt::format_to(out,
                 "<h2>Candidate Enforcement Rules</h2><p>{} trigger(s), {} exception(s). IBSR "
                 "never applies them (rules.json, rules.nft{}).</p><pre>{}</pre>\n",
                 d.evaluation.blockedKeys + (d.payloadInput ? d.rpcEvaluation.blockedKeys : 0),
                 d.allowlist.entries().size(),
                 d.payloadInput ? "; rules.nft holds the transport triggers only" : "",
                 esc(renderRulesJson(d)));
}

// 5. Readiness detail.
void writeReadiness(Out out, const ReportData& d) {
  const Evaluation& ev = d.evaluation;
  fmt::format_to(out, "<h2>Readiness Judgment</h2><p><b>{}</b></p>", verdictWord(ev));
  if (ev.safe) {
    fmt::format_to(out, "<p>No blocking reason applies.</p>");
  } else {
    writeReasons(out, ev);
  }
}

void writeFooter(Out out) {
  fmt::format_to(out,
                 "\n<p class='note'>Generated by ibsr-report from shadow-mode counters; nothing "
                 "was blocked.</p></main><script>{}</script></body></html>\n",
                 kScript);
}

}  // namespace

// Sections in reading order: the verdict and its cost on the first screen, the detail after.
std::string renderHtml(const ReportData& d) {
  std::string o;
  auto out = std::back_inserter(o);
  writeHead(out, d);
  writeVerdict(out, d);
  writeHeadlineCards(out, d);
  writeAbuse(out, d);
  writeImpact(out, d);
  writeUncertainty(out, d);
  if (d.payloadInput) appendRpcHtml(o, d);
  writeEvidence(out, d);
  writeScope(out, d);
  writeCandidateRules(out, d);
  writeReadiness(out, d);
  writeFooter(out);
  return o;
}

}  // namespace ibsr::report
