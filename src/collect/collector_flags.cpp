#include "collect/collector_flags.h"

#include "collect/snapshot_cycle.h"
#include "core/command_line.h"

namespace ibsr::collect {

const char* const kCollectorExitCodes =
    "  0  stopped by SIGINT/SIGTERM or at the end of --duration-sec, after a final\n"
    "     snapshot\n"
    "  1  cannot start or keep running: interface missing, attach refused, a missing\n"
    "     capability (named), output directory not writable (one line on stderr)\n";

CollectorFlags::CollectorFlags(CLI::App& app, CollectOptions& o, const CollectorFlagHelp& help)
    : options_(o) {
  constexpr std::uint64_t kCentury = std::uint64_t{100} * 365 * 86400;
  app.add_option(cli::withOldNames(app, "-i,--interface", {"--iface"}), o.iface, help.iface)
      ->type_name("IFACE")
      ->required();
  app.add_option("-p,--dst-port", o.ports, help.port)
      ->type_name("PORT")
      ->required()
      ->take_all()
      ->delimiter(',');
  app.add_option("-o,--out-dir", o.outDir, "Output directory (created if missing)")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_option("--snapshot-interval-sec", o.intervalSec, "Seconds between snapshots, 1..86400")
      ->type_name("SECONDS")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--map-size", o.mapSize,
                 help.mapSize + ", 1.." + std::to_string(IBSR_MAX_MAP_SIZE))
      ->type_name("ENTRIES")
      ->capture_default_str()
      ->check(CLI::Range(1, IBSR_MAX_MAP_SIZE));
  CLI::Option* prefixLen =
      app.add_option("--ipv6-prefix-len", o.ipv6PrefixLen,
                     "IPv6 sources are counted per prefix of this many bits, 1..128 (128: per "
                     "address; 64: one key per /64, however its owner rotates addresses)")
          ->type_name("BITS")
          ->capture_default_str()
          ->check(CLI::Range(1, 128));
  CLI::Option* map6Size =
      app.add_option("--ipv6-map-size", o.ipv6MapSize,
                     "Max IPv6 (source prefix, port) entries in the LRU IPv6 map, 1.." +
                         std::to_string(IBSR_MAX_MAP_SIZE) + " (default: --map-size)")
          ->type_name("ENTRIES")
          ->check(CLI::Range(1, IBSR_MAX_MAP_SIZE));
  app.add_flag("--no-ipv6", o.noIpv6,
               "Do not count IPv6 sources: no IPv6 map is filled, read or written (IPv6 traffic "
               "still passes)")
      ->excludes(prefixLen)
      ->excludes(map6Size);
  app.add_option("--max-files", o.maxFiles,
                 "Keep at most this many hourly " + help.files + ", 1..1000000")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option(cli::withOldNames(app, "--max-age-sec", {"--max-age"}), o.maxAgeSec,
                 "Delete " + help.files + " whose hour ended more than this many seconds ago")
      ->type_name("SECONDS")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, kCentury));
  app.add_option("--export-state", o.exportState,
                 "ibsr-export's --state-file: --max-files/--max-age-sec delete only files it has "
                 "verified in S3")
      ->type_name("FILE");
  app.add_option("--max-disk-bytes", o.maxDiskBytes,
                 "Disk budget of the hourly " + help.files +
                     " and status.jsonl; over it the oldest go first, exported or not (0: none)")
      ->type_name("BYTES")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 50));
  app.add_flag(
      "--compress-closed,!--no-compress-closed", o.compressClosed,
      "Compress closed hourly " + help.files + " to .jsonl.zst in the background (default: on)");
  app.add_option("--compress-level", o.compressLevel,
                 "zstd level of --compress-closed, 1..19 (higher levels cost more CPU and measured "
                 "no smaller on snapshot lines)")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 19));
  app.add_option(
         "--snapshot-memory", snapshotMemory_,
         "bounded (the snapshot's buffer keeps its first 12 MB between cycles and gives the "
         "rest back to the kernel: a full default map rests under 20 MB), release (all of "
         "it goes back: RSS at rest stays that of an idle collector) or resident (all of "
         "it is kept: about 150 bytes per --map-size entry, for the least CPU per "
         "snapshot)")
      ->type_name("MODE")
      ->capture_default_str()
      ->check(CLI::IsMember({"bounded", "release", "resident"}));
  app.add_option("--duration-sec", o.durationSec,
                 "Stop after this many seconds (default: run until SIGINT/SIGTERM)")
      ->type_name("SECONDS")
      ->check(CLI::Range(std::uint64_t{1}, kCentury));
  app.add_option("--metrics-file", o.metricsFile,
                 "Write Prometheus metrics (node_exporter textfile format) to this *.prom file "
                 "every interval (default: off)")
      ->type_name("FILE");
  app.add_option("--xdp-mode", xdpMode_,
                 "auto (native, else generic), native (driver) or generic (skb)")
      ->type_name("MODE")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native", "generic"}));
  app.add_flag("-v,--verbose", o.verbosity, "More output (-v info, -vv debug)");
  app.add_option("--test-clock-offset-sec", o.testClockOffsetSec)->group("");
}

Status CollectorFlags::finish() {
  options_.xdpMode = *bpf::parseXdpMode(xdpMode_);
  options_.snapshotResidentBytes = snapshotMemory_ == "resident"  ? SnapshotCycle::kKeepAll
                                   : snapshotMemory_ == "release" ? SnapshotCycle::kReleaseAll
                                                                  : kDefaultSnapshotResidentBytes;
  return validatePorts(options_);
}

}  // namespace ibsr::collect
