#include "report/options.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/command_line.h"
#include "export/s3_client.h"
#include "export/s3_flags.h"
#include "report/model.h"

namespace ibsr::report {
namespace {

// The names of every format, or of the default ones, as the command line lists them.
std::string formatNames(std::string_view separator, bool defaultsOnly = false) {
  std::vector<std::string_view> names;
  for (const ReportFormat& format : reportFormats()) {
    if (format.byDefault || !defaultsOnly) names.push_back(format.name);
  }
  return fmt::format("{}", fmt::join(names, separator));
}

// The files the default formats write (byDefault), or those the others write.
std::string outputFileNames(bool byDefault) {
  std::vector<std::string> names;
  for (const ReportFormat& format : reportFormats()) {
    if (format.byDefault != byDefault) continue;
    for (const ReportFile& file : format.files)
      names.push_back(file.writtenWhen == nullptr
                          ? std::string(file.name)
                          : std::string(file.name) + " (with payload input)");
    if (!format.streamedFile.empty()) names.emplace_back(format.streamedFile);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string helpDescription() {
  return "Turns IBSR snapshot files (and collect-payload statistics) into evidence: which sources "
         "a conservative SYN-churn (or RPC) rule would block, what that would cost, and whether "
         "enforcement is ready. Outputs (in "
         "--out-dir): " +
         outputFileNames(true) + ", and " + outputFileNames(false) + " on request.";
}

std::optional<std::string> parseFormats(const std::string& text, std::set<std::string>& out) {
  std::set<std::string> formats;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!findReportFormat(item))
      return "unknown format '" + item + "' (expected " + formatNames(", ") + ")";
    formats.insert(item);
  }
  if (formats.empty()) return std::string("no output format given");
  out = formats;
  return std::nullopt;
}

std::optional<std::string> parsePorts(const std::string& text, std::vector<uint16_t>& out) {
  std::vector<uint16_t> ports;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno != 0 || v < 1 || v > 65535 || item[0] == '-' ||
        item[0] == '+')
      return "'" + item + "' is not a port in 1..65535";
    ports.push_back(uint16_t(v));
  }
  if (ports.empty()) return std::string("no port given");
  out = ports;
  return std::nullopt;
}

// Range checks shared by flags and config; nullopt when fine.
std::optional<std::string> checkPositive(double v) {
  if (!std::isfinite(v) || v <= 0) return std::string("must be a positive number");
  return std::nullopt;
}
std::optional<std::string> checkRatio(double v) {
  if (!std::isfinite(v) || v < 0 || v > 1) return std::string("must be a number in 0..1");
  return std::nullopt;
}
std::optional<std::string> checkMinRequests(uint64_t v) {
  if (v < 1) return std::string("must be an integer >= 1");
  return std::nullopt;
}
// "other" is the collector's merged rest of the methods, never one method: it cannot be expensive.
std::optional<std::string> checkMethodName(const std::string& name) {
  if (name.empty()) return std::string("must not be an empty method name");
  if (name == "other")
    return std::string("\"other\" is the collector's merged rest of the methods, not a method");
  return std::nullopt;
}
constexpr int64_t kMaxSeconds = 10LL * 365 * 86400;  // ten years: keeps time arithmetic exact
std::optional<std::string> checkSeconds(int64_t v) {
  if (v <= 0 || v > kMaxSeconds) return fmt::format("must be an integer in 1..{}", kMaxSeconds);
  return std::nullopt;
}

