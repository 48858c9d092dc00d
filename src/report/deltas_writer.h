// ibsr-report --format deltas: the analysis's per-interval deltas as ClickHouse JSONEachRow
// (docs/clickhouse.md, docs/schemas/report-deltas-v1.schema.json). Rows are held back until
// their stream's evaluation window closes, so every row carries its window's exact bounds and
// the SQL only has to group by them: the window grouping is the report's, never re-derived.
// Memory is one open window of deltas per stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/delta_sink.h"
#include "report/input_set.h"

namespace ibsr::report {

class DeltasWriter : public DeltaSink {
 public:
  // `path` "-" is stdout; otherwise rows go to PATH.tmp, renamed to PATH by finish(). An empty
  // `hostId` names each row's host after its stream's directory as --input names it.
  DeltasWriter(std::string path, std::string hostId, const DataQuality& quality);
  ~DeltasWriter() override;
  DeltasWriter(const DeltasWriter&) = delete;
  DeltasWriter& operator=(const DeltasWriter&) = delete;

  Status open();
  void onDelta(uint32_t stream, int64_t ts, int64_t durationSec, uint64_t key,
               const Counters& delta, bool allowlisted) override;
  void onWindowClosed(uint32_t stream, int64_t start, int64_t end) override;
  // Flushes, and for a file fsyncs and renames it into place. The first write error, if any.
  Status finish();
  uint64_t rows() const { return rows_; }
  const std::string& path() const { return path_; }

 private:
  struct Pending {
    int64_t ts;
    int64_t duration;
    uint64_t key;
    Counters delta;
    bool allowlisted;
  };
  const std::string& rowPrefix(uint32_t stream);
  void flush();

  std::string path_;
  std::string hostId_;
  const DataQuality& quality_;
  int fd_ = -1;
  std::vector<std::vector<Pending>> pending_;  // per stream: the open window's deltas
  std::vector<std::string> prefixes_;          // per stream: the row's constant leading columns
  std::string buffer_;
  Status error_;
  uint64_t rows_ = 0;
};

}  // namespace ibsr::report
