#include "export/file_digest.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ibsr::exporter {
namespace {

constexpr std::size_t kBuffer = 1 << 20;

Result<std::size_t> preadFull(int fd, char* buf, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return sysError("read failed");
    if (r == 0) return plainError("file shrank while being read");
    done += static_cast<std::size_t>(r);
  }
  return done;
}

}  // namespace

Result<FileDigest> digestFile(int fd, std::uint64_t length, std::uint64_t partSize) {
  FileDigest d;
  d.length = length;
  if (partSize == 0 || partSize >= length) partSize = std::max<std::uint64_t>(length, 1);
  // One part: its digests are the file's, so hash once. Several: the whole-file SHA-256 is
  // needed besides the parts' (the whole-file MD5 is not: a multipart ETag is built from parts).
  const bool split = partSize < length;
  std::vector<char> buf(kBuffer);
  s3::DualHasher part;
  s3::Sha256Hasher whole;
  std::uint64_t offset = 0;
  do {
    PartDigest p;
    p.offset = offset;
    p.length = std::min(partSize, length - offset);
    std::uint64_t left = p.length;
    while (left > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
      auto r = preadFull(fd, buf.data(), n, offset);
      if (!r.ok()) return r.error();
      if (split) whole.update(buf.data(), n);
      part.update(buf.data(), n);
      offset += n;
      left -= n;
    }
    part.finish(p.md5, p.sha256);
    d.parts.push_back(p);
  } while (offset < length);
  if (split) {
    d.sha256 = whole.finish();
  } else {
    d.md5 = d.parts[0].md5;
    d.sha256 = d.parts[0].sha256;
  }
  return d;
}

PartHasher::PartHasher(int fd, std::uint64_t length, std::uint64_t partSize, std::size_t ahead)
    : fd_(fd),
      length_(length),
      partSize_(std::max<std::uint64_t>(partSize, 1)),
      ahead_(ahead),
      thread_([this] { run(); }) {}

PartHasher::~PartHasher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void PartHasher::run() {
  try {
    std::vector<char> buf(kBuffer);
    s3::DualHasher hasher;
    s3::Sha256Hasher whole;
    for (std::uint64_t offset = 0; offset < length_;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return cancelled_ || ready_.size() < ahead_; });
        if (cancelled_) return;
      }
      PartDigest p;
      p.offset = offset;
      p.length = std::min(partSize_, length_ - offset);
      for (std::uint64_t done = 0; done < p.length;) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(p.length - done, buf.size()));
        auto r = preadFull(fd_, buf.data(), n, offset + done);
        if (!r.ok()) {
          std::lock_guard<std::mutex> lock(mutex_);
          error_ = r.error();
          changed_.notify_all();
          return;
        }
        hasher.update(buf.data(), n);
        whole.update(buf.data(), n);
        done += n;
      }
      hasher.finish(p.md5, p.sha256);
      offset += p.length;
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.push_back(p);
      changed_.notify_all();
    }
    const s3::Sha256 sha = whole.finish();
    std::lock_guard<std::mutex> lock(mutex_);
    whole_ = sha;
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = plainError(e.what());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = true;
  changed_.notify_all();
}

Result<std::optional<PartDigest>> PartHasher::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !ready_.empty() || error_ || finished_; });
  if (!ready_.empty()) {
    PartDigest p = ready_.front();
    ready_.pop_front();
    changed_.notify_all();
    return std::optional<PartDigest>(p);
  }
  if (error_) return *error_;
  return std::optional<PartDigest>();
}

std::string multipartEtag(const std::vector<PartDigest>& parts) {
  std::string concat;
  for (const auto& p : parts)
    concat.append(reinterpret_cast<const char*>(p.md5.data()), p.md5.size());
  return s3::toHex(s3::md5(concat)) + "-" + std::to_string(parts.size());
}

bool isMd5Etag(const std::string& etag) {
  const auto isHex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  if (etag.size() < 32 || !std::all_of(etag.begin(), etag.begin() + 32, isHex)) return false;
  if (etag.size() == 32) return true;
  return etag[32] == '-' && etag.size() > 33 &&
         std::all_of(etag.begin() + 33, etag.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::uint64_t> completeLinesLength(int fd, std::uint64_t size) {
  std::vector<char> buf(64 * 1024);
  std::uint64_t end = size;
  while (end > 0) {
    const std::uint64_t start = end > buf.size() ? end - buf.size() : 0;
    const auto n = static_cast<std::size_t>(end - start);
    auto r = preadFull(fd, buf.data(), n, start);
    if (!r.ok()) return r.error();
    for (std::size_t i = n; i > 0; --i) {
      if (buf[i - 1] == '\n') return start + i;
    }
    end = start;
  }
  return std::uint64_t{0};
}

}  // namespace ibsr::exporter
