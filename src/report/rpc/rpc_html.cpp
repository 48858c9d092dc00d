// report.html's application-layer section: the layer's verdict and cost first, then its charts
// (drawn with the same SVG helpers as the transport charts), the blocked sources' evidence, data
// quality and the thresholds used. Every text from the input (method names, directories) is
// escaped.
#include <fmt/format.h>

#include <algorithm>

#include "report/rpc/rpc_writers.h"
#include "report/svg_chart.h"

namespace ibsr::report {
namespace {

constexpr size_t kMaxBlockedRows = 500;
constexpr size_t kMethodsShown = 5;

using Out = std::back_insert_iterator<std::string>;

std::string esc(std::string_view s) {
  return htmlEscape(s);
}

void writeVerdict(Out out, const RpcEvaluation& ev) {
  fmt::format_to(out, "<section class='verdict {}'><div class='badge'>{}</div><div>",
                 ev.safe ? "safe" : "unsafe", safeWord(ev.safe));
  if (ev.safe) {
    fmt::format_to(out,
                   "<p><b>Application-layer enforcement looks safe.</b> Abuse was detected, the "
                   "false-positive bound is {} (at most {:.1f}%), and {} of response bytes come "
                   "from the sources that would be blocked.</p>",
                   formatPct(ev.fpBoundPct), kMaxFpBoundPct,
                   formatPct(ev.upperBound.responseBytesPct));
  } else {
    fmt::format_to(out, "<p><b>Application-layer enforcement is not ready</b> because:</p><ol>");
    for (const std::string& reason : ev.reasons) fmt::format_to(out, "<li>{}</li>", esc(reason));
    fmt::format_to(out, "</ol>");
  }
  fmt::format_to(out, "</div></section>\n");
}

void writeCards(Out out, const ReportData& d) {
  const RpcEvaluation& ev = d.rpcEvaluation;
  fmt::format_to(
      out,
      "<div class='cards'>"
      "<div class='card{}'><b>{}</b><span>source(s) would be blocked, of {} analysed</span></div>"
      "<div class='card'><b>{}</b><span>of response bytes dropped by simulated enforcement ({} s "
      "blocks)</span></div>"
      "<div class='card'><b>{}</b><span>of response bytes from blocked sources (upper "
      "bound)</span></div>"
      "<div class='card{}'><b>{}</b><span>false-positive bound{}</span></div></div>\n",
      ev.blockedKeys ? " alert" : "", ev.blockedKeys, ev.keys,
      formatPct(ev.simulated.responseBytesPct), d.config.blockDurationSec,
      formatPct(ev.upperBound.responseBytesPct),
      (!ev.fpKnown || ev.fpBoundPct > kMaxFpBoundPct) ? " alert" : "",
      ev.fpKnown ? formatPct(ev.fpBoundPct) : std::string("UNKNOWN"),
      ev.fpKnown ? std::string(" (share of blocked requests from sources that look legitimate)")
                 : " (" + esc(ev.fpReason) + ")");
}

void writeCounterfactual(Out out, const ReportData& d) {
  const RpcEvaluation& ev = d.rpcEvaluation;
  auto cellOf = [](double v, double pct) {
    return fmt::format("{} ({})", formatCount(uint64_t(v + 0.5)), formatPct(pct));
  };
  auto row = [&](const char* name, const RpcShare& s) {
    fmt::format_to(out,
                   "<tr><td>{}</td><td class='n'>{}</td><td class='n'>{}</td><td "
                   "class='n'>{}</td></tr>",
                   name, cellOf(s.requests, s.requestsPct),
                   cellOf(s.requestBytes, s.requestBytesPct),
                   cellOf(s.responseBytes, s.responseBytesPct));
  };
  fmt::format_to(out,
                 "<h3>Counterfactual enforcement impact</h3><table><thead><tr><th>Measure</th><th "
                 "class='n'>Requests</th><th class='n'>Request bytes</th><th class='n'>Response "
                 "bytes</th></tr></thead><tbody>");
  row("Upper bound", ev.upperBound);
  row("Simulated enforcement", ev.simulated);
  fmt::format_to(out, "</tbody></table>\n");
  const RpcConfig& rc = d.config.rpc;
  if (ev.fpKnown)
    fmt::format_to(out,
                   "<p><b>False-positive bound: {}</b> &mdash; {} blocked source(s) look "
                   "legitimate over the whole input (amplification &lt; {}, error ratio &lt; {}; "
                   "{} requests).</p>\n",
                   formatPct(ev.fpBoundPct), ev.legitLookingKeys, svg::shortNum(rc.amplification),
                   svg::shortNum(rc.fpErrorRatio), formatCount(ev.legitLookingRequests));
  else
    fmt::format_to(out, "<p><b>False-positive bound: UNKNOWN</b> &mdash; {}.</p>\n",
                   esc(ev.fpReason));
}

std::vector<int64_t> binEnds(const RpcChartSeries& c) {
  std::vector<int64_t> ends;
  for (const auto& b : c.bins) ends.push_back(b.end);
  return ends;
}

std::string responseBytesChart(const RpcChartSeries& c) {
  svg::VolumeSeries v;
  v.ends = binEnds(c);
  for (const RpcChartSeries::Bin& b : c.bins) {
    v.all.push_back(double(b.responseBytes));
    v.simulated.push_back(b.simulatedBlockedResponseBytes);
    v.upperBound.push_back(double(b.upperBoundBlockedResponseBytes));
  }
  v.label = "Response bytes over time and the share simulated enforcement would drop";
  v.allText = "all response bytes (non-allowlisted)";
  v.simulatedText = "dropped by simulated enforcement";
  v.upperBoundText = "response bytes of blocked sources (upper bound)";
  return svg::volumeChart(v);
}

// Response byte rate (peak window per bin) of the top offenders, with the amplification rule's
// byte-rate threshold.
std::string byteRateChart(const ReportData& d) {
  const RpcChartSeries& c = d.rpcChart;
  const double threshold = d.config.rpc.responseByteRate;
  size_t keys = std::min(c.keys.size(), svg::kMaxChartKeys);
  svg::Plot p;
  double max = threshold;
  for (size_t k = 0; k < keys; ++k)
    for (const auto& pt : c.points[k]) max = std::max(max, pt.peakResponseByteRate);
  max = svg::niceMax(max * 1.05);
  std::string o = svg::svgOpen(p, "Response byte rate over time for the top offenders") +
                  svg::axes(p, binEnds(c), max, "");
  o += svg::thresholdLine(p, threshold, max,
                          fmt::format("amplification rule {} B/s", svg::shortNum(threshold)));
  std::vector<std::string> names;
  for (size_t k = 0; k < keys; ++k) {
    std::vector<double> values;
    for (const auto& pt : c.points[k]) values.push_back(pt.peakResponseByteRate);
    o += svg::seriesLine(p, values, max, k);
    names.push_back(formatRpcKey(c.keys[k]));
  }
  return o + "</svg>" + svg::legend(names);
}

void writeCharts(Out out, const ReportData& d) {
  const RpcChartSeries& c = d.rpcChart;
  if (c.bins.empty()) return;
  fmt::format_to(out, "<h3>Response bytes over time</h3>{}\n", responseBytesChart(c));
  if (!c.keys.empty())
    fmt::format_to(out,
                   "<h3>Response bytes per second over time (peak window per point), top "
                   "offenders</h3>{}\n",
                   byteRateChart(d));
}

std::string methodsText(const RpcKeyResult& k) {
  std::string o;
  for (size_t i = 0; i < std::min(k.methods.size(), kMethodsShown); ++i) {
    const RpcMethodTotal& m = k.methods[i];
    fmt::format_to(std::back_inserter(o), "{}{}{} ({} calls, {} B out, amplification {:.2f})",
                   i ? "<br>" : "", esc(m.method),
                   m.expensive ? " <span class='tag block'>expensive</span>" : "",
                   formatCount(m.calls), formatCount(m.responseBytes), m.amplification());
  }
  return o;
}

// Three tables over the same blocked sources (one would be too wide to read): the shown window's
// figures, totals with savings and methods, and the episodes.
void writeBlocked(Out out, const ReportData& d) {
  std::vector<size_t> blocked = blockedRpcKeys(d.rpc);
  if (blocked.empty()) {
    fmt::format_to(out, "<p>No source matched an application-layer class.</p>\n");
    return;
  }
  bool multiStream = !d.payloadQuality.singleStream();
  std::string windows, totals, episodes;
  for (size_t n = 0; n < std::min(blocked.size(), kMaxBlockedRows); ++n) {
    const RpcKeyResult& k = d.rpc.keys[blocked[n]];
    const RpcWindowStats& w = k.shown;
    bool shown = k.hasShown && w.duration() > 0;
    std::string source = esc(formatRpcKey(k.key));
    fmt::format_to(std::back_inserter(windows),
                   "<tr class='block'><td>{}<br><span class='tag block'>{}</span></td><td "
                   "class='t'>{}</td><td class='n'>{:.2f}</td><td class='n'>{:.2f}</td><td "
                   "class='n'>{:.2f}</td><td class='n'>{:.2f}</td><td class='n'>{:.4f}</td><td "
                   "class='n'>{:.4f}</td></tr>\n",
                   source, rpcClassName(k.rpcClass),
                   shown ? formatTime(w.start) + "<br>" + formatTime(w.end) : "",
                   shown ? w.requestRate() : 0, shown ? w.responseByteRate() : 0,
                   shown ? w.amplification() : 0, shown ? w.callsPerRequest() : 0,
                   shown ? w.errorRatio() : 0, shown ? w.expensiveShare() : 0);
    fmt::format_to(std::back_inserter(totals),
                   "<tr class='block'><td>{}</td><td class='n'>{}</td><td class='n'>{}</td><td "
                   "class='n'>{:.2f}</td><td class='n'>{:.2f}</td><td>{}</td></tr>\n",
                   source, formatCount(k.total.requests), formatCount(k.total.responseBytes),
                   k.simulatedRequests, k.simulatedResponseBytes, methodsText(k));
    for (const RpcEpisode& e : k.episodes)
      fmt::format_to(std::back_inserter(episodes),
                     "<tr><td>{}</td><td class='t'>{}{}<br>{}</td><td class='n'>{}</td><td>{}</td>"
                     "<td class='n'>{:.2f}</td><td class='n'>{:.2f}</td><td "
                     "class='n'>{:.2f}</td></tr>",
                     source, multiStream ? fmt::format("{}: ", e.stream + 1) : std::string(),
                     formatTime(e.start), formatTime(e.end), e.windows, episodeClassesText(e),
                     e.peakAmplification, e.peakRequestRate, e.peakResponseByteRate);
  }
  fmt::format_to(out, "<h3>Blocked sources</h3><p>{} source(s): {}, in {} episode(s).</p>",
                 d.rpcEvaluation.blockedKeys, classCountsText(d.rpcEvaluation),
                 d.rpcEvaluation.episodes);
  if (blocked.size() > kMaxBlockedRows)
    fmt::format_to(out,
                   "<p class='note'>Showing the first {} of {}; evidence_rpc.csv has all of "
                   "them.</p>",
                   kMaxBlockedRows, blocked.size());
  fmt::format_to(
      out,
      "<p class='note'>The shown window is the peak window of the source's class.</p>"
      "<table><thead><tr><th>Source</th><th>Shown window</th><th "
      "class='n'>Requests/s</th><th class='n'>Response B/s</th><th "
      "class='n'>Amplification</th><th class='n'>Calls/request</th><th "
      "class='n'>Error ratio</th><th class='n'>Expensive share</th></tr></thead><tbody>\n{}"
      "</tbody></table>\n<h3>Blocked sources: totals, savings, methods</h3><table><thead>"
      "<tr><th>Source</th><th class='n'>Requests</th><th class='n'>Response bytes</th>"
      "<th class='n'>Saved requests (simulated)</th><th class='n'>Saved response "
      "bytes (simulated)</th><th>Top methods</th></tr></thead><tbody>\n{}</tbody></table>\n"
      "<h3>Episodes</h3><table><thead><tr><th>Source</th><th>{}Period</th><th "
      "class='n'>Windows</th><th>Classes</th><th class='n'>Peak amplification</th><th "
      "class='n'>Peak requests/s</th><th class='n'>Peak response B/s</th></tr></thead><tbody>{}"
      "</tbody></table>\n",
      windows, totals, multiStream ? "Stream: " : "", episodes);
}

void writeQualityAndThresholds(Out out, const ReportData& d) {
  const PayloadQuality& q = d.payloadQuality;
  fmt::format_to(out,
                 "<h3>Data quality (payload input)</h3><dl class='kv'><dt>Lines</dt><dd>{}</dd>"
                 "<dt>Collector</dt><dd>{}</dd><dt>Streams</dt><dd>",
                 esc(payloadQualityText(q)), esc(collectorAccuracyText(q)));
  for (size_t i = 0; i < q.streams.size(); ++i)
    fmt::format_to(out, "{}{} ({} to {}, {} interval(s))", i ? "<br>" : "",
                   esc(streamName(q.streams[i])), formatTime(q.streams[i].firstTs),
                   formatTime(q.streams[i].lastTs), formatCount(q.streams[i].snapshots));
  if (q.streams.empty()) fmt::format_to(out, "none");
  fmt::format_to(out,
                 "</dd></dl>\n<h3>Thresholds used (per window, inclusive)</h3><dl class='kv'>");
  for (const auto& [name, value] : rpcThresholdRows(d.config))
    fmt::format_to(out, "<dt>{}</dt><dd>{}</dd>", esc(name), esc(value));
  fmt::format_to(out, "</dl>\n");
}

}  // namespace

void appendRpcHtml(std::string& o, const ReportData& d) {
  auto out = std::back_inserter(o);
  const RpcAnalysisResult& r = d.rpc;
  fmt::format_to(out, "<h2 id='application'>Application layer (RPC)</h2>\n");
  if (r.empty())
    fmt::format_to(out, "<p class='sub'>No valid payload interval in the input.</p>\n");
  else
    fmt::format_to(out,
                   "<p class='sub'>From ShadowPayload statistics: ports {} &middot; {} to {} ({} "
                   "s) &middot; {} interval(s), {} window(s)</p>\n",
                   esc(fmt::format("{}", fmt::join(r.dstPorts, ", "))), formatTime(r.startTs),
                   formatTime(r.lastTs), r.observedSec, r.intervals, r.windows);
  writeVerdict(out, d.rpcEvaluation);
  writeCards(out, d);
  writeCounterfactual(out, d);
  writeCharts(out, d);
  writeBlocked(out, d);
  writeQualityAndThresholds(out, d);
}

}  // namespace ibsr::report
