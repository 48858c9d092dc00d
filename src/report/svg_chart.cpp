#include "report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/report_data.h"

namespace ibsr::report::svg {
namespace {

std::string hhmm(int64_t ts) {
  return formatTime(ts).substr(11, 5);
}

// First and last time labels hug the plot edges so they are never clipped.
const char* anchorFor(size_t k, size_t labels) {
  if (labels > 1 && k == 0) return "start";
  if (labels > 1 && k + 1 == labels) return "end";
  return "middle";
}

}  // namespace

const char* const kPalette[kMaxChartKeys] = {"#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#2ca02c"};

std::string shortNum(double v) {
  if (v >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  if (v >= 100 || v == std::floor(v)) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

double niceMax(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

double Plot::x(size_t i, size_t n) const {
  double iw = w - left - right;
  return n <= 1 ? left + iw / 2 : left + iw * double(i) / double(n - 1);
}

double Plot::y(double v, double max) const {
  return top + (h - top - bottom) * (1 - std::min(v, max) / max);
}

std::string timeLabels(const Plot& p, const std::vector<int64_t>& ends) {
  std::string o;
  size_t n = ends.size();
  size_t labels = std::min<size_t>(n, 8);
  for (size_t k = 0; k < labels; ++k) {
    size_t i = labels == 1 ? 0 : k * (n - 1) / (labels - 1);
    fmt::format_to(std::back_inserter(o),
                   "<text x='{:.1f}' y='{:.1f}' class='xlab' text-anchor='{}'>{}</text>", p.x(i, n),
                   p.h - 10, anchorFor(k, labels), hhmm(ends[i]));
  }
  return o;
}

std::string axes(const Plot& p, const std::vector<int64_t>& ends, double max,
                 const std::string& unit) {
  std::string o;
  auto out = std::back_inserter(o);
  for (int i = 0; i <= 4; ++i) {
    double v = max * i / 4;
    double y = p.y(v, max);
    fmt::format_to(out, "<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' class='grid'/>",
                   p.left, y, p.w - p.right, y);
    fmt::format_to(out, "<text x='{:.1f}' y='{:.1f}' class='ylab'>{}{}</text>", p.left - 6, y + 4,
                   shortNum(v), unit);
  }
  return o + timeLabels(p, ends);
}

std::string svgOpen(const Plot& p, const std::string& label) {
  return fmt::format("<svg viewBox='0 0 {:.0f} {:.0f}' role='img' aria-label='{}'>", p.w, p.h,
                     htmlEscape(label));
}

std::string thresholdLine(const Plot& p, double v, double max, const std::string& text) {
  if (v > max) return "";
  double y = p.y(v, max);
  return fmt::format(
      "<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' class='thr'/><text x='{:.1f}' "
      "y='{:.1f}' "
      "class='thrlab'>{}</text>",
      p.left, y, p.w - p.right, y, p.w - p.right - 4, y - 4, htmlEscape(text));
}

std::string legend(const std::vector<std::string>& names) {
  std::string o = "<div class='legend'>";
  for (size_t k = 0; k < std::min(names.size(), kMaxChartKeys); ++k)
    o += fmt::format("<span><i style='background:{}'></i>{}</span>", kPalette[k],
                     htmlEscape(names[k]));
  return o + "</div>";
}

std::string seriesLine(const Plot& p, const std::vector<double>& values, double max,
                       size_t colour) {
  size_t n = values.size();
  std::string pts;
  for (size_t i = 0; i < n; ++i)
    pts += fmt::format("{:.1f},{:.1f} ", p.x(i, n), p.y(values[i], max));
  std::string o = fmt::format("<polyline points='{}' fill='none' stroke='{}' stroke-width='2'/>",
                              pts, kPalette[colour]);
  if (n == 1)
    o += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='4' fill='{}'/>", p.x(0, 1),
                     p.y(values[0], max), kPalette[colour]);
  return o;
}

std::string volumeChart(const VolumeSeries& v) {
  Plot p;
  double max = 0;
  for (double a : v.all) max = std::max(max, a);
  max = niceMax(max * 1.05);
  std::string o = svgOpen(p, v.label) + axes(p, v.ends, max, "");
  size_t n = v.ends.size();
  double base = p.y(0, max);
  auto area = [&](const std::vector<double>& values, const char* cls) {
    std::string pts = fmt::format("{:.1f},{:.1f} ", p.x(0, n), base);
    for (size_t i = 0; i < n; ++i)
      pts += fmt::format("{:.1f},{:.1f} ", p.x(i, n), p.y(values[i], max));
    pts += fmt::format("{:.1f},{:.1f}", p.x(n - 1, n), base);
    return fmt::format("<polygon points='{}' class='{}'/>", pts, cls);
  };
  o += area(v.all, "a-all");
  o += area(v.simulated, "a-sim");
  std::string ub;
  for (size_t i = 0; i < n; ++i)
    ub += fmt::format("{:.1f},{:.1f} ", p.x(i, n), p.y(v.upperBound[i], max));
  o += fmt::format("<polyline points='{}' class='l-ub'/>", ub);
  o += fmt::format(
      "</svg><div class='legend'><span><i class='k-all'></i>{}</span>"
      "<span><i class='k-sim'></i>{}</span>"
      "<span><i class='k-ub'></i>{}</span></div>",
      v.allText, v.simulatedText, v.upperBoundText);
  return o;
}

}  // namespace ibsr::report::svg
