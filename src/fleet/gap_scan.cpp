#include "fleet/gap_scan.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

#include "report/input_set.h"
#include "report/line_reader.h"

namespace ibsr::fleet {
namespace {

struct Point {
  int64_t ts = 0;
  int64_t intervalSec = 0;  // 0: the line has none (v3)
};

std::vector<Gap> gapsOf(const std::string& stream, std::vector<Point>& points) {
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.ts < b.ts; });
  int64_t shortest = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    int64_t step = points[i].ts - points[i - 1].ts;
    if (step > 0 && (shortest == 0 || step < shortest)) shortest = step;
  }
  std::vector<Gap> gaps;
  for (size_t i = 1; i < points.size(); ++i) {
    int64_t interval = points[i].intervalSec > 0 ? points[i].intervalSec : shortest;
    if (interval > 0 && points[i].ts - points[i - 1].ts > kGapFactor * interval)
      gaps.push_back(Gap{stream, points[i - 1].ts, points[i].ts, interval});
  }
  return gaps;
}

}  // namespace

Result<std::vector<Gap>> findGaps(const std::string& snapshotsDir, size_t maxLineBytes) {
  auto files = report::findInputFiles({snapshotsDir});
  if (!files.ok()) return files.error();
  // Keyed like the report's streams: a folder and an address family.
  std::map<std::pair<std::string, int>, std::vector<Point>> streams;
  simdjson::ondemand::parser parser;
  for (const report::InputFile& file : *files) {
    report::LineReader reader(maxLineBytes);
    if (Status st = reader.open(file.path); !st.ok()) return st.error();
    std::string stream = std::filesystem::path(file.display).parent_path().string();
    if (stream.empty()) stream = ".";
    if (file.family == IpFamily::V6) stream += " (IPv6)";
    auto& points = streams[{stream, int(file.family)}];
    report::Line line;
    for (;;) {
      auto more = reader.next(line);
      if (!more.ok()) return more.error();
      if (!*more) break;
      if (line.oversized || line.size == 0) continue;
      auto doc = parser.iterate(line.data, line.size, line.capacity);
      int64_t ts = 0, interval = 0;
      if (doc["ts_unix_sec"].get_int64().get(ts) != simdjson::SUCCESS) continue;
      if (doc["interval_sec"].get_int64().get(interval) != simdjson::SUCCESS) interval = 0;
      points.push_back(Point{ts, interval});
    }
  }
  std::vector<Gap> gaps;
  for (auto& [key, points] : streams) {
    auto found = gapsOf(key.first, points);
    gaps.insert(gaps.end(), found.begin(), found.end());
  }
  std::sort(gaps.begin(), gaps.end(), [](const Gap& a, const Gap& b) {
    return std::tie(a.afterTs, a.stream) < std::tie(b.afterTs, b.stream);
  });
  return gaps;
}

}  // namespace ibsr::fleet
