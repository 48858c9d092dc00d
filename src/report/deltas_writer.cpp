#include "report/deltas_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "report/report_data.h"

namespace ibsr::report {
namespace {

constexpr size_t kFlushBytes = size_t(1) << 20;

bool allZero(const Counters& c) {
  return (c.syn | c.ack | c.handshakeAck | c.rst | c.packets | c.bytes) == 0;
}

}  // namespace

DeltasWriter::DeltasWriter(std::string path, std::string hostId, const DataQuality& quality)
    : path_(std::move(path)), hostId_(std::move(hostId)), quality_(quality) {}

DeltasWriter::~DeltasWriter() {
  if (fd_ >= 0 && path_ != "-") {
    ::close(fd_);
    ::unlink((path_ + ".tmp").c_str());  // finish() was not reached: leave no partial file
  }
}

Status DeltasWriter::open() {
  if (path_ == "-") {
    fd_ = STDOUT_FILENO;
    return {};
  }
  const std::string tmp = path_ + ".tmp";
  fd_ = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return sysError("cannot create '" + tmp + "'");
  return {};
}

const std::string& DeltasWriter::rowPrefix(uint32_t stream) {
  if (stream >= prefixes_.size()) prefixes_.resize(size_t(stream) + 1);
  std::string& prefix = prefixes_[stream];
  if (prefix.empty()) {
    const StreamInfo& info = quality_.streams.at(stream);
    const std::string host = hostId_.empty() ? info.dir : hostId_;
    prefix = fmt::format(R"({{"v":1,"host":{},"stream":{},)", nlohmann::json(host).dump(),
                         nlohmann::json(streamName(info)).dump());
  }
  return prefix;
}

void DeltasWriter::onDelta(uint32_t stream, int64_t ts, int64_t durationSec, uint64_t key,
                           const Counters& delta, bool allowlisted) {
  // A key's idle intervals carry no evidence: thresholds are positive, so a window without
  // traffic from a key is never flagged, and every window's bounds travel in the rows.
  if (allZero(delta)) return;
  if (stream >= pending_.size()) pending_.resize(size_t(stream) + 1);
  pending_[stream].push_back(Pending{ts, durationSec, key, delta, allowlisted});
}

void DeltasWriter::onWindowClosed(uint32_t stream, int64_t start, int64_t end) {
  if (stream >= pending_.size()) return;
  std::vector<Pending>& rows = pending_[stream];
  for (const Pending& p : rows) {
    const Counters& d = p.delta;
    fmt::format_to(std::back_inserter(buffer_),
                   R"({}"ts":{},"interval_sec":{},"window_start":{},"window_end":{},)"
                   R"("key_type":"{}","source":"{}","dst_port":{},"allowlisted":{},)"
                   R"("syn":{},"ack":{},"handshake_ack":{},"rst":{},"packets":{},"bytes":{}}})"
                   "\n",
                   rowPrefix(stream), p.ts, p.duration, start, end, keyTypeName(keyType(p.key)),
                   formatKeyValue(p.key), keyPort(p.key), p.allowlisted ? 1 : 0, d.syn, d.ack,
                   d.handshakeAck, d.rst, d.packets, d.bytes);
    if (buffer_.size() >= kFlushBytes) flush();
  }
  rows_ += rows.size();
  rows.clear();
}

void DeltasWriter::flush() {
  size_t done = 0;
  while (error_.ok() && done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      error_ = sysError(path_ == "-" ? "cannot write deltas to stdout"
                                     : "cannot write '" + path_ + ".tmp'");
    else
      done += size_t(n);
  }
  buffer_.clear();
}

Status DeltasWriter::finish() {
  flush();
  if (path_ == "-" || fd_ < 0) return error_;
  const std::string tmp = path_ + ".tmp";
  const int fd = fd_;
  fd_ = -1;
  if (error_.ok() && (::fsync(fd) != 0 || ::close(fd) != 0)) {
    error_ = sysError("cannot write '" + tmp + "'");
  } else if (!error_.ok()) {
    ::close(fd);
  }
  if (error_.ok() && ::rename(tmp.c_str(), path_.c_str()) != 0)
    error_ = sysError("cannot rename '" + tmp + "' to '" + path_ + "'");
  if (!error_.ok()) ::unlink(tmp.c_str());
  return error_;
}

}  // namespace ibsr::report
