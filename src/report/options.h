// Command line and --config handling for ibsr-report. Precedence: defaults < config file < flags.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "report/config.h"
#include "report/formats.h"
#include "report/hour_range.h"
#include "report/s3_source.h"

namespace ibsr::report {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInput = 1;   // no valid input, unreadable input, write failure
inline constexpr int kExitUsage = 2;   // bad flags
inline constexpr int kExitConfig = 3;  // allowlist or config file errors

struct Options {
  std::vector<std::string> inputs;
  std::string outDir;
  AnalysisConfig analysis;
  std::string allowlistPath;
  std::optional<int64_t> generatedAt;
  std::set<std::string> formats = defaultReportFormats();
  std::string hostId;     // the deltas' host column; empty: each stream's directory
  std::string deltasOut;  // where --format deltas writes; empty: OUT_DIR/deltas.jsonl, "-": stdout
  size_t maxLineBytes = 256u << 20;
  int verbosity = 0;
  HourRange range;  // --from/--to
  S3Settings s3;    // --endpoint, --region, --path-style for s3:// inputs
};

// Either options or the exit code to stop with (help and errors are already printed).
std::variant<Options, int> parseOptions(int argc, char** argv);

}  // namespace ibsr::report
