// Finds snapshot files under the -i paths and delivers their snapshots in timestamp order (ties by
// file, then line), each tagged with its stream (REPORT.md "Streams"). Files are merged lazily: a
// file is opened only when its first snapshot is due, so normally one file per stream is open at a
// time and memory holds one snapshot per open file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/result.h"
#include "report/hour_range.h"
#include "report/model.h"

namespace ibsr::report {

class LineReader;

// What a file holds: counter snapshots (snapshot_, snapshot6_) or application-layer statistics
// (payload_). Discovered files are routed by name; a plain file argument with another name by the
// kind of its first non-blank line.
enum class InputKind : uint8_t { Counters, Payload };

struct InputFile {
  std::string path;     // as opened
  std::string display;  // relative to its -i argument (stable across machines)
  std::string dir;      // its directory as the -i argument names it: the stream's label
  std::string dirKey;   // the same directory made absolute: the stream's identity
  // snapshot_ files hold IPv4 sources, snapshot6_ files IPv6 ones: the two are written side by
  // side by one collector, each with its own counters, so each family is its own stream.
  IpFamily family = IpFamily::V4;
  // Set for an S3 object (path is then s3://BUCKET/KEY): what the listing said, so the read can
  // be ranged and refuse a replaced object.
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;
  InputKind kind = InputKind::Counters;
};

// One collector's snapshots: one directory, one run_id, one part. A directory is cut into parts
// when one of its files begins while another of its files is still being read: two collectors
// without run_ids wrote there (or a clock went back), and their counters must not be mixed.
struct StreamInfo {
  std::string dir;
  IpFamily family = IpFamily::V4;
  std::string runId;  // empty for v3/v4 lines
  uint32_t part = 0;  // 0, or 1.. for the parts a split added
  int64_t firstTs = 0;
  int64_t lastTs = 0;
  uint64_t snapshots = 0;
};

// Everything that went wrong with the input and was survived; reported in the data-quality section.
struct DataQuality {
  uint64_t files = 0;
  uint64_t lines = 0;
  uint64_t blankLines = 0;
  uint64_t snapshots = 0;       // valid snapshot lines delivered
  uint64_t malformedLines = 0;  // bad JSON, wrong types, missing fields, duplicates...
  uint64_t tornLastLines = 0;   // subset of malformedLines: a final line with no newline
  uint64_t oversizedLines = 0;
  uint64_t outOfOrderLines = 0;  // earlier timestamp than the previous snapshot of the file
  uint64_t counterResets = 0;    // filled in by the analysis
  uint64_t bucketsOutsidePorts = 0;
  uint64_t zeroDurationIntervals = 0;
  uint64_t streamSplits = 0;        // parts added because files of one directory overlapped
  std::vector<StreamInfo> streams;  // in order of their first snapshot
  // One stream and no split: the outputs then omit the stream listing, as before streams existed.
  bool singleStream() const { return streams.size() <= 1; }
  // Whether any IPv6 (snapshot6_) stream was read: the outputs then show the families apart.
  bool anyIpv6Stream() const {
    for (const StreamInfo& s : streams)
      if (s.family == IpFamily::V6) return true;
    return false;
  }
};

// Deltas are computed per stream key; the stream index is packed above the key's 50 bits.
inline constexpr size_t kMaxStreams = size_t(1) << 14;

// Recursively lists snapshot_*.jsonl[.gz|.zst], snapshot6_*.jsonl[.gz|.zst] and
// payload_*.jsonl[.gz|.zst] under directories, each with its kind; plain file arguments are taken
// as given, their kind by name (payload_) or else by their first non-blank line. Sorted by path
// for a deterministic tie order. With a time range, only files whose hour (in the name) overlaps
// it.
Result<std::vector<InputFile>> findInputFiles(const std::vector<std::string>& paths,
                                              const HourRange& range = {});

struct IngestOptions {
  size_t maxLineBytes = 256u << 20;
  size_t maxWarnings = 50;  // per run; the counts are always complete
  bool silent = false;      // a second pass over input already reported on
  // Opens a file's reader; empty: InputFile::path as a local file.
  std::function<Status(const InputFile&, LineReader&)> open;
};

// Calls `sink` for every valid snapshot of the Counters files in order (Payload files are
// ingestPayload()'s). Fails on unreadable files and on unsupported schema versions (a line from a
// collector we do not understand is not something to skip).
Status ingest(const std::vector<InputFile>& files, const IngestOptions& options, DataQuality& dq,
              const std::function<void(const Snapshot&)>& sink);

}  // namespace ibsr::report
