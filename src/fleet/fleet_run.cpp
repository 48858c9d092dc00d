#include "fleet/fleet_run.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/log.h"
#include "fleet/fleet_index.h"
#include "fleet/fleet_store.h"
#include "fleet/gap_scan.h"
#include "fleet/host_process.h"
#include "fleet/host_summary.h"
#include "fleet/report_upload.h"

namespace ibsr::fleet {
namespace {

namespace fs = std::filesystem;

struct Context {
  const FleetOptions& options;
  FleetStore& store;
  std::optional<S3Location> bucket;  // set for an s3:// input
  std::optional<s3::BucketConfig> bucketConfig;
  s3::Credentials credentials;
  std::string work;  // private directory for the hosts' outputs and stderr, removed at the end
};

s3::S3Client makeClient(const Context& c) {
  return s3::S3Client(*c.bucketConfig, c.credentials, s3::RetryPolicy{});
}

std::string bucketUrl(const Context& c, const std::string& key) {
  return "s3://" + c.bucket->bucket + "/" + key;
}

std::vector<std::string> filesIn(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Copies the files into `dest` (created), replacing what is there: a rerun rewrites the same bytes.
Status copyFolder(const std::string& dir, const std::vector<std::string>& files,
                  const fs::path& dest) {
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) return plainError("cannot create '" + dest.string() + "': " + ec.message());
  for (const std::string& name : files) {
    fs::copy_file(fs::path(dir) / name, dest / name, fs::copy_options::overwrite_existing, ec);
    if (ec) return plainError("cannot write '" + (dest / name).string() + "': " + ec.message());
  }
  return {};
}

// Where a host's report set goes, written or uploaded; the host's error on failure.
void deliver(const Context& c, HostResult& h, const std::string& outDir) {
  const std::string folder = "reports/" + h.period + "/";
  if (!c.options.outDir.empty()) {
    const fs::path dest = fs::path(c.options.outDir) / h.host / folder;
    if (Status st = copyFolder(outDir, h.reportFiles, dest); !st.ok()) {
      h.error = st.error().message;
      return;
    }
    h.reportLocation = dest.string();
  }
  if (c.options.upload) {
    s3::S3Client client = makeClient(c);
    const std::string keyFolder = folderKey(c.bucket->prefix, h.host) + folder;
    UploadCount count;
    Status st = uploadFolder(client, outDir, h.reportFiles, keyFolder, count);
    h.uploaded = count.uploaded;
    h.skipped = count.skipped;
    if (!st.ok()) {
      h.error = "upload: " + st.error().message;
      return;
    }
    h.reportLocation = bucketUrl(c, keyFolder);
  }
}

HostResult reportHost(const Context& c, const std::string& host) {
  HostResult h;
  h.host = host;
  const std::string outDir = c.work + "/out/" + host;
  // A heartbeat or a gap scan that could not be read fails the host: shown as "no heartbeat" or
  // "no gaps" it would be a wrong all-clear. A rerun repeats it.
  auto heartbeat = c.store.heartbeat(host);
  if (!heartbeat.ok()) {
    h.error = "heartbeat: " + heartbeat.error().message;
    return h;
  }
  h.heartbeat = *heartbeat;

  auto snapshots = c.store.snapshots(host);
  if (!snapshots.ok()) {
    h.error = snapshots.error().message;
    return h;
  }
  auto payload = c.store.payload(host);
  if (!payload.ok()) {
    h.error = payload.error().message;
    return h;
  }
  std::vector<std::string> args = {"--input", *snapshots, "-o", outDir};
  // collect-payload statistics, exported beside the snapshots: the report's application layer.
  if (*payload) args.insert(args.end(), {"--input", **payload});
  if (c.bucket) {  // the host's run reads the bucket the way the fleet does
    if (!c.options.endpoint.empty()) args.insert(args.end(), {"--endpoint", c.options.endpoint});
    if (!c.options.region.empty()) args.insert(args.end(), {"--region", c.options.region});
    if (c.options.pathStyle) args.push_back("--path-style");
  }
  args.insert(args.end(), c.options.reportArgs.begin(), c.options.reportArgs.end());
  ChildOutcome child = runChild(args, c.work + "/" + host + ".stderr");
  h.exitCode = child.exitCode;
  h.stderrTail = child.stderrTail;
  if (!child.error.empty()) h.error = child.error;

  if (h.error.empty()) {
    if (Status st = readHostSummary(outDir + "/summary.json", h); !st.ok())
      h.error = st.error().message;
  }
  if (h.error.empty()) {
    auto gaps =
        findGaps(*snapshots, c.options.maxLineBytes,
                 report::S3Settings{c.options.endpoint, c.options.region, c.options.pathStyle});
    if (gaps.ok())
      h.gaps = std::move(gaps).value();
    else
      h.error = "gap scan: " + gaps.error().message;
  }
  if (!h.error.empty()) return h;
  h.reportOk = true;
  h.reportFiles = filesIn(outDir);
  deliver(c, h, outDir);
  return h;
}

// Writes the index files and returns an error message, or "" when they landed.
std::string writeIndex(const Context& c, const FleetIndex& index, UploadCount& count,
                       std::string& location) {
  const std::string period = index.period.empty() ? "empty" : index.period;
  const std::string dir = c.work + "/" + kFleetFolder;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"fleet.json", renderFleetJson(index)},
      {"fleet.md", renderFleetMarkdown(index)},
      {"index.html", renderFleetHtml(index)}};
  std::vector<std::string> names;
  for (const auto& [name, content] : files) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << content;
    if (!out.flush()) return "cannot write '" + dir + "/" + name + "'";
    names.push_back(name);
  }
  if (!c.options.outDir.empty()) {
    const fs::path dest = fs::path(c.options.outDir) / kFleetFolder / period;
    if (Status st = copyFolder(dir, names, dest); !st.ok()) return st.error().message;
    location = dest.string();
  }
  if (c.options.upload) {
    s3::S3Client client = makeClient(c);
    const std::string keyFolder = folderKey(c.bucket->prefix, kFleetFolder) + period + "/";
    if (Status st = uploadFolder(client, dir, names, keyFolder, count); !st.ok())
      return "upload: " + st.error().message;
    location = bucketUrl(c, keyFolder);
  }
  return "";
}

