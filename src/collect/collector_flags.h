// The flags `ibsr collect` and `ibsr collect-payload` share. One definition, so the two modes
// accept the same interfaces, ports, intervals, map sizes and retention limits, and check them
// with the same ranges and messages.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "collect/options.h"

namespace ibsr::collect {

// The help texts that differ between the modes.
struct CollectorFlagHelp {
  std::string iface;    // what is attached to the interface
  std::string port;     // which side's port is monitored
  std::string mapSize;  // what else the map size bounds
  std::string files;    // which hourly files retention applies to
};

// The exit codes both modes share, for their help (cli::HelpFooter::exitCodes).
extern const char* const kCollectorExitCodes;

class CollectorFlags {
 public:
  // Adds -i, -p, -o, --snapshot-interval-sec, --map-size, --ipv6-prefix-len, --ipv6-map-size,
  // --no-ipv6, --max-files, --max-age-sec,
  // --export-state, --max-disk-bytes, --compress-closed/--no-compress-closed, --compress-level,
  // --snapshot-memory, --duration-sec, --metrics-file, --xdp-mode, -v and the
  // hidden --test-clock-offset-sec, bound to `options`; the old spellings --iface and --max-age
  // stay accepted (docs/cli.md). `app` must have had cli::applyConvention.
  CollectorFlags(CLI::App& app, CollectOptions& options, const CollectorFlagHelp& help);

  // After a successful parse: the XDP mode and the validated, sorted ports.
  Status finish();

 private:
  CollectOptions& options_;
  std::string xdpMode_ = "auto";
  std::string snapshotMemory_ = "bounded";
};

}  // namespace ibsr::collect
