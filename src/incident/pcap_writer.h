// Classic pcap (not pcapng): magic a1b2c3d4 in host byte order (microsecond timestamps), version
// 2.4, link type 1 (Ethernet), snaplen IBSR_INCIDENT_SNAPLEN. Each record stores the captured
// length and the frame's original length truthfully, so readers see truncated frames as such.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "core/result.h"

namespace ibsr::incident {

inline constexpr std::uint64_t kPcapHeaderBytes = 24;
inline constexpr std::uint64_t kPcapRecordHeaderBytes = 16;

class PcapWriter {
 public:
  PcapWriter() = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  PcapWriter(PcapWriter&& o) noexcept;
  PcapWriter& operator=(PcapWriter&& o) noexcept;
  ~PcapWriter();

  // Creates `path` (O_EXCL: an existing file is never overwritten) and writes the global header.
  static Result<PcapWriter> create(const std::string& path, std::uint32_t snaplen);

  // Appends one record (buffered). tsUsec is Unix time in microseconds.
  Status write(std::uint64_t tsUsec, std::span<const std::uint8_t> data, std::uint32_t origLen);
  // Pushes buffered records to the kernel, so a reader of the live file sees them.
  Status flush();
  // Flushes, fsyncs and closes; the writer is empty afterwards.
  Status close();

  bool isOpen() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  // Bytes in the file once everything buffered is flushed (header included).
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t records() const { return records_; }

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  std::uint64_t bytes_ = 0;
  std::uint64_t records_ = 0;
};

}  // namespace ibsr::incident
