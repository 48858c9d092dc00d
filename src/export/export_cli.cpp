#include "export/export_cli.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "core/command_line.h"
#include "core/log.h"
#include "export/credentials.h"
#include "export/discovery.h"
#include "export/export_metrics.h"
#include "export/key_layout.h"
#include "export/s3_client.h"
#include "export/s3_flags.h"
#include "export/state.h"
#include "export/uploader.h"

namespace ibsr::exporter {
namespace {

// Files exported at once, each on its own kept-alive connection (docs/export.md, "Speed"; chosen
// with bench/export/bench_export.sh, docs/performance.md).
constexpr int kDefaultJobs = 4;

struct Flags {
  std::string bucket;
  std::string prefix;
  std::string region;
  std::string endpoint;
  bool pathStyle = false;
  std::vector<std::string> sources{"/var/lib/ibsr/snapshots"};
  std::string hostId;
  bool includeOpen = false;
  bool includePcaps = false;
  bool deleteAfterUpload = false;
  bool dryRun = false;
  std::string stateFile = "/var/lib/ibsr/export-state.json";
  int maxRetries = 5;
  int retryBaseMs = 500;
  std::int64_t minAgeSec = 120;
  int multipartThresholdMib = 64;
  int partSizeMib = 32;
  int jobs = kDefaultJobs;
  bool signParts = false;
  int verbose = 0;
  std::string metricsFile;
};

std::atomic<bool> gStop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void onSignal(int) {
  gStop.store(true);
}

// SIGTERM (systemd stop) and SIGINT let the file in flight finish and the state be saved; a
// second signal (SA_RESETHAND) kills the process at once.
void installSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

std::string hostName() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown-host";
  return buf;
}

void addFlags(CLI::App& app, Flags& f) {
  app.add_option("--bucket", f.bucket, "destination bucket")->type_name("NAME")->required();
  app.add_option("--prefix", f.prefix,
                 "key prefix: objects go to PREFIX/HOST-ID/KIND/RELATIVE-PATH")
      ->type_name("PREFIX");
  s3::addConnectionFlags(app, f.endpoint, f.region, f.pathStyle);
  app.add_option(cli::withOldNames(app, "--input", {"--source"}), f.sources,
                 "directory to export; repeat it for more")
      ->type_name("DIR")
      ->capture_default_str()
      ->check(CLI::ExistingDirectory);
  app.add_option("--host-id", f.hostId, "host folder in the key (default: the hostname)")
      ->type_name("HOST-ID");
  app.add_flag("--include-open", f.includeOpen,
               "also upload files still being written (current hour, recently modified)");
  app.add_flag("--include-pcaps", f.includePcaps,
               "also upload incident pcaps (DIR/packets.pcap, *.pcap.gz): raw packet bytes, so "
               "off by default; without it they stay on the host and are counted as withheld");
  app.add_flag(
      "--delete-after-upload", f.deleteAfterUpload,
      "delete each local file once its upload is verified (never open files or status.jsonl)");
  auto* dryRun =
      app.add_flag("--dry-run", f.dryRun, "print what would be uploaded; no network, no changes");
  app.add_option("--state-file", f.stateFile,
                 "what landed already; a lock file FILE.lock sits next to it")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("--max-retries", f.maxRetries,
                 "retries per request on 5xx, 429 and connection errors, 0..20")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  app.add_option("--retry-base-ms", f.retryBaseMs,
                 "first backoff ceiling in milliseconds, 1..60000; doubles per retry, with jitter")
      ->type_name("MS")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  app.add_option("--min-age-sec", f.minAgeSec,
                 "files modified fewer than this many seconds ago count as open, 0..604800")
      ->type_name("SECONDS")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{7 * 86400}));
  app.add_option(
         "--multipart-threshold-mib", f.multipartThresholdMib,
         "files of at least this many MiB, 1..5120, use multipart upload (S3 takes at most 5 GiB "
         "in one PUT)")
      ->type_name("MIB")
      ->capture_default_str()
      ->check(CLI::Range(1, 5 * 1024));
  app.add_option("--part-size-mib", f.partSizeMib, "multipart part size in MiB, 8..64")
      ->type_name("MIB")
      ->capture_default_str()
      ->check(CLI::Range(8, 64));
  app.add_option("--jobs", f.jobs,
                 "files uploaded at once, 1..16, each on its own connection (1: one after the "
                 "other); a multipart file also sends its parts over the connections of jobs "
                 "with no file left")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  app.add_flag("--sign-parts", f.signParts,
               "sign each multipart part's SHA-256 (x-amz-content-sha256) instead of sending it as "
               "UNSIGNED-PAYLOAD with a signed Content-MD5; for stores or bucket policies that "
               "require signed payloads (hashes every byte twice)");
  app.add_option("--metrics-file", f.metricsFile,
                 "write Prometheus metrics (node_exporter textfile format) to this *.prom file "
                 "at the end of the run; counters continue from the previous file")
      ->type_name("FILE")
      ->excludes(dryRun);
  app.add_flag("-v,--verbose", f.verbose, "per-file progress (-vv: debug)");
}

