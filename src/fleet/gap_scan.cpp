#include "fleet/gap_scan.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "report/input_set.h"
#include "report/line_reader.h"
#include "report/s3_inputs.h"

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

// A stream's folder relative to the host's snapshots/ ("." at the top) and its family.
std::string streamName(const report::InputFile& file) {
  const std::string dir = std::filesystem::path(file.display).parent_path().string();
  return fmt::format("{}{}", dir.empty() ? std::string_view(".") : std::string_view(dir),
                     file.family == IpFamily::V6 ? " (IPv6)" : "");
}

// Collectors write ts_unix_sec and interval_sec among the first keys of a line, before the buckets
// (docs/schemas/snapshot-*.schema.json): looking only at a line's head keeps the scan at the cost
// of reading the bytes, where a JSON parser would index a whole 15 MB line for two numbers.
constexpr size_t kHeadBytes = 512;

bool headNumber(std::string_view head, std::string_view key, int64_t& out) {
  size_t at = head.find(key);
  if (at == std::string_view::npos) return false;
  const char* begin = head.data() + at + key.size();
  auto [end, ec] = std::from_chars(begin, head.data() + head.size(), out);
  return ec == std::errc() && end != begin;
}

}  // namespace

Result<std::vector<Gap>> findGaps(const std::string& input, size_t maxLineBytes,
                                  const report::S3Settings& s3) {
  std::unique_ptr<report::S3ClientPool> pool;
  if (report::isS3Url(input)) {
    auto created = report::S3ClientPool::create(s3);
    if (!created.ok()) return created.error();
    pool = std::move(created.value());
  }
  auto files = pool ? report::findS3Inputs(*pool, input, {}) : report::findInputFiles({input});
  if (!files.ok()) return files.error();
  // Keyed like the report's streams: a folder and an address family.
  std::map<std::pair<std::string, int>, std::vector<Point>> streams;
  for (const report::InputFile& file : *files) {
    // Counter snapshots only: payload_ lines (collect-payload) would otherwise join the counter
    // stream of their folder and their timestamps would fill or fake its holes.
    if (file.kind != report::InputKind::Counters) continue;
    report::LineReader reader(maxLineBytes);
    Status opened =
        file.bucket.empty()
            ? reader.open(file.path)
            : reader.open(std::make_unique<report::S3ObjectSource>(
                              *pool, report::S3Object{file.bucket, file.key, file.size, file.etag}),
                          file.path);
    if (!opened.ok()) return opened.error();
    const std::string stream = streamName(file);
    auto& points = streams[{stream, int(file.family)}];
    report::Line line;
    for (;;) {
      auto more = reader.next(line);
      if (!more.ok()) return more.error();
      if (!*more) break;
      if (line.oversized || line.size == 0) continue;
      const std::string_view head(line.data, std::min(line.size, kHeadBytes));
      int64_t ts = 0, interval = 0;
      if (!headNumber(head, "\"ts_unix_sec\":", ts)) continue;
      if (!headNumber(head, "\"interval_sec\":", interval)) interval = 0;
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
