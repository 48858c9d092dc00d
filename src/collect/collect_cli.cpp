#include "collect/collect_cli.h"

#include <cstdio>

#include "collect/collector.h"
#include "collect/collector_flags.h"
#include "collect/options.h"
#include "core/command_line.h"

namespace ibsr::collect {

int runCollectCli(int argc, char** argv) {
  CollectOptions o;
  CLI::App app{
      "StrictCounter mode: count per-source TCP behaviour on monitored destination ports "
      "with an XDP program that only ever passes packets, and write a schema-v3 snapshot "
      "line every interval to OUT_DIR/snapshot_YYYYMMDDHH.jsonl (UTC hour), the IPv6 "
      "sources' line to OUT_DIR/snapshot6_YYYYMMDDHH.jsonl, plus a heartbeat to "
      "OUT_DIR/status.jsonl. SIGINT/SIGTERM write a final snapshot, detach and exit 0.",
      "ibsr collect"};
  cli::applyConvention(
      app, {.notes = "",
            .exitCodes = std::string(kCollectorExitCodes) + std::string(cli::kUsageExitLine),
            .examples = "  ibsr collect -i eth0 -p 8899 -p 8900 -o /var/lib/ibsr/snapshots\n"
                        "  ibsr collect -i eth0 -p 443 --snapshot-interval-sec 10 "
                        "--duration-sec 3600 -o /tmp/ibsr\n"
                        "  ibsr collect -i eth0 -p 8899 --export-state "
                        "/var/lib/ibsr/export-state.json\n"
                        "  ibsr collect -i eth0 -p 443 --ipv6-prefix-len 128\n"});
  CollectorFlags flags(app, o,
                       {.iface = "Network interface to attach XDP to",
                        .port = "Destination TCP port to monitor: repeat it or give a comma "
                                "list, 1..8 ports in all",
                        .mapSize = "Max (source, port) entries in the LRU counter map",
                        .files = "snapshot files"});
  if (auto exit = cli::parseCommandLine(app, argc, argv, "ibsr collect")) return *exit;
  if (Status st = flags.finish(); !st.ok())
    return cli::usageError("ibsr collect", st.error().message);
  return runCollector(std::move(o));
}

}  // namespace ibsr::collect
