#include "incident/incident_cli.h"

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/command_line.h"
#include "core/log.h"
#include "incident/options.h"
#include "incident/recorder.h"
#include "incident/salt_file.h"

namespace ibsr::incident {
namespace {

int usageError(const std::string& message) {
  return cli::usageError("ibsr record-incident", message);
}

}  // namespace

int runRecordIncidentCli(int argc, char** argv) {
  IncidentOptions o;
  std::string salt, saltFile;
  std::vector<std::string> internal;
  std::int64_t sampleRate = static_cast<std::int64_t>(o.sampleRate);
  CLI::App app{
      "Record-incident mode: sample 1-in-N packets seen by TC ingress and egress on an "
      "interface into pcap files {out-dir}/{tag}-{ts}/packets.pcap (snaplen 256), with "
      "an optional Unix socket to change the rate, trigger and stop at runtime. Shadow "
      "mode: the TC programs only ever pass packets. SIGINT/SIGTERM or --duration-sec "
      "flush and close the pcap, detach and exit 0.",
      "ibsr record-incident"};
  cli::applyConvention(
      app,
      {.notes = "",
       .exitCodes =
           "  0  stopped by SIGINT/SIGTERM, a 'stop' on the socket or --duration-sec; the pcap is\n"
           "     flushed and closed\n"
           "  1  cannot start or keep running: interface missing, attach refused, a missing\n"
           "     capability (named), output directory or salt file not usable\n" +
           std::string(cli::kUsageExitLine),
       .examples =
           "  ibsr record-incident -i eth0 --tag smoke --duration-sec 60 --sample-rate 1 -o "
           "/tmp/pcaps\n"
           "  ibsr record-incident -i eth0 --trigger-socket /run/ibsr/trigger.sock "
           "--scrub-ip-salt-file /var/lib/ibsr/salt\n"});
  app.add_option(cli::withOldNames(app, "-i,--interface", {"--iface"}), o.iface,
                 "Network interface for TC attach (ingress and egress)")
      ->type_name("IFACE")
      ->required();
  app.add_option("-o,--out-dir", o.outDir, "Output directory for the run directories")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_option("--tag", o.tag, "Incident tag: 1..64 characters of [a-zA-Z0-9_-]")
      ->type_name("TAG")
      ->capture_default_str();
  app.add_option("--sample-rate", sampleRate, "Keep 1 packet in N; 1 = every packet")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--duration-sec", o.durationSec,
                 "Stop after this many seconds (default: run until SIGINT/SIGTERM)")
      ->type_name("SECONDS")
      ->check(CLI::Range(std::uint64_t{1}, kMaxDurationSec));
  app.add_option("--trigger-socket", o.triggerSocket,
                 "Enable the runtime control socket at PATH (mode 0660; see ibsr incident)")
      ->type_name("PATH");
  auto* saltOpt = app.add_option("--scrub-ip-salt", salt,
                                 "Hash IPv4/IPv6 addresses with this salt (16 hex characters)")
                      ->type_name("HEX");
  app.add_option("--scrub-ip-salt-file", saltFile,
                 "Hash addresses with the salt in this file (mode 0600; created if missing); "
                 "not with --scrub-ip-salt")
      ->type_name("FILE")
      ->excludes(saltOpt);
  app.add_option("--scrub-internal-subnet", internal,
                 "Drop packets whose source and destination both lie in internal prefixes "
                 "(IPv4 or IPv6; each address in any of them); repeat it or give a comma list, "
                 "at most " +
                     std::to_string(kMaxInternalPrefixes) + " prefixes")
      ->type_name("CIDR")
      ->delimiter(',');
  app.add_option("--max-pcap-bytes", o.maxPcapBytes,
                 "Start a new pcap (new directory) before one would exceed this size, at least " +
                     std::to_string(kMinPcapBytes))
      ->type_name("BYTES")
      ->capture_default_str()
      ->check(CLI::Range(kMinPcapBytes, std::uint64_t{1} << 50));
  app.add_option("--max-disk-bytes", o.maxDiskBytes,
                 "Total size of --out-dir and --archive-dir; oldest closed files go first; at "
                 "least 2 (3 with --archive-dir) times --max-pcap-bytes")
      ->type_name("BYTES")
      ->capture_default_str()
      ->check(CLI::Range(2 * kMinPcapBytes, std::uint64_t{1} << 52));
  app.add_option("--archive-dir", o.archiveDir,
                 "Gzip finished pcaps older than --archive-after-sec into this directory")
      ->type_name("DIR");
  app.add_option("--archive-after-sec", o.archiveAfterSec,
                 "Age (mtime) at which a finished pcap is archived")
      ->type_name("SECONDS")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, kMaxDurationSec));
  app.add_option("--status-interval-sec", o.statusIntervalSec,
                 "Seconds between status.jsonl heartbeat lines, 1..86400")
      ->type_name("SECONDS")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--metrics-file", o.metricsFile,
                 "Write Prometheus metrics (node_exporter textfile format) to this *.prom file "
                 "with every heartbeat (default: off)")
      ->type_name("FILE");
  app.add_flag("-v,--verbose", o.verbosity, "More output (-v info, -vv debug)");
  // Hidden, for tests and benchmarks.
  app.add_option("--archive-sweep-sec", o.archiveSweepSec)->group("")->check(CLI::Range(1, 3600));
  app.add_option("--socket-timeout-ms", o.socketTimeoutMs)
      ->group("")
      ->check(CLI::Range(10, 600000));
  app.add_option("--ringbuf-bytes", o.ringbufBytes)
      ->group("")
      ->check(CLI::Range(1u << 16, 1u << 30));

  if (auto exit = cli::parseCommandLine(app, argc, argv, "ibsr record-incident")) return *exit;
  if (Status st = validateTag(o.tag); !st.ok()) return usageError("--tag: " + st.error().message);
  if (Status st = validateSampleRate(sampleRate); !st.ok())
    return usageError("--sample-rate: " + st.error().message);
  o.sampleRate = static_cast<std::uint64_t>(sampleRate);
  if (!salt.empty() || app.count("--scrub-ip-salt")) {
    auto s = parseSalt(salt);
    if (!s.ok()) return usageError("--scrub-ip-salt: " + s.error().message);
    o.salt = *s;
  }
  if (app.count("--scrub-ip-salt-file")) {
    if (saltFile.empty()) return usageError("--scrub-ip-salt-file: path must not be empty");
    auto s = loadOrCreateSalt(saltFile);
    if (!s.ok()) {
      log::error("--scrub-ip-salt-file: {}", s.error().message);
      return 1;
    }
    o.salt = *s;
  }
  // The file being written is never deleted, so the budget must hold it and a closed one, and
  // with an archive also the archive being written.
  if (std::uint64_t times = o.archiveDir ? 3 : 2; o.maxDiskBytes < times * o.maxPcapBytes)
    return usageError(fmt::format(
        "--max-disk-bytes: {} is less than {} times --max-pcap-bytes ({}){}", o.maxDiskBytes, times,
        o.maxPcapBytes, o.archiveDir ? " with --archive-dir" : ""));
  if (auto list = InternalPrefixes::parse(internal); list.ok())
    o.internal = std::move(*list);
  else
    return usageError("--scrub-internal-subnet: " + list.error().message);
  if (o.triggerSocket && o.triggerSocket->empty())
    return usageError("--trigger-socket: path must not be empty");
  if (o.outDir.empty()) return usageError("--out-dir: path must not be empty");
  if (o.archiveDir && o.archiveDir->empty())
    return usageError("--archive-dir: path must not be empty");
  std::size_t ring = o.ringbufBytes;
  if ((ring & (ring - 1)) != 0) return usageError("--ringbuf-bytes: must be a power of two");
  return runRecorder(std::move(o));
}

}  // namespace ibsr::incident
