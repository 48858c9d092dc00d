// Prometheus metrics in the node_exporter textfile-collector format (--metrics-file PATH).
//
// Formatted by hand: Debian bookworm ships no prometheus-cpp (`apt-cache policy
// libprometheus-cpp-dev` finds nothing), and the text format of a few gauges and counters is
// small: "# HELP", "# TYPE", one sample per label set, label values escaped. The output is
// sorted (families by name, samples by labels), so two writes of the same values are
// byte-identical. docs/metrics.md lists every metric.
//
// The file is replaced atomically: PATH.tmp in the same directory is written, fsynced and renamed
// over PATH, so node_exporter (which reads only *.prom) never sees half a file. A failed write
// never stops a collector: it is a warning once per streak of failures and a counter
// (ibsr_metrics_write_errors_total) in the next file that does get written.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace ibsr::metrics {

enum class Type { Gauge, Counter };

using Labels = std::vector<std::pair<std::string, std::string>>;

// One exposition: families of samples, rendered in a stable order.
class Exposition {
 public:
  // Adds one sample of family `name` (a valid metric name; counters end in _total). The first
  // sample of a family fixes its type and help text.
  void add(const std::string& name, Type type, std::string_view help, Labels labels,
           std::uint64_t value);
  std::string text() const;

 private:
  struct Family {
    Type type = Type::Gauge;
    std::string help;
    std::map<Labels, std::uint64_t> samples;
  };
  std::map<std::string, Family> families_;
};

// {mode="MODE"} plus {interface="IFACE"} when `iface` is not empty: the labels every sample of a
// mode carries, so one node_exporter can read the files of several modes and interfaces.
Labels modeLabels(std::string_view mode, std::string_view iface = {});

// `value` with \, " and newline escaped as the text format requires inside a label value.
std::string escapeLabelValue(std::string_view value);

// How a sample is written before its value: name, or name{k="v",...} with escaped values.
std::string sampleKey(std::string_view name, const Labels& labels);

// Writes `text` to PATH.tmp, fsyncs it and renames it over `path`; on failure PATH.tmp is
// removed and `path` is left as it was.
Status replaceFile(const std::string& path, std::string_view text);

// The samples of a file this writer wrote: "name{labels}" -> value. A missing file is an empty
// map; lines that are not samples are ignored. ibsr-export carries its counters from one run to
// the next with it.
std::map<std::string, std::uint64_t> readSamples(const std::string& path);

// The --metrics-file of one process. Disabled (write() does nothing) when the path is empty.
class MetricsFile {
 public:
  // `labels` go on ibsr_metrics_write_errors_total.
  MetricsFile(std::string path, Labels labels);

  bool enabled() const { return !path_.empty(); }
  // Adds ibsr_metrics_write_errors_total and replaces the file. Returns whether it was written.
  bool write(Exposition exposition);
  std::uint64_t writeErrors() const { return writeErrors_; }

 private:
  std::string path_;
  Labels labels_;
  std::uint64_t writeErrors_ = 0;
  bool failing_ = false;
};

}  // namespace ibsr::metrics
