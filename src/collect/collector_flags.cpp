#include "collect/collector_flags.h"

namespace ibsr::collect {

CollectorFlags::CollectorFlags(CLI::App& app, CollectOptions& o, const CollectorFlagHelp& help)
    : options_(o) {
  constexpr std::uint64_t kCentury = std::uint64_t{100} * 365 * 86400;
  app.get_formatter()->column_width(34);
  app.add_option("-i,--iface", o.iface, help.iface)->required();
  app.add_option("-p,--dst-port", o.ports, help.port)->required()->take_all();
  app.add_option("--out-dir", o.outDir, "Snapshot directory")->capture_default_str();
  app.add_option("--snapshot-interval-sec", o.intervalSec, "Seconds between snapshots")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--map-size", o.mapSize, help.mapSize)
      ->capture_default_str()
      ->check(CLI::Range(1, IBSR_MAX_MAP_SIZE));
  app.add_option("--max-files", o.maxFiles, "Keep at most this many hourly " + help.files)
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-age", o.maxAgeSec, "Delete " + help.files + " older than this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, kCentury));
  app.add_option("--export-state", o.exportState,
                 "ibsr-export's --state-file: --max-files/--max-age delete only files it has "
                 "verified in S3");
  app.add_option("--max-disk-bytes", o.maxDiskBytes,
                 "Disk budget of the hourly " + help.files +
                     " and status.jsonl; over it the oldest go first, exported or not (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 50));
  app.add_option("--duration-sec", o.durationSec,
                 "Stop after this many seconds (default: run until SIGINT/SIGTERM)")
      ->check(CLI::Range(std::uint64_t{1}, kCentury));
  app.add_option("--metrics-file", o.metricsFile,
                 "Write Prometheus metrics (node_exporter textfile format) to this *.prom file "
                 "every interval (default: off)");
  app.add_option("--xdp-mode", xdpMode_, "auto (native, else generic) | native | generic")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native", "generic"}));
  app.add_flag("-v,--verbose", o.verbosity, "More output (-v info, -vv debug)");
  app.add_option("--test-clock-offset-sec", o.testClockOffsetSec)->group("");
}

Status CollectorFlags::finish() {
  options_.xdpMode = *bpf::parseXdpMode(xdpMode_);
  return validatePorts(options_);
}

}  // namespace ibsr::collect