// Configuration errors a rerun cannot fix: each is logged and the run refused (exit 2) before
// anything is read from or sent to the bucket.
bool refuse(const std::vector<std::string>& problems, std::string_view hint) {
  constexpr std::size_t kShown = 10;
  for (std::size_t i = 0; i < problems.size() && i < kShown; ++i)
    log::error("refusing to start: {}", problems[i]);
  if (problems.size() > kShown) log::error("... and {} more", problems.size() - kShown);
  if (!problems.empty()) log::error("{} (docs/export.md, \"What is uploaded, and where\")", hint);
  return !problems.empty();
}

// `sum` receives the run's counts and failures (for --metrics-file), also when it stops early.
int run(const Flags& f, Summary& sum) {
  log::setVerbosity(f.verbose);
  DiscoveryOptions d;
  // Absolute paths, so the state file means the same files whatever the working directory.
  for (const auto& s : f.sources)
    d.sources.push_back(std::filesystem::absolute(s).lexically_normal());
  if (refuse(overlappingSources(d.sources), "export each directory once")) {
    ++sum.failures["config"];
    return 2;
  }

  auto lock = LockFile::acquire(f.stateFile + ".lock");
  if (!lock.ok()) {
    ++sum.failures["lock"];
    log::error("{}", lock.error().message);
    return 1;
  }
  std::string warning;
  ExportState::Map state = ExportState::load(f.stateFile, warning);
  if (!warning.empty()) log::warn("{}", warning);

  d.minAgeSec = f.minAgeSec;
  d.now = std::time(nullptr);
  Discovery found = discover(d);
  for (const auto& e : found.errors) log::error("{}", e);
  std::uint64_t discoveryErrors = found.errors.size();

  UploadOptions o;
  o.bucket = f.bucket;
  o.prefix = f.prefix;
  o.hostId = f.hostId.empty() ? hostName() : f.hostId;
  o.includeOpen = f.includeOpen;
  o.includePcaps = f.includePcaps;
  o.deleteAfterUpload = f.deleteAfterUpload;
  o.dryRun = f.dryRun;
  o.multipartThreshold = static_cast<std::uint64_t>(f.multipartThresholdMib) << 20;
  o.partSize = static_cast<std::uint64_t>(f.partSizeMib) << 20;
  o.signParts = f.signParts;
  o.stateFile = f.stateFile;

  // Every discovered file, selected or not: a pcap withheld today must not collide once the
  // operator passes --include-pcaps.
  if (refuse(keyCollisions(o.prefix, o.hostId, found.artefacts),
             "give every --input its own directory name")) {
    ++sum.failures["config"];
    return 2;
  }

  const bool anySelected = std::any_of(found.artefacts.begin(), found.artefacts.end(),
                                       [&](const Artefact& a) { return isSelected(a, o); });

  if (f.dryRun) {
    Uploader up(nullptr, o, std::move(state));
    sum = up.run(found.artefacts);
  } else {
    const std::string region = s3::resolveRegion(f.region);
    auto endpoint = s3::parseEndpoint(f.endpoint, region);
    if (!endpoint.ok()) {
      ++sum.failures["config"];
      log::error("--endpoint: {}", endpoint.error().message);
      return 2;
    }
    s3::BucketConfig bc{*endpoint, f.bucket, region,
                        f.pathStyle || s3::needsPathStyle(*endpoint, f.bucket)};
    auto creds = s3::resolveCredentials();
    if (!creds.ok()) {
      ++sum.failures["credentials"];
      log::error("{}", creds.error().message);
      return 1;
    }
    log::info("credentials from {}; endpoint {}://{} ({}-style), region {}", creds->source,
              bc.endpoint.scheme, bc.endpoint.hostPort, bc.pathStyle ? "path" : "virtual-hosted",
              region);
    s3::RetryPolicy policy;
    policy.maxRetries = f.maxRetries;
    policy.baseDelay = std::chrono::milliseconds(f.retryBaseMs);
    // One client (one connection, one curl handle) per worker: a handle is never shared.
    std::vector<std::unique_ptr<s3::S3Client>> clients;
    std::vector<s3::S3Client*> workers;
    for (int i = 0; i < f.jobs; ++i) {
      clients.push_back(std::make_unique<s3::S3Client>(bc, *creds, policy));
      workers.push_back(clients.back().get());
    }
    std::string probeError;
    if (anySelected) {
      // One cheap request proves credentials, bucket and permissions before any file is read.
      if (auto p = workers.front()->probeBucket(hostPrefix(o.prefix, o.hostId)); !p.ok()) {
        probeError = p.error().message;
        log::error("{}", probeError);
      }
    }
    installSignalHandlers();
    Uploader up(workers, o, std::move(state), &gStop);
    sum = up.run(found.artefacts, probeError);
    std::uint64_t requests = 0, retries = 0;
    for (const s3::S3Client* c : workers) {
      requests += c->requests();
      retries += c->retries();
    }
    // What the run cost the endpoint: one request per small file is the floor (docs/export.md).
    log::info("S3: {} request(s), {} retried ({} connection(s))", requests, retries, f.jobs);
  }
  if (discoveryErrors > 0) sum.failures["discovery"] += discoveryErrors;
  std::printf("ibsr-export: %s%s\n", f.dryRun ? "dry-run " : "", sum.line().c_str());
  std::fflush(stdout);
  return sum.failed == 0 && found.errors.empty() && !sum.stateUnsaved ? 0 : 1;
}

}  // namespace

