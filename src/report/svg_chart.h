// The SVG building blocks of report.html's charts, shared by the transport (counter) and the
// application-layer (RPC) sections so both draw alike: a plot frame, "nice" axes with time labels
// under the bins, threshold lines, per-source lines and the traffic-volume area chart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ibsr::report::svg {

constexpr size_t kMaxChartKeys = 5;  // lines per chart: more are unreadable
extern const char* const kPalette[kMaxChartKeys];

std::string shortNum(double v);  // 1234567 -> "1.2M"
double niceMax(double v);        // 1, 2 or 5 times a power of ten, at least v

struct Plot {
  double w = 920, h = 220, left = 56, right = 12, top = 12, bottom = 30;
  double x(size_t i, size_t n) const;
  double y(double v, double max) const;
};

// At most 8 time labels under the bins (`ends`: each bin's end time), spread evenly.
std::string timeLabels(const Plot& p, const std::vector<int64_t>& ends);
// Axes, horizontal grid lines with labels, and time labels under the bins.
std::string axes(const Plot& p, const std::vector<int64_t>& ends, double max,
                 const std::string& unit);
std::string svgOpen(const Plot& p, const std::string& label);
std::string thresholdLine(const Plot& p, double v, double max, const std::string& text);
// One colour swatch per name, in palette order (names are escaped here).
std::string legend(const std::vector<std::string>& names);
// One source's values per bin as a line (a dot when there is a single bin).
std::string seriesLine(const Plot& p, const std::vector<double>& values, double max, size_t colour);

// A volume chart: all traffic per bin as an area, what simulated enforcement removes as a second
// area, the blocked sources' traffic (upper bound) as a dashed line. The legend names the three.
struct VolumeSeries {
  std::vector<int64_t> ends;
  std::vector<double> all, simulated, upperBound;
  std::string label;  // aria-label of the chart
  std::string allText, simulatedText, upperBoundText;
};
std::string volumeChart(const VolumeSeries& v);

}  // namespace ibsr::report::svg