// Applies one config key. Returns an error text for a wrong type or value.
std::optional<std::string> applyConfigKey(const std::string& key, const nlohmann::json& v,
                                          Options& o) {
  AnalysisConfig& a = o.analysis;
  auto number = [&](double& dst, auto check) -> std::optional<std::string> {
    if (!v.is_number()) return std::string("must be a number");
    double d = v.get<double>();
    if (auto e = check(d)) return e;
    dst = d;
    return std::nullopt;
  };
  auto integer = [&](int64_t& dst) -> std::optional<std::string> {
    if (!v.is_number_integer()) return std::string("must be an integer");
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(kMaxSeconds))
      return checkSeconds(-1);
    int64_t n = v.get<int64_t>();
    if (auto e = checkSeconds(n)) return e;
    dst = n;
    return std::nullopt;
  };
  if (key == "dst_port" || key == "dst_ports") {  // dst_ports: the old name, for one release
    if (v.is_string()) return parsePorts(v.get<std::string>(), a.dstPorts);
    if (!v.is_array() || v.empty()) return std::string("must be a list of ports");
    std::vector<uint16_t> ports;
    for (const auto& p : v) {
      if (!p.is_number_unsigned() || p.get<uint64_t>() < 1 || p.get<uint64_t>() > 65535)
        return std::string("must be a list of ports in 1..65535");
      ports.push_back(uint16_t(p.get<uint64_t>()));
    }
    a.dstPorts = ports;
    return std::nullopt;
  }
  if (key == "allowlist") {
    if (!v.is_string()) return std::string("must be a file name");
    o.allowlistPath = v.get<std::string>();
    return std::nullopt;
  }
  if (key == "window_sec") return integer(a.windowSec);
  if (key == "block_duration_sec") return integer(a.blockDurationSec);
  if (key == "syn_rate_threshold") return number(a.synRateThreshold, checkPositive);
  if (key == "success_ratio_threshold") return number(a.successRatioThreshold, checkRatio);
  if (key == "fp_safe_ratio") return number(a.fpSafeRatio, checkRatio);
  if (key == "vol_syn_rate") return number(a.volSynRate, checkPositive);
  if (key == "vol_pkt_rate") return number(a.volPktRate, checkPositive);
  if (key == "vol_byte_rate") return number(a.volByteRate, checkPositive);
  if (key == "rpc_amplification") return number(a.rpc.amplification, checkPositive);
  if (key == "rpc_response_byte_rate") return number(a.rpc.responseByteRate, checkPositive);
  if (key == "rpc_request_rate") return number(a.rpc.requestRate, checkPositive);
  if (key == "rpc_calls_per_request") return number(a.rpc.callsPerRequest, checkPositive);
  if (key == "rpc_error_ratio") return number(a.rpc.errorRatio, checkRatio);
  if (key == "rpc_expensive_share") return number(a.rpc.expensiveShare, checkRatio);
  if (key == "rpc_expensive_rate") return number(a.rpc.expensiveRate, checkPositive);
  if (key == "rpc_fp_error_ratio") return number(a.rpc.fpErrorRatio, checkRatio);
  if (key == "rpc_min_requests") {
    if (!v.is_number_unsigned() || v.get<uint64_t>() < 1) return checkMinRequests(0);
    a.rpc.minRequests = v.get<uint64_t>();
    return std::nullopt;
  }
  if (key == "rpc_expensive_methods") {
    if (!v.is_array()) return std::string("must be a list of method names");
    std::vector<std::string> methods;
    for (const auto& m : v) {
      if (!m.is_string()) return std::string("must be a list of method names");
      if (auto e = checkMethodName(m.get<std::string>())) return e;
      methods.push_back(m.get<std::string>());
    }
    a.rpc.expensiveMethods = methods;  // [] turns RPC_EXPENSIVE_METHODS off
    return std::nullopt;
  }
  if (key == "min_samples_for_fp") {
    if (!v.is_number_unsigned()) return std::string("must be a non-negative integer");
    a.minSamplesForFp = v.get<uint64_t>();
    return std::nullopt;
  }
  if (key == "min_observation_sec") {
    if (v.is_number_integer() && v == 0) {  // 0 turns the gate off
      a.minObservationSec.reset();
      return std::nullopt;
    }
    int64_t n = 0;
    if (auto e = integer(n)) return e;
    a.minObservationSec = n;
    return std::nullopt;
  }
  if (key == "require_multi_window") {
    if (!v.is_boolean()) return std::string("must be true or false");
    a.requireMultiWindow = v.get<bool>();
    return std::nullopt;
  }
  if (key == "first_snapshot") {
    if (!v.is_string() || (v != "counted" && v != "baseline"))
      return std::string("must be \"counted\" or \"baseline\"");
    a.firstSnapshotBaseline = v == "baseline";
    return std::nullopt;
  }
  if (key == "generated_at") {
    std::optional<int64_t> t;
    if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(kMaxTimestamp))
      t = v.get<int64_t>();
    if (v.is_string()) t = parseTime(v.get<std::string>());
    if (!t) return std::string("must be Unix seconds or YYYY-MM-DDTHH:MM:SSZ");
    o.generatedAt = t;
    return std::nullopt;
  }
  if (key == "format") {
    if (v.is_string()) return parseFormats(v.get<std::string>(), o.formats);
    if (!v.is_array()) return std::string("must be a list of formats");
    std::string joined;
    for (const auto& f : v) {
      if (!f.is_string()) return std::string("must be a list of formats");
      joined += (joined.empty() ? "" : ",") + f.get<std::string>();
    }
    return parseFormats(joined, o.formats);
  }
  if (key == "max_line_bytes") {
    if (!v.is_number_unsigned() || v.get<uint64_t>() < 1024 ||
        v.get<uint64_t>() > (uint64_t(1) << 32))
      return std::string("must be an integer in 1024..4294967296");
    o.maxLineBytes = size_t(v.get<uint64_t>());
    return std::nullopt;
  }
  return std::string("unknown setting");
}

