// Writes one payload interval through the core hourly writer: the payload line to
// OUT_DIR/payload_YYYYMMDDHH.jsonl (UTC hour of the timestamp), the heartbeat to
// OUT_DIR/status.jsonl, then hourly retention of payload_ files. Fail-open like every hourly
// artefact (core/hourly_jsonl.h). Only statistics are written: no payload byte reaches the disk.
#pragma once

#include <cstdint>
#include <string>

#include "core/hourly_jsonl.h"
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
  // policy.prefix is set to the payload artefact's name.
  OutputWriter(std::string outDir, RotationPolicy policy);

  void write(const PayloadSnapshot& snapshot, const StatusCounters& status);

  std::string payloadPath(std::uint64_t ts) const { return writer_.hourPath(ts); }
  std::string statusPath() const { return writer_.statusPath(); }
  const HourlyWriterStats& stats() const { return writer_.stats(); }
  std::uint64_t snapshotsWritten() const { return writer_.stats().recordsWritten; }
  std::uint64_t cycle() const { return writer_.stats().cycle; }
  std::uint64_t writeErrors() const { return writer_.stats().writeErrors; }

 private:
  HourlyJsonlWriter writer_;
};

}  // namespace ibsr::payload
