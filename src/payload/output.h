// Writes one interval: the payload line to OUT_DIR/payload_YYYYMMDDHH.jsonl (UTC hour of the
// timestamp), the heartbeat to OUT_DIR/status.jsonl, then hourly retention of payload_ files.
// Fail-open: a failed write is logged and counted, collection continues and the next interval
// tries again (the directory is recreated if it vanished). Only statistics are written: no
// payload byte reaches the disk.
#pragma once

#include <cstdint>
#include <string>

#include "core/rotation.h"
#include "payload/snapshot.h"

namespace ibsr::payload {

// Cumulative counters for the heartbeat.
struct StatusCounters {
  std::uint64_t eventsReceived = 0;
  std::uint64_t ringbufDrops = 0;
  std::uint64_t flowsTracked = 0;  // current
  std::uint64_t flowsEvicted = 0;
  std::uint64_t flowsIdleClosed = 0;
  std::uint64_t parseErrors = 0;
  std::uint64_t gaps = 0;
  std::uint64_t incompleteBodies = 0;
  std::uint64_t unpairedResponses = 0;
  std::uint64_t droppedSources = 0;
};

class OutputWriter {
 public:
  OutputWriter(std::string outDir, RotationPolicy policy);

  void write(const PayloadSnapshot& snapshot, const StatusCounters& status);

  std::string payloadPath(std::uint64_t ts) const;
  std::string statusPath() const { return outDir_ + "/status.jsonl"; }
  std::uint64_t snapshotsWritten() const { return snapshotsWritten_; }
  std::uint64_t writeErrors() const { return writeErrors_; }

 private:
  bool append(const std::string& path, const std::string& line);

  std::string outDir_;
  RotationPolicy policy_;
  std::uint64_t cycle_ = 0;
  std::uint64_t snapshotsWritten_ = 0;
  std::uint64_t writeErrors_ = 0;
};

}  // namespace ibsr::payload