std::optional<std::string> loadConfig(const std::string& path, Options& o) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("cannot open config '{}': {}", path, std::strerror(errno));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    return fmt::format("config '{}': invalid JSON: {}", path, e.what());
  }
  if (!j.is_object()) return fmt::format("config '{}': must be a JSON object", path);
  for (const auto& [key, value] : j.items()) {
    if (auto err = applyConfigKey(key, value, o))
      return fmt::format("config '{}': \"{}\" {}", path, key, *err);
  }
  return std::nullopt;
}

}  // namespace

std::variant<Options, int> parseOptions(int argc, char** argv) {
  Options o;
  const AnalysisConfig def;
  CLI::App app{helpDescription(), "ibsr-report"};
  cli::applyConvention(
      app,
      {.notes = "For every host of a bucket at once: ibsr-report fleet --help (docs/fleet.md).",
       .exitCodes =
           "  0  the report was written\n"
           "  1  no valid input, an unreadable input, or an output that cannot be written\n"
           "  2  usage error: an unknown flag or a bad value (one line on stderr)\n"
           "  3  the allowlist or the --config file is wrong (named on stderr)\n",
       .examples =
           "  ibsr-report --input /var/lib/ibsr/snapshots -o ./report\n"
           "  ibsr-report --input host-a/ --input extra.jsonl.zst -o out --format md,json,nft -p "
           "8899\n"
           "  ibsr-report --input snapshots/ -o out --allowlist allow.txt --window-sec 60\n"});
  app.option_defaults()->always_capture_default();

  std::vector<std::string> dstPorts, oldShortInput;
  std::string formats = formatNames(",", /*defaultsOnly=*/true), generatedAt,
              firstSnapshot = "counted", configPath;
  int64_t windowSec = def.windowSec, blockSec = def.blockDurationSec, minObs = 0;
  double synRate = def.synRateThreshold, ratio = def.successRatioThreshold,
         fpSafe = def.fpSafeRatio;
  double volSyn = def.volSynRate, volPkt = def.volPktRate, volByte = def.volByteRate;
  uint64_t minSamples = def.minSamplesForFp;
  const RpcConfig& rdef = def.rpc;
  double rpcAmp = rdef.amplification, rpcRespRate = rdef.responseByteRate,
         rpcReqRate = rdef.requestRate, rpcCalls = rdef.callsPerRequest,
         rpcErrors = rdef.errorRatio, rpcShare = rdef.expensiveShare,
         rpcExpRate = rdef.expensiveRate, rpcFpErrors = rdef.fpErrorRatio;
  uint64_t rpcMinRequests = rdef.minRequests;
  std::vector<std::string> rpcMethods;
  size_t maxLine = o.maxLineBytes;
  bool multi = false;

  auto positive = CLI::Validator(
      [](std::string& s) {
        double v = std::strtod(s.c_str(), nullptr);
        auto e = checkPositive(v);
        return e ? *e : std::string();
      },
      "POSITIVE");
  auto ratioCheck = CLI::Validator(
      [](std::string& s) {
        double v = std::strtod(s.c_str(), nullptr);
        auto e = checkRatio(v);
        return e ? *e : std::string();
      },
      "0..1");
  auto seconds = CLI::Range(int64_t(1), kMaxSeconds);

  const std::string secondsRange = fmt::format(", 1..{}", kMaxSeconds);
  app.add_option("--input", o.inputs,
                 "Snapshot or payload file or directory (searched recursively for "
                 "snapshot_*.jsonl, snapshot6_*.jsonl and payload_*.jsonl, also .jsonl.gz, "
                 ".jsonl.zst), or s3://BUCKET/PREFIX (a "
                 "folder, searched the same way, or one object); repeat it for more (required)")
      ->type_name("PATH");
  std::string from, to;
  app.add_option("--from", from,
                 "Read only hourly files whose hour (in the file name) ends after this time: "
                 "Unix seconds or YYYY-MM-DDTHH[:MM[:SS]]Z")
      ->type_name("TIME");
  app.add_option("--to", to,
                 "Read only hourly files whose hour begins before this time (exclusive), same "
                 "forms as --from")
      ->type_name("TIME");
  s3::addConnectionFlags(app, o.s3.endpoint, o.s3.region, o.s3.pathStyle, "s3:// inputs: ");
  // Tuning knobs for the benchmark (bench/report/s3_bench.sh), not for operators.
  size_t chunkMib = o.s3.chunkBytes >> 20;
  bool noPrefetch = false;
  app.add_option("--s3-chunk-mib", chunkMib)->group("")->check(CLI::Range(size_t(1), size_t(64)));
  app.add_flag("--s3-no-prefetch", noPrefetch)->group("");
  // -i was --input's short name; it now means --interface everywhere (docs/cli.md),
  // so here it is refused with the new spelling rather than accepted.
  app.add_option("-i", oldShortInput)->group("");
  app.add_option(cli::withOldNames(app, "-o,--out-dir", {"--output-dir"}), o.outDir,
                 "Directory for the outputs (created if missing)")
      ->type_name("DIR")
      ->required();
  app.add_option("--config", configPath,
                 "JSON file with any of the settings below in snake_case (e.g. window_sec); flags "
                 "override it")
      ->type_name("FILE");
  app.add_option(cli::withOldNames(app, "-p,--dst-port", {"--dst-ports"}), dstPorts,
                 "Destination port to analyse: repeat it or give a comma list (default: every "
                 "port seen)")
      ->type_name("PORT");
  app.add_option("--allowlist", o.allowlistPath,
                 "File of IPv4/IPv6 addresses and CIDRs never to block, one per line, '#' "
                 "comments")
      ->type_name("FILE");
  app.add_option("--window-sec", windowSec, "Evaluation window in seconds" + secondsRange)
      ->type_name("SECONDS")
      ->check(seconds);
  app.add_option("--syn-rate-threshold", synRate, "SYN-churn: minimum SYNs per second, > 0")
      ->type_name("RATE")
      ->check(positive);
  app.add_option("--success-ratio-threshold", ratio,
                 "SYN-churn: maximum handshake_ack/syn ratio, 0..1")
      ->type_name("RATIO")
      ->check(ratioCheck);
  app.add_option("--block-duration-sec", blockSec,
                 "Duration of a simulated block, renewed while flagged" + secondsRange)
      ->type_name("SECONDS")
      ->check(seconds);
  app.add_option("--fp-safe-ratio", fpSafe,
                 "Blocked sources with a whole-input success ratio at least this (0..1) look "
                 "legitimate (FP bound)")
      ->type_name("RATIO")
      ->check(ratioCheck);
  app.add_option("--min-samples-for-fp", minSamples,
                 "Fewer non-allowlisted sources than this make the FP bound UNKNOWN")
      ->type_name("N");
  app.add_option("--vol-syn-rate", volSyn, "Volumetric: SYNs per second, > 0")
      ->type_name("RATE")
      ->check(positive);
  app.add_option("--vol-pkt-rate", volPkt, "Volumetric: packets per second, > 0")
      ->type_name("RATE")
      ->check(positive);
  app.add_option("--vol-byte-rate", volByte, "Volumetric: bytes per second, > 0")
      ->type_name("RATE")
      ->check(positive)
      ->default_str("1000000");
  app.add_option("--rpc-amplification", rpcAmp,
                 "RPC_AMPLIFICATION: minimum response bytes / request bytes of a window, > 0")
      ->type_name("RATIO")
      ->check(positive);
  app.add_option("--rpc-response-byte-rate", rpcRespRate,
                 "RPC_AMPLIFICATION: minimum response bytes per second of a window, > 0")
      ->type_name("RATE")
      ->check(positive)
      ->default_str("1000000");
  app.add_option("--rpc-request-rate", rpcReqRate, "RPC_FLOOD: minimum requests per second, > 0")
      ->type_name("RATE")
      ->check(positive);
  app.add_option("--rpc-calls-per-request", rpcCalls,
                 "RPC_BATCH_FANOUT: minimum JSON-RPC calls per HTTP request, > 0")
      ->type_name("N")
      ->check(positive);
  app.add_option("--rpc-error-ratio", rpcErrors,
                 "RPC_ERROR_STORM: minimum share of error responses (HTTP 4xx/5xx or JSON-RPC "
                 "errors), 0..1")
      ->type_name("RATIO")
      ->check(ratioCheck);
  app.add_option("--rpc-min-requests", rpcMinRequests,
                 "RPC_BATCH_FANOUT and RPC_ERROR_STORM: minimum requests in a window, >= 1")
      ->type_name("N")
      ->check(CLI::Validator(
          [](std::string& text) {
            // Checked on the text: an unsigned conversion would wrap "-3" around.
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
            if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) ||
                *end != '\0' || errno != 0)
              return std::string("must be an integer >= 1");
            return checkMinRequests(v).value_or(std::string());
          },
          ">= 1"));
  app.add_option("--rpc-expensive-method", rpcMethods,
                 fmt::format("RPC_EXPENSIVE_METHODS: a JSON-RPC method counted as expensive (exact "
                             "name); repeat it for more; replaces the default list: {}",
                             fmt::join(rdef.expensiveMethods, ", ")))
      ->type_name("NAME")
      ->default_str("");
  app.add_option("--rpc-expensive-share", rpcShare,
                 "RPC_EXPENSIVE_METHODS: minimum share of calls to expensive methods, 0..1")
      ->type_name("RATIO")
      ->check(ratioCheck);
  app.add_option("--rpc-expensive-rate", rpcExpRate,
                 "RPC_EXPENSIVE_METHODS: minimum expensive calls per second, > 0")
      ->type_name("RATE")
      ->check(positive);
  app.add_option("--rpc-fp-error-ratio", rpcFpErrors,
                 "Blocked RPC sources with a whole-input error ratio below this (0..1) and "
                 "amplification below --rpc-amplification look legitimate (FP bound)")
      ->type_name("RATIO")
      ->check(ratioCheck);
  app.add_option("--first-snapshot", firstSnapshot,
                 "counted: a key's first values are its first delta; baseline: the first snapshot "
                 "of the input is only a starting point (input begins mid-run)")
      ->type_name("MODE")
      ->check(CLI::IsMember({"counted", "baseline"}));
  app.add_option("--min-observation-sec", minObs,
                 "NOT SAFE if the streams together cover less than this many seconds; 0 turns "
                 "the gate off")
      ->type_name("SECONDS")
      ->check(CLI::Range(int64_t(0), kMaxSeconds))
      ->default_str(std::to_string(kDefaultMinObservationSec));
  app.add_flag("--require-multi-window", multi,
               "Stricter gate: NOT SAFE if a blocked source has only single-window episodes");
  app.add_option(
         "--generated-at", generatedAt,
         "Report time, Unix seconds or YYYY-MM-DDTHH:MM:SSZ (default: last snapshot's time)")
      ->type_name("TIME");
  app.add_option("--format", formats, "Comma-separated outputs: " + formatNames(", "))
      ->type_name("LIST");
  app.add_option("--host-id", o.hostId,
                 "deltas: the host column of every row (default: the stream's directory as "
                 "--input names it)")
      ->type_name("NAME");
  app.add_option("--deltas-out", o.deltasOut,
                 "deltas: write the rows to PATH instead of OUT_DIR/deltas.jsonl; - is stdout "
                 "(the other messages then go to stderr)")
      ->type_name("PATH");
  app.add_option("--max-line-bytes", maxLine,
                 "Longer snapshot lines are skipped with a warning, 1024..4294967296")
      ->type_name("BYTES")
      ->check(CLI::Range(size_t(1024), size_t(1) << 32));
  app.add_flag("-v,--verbose", o.verbosity, "More logging (repeat for debug)");

  if (auto exit = cli::parseCommandLine(app, argc, argv, "ibsr-report")) return *exit;
  if (!oldShortInput.empty())
    return cli::usageError("ibsr-report",
                           "-i is no longer accepted: write --input PATH (-i means --interface "
                           "in ibsr)");
  // Checked here, not by CLI11, so that "-i PATH" gets the message above.
  if (o.inputs.empty()) return cli::usageError("ibsr-report", "--input is required");

  auto usage = [](const std::string& flag, const std::string& why) {
    return cli::usageError("ibsr-report", flag + ": " + why);
  };

  if (!configPath.empty()) {
    if (auto err = loadConfig(configPath, o)) {
      std::cerr << "ibsr-report: " << *err << "\n";
      return kExitConfig;
    }
  }
  auto given = [&](const char* name) { return app.get_option(name)->count() > 0; };
  AnalysisConfig& a = o.analysis;
  if (given("--dst-port"))
    if (auto err = parsePorts(fmt::format("{}", fmt::join(dstPorts, ",")), a.dstPorts))
      return usage("--dst-port", *err);
  if (given("--window-sec")) a.windowSec = windowSec;
  if (given("--syn-rate-threshold")) a.synRateThreshold = synRate;
  if (given("--success-ratio-threshold")) a.successRatioThreshold = ratio;
  if (given("--block-duration-sec")) a.blockDurationSec = blockSec;
  if (given("--fp-safe-ratio")) a.fpSafeRatio = fpSafe;
  if (given("--min-samples-for-fp")) a.minSamplesForFp = minSamples;
  if (given("--vol-syn-rate")) a.volSynRate = volSyn;
  if (given("--vol-pkt-rate")) a.volPktRate = volPkt;
  if (given("--vol-byte-rate")) a.volByteRate = volByte;
  RpcConfig& rpc = a.rpc;
  if (given("--rpc-amplification")) rpc.amplification = rpcAmp;
  if (given("--rpc-response-byte-rate")) rpc.responseByteRate = rpcRespRate;
  if (given("--rpc-request-rate")) rpc.requestRate = rpcReqRate;
  if (given("--rpc-calls-per-request")) rpc.callsPerRequest = rpcCalls;
  if (given("--rpc-error-ratio")) rpc.errorRatio = rpcErrors;
  if (given("--rpc-min-requests")) rpc.minRequests = rpcMinRequests;
  if (given("--rpc-expensive-share")) rpc.expensiveShare = rpcShare;
  if (given("--rpc-expensive-rate")) rpc.expensiveRate = rpcExpRate;
  if (given("--rpc-fp-error-ratio")) rpc.fpErrorRatio = rpcFpErrors;
  if (given("--rpc-expensive-method")) {
    for (const std::string& m : rpcMethods)
      if (auto err = checkMethodName(m)) return usage("--rpc-expensive-method", *err);
    rpc.expensiveMethods = rpcMethods;
  }
  if (given("--first-snapshot")) a.firstSnapshotBaseline = firstSnapshot == "baseline";
  if (given("--min-observation-sec"))
    a.minObservationSec = minObs == 0 ? std::nullopt : std::optional<int64_t>(minObs);
  if (given("--require-multi-window")) a.requireMultiWindow = multi;
  if (given("--max-line-bytes")) o.maxLineBytes = maxLine;
  if (given("--format"))
    if (auto err = parseFormats(formats, o.formats)) return usage("--format", *err);
  if ((given("--deltas-out") || given("--host-id")) && o.formats.count("deltas") == 0)
    return usage(given("--deltas-out") ? "--deltas-out" : "--host-id",
                 "only applies to --format deltas");
  if (given("--deltas-out") && o.deltasOut.empty()) return usage("--deltas-out", "empty path");
  // Checked here so that a bad endpoint is a usage error (exit 2), as in ibsr-export.
  if (given("--endpoint"))
    if (auto e = s3::parseEndpoint(o.s3.endpoint, "us-east-1"); !e.ok())
      return usage("--endpoint", e.error().message);
  o.s3.chunkBytes = chunkMib << 20;
  o.s3.prefetch = !noPrefetch;
  if (given("--from")) {
    o.range.from = parseRangeTime(from);
    if (!o.range.from)
      return usage("--from", "must be Unix seconds or YYYY-MM-DDTHH[:MM[:SS]]Z (UTC)");
  }
  if (given("--to")) {
    o.range.to = parseRangeTime(to);
    if (!o.range.to) return usage("--to", "must be Unix seconds or YYYY-MM-DDTHH[:MM[:SS]]Z (UTC)");
  }
  if (o.range.from && o.range.to && *o.range.to <= *o.range.from)
    return usage("--to", "must be later than --from");
  if (given("--generated-at")) {
    o.generatedAt = parseTime(generatedAt);
    if (!o.generatedAt)
      return usage("--generated-at", "must be Unix seconds or YYYY-MM-DDTHH:MM:SSZ");
  }
  return o;
}

}  // namespace ibsr::report
