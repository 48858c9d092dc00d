#include "fleet/fleet_options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <thread>

#include "core/command_line.h"
#include "export/s3_flags.h"
#include "report/model.h"
#include "report/options.h"

namespace ibsr::fleet {
namespace {

constexpr const char* kProgram = "ibsr-report fleet";

// Flags the fleet sets itself for every host; given by the user they would point every host's run
// at the same input or output.
bool reserved(const std::string& arg) {
  for (const char* name : {"--input", "-i", "-o", "--out-dir", "--output-dir"}) {
    const std::string n = name;
    if (arg == n || arg.rfind(n + "=", 0) == 0) return true;
  }
  return arg.size() > 2 && arg[0] == '-' && arg[1] != '-' && (arg[1] == 'i' || arg[1] == 'o');
}

// Checks the pass-through flags with ibsr-report's own parser; returns its exit code on error.
std::optional<int> checkReportArgs(FleetOptions& o) {
  std::vector<std::string> args = {"ibsr-report", "--input", "/", "-o", "/"};
  args.insert(args.end(), o.reportArgs.begin(), o.reportArgs.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  auto parsed = report::parseOptions(int(argv.size()), argv.data());
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const report::Options& ro = std::get<report::Options>(parsed);
  if (ro.formats.count("json") == 0)
    return cli::usageError(
        kProgram, "--format: the fleet index reads each host's summary.json: include json");
  o.maxLineBytes = ro.maxLineBytes;
  return std::nullopt;
}

}  // namespace

unsigned defaultJobs() {
  return std::max(1u, std::thread::hardware_concurrency());
}

std::variant<FleetOptions, int> parseFleetOptions(int argc, char** argv) {
  FleetOptions o;
  CLI::App app{
      "Reports for a whole fleet: discovers the hosts of a bucket (or a local copy) laid "
      "out by ibsr-export, runs one ibsr-report per host in its own process, returns "
      "each report set to PREFIX/HOST/reports/PERIOD/ and writes a fleet index "
      "(index.html, fleet.json, fleet.md) to PREFIX/_fleet/PERIOD/. Every flag not "
      "listed here is an ibsr-report option given to each host's run (--config, "
      "--allowlist, -p, thresholds, --format, ...).",
      kProgram};
  cli::applyConvention(
      app,
      {.notes = "See docs/fleet.md for the layout, the index and the statuses.",
       .exitCodes = "  0  every host's report was written (and uploaded)\n"
                    "  1  a host failed (named in the index and on stderr), no host was\n"
                    "     found, or the index could not be written\n"
                    "  2  usage error: an unknown flag or a bad value (one line on stderr)\n"
                    "  3  the allowlist or the --config file is wrong (named on stderr)\n",
       .examples = "  ibsr-report fleet --input s3://customer-bucket/ibsr --upload\n"
                   "  ibsr-report fleet --input s3://b/ibsr --endpoint http://127.0.0.1:9000 -o "
                   "./fleet -p 8899\n"
                   "  ibsr-report fleet --input ./synced-bucket/ibsr -o ./synced-bucket/ibsr\n"});
  app.allow_extras();
  std::string now;
  app.add_option("--input", o.input,
                 "s3://BUCKET/PREFIX, or a local directory laid out the same "
                 "way (PREFIX/HOST/snapshots/...)")
      ->type_name("SOURCE")
      ->required();
  app.add_option("-o,--out-dir", o.outDir,
                 "Also write DIR/HOST/reports/PERIOD/ and DIR/_fleet/PERIOD/ locally")
      ->type_name("DIR");
  app.add_flag("--upload", o.upload,
               "Return the reports to the bucket (PREFIX/HOST/reports/PERIOD/, verified, "
               "idempotent) and the index to PREFIX/_fleet/PERIOD/");
  app.add_option("--jobs", o.jobs, "Hosts reported at once (default: the number of cores)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  s3::addConnectionFlags(app, o.endpoint, o.region, o.pathStyle, "s3:// input: ");
  app.add_option("--now", now,
                 "Reference time of the heartbeat check, Unix seconds or YYYY-MM-DDTHH:MM:SSZ "
                 "(default: the newest heartbeat of the fleet)")
      ->type_name("TIME");
  app.add_option("--heartbeat-stale-sec", o.heartbeatStaleSec,
                 "A host whose newest heartbeat is older than this (before the reference) has "
                 "stopped")
      ->type_name("SECONDS")
      ->check(CLI::Range(int64_t(1), int64_t(10) * 365 * 86400))
      ->default_str(std::to_string(kDefaultHeartbeatStaleSec));
  app.add_flag("-v,--verbose", o.verbosity, "More logging (repeat for debug)");

  if (auto exit = cli::parseCommandLine(app, argc, argv, kProgram)) return *exit;
  o.reportArgs = app.remaining();
  for (const std::string& arg : o.reportArgs)
    if (reserved(arg))
      return cli::usageError(kProgram, arg +
                                           ": the fleet gives each host's run its own input "
                                           "and output (use --input SOURCE and -o DIR)");
  if (!o.upload && o.outDir.empty())
    return cli::usageError(kProgram, "nothing to write: give --upload, -o DIR, or both");
  const bool s3 = o.input.rfind("s3://", 0) == 0;
  if (o.upload && !s3)
    return cli::usageError(kProgram, "--upload needs an s3://BUCKET/PREFIX --input");
  if (!now.empty()) {
    auto t = report::parseTime(now);
    if (!t) return cli::usageError(kProgram, "--now: must be Unix seconds or YYYY-MM-DDTHH:MM:SSZ");
    o.nowTs = *t;
  }
  if (o.jobs == 0) o.jobs = defaultJobs();
  if (o.verbosity > 0) o.reportArgs.push_back("-v");
  if (auto code = checkReportArgs(o)) return *code;
  return o;
}

}  // namespace ibsr::fleet
