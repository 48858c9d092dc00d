#include "payload/payload_cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>

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
  app.get_formatter()->column_width(34);
  app.add_option("-i,--iface", c.iface, "Network interface to attach to")->required();
  app.add_option("-p,--dst-port", c.ports, "Server TCP port to monitor (repeat, 1..8 ports)")
      ->required()
      ->take_all();
  app.add_option("--out-dir", c.outDir, "Snapshot directory")->capture_default_str();
  app.add_option("--snapshot-interval-sec", c.intervalSec, "Seconds between snapshots")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--map-size", c.mapSize,
                 "Max (source, port) entries in the LRU counter map, and max sources per "
                 "payload interval")
      ->capture_default_str()
      ->check(CLI::Range(1, IBSR_MAX_MAP_SIZE));
  app.add_option("--max-files", c.maxFiles, "Keep at most this many hourly payload files")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-age", c.maxAgeSec, "Delete payload files older than this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100} * 365 * 86400));
  app.add_option("--duration-sec", c.durationSec,
                 "Stop after this many seconds (default: run until SIGINT/SIGTERM)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100} * 365 * 86400));
  std::string xdpMode = "auto";
  app.add_option("--xdp-mode", xdpMode, "auto (native, else generic) | native | generic")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native", "generic"}));
  app.add_option("--payload-snaplen", o.snaplen, "TCP payload bytes copied per packet")
      ->capture_default_str()
      ->check(CLI::Range(1, IBSR_PAYLOAD_MAX_SNAPLEN));
  app.add_option("--ringbuf-size", o.ringbufBytes,
                 "Ring-buffer bytes (power of two); full buffer = records dropped, never packets")
      ->capture_default_str();
  app.add_option("--max-bytes-per-flow", o.maxBytesPerFlow,
                 "Payload bytes copied per connection direction, then headers only (0: no cap)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 40));
  app.add_option("--max-flows", o.maxFlows,
                 "Connections reassembled at once (least recently active evicted)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, kMaxFlowsLimit));
  app.add_option("--max-methods", o.maxMethods,
                 "Methods listed per source per interval; the rest count as \"other\"")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_flag("-v,--verbose", c.verbosity, "More output (-v info, -vv debug)");
  app.add_option("--flow-idle-sec", o.flowIdleSec)->group("");
  app.add_option("--test-clock-offset-sec", c.testClockOffsetSec)->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "ibsr collect-payload: %s\n", e.what());
    return 2;
  }
  c.xdpMode = *bpf::parseXdpMode(xdpMode);
  Status st = collect::validatePorts(c);
  if (st.ok()) st = validateRingbufSize(o.ringbufBytes);
  if (!st.ok()) {
    std::fprintf(stderr, "ibsr collect-payload: %s\n", st.error().message.c_str());
    return 2;
  }
  return runPayloadCollector(std::move(o));
}

}  // namespace ibsr::payload
