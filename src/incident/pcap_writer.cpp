#include "incident/pcap_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ibsr::incident {
namespace {

// Large enough to make the write syscalls rare at high sample rates, small enough that the
// loop's per-iteration flush keeps the live file current.
constexpr std::size_t kFlushBytes = 64 * 1024;

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

// All of `len` bytes or an errno (a short write on a regular file means no space).
int writeAll(int fd, const std::uint8_t* p, std::size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ENOSPC;
    p += n;
    len -= static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

PcapWriter& PcapWriter::operator=(PcapWriter&& o) noexcept {
  if (this != &o) {
    (void)close();
    fd_ = std::move(o.fd_);
    path_ = std::move(o.path_);
    buf_ = std::move(o.buf_);
    committedBytes_ = std::exchange(o.committedBytes_, 0);
    committedRecords_ = std::exchange(o.committedRecords_, 0);
    pendingRecords_ = std::exchange(o.pendingRecords_, 0);
    newlyCommitted_ = std::exchange(o.newlyCommitted_, 0);
    newlyLost_ = std::exchange(o.newlyLost_, 0);
  }
  return *this;
}

PcapWriter::~PcapWriter() {
  (void)close();
}

Result<PcapWriter> PcapWriter::create(const std::string& path, std::uint32_t snaplen) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!fd.valid()) return sysError("cannot create '" + path + "'");
  PcapFileHeader h;
  h.snaplen = snaplen;
  if (int err = writeAll(fd.get(), reinterpret_cast<const std::uint8_t*>(&h), sizeof(h)); err) {
    ::unlink(path.c_str());  // a headerless file would not be a pcap
    return sysError("cannot write '" + path + "'", err);
  }
  PcapWriter w;
  w.fd_ = std::move(fd);
  w.path_ = path;
  w.committedBytes_ = sizeof(h);
  w.buf_.reserve(kFlushBytes + 512);
  return w;
}

Status PcapWriter::write(std::uint64_t tsUsec, std::span<const std::uint8_t> data,
                         std::uint32_t origLen) {
  if (!fd_.valid()) return plainError("pcap file is not open");
  PcapRecordHeader h{static_cast<std::uint32_t>(tsUsec / 1000000),
                     static_cast<std::uint32_t>(tsUsec % 1000000),
                     static_cast<std::uint32_t>(data.size()), origLen};
  const auto* hp = reinterpret_cast<const std::uint8_t*>(&h);
  buf_.insert(buf_.end(), hp, hp + sizeof(h));
  buf_.insert(buf_.end(), data.begin(), data.end());
  ++pendingRecords_;
  if (buf_.size() >= kFlushBytes) return flush();
  return {};
}

Status PcapWriter::flush() {
  if (!fd_.valid() || buf_.empty()) return {};
  int err = writeAll(fd_.get(), buf_.data(), buf_.size());
  if (err) {
    // Part of the batch may be on disk: cut the file back to its last complete record.
    Status st = sysError("cannot write '" + path_ + "'", err);
    if (::ftruncate(fd_.get(), static_cast<off_t>(committedBytes_)) != 0 ||
        ::lseek(fd_.get(), static_cast<off_t>(committedBytes_), SEEK_SET) < 0)
      st = sysError("cannot write '" + path_ + "' nor truncate it back to its last record");
    newlyLost_ += pendingRecords_;
    pendingRecords_ = 0;
    buf_.clear();
    return st;
  }
  committedBytes_ += buf_.size();
  committedRecords_ += pendingRecords_;
  newlyCommitted_ += pendingRecords_;
  pendingRecords_ = 0;
  buf_.clear();
  return {};
}

Status PcapWriter::close() {
  if (!fd_.valid()) return {};
  Status result = flush();
  if (::fsync(fd_.get()) != 0 && result.ok()) result = sysError("cannot fsync '" + path_ + "'");
  if (::close(fd_.release()) != 0 && result.ok()) result = sysError("cannot close '" + path_ + "'");
  return result;
}

std::uint64_t PcapWriter::takeCommitted() {
  return std::exchange(newlyCommitted_, 0);
}
std::uint64_t PcapWriter::takeLost() {
  return std::exchange(newlyLost_, 0);
}

}  // namespace ibsr::incident
