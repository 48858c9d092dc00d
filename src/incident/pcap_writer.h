// Classic pcap (not pcapng): magic a1b2c3d4 in host byte order (microsecond timestamps), version
// 2.4, link type 1 (Ethernet), snaplen IBSR_INCIDENT_SNAPLEN. Each record stores the captured
// length and the frame's original length truthfully, so readers see truncated frames as such.
//
// Records are buffered and written with write(2) in whole batches. If a batch cannot be written
// completely (disk full), the file is truncated back to its last complete record and the batch
// is counted as lost: the file on disk is a valid pcap at every moment, and the counts say
// exactly how many records made it (takeCommitted) and how many did not (takeLost).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr::incident {

inline constexpr std::uint64_t kPcapHeaderBytes = 24;
inline constexpr std::uint64_t kPcapRecordHeaderBytes = 16;

class PcapWriter {
 public:
  PcapWriter() = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  PcapWriter(PcapWriter&& o) noexcept = default;
  PcapWriter& operator=(PcapWriter&& o) noexcept;
  ~PcapWriter();

  // Creates `path` (O_EXCL: an existing file is never overwritten) and writes the global header.
  static Result<PcapWriter> create(const std::string& path, std::uint32_t snaplen);

  // Appends one record to the buffer (tsUsec: Unix time in microseconds); writes the buffer out
  // when it is large. An error means the buffered batch was lost (see takeLost).
  Status write(std::uint64_t tsUsec, std::span<const std::uint8_t> data, std::uint32_t origLen);
  // Writes the buffered records, so a reader of the live file sees them.
  Status flush();
  // Flushes, fsyncs and closes; the writer is empty afterwards.
  Status close();

  bool isOpen() const { return fd_.valid(); }
  const std::string& path() const { return path_; }
  // Bytes in the file once the buffer is written (header included).
  std::uint64_t bytes() const { return committedBytes_ + buf_.size(); }
  // Records in this file, buffered ones included.
  std::uint64_t records() const { return committedRecords_ + pendingRecords_; }
  // Records written to disk / lost since the previous call.
  std::uint64_t takeCommitted();
  std::uint64_t takeLost();

 private:
  UniqueFd fd_;
  std::string path_;
  std::vector<std::uint8_t> buf_;
  std::uint64_t committedBytes_ = 0;
  std::uint64_t committedRecords_ = 0;
  std::uint64_t pendingRecords_ = 0;
  std::uint64_t newlyCommitted_ = 0;
  std::uint64_t newlyLost_ = 0;
};

}  // namespace ibsr::incident
