#include "fleet/host_summary.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/model.h"

namespace ibsr::fleet {
namespace {

std::string hourName(int64_t ts) {
  std::time_t t = std::time_t(ts);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y%m%d%H}", tm);
}

int64_t timeField(const nlohmann::ordered_json& object, const char* name) {
  auto ts = report::parseTime(object.at(name).get<std::string>());
  if (!ts) throw std::runtime_error(std::string(name) + " is not a time");
  return *ts;
}

}  // namespace

std::string rfc3339(int64_t ts) {
  std::time_t t = std::time_t(ts);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", tm);
}

std::string periodName(int64_t startTs, int64_t endTs) {
  return hourName(startTs) + "-" + hourName(endTs);
}

Status readHostSummary(const std::string& summaryPath, HostResult& host) {
  std::ifstream in(summaryPath, std::ios::binary);
  if (!in) return sysError("cannot open '" + summaryPath + "'");
  try {
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
    const nlohmann::ordered_json& input = j.at("input");
    host.verdict = j.at("readiness").at("verdict").get<std::string>();
    host.observedStartTs = timeField(input, "observed_start");
    host.lastSnapshotTs = timeField(input, "last_snapshot_ts");
    host.observedStart = rfc3339(host.observedStartTs);
    host.lastSnapshot = rfc3339(host.lastSnapshotTs);
    host.observedSec = input.at("observed_sec").get<int64_t>();
    host.period = periodName(host.observedStartTs, host.lastSnapshotTs);
    const nlohmann::ordered_json& quality = j.at("data_quality");
    host.dataQualityJson = quality.dump();
    host.malformedLines = quality.at("malformed_lines").get<uint64_t>();
    host.snapshots = quality.at("snapshots").get<uint64_t>();
    for (const nlohmann::ordered_json& s : j.at("blocked_or_allowlisted_sources")) {
      if (s.at("decision").get<std::string>() != "block") continue;
      FlaggedSource f;
      f.keyType = s.at("key_type").get<std::string>();
      f.keyValue = s.at("key_value").get<std::string>();
      f.port = s.at("dst_port").get<int>();
      f.abuseClass = s.at("abuse_class").get<std::string>();
      if (s.contains("episodes")) {
        const nlohmann::ordered_json& episodes = s.at("episodes");
        f.episodes = int(episodes.size());
        if (!episodes.empty()) {
          f.firstEpisodeStart = episodes.front().at("start").get<std::string>();
          f.lastEpisodeEnd = episodes.back().at("end").get<std::string>();
        }
      }
      host.blocked.push_back(std::move(f));
    }
  } catch (const std::exception& e) {
    return plainError("'" + summaryPath + "': not a summary.json this version reads: " + e.what());
  }
  return {};
}

}  // namespace ibsr::fleet
