// Where sampled frames go: {out-dir}/{tag}-{ts}/packets.pcap, one file at a time. A new file
// (in a new directory) is started by a trigger (rotate) or when the next record would take the
// file beyond --max-pcap-bytes; every file is closed cleanly (flush + fsync) before the next one
// is opened, so each finished file is a complete pcap.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "incident/pcap_writer.h"
#include "incident/status.h"

namespace ibsr::incident {

class PcapSink {
 public:
  PcapSink(std::string outDir, std::optional<std::string> archiveDir,
           std::optional<std::uint64_t> maxBytes, const WallClock& clock, IncidentStats& stats)
      : outDir_(std::move(outDir)),
        archiveDir_(std::move(archiveDir)),
        maxBytes_(maxBytes),
        clock_(clock),
        stats_(stats) {}

  // The first file of the run; its directory also receives status.jsonl.
  Status open(const std::string& tag, std::uint64_t ts);
  // Closes the current file and starts {tag}-{ts}/packets.pcap (a trigger).
  Status rotate(const std::string& tag, std::uint64_t ts);
  // Appends one record, rotating first if it would exceed --max-pcap-bytes. Records count as
  // events_written once they are on disk and as events_write_errors if their batch could not be
  // written (disk full); the first failure per file is logged.
  void write(std::uint64_t tsUsec, std::span<const std::uint8_t> data, std::uint32_t origLen);
  void flush();
  Status close();

  // Called between closing a file and opening the next one (the disk budget makes room there).
  void setBeforeNewFile(std::function<void()> f) { beforeNewFile_ = std::move(f); }

  const std::string& runDir() const { return runDir_; }  // first directory of the run
  const std::string& currentDir() const { return currentDir_; }
  std::string currentFile() const { return writer_.isOpen() ? writer_.path() : std::string(); }

 private:
  Status start(const std::string& tag, std::uint64_t ts);
  void harvest();  // moves the writer's committed/lost counts into stats_
  void logWriteError(const Status& st);

  std::string outDir_;
  std::optional<std::string> archiveDir_;
  std::optional<std::uint64_t> maxBytes_;
  const WallClock& clock_;
  IncidentStats& stats_;
  std::string tag_;
  std::string runDir_;
  std::string currentDir_;
  PcapWriter writer_;
  bool loggedWriteError_ = false;
  std::chrono::steady_clock::time_point nextRetry_{};
  std::function<void()> beforeNewFile_;
};

}  // namespace ibsr::incident