int runS3Cli(int argc, char** argv) {
  CLI::App app{
      "Upload finished IBSR artefacts (snapshots, payload snapshots, status; incident pcaps only "
      "with --include-pcaps) to S3 or an S3-compatible store; verified and idempotent.",
      "ibsr-export s3"};
  cli::applyConvention(
      app,
      {.notes = "",
       .exitCodes =
           "  0  every selected file is in the bucket, verified (or --dry-run printed the plan)\n"
           "  1  a file failed to upload or verify, a directory could not be read, no\n"
           "     credentials, the state file could not be saved, or another run holds the\n"
           "     state file's lock: the next run retries\n"
           "  2  usage error, or a configuration a rerun cannot fix (overlapping --input\n"
           "     directories, two files for one key, a bad --endpoint); nothing was sent\n",
       .examples =
           "  ibsr-export s3 --bucket my-bucket --prefix ibsr --input /var/lib/ibsr/snapshots "
           "--dry-run\n"
           "  ibsr-export s3 --bucket my-bucket --region eu-west-1 --input "
           "/var/lib/ibsr/snapshots --input /var/lib/ibsr/incidents --include-pcaps\n"
           "  ibsr-export s3 --bucket test --endpoint http://127.0.0.1:9000 --input /tmp/ibsr "
           "--state-file /tmp/export-state.json\n"});
  Flags flags;
  addFlags(app, flags);
  if (auto exit = cli::parseCommandLine(app, argc, argv, "ibsr-export s3")) return *exit;
  Summary sum;
  const int status = run(flags, sum);
  if (!flags.metricsFile.empty())
    writeExportMetrics(flags.metricsFile, sum, status == 0,
                       static_cast<std::uint64_t>(std::time(nullptr)));
  return status;
}

}  // namespace ibsr::exporter
