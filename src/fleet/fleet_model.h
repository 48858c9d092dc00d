// What the fleet command knows about each host after its run: the inputs of the fleet index
// (docs/fleet.md, "The fleet index").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ibsr::fleet {

// A blocked source of one host's summary.json (decision "block").
struct FlaggedSource {
  std::string keyType;   // src_ip, src_cidr24, src_ip6, src_net6
  std::string keyValue;  // the address or prefix: what makes two hosts' sources "the same"
  int port = 0;
  std::string abuseClass;
  int episodes = 0;
  std::string firstEpisodeStart;  // RFC 3339, empty without episodes
  std::string lastEpisodeEnd;
};

// Consecutive snapshots of one stream further apart than kGapFactor * interval_sec.
struct Gap {
  std::string stream;  // the snapshot folder relative to the host's snapshots/ ("." at the top)
  int64_t afterTs = 0;
  int64_t beforeTs = 0;
  int64_t intervalSec = 0;
};

struct Heartbeat {
  std::string key;  // the status.jsonl it came from, relative to the host's folder
  int64_t lastTs = 0;
};

struct HostResult {
  std::string host;
  bool reportOk = false;
  int exitCode = -1;                    // of the host's ibsr-report run; -1: not run or killed
  std::string error;                    // one line: why the host failed
  std::vector<std::string> stderrTail;  // the last lines the host's run wrote on stderr
  // From summary.json (only when reportOk).
  std::string verdict;
  std::string observedStart, lastSnapshot;  // RFC 3339
  int64_t observedStartTs = 0, lastSnapshotTs = 0, observedSec = 0;
  std::string period;           // YYYYMMDDHH-YYYYMMDDHH
  std::string dataQualityJson;  // summary.json's data_quality, compact
  uint64_t malformedLines = 0, snapshots = 0;
  std::vector<FlaggedSource> blocked;
  std::vector<std::string> reportFiles;  // names, sorted
  std::string reportLocation;            // where the report set went (s3://... or a path)
  std::vector<Gap> gaps;
  std::optional<Heartbeat> heartbeat;
  bool heartbeatStopped = false;
  uint64_t uploaded = 0, skipped = 0;  // report objects PUT / already there
};

}  // namespace ibsr::fleet
