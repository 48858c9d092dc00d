// Command line of `ibsr-report fleet` (docs/fleet.md). Its own flags are parsed here; every other
// flag is a report option passed unchanged to each host's run, after being checked once up front
// so that a typo fails the command, not every host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ibsr::fleet {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // a host failed, no host found, or the index not written
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConfig = 3;  // --config or --allowlist is wrong (as ibsr-report)

// Two hourly exports missed (ibsr-export.timer runs hourly, so a bucket's heartbeat is normally
// up to an hour old).
inline constexpr int64_t kDefaultHeartbeatStaleSec = 2 * 3600;

struct FleetOptions {
  std::string input;   // s3://BUCKET/PREFIX or a local root
  std::string outDir;  // may be empty with --upload
  bool upload = false;
  unsigned jobs = 0;
  std::string endpoint, region;
  bool pathStyle = false;
  int64_t nowTs = -1;  // -1: the newest heartbeat of the fleet
  int64_t heartbeatStaleSec = kDefaultHeartbeatStaleSec;
  std::vector<std::string> reportArgs;
  size_t maxLineBytes = 256u << 20;
  int verbosity = 0;
};

// The default --jobs: one host per core (each host's run is single-threaded; docs/performance.md,
// "Fleet reports").
unsigned defaultJobs();

// Either the options or the exit code to stop with (help and errors are already printed).
// argv[0] is "fleet".
std::variant<FleetOptions, int> parseFleetOptions(int argc, char** argv);

}  // namespace ibsr::fleet