std::vector<HostResult> reportAll(const Context& c, const std::vector<std::string>& hosts) {
  std::vector<HostResult> results(hosts.size());
  std::atomic<size_t> next{0};
  std::mutex printing;
  auto worker = [&] {
    for (size_t i = next++; i < hosts.size(); i = next++) {
      results[i] = reportHost(c, hosts[i]);
      const HostResult& h = results[i];
      std::lock_guard<std::mutex> lock(printing);
      if (h.reportOk && h.error.empty())
        std::cout << fmt::format("{}: {} {} -> {}\n", h.host, h.verdict, h.period,
                                 h.reportLocation);
      else
        log::error("{}: failed: {}{}", h.host, h.error,
                   h.stderrTail.empty() ? "" : " (last: " + h.stderrTail.back() + ")");
    }
  };
  std::vector<std::thread> threads;
  const size_t count = std::min<size_t>(c.options.jobs, hosts.size());
  for (size_t t = 0; t < count; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  return results;
}

int runWithStore(Context& c) {
  auto hosts = c.store.hosts();
  if (!hosts.ok()) {
    log::error("{}", hosts.error().message);
    return kExitFailed;
  }
  if (hosts->empty()) {
    log::error("no host under {} (a host is a folder HOST/ with a snapshots/ folder)",
               c.store.describe());
    return kExitFailed;
  }
  std::vector<HostResult> results = reportAll(c, *hosts);
  FleetIndex index = buildIndex(c.store.describe(), std::move(results), c.options.nowTs,
                                c.options.heartbeatStaleSec);
  UploadCount indexCount;
  std::string location;
  std::string indexError = writeIndex(c, index, indexCount, location);
  if (!indexError.empty())
    log::error("fleet index: {}", indexError);
  else
    std::cout << "fleet index: " << location << "\n";

  uint64_t uploaded = indexCount.uploaded, skipped = indexCount.skipped, failed = 0;
  for (const HostResult& h : index.hosts) {
    uploaded += h.uploaded;
    skipped += h.skipped;
    failed += hostStatus(h) == "failed";
  }
  std::cout << fmt::format(
      "ibsr-report fleet: hosts={} failed={} heartbeat_stopped={} shared_sources={} uploaded={} "
      "skipped={}\n",
      index.hosts.size(), failed,
      std::count_if(index.hosts.begin(), index.hosts.end(),
                    [](const HostResult& h) { return h.heartbeatStopped; }),
      index.shared.size(), uploaded, skipped);
  return failed == 0 && indexError.empty() ? kExitOk : kExitFailed;
}

}  // namespace

int runFleet(const FleetOptions& options) {
  log::setVerbosity(options.verbosity);
  std::unique_ptr<FleetStore> store;
  std::optional<S3Location> bucket = parseS3Url(options.input);
  std::optional<s3::BucketConfig> config;
  s3::Credentials credentials;
  if (options.input.rfind("s3://", 0) == 0) {
    if (!bucket) {
      log::error("--input: '{}' is not s3://BUCKET[/PREFIX]", options.input);
      return kExitUsage;
    }
    const std::string region = s3::resolveRegion(options.region);
    auto endpoint = s3::parseEndpoint(options.endpoint, region);
    if (!endpoint.ok()) {
      log::error("--endpoint: {}", endpoint.error().message);
      return kExitUsage;
    }
    auto creds = s3::resolveCredentials();
    if (!creds.ok()) {
      log::error("{}", creds.error().message);
      return kExitFailed;
    }
    credentials = *creds;
    config = s3::BucketConfig{*endpoint, bucket->bucket, region,
                              options.pathStyle || s3::needsPathStyle(*endpoint, bucket->bucket)};
    store = makeS3Store(*bucket, *config, credentials, s3::RetryPolicy{});
  } else {
    std::error_code ec;
    if (!fs::is_directory(options.input, ec)) {
      log::error("--input: '{}' is not a directory or s3://BUCKET/PREFIX", options.input);
      return kExitFailed;
    }
    bucket.reset();
    store = makeLocalStore(options.input);
  }
  std::string tmpl = (fs::temp_directory_path() / "ibsr-fleet-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    log::error("cannot create a scratch directory in {}: {}", fs::temp_directory_path().string(),
               std::strerror(errno));
    return kExitFailed;
  }
  Context c{options, *store, bucket, config, credentials, tmpl};
  int rc = runWithStore(c);
  std::error_code ec;
  fs::remove_all(tmpl, ec);
  return rc;
}

int fleetMain(int argc, char** argv) {
  auto parsed = parseFleetOptions(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  return runFleet(std::get<FleetOptions>(parsed));
}

}  // namespace ibsr::fleet
