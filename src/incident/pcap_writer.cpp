#include "incident/pcap_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace ibsr::incident {
namespace {

struct PcapFileHeader {
  std::uint32_t magic = 0xa1b2c3d4;
  std::uint16_t versionMajor = 2;
  std::uint16_t versionMinor = 4;
  std::int32_t thiszone = 0;
  std::uint32_t sigfigs = 0;
  std::uint32_t snaplen = 0;
  std::uint32_t linktype = 1;  // LINKTYPE_ETHERNET
};
static_assert(sizeof(PcapFileHeader) == kPcapHeaderBytes);

struct PcapRecordHeader {
  std::uint32_t tsSec;
  std::uint32_t tsUsec;
  std::uint32_t capLen;
  std::uint32_t origLen;
};
static_assert(sizeof(PcapRecordHeader) == kPcapRecordHeaderBytes);

}  // namespace

PcapWriter::PcapWriter(PcapWriter&& o) noexcept
    : file_(std::exchange(o.file_, nullptr)),
      path_(std::move(o.path_)),
      bytes_(std::exchange(o.bytes_, 0)),
      records_(std::exchange(o.records_, 0)) {}

PcapWriter& PcapWriter::operator=(PcapWriter&& o) noexcept {
  if (this != &o) {
    (void)close();
    file_ = std::exchange(o.file_, nullptr);
    path_ = std::move(o.path_);
    bytes_ = std::exchange(o.bytes_, 0);
    records_ = std::exchange(o.records_, 0);
  }
  return *this;
}

PcapWriter::~PcapWriter() { (void)close(); }

Result<PcapWriter> PcapWriter::create(const std::string& path, std::uint32_t snaplen) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return sysError("cannot create '" + path + "'");
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    Error e = sysError("cannot open '" + path + "'");
    ::close(fd);
    return e;
  }
  PcapWriter w;
  w.file_ = f;
  w.path_ = path;
  PcapFileHeader h;
  h.snaplen = snaplen;
  if (std::fwrite(&h, sizeof(h), 1, f) != 1) return sysError("cannot write '" + path + "'");
  w.bytes_ = sizeof(h);
  if (Status st = w.flush(); !st.ok()) return st.error();
  return w;
}

Status PcapWriter::write(std::uint64_t tsUsec, std::span<const std::uint8_t> data,
                         std::uint32_t origLen) {
  if (!file_) return plainError("pcap file is not open");
  PcapRecordHeader h{static_cast<std::uint32_t>(tsUsec / 1000000),
                     static_cast<std::uint32_t>(tsUsec % 1000000),
                     static_cast<std::uint32_t>(data.size()), origLen};
  if (std::fwrite(&h, sizeof(h), 1, file_) != 1 ||
      (!data.empty() && std::fwrite(data.data(), data.size(), 1, file_) != 1)) {
    Error e = sysError("cannot write '" + path_ + "'");
    std::clearerr(file_);
    return e;
  }
  bytes_ += sizeof(h) + data.size();
  ++records_;
  return {};
}

Status PcapWriter::flush() {
  if (!file_) return {};
  if (std::fflush(file_) != 0) {
    Error e = sysError("cannot write '" + path_ + "'");
    std::clearerr(file_);
    return e;
  }
  return {};
}

Status PcapWriter::close() {
  if (!file_) return {};
  Status result = flush();
  if (result.ok() && ::fsync(::fileno(file_)) != 0) result = sysError("cannot fsync '" + path_ + "'");
  if (std::fclose(file_) != 0 && result.ok()) result = sysError("cannot close '" + path_ + "'");
  file_ = nullptr;
  return result;
}

}  // namespace ibsr::incident
