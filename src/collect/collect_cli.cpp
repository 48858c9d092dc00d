#include "collect/collect_cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "collect/collector.h"
#include "collect/options.h"

namespace ibsr::collect {

int runCollectCli(int argc, char** argv) {
  CollectOptions o;
  CLI::App app{"StrictCounter mode: count per-source TCP behaviour on monitored destination ports "
               "with an XDP program that only ever passes packets, and write a schema-v3 snapshot "
               "line every interval to OUT_DIR/snapshot_YYYYMMDDHH.jsonl (UTC hour) plus a "
               "heartbeat to OUT_DIR/status.jsonl. SIGINT/SIGTERM write a final snapshot, detach "
               "and exit 0.",
               "ibsr collect"};
  app.get_formatter()->column_width(34);
  app.add_option("-i,--iface", o.iface, "Network interface to attach XDP to")->required();
  app.add_option("-p,--dst-port", o.ports, "Destination TCP port to monitor (repeat, 1..8 ports)")
      ->required()
      ->take_all();
  app.add_option("--out-dir", o.outDir, "Snapshot directory")->capture_default_str();
  app.add_option("--snapshot-interval-sec", o.intervalSec, "Seconds between snapshots")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--map-size", o.mapSize, "Max (source, port) entries in the LRU counter map")
      ->capture_default_str()
      ->check(CLI::Range(1, IBSR_MAX_MAP_SIZE));
  app.add_option("--max-files", o.maxFiles, "Keep at most this many hourly snapshot files")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-age", o.maxAgeSec, "Delete snapshot files older than this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100} * 365 * 86400));
  app.add_option("--duration-sec", o.durationSec,
                 "Stop after this many seconds (default: run until SIGINT/SIGTERM)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100} * 365 * 86400));
  std::string xdpMode = "auto";
  app.add_option("--xdp-mode", xdpMode, "auto (native, else generic) | native | generic")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native", "generic"}));
  app.add_flag("-v,--verbose", o.verbosity, "More output (-v info, -vv debug)");
  app.add_option("--test-clock-offset-sec", o.testClockOffsetSec)->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "ibsr collect: %s\n", e.what());
    return 2;
  }
  o.xdpMode = *bpf::parseXdpMode(xdpMode);
  if (Status st = validatePorts(o); !st.ok()) {
    std::fprintf(stderr, "ibsr collect: %s\n", st.error().message.c_str());
    return 2;
  }
  return runCollector(std::move(o));
}

}  // namespace ibsr::collect
