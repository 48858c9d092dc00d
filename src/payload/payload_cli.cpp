#include "payload/payload_cli.h"

#include <cstdio>

#include "collect/collector_flags.h"
#include "core/command_line.h"
#include "payload/collector.h"
#include "payload/options.h"

namespace ibsr::payload {

int runCollectPayloadCli(int argc, char** argv) {
  PayloadOptions o;
  collect::CollectOptions& c = o.common;
  CLI::App app{
      "ShadowPayload mode: the StrictCounter XDP counters plus TC ingress/egress programs that "
      "copy the first bytes of TCP payload on monitored ports to a ring buffer (never dropping, "
      "redirecting or modifying a packet). Userspace reassembles each connection, parses "
      "HTTP/1.1 and JSON-RPC 2.0, pairs responses with requests, and writes one line of "
      "per-(source, port) RPC statistics every interval to OUT_DIR/payload_YYYYMMDDHH.jsonl "
      "(UTC hour), a heartbeat to OUT_DIR/status.jsonl and counter snapshots to "
      "OUT_DIR/counters/. No payload bytes are written to disk. SIGINT/SIGTERM write a final "
      "snapshot, detach and exit 0.",
      "ibsr collect-payload"};
  cli::applyConvention(
      app,
      {.notes = "",
       .exitCodes = std::string(collect::kCollectorExitCodes) + std::string(cli::kUsageExitLine),
       .examples = "  ibsr collect-payload -i eth0 -p 8545 -o /var/lib/ibsr/snapshots-payload\n"
                   "  ibsr collect-payload -i eth0 -p 80,8545 --no-xdp-counters --duration-sec "
                   "600\n"});
  collect::CollectorFlags flags(
      app, c,
      {.iface = "Network interface to attach to",
       .port = "Server TCP port to monitor: repeat it or give a comma list, 1..8 ports in all",
       .mapSize = "Max (source, port) entries in the LRU counter map, and max sources per "
                  "payload interval",
       .files = "payload files"});
  app.add_option(
         "--payload-snaplen", o.snaplen,
         "TCP payload bytes copied per packet, 1.." + std::to_string(IBSR_PAYLOAD_MAX_SNAPLEN))
      ->type_name("BYTES")
      ->capture_default_str()
      ->check(CLI::Range(1, IBSR_PAYLOAD_MAX_SNAPLEN));
  app.add_option(cli::withOldNames(app, "--ringbuf-bytes", {"--ringbuf-size"}), o.ringbufBytes,
                 "Ring-buffer size, a power of two in " + std::to_string(kMinRingbufBytes) + ".." +
                     std::to_string(kMaxRingbufBytes) +
                     "; a full buffer drops records, never packets")
      ->type_name("BYTES")
      ->capture_default_str();
  app.add_option("--max-bytes-per-flow", o.maxBytesPerFlow,
                 "Payload bytes copied per connection direction, then headers only (0: no cap)")
      ->type_name("BYTES")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 40));
  app.add_option("--max-flows", o.maxFlows,
                 "Connections reassembled at once (least recently active evicted), 1.." +
                     std::to_string(kMaxFlowsLimit))
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, kMaxFlowsLimit));
  app.add_option("--max-methods", o.maxMethods,
                 "Methods listed per source per interval, 1..10000; the rest count as \"other\"")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_flag("--no-xdp-counters{false}", o.xdpCounters,
               "Do not attach the XDP counters: leave the interface's XDP slot to an "
               "`ibsr collect` on the same interface (set in the shipped unit)");
  app.add_option("--flow-idle-sec", o.flowIdleSec)->group("");

  if (auto exit = cli::parseCommandLine(app, argc, argv, "ibsr collect-payload")) return *exit;
  Status st = flags.finish();
  if (st.ok()) st = validateRingbufSize(o.ringbufBytes);
  if (!st.ok()) return cli::usageError("ibsr collect-payload", st.error().message);
  return runPayloadCollector(std::move(o));
}

}  // namespace ibsr::payload
