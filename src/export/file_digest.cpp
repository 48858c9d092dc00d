#include "export/file_digest.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>

#include "export/md5_multibuffer.h"

namespace ibsr::exporter {
namespace {

constexpr std::size_t kBuffer = 1 << 20;
// Bytes read per lane per round when parts are hashed in lanes: all lanes' buffers together fit
// in the L2 cache, and a read is still long enough that the system calls cost little.
constexpr std::size_t kLaneChunk = 128 * 1024;

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

namespace {

PartHashing normalised(PartHashing how) {
  how.threads = std::max<std::size_t>(how.threads, 1);
  how.ahead = std::max<std::size_t>(how.ahead, 1);
  how.multiBuffer = how.multiBuffer && !how.partSha256 && s3::md5LanesAccelerated();
  if (how.multiBuffer) how.ahead = std::max(how.ahead, 2 * s3::kMd5Lanes);
  return how;
}

}  // namespace

PartHasher::PartHasher(int fd, std::uint64_t length, std::uint64_t partSize, PartHashing how)
    : fd_(fd),
      length_(length),
      partSize_(std::max<std::uint64_t>(partSize, 1)),
      partCount_((length + partSize_ - 1) / partSize_),
      how_(normalised(how)) {
  try {
    threads_.emplace_back([this] { hashWhole(); });
    if (how_.multiBuffer && partCount_ > 0) {
      threads_.emplace_back([this] { hashPartsInLanes(); });
    } else {
      for (std::size_t i = 0; i < how_.threads && i < partCount_; ++i)
        threads_.emplace_back([this] { hashParts(); });
    }
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
    throw;
  }
}

PartHasher::~PartHasher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void PartHasher::hashParts() {
  std::vector<char> buf;
  std::unique_ptr<s3::DualHasher> hasher;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] {
      return cancelled_ || claimed_ >= partCount_ || error_ || claimed_ < taken_ + how_.ahead;
    });
    if (cancelled_ || claimed_ >= partCount_ || error_) return;
    const std::uint64_t index = claimed_++;
    lock.unlock();
    PartDigest p;
    p.offset = index * partSize_;
    p.length = std::min(partSize_, length_ - p.offset);
    std::optional<Error> failed;
    try {
      if (!hasher) {
        buf.resize(kBuffer);
        hasher = std::make_unique<s3::DualHasher>(how_.partSha256);
      }
      for (std::uint64_t done = 0; done < p.length && !failed;) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(p.length - done, buf.size()));
        auto r = preadFull(fd_, buf.data(), n, p.offset + done);
        if (!r.ok()) {
          failed = r.error();
        } else {
          hasher->update(buf.data(), n);
          done += n;
        }
      }
      if (failed) {
        hasher.reset();  // mid-part state: start the next part from scratch
      } else {
        hasher->finish(p.md5, p.sha256);
      }
    } catch (const std::exception& e) {
      failed = plainError(e.what());
    }
    lock.lock();
    publish(index, p, std::move(failed));
  }
}

void PartHasher::publish(std::uint64_t index, PartDigest p, std::optional<Error> failed) {
  if (failed) {
    if (!error_ || error_->first > index) error_.emplace(index, std::move(*failed));
  } else {
    ready_.emplace(index, p);
  }
  changed_.notify_all();
}

void PartHasher::hashPartsInLanes() {
  std::vector<char> buf;
  std::unique_ptr<s3::Md5Lanes> lanes;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // A batch starts when the window has room for all its parts: the lanes run in step, so a
    // part started alone would be hashed by the scalar code at a quarter of the speed.
    const auto batchOf = [this] {
      return static_cast<std::size_t>(
          std::min<std::uint64_t>(s3::kMd5Lanes, partCount_ - std::min(claimed_, partCount_)));
    };
    changed_.wait(lock, [&] {
      return cancelled_ || claimed_ >= partCount_ || error_ ||
             claimed_ + batchOf() <= taken_ + how_.ahead;
    });
    if (cancelled_ || claimed_ >= partCount_ || error_) return;
    const std::uint64_t first = claimed_;
    const std::size_t count = batchOf();
    claimed_ += count;
    lock.unlock();
    std::array<PartDigest, s3::kMd5Lanes> parts{};
    std::array<std::optional<Error>, s3::kMd5Lanes> failed{};
    try {
      if (!lanes) {
        buf.resize(s3::kMd5Lanes * kLaneChunk);
        lanes = std::make_unique<s3::Md5Lanes>();
      }
      for (std::size_t i = 0; i < count; ++i) {
        parts[i].offset = (first + i) * partSize_;
        parts[i].length = std::min(partSize_, length_ - parts[i].offset);
      }
      for (std::uint64_t done = 0;; done += kLaneChunk) {
        std::array<const void*, s3::kMd5Lanes> data{};
        std::array<std::size_t, s3::kMd5Lanes> size{};
        bool any = false;
        for (std::size_t i = 0; i < count; ++i) {
          if (failed[i] || done >= parts[i].length) continue;
          char* into = buf.data() + i * kLaneChunk;
          const auto n =
              static_cast<std::size_t>(std::min<std::uint64_t>(parts[i].length - done, kLaneChunk));
          auto r = preadFull(fd_, into, n, parts[i].offset + done);
          if (!r.ok()) {
            failed[i] = r.error();  // the other lanes go on: their parts may still be good
            continue;
          }
          data[i] = into;
          size[i] = n;
          any = true;
        }
        if (!any) break;
        lanes->update(data, size);
        std::lock_guard<std::mutex> stop(mutex_);
        if (cancelled_) return;
      }
      for (std::size_t i = 0; i < count; ++i) parts[i].md5 = lanes->finish(i);
    } catch (const std::exception& e) {
      lanes.reset();  // mid-batch state: start the next batch from scratch
      for (std::size_t i = 0; i < count; ++i) failed[i] = plainError(e.what());
    }
    lock.lock();
    for (std::size_t i = 0; i < count; ++i) publish(first + i, parts[i], std::move(failed[i]));
  }
}

void PartHasher::hashWhole() {
  Result<s3::Sha256> out = s3::Sha256{};
  try {
    std::vector<char> buf(kBuffer);
    s3::Sha256Hasher whole;
    for (std::uint64_t offset = 0; offset < length_;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (cancelled_) return;
      }
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(length_ - offset, kBuffer));
      auto r = preadFull(fd_, buf.data(), n, offset);
      if (!r.ok()) {
        out = r.error();
        break;
      }
      whole.update(buf.data(), n);
      offset += n;
    }
    if (out.ok()) out = whole.finish();
  } catch (const std::exception& e) {
    out = plainError(e.what());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  whole_.emplace(std::move(out));
  changed_.notify_all();
}

Result<std::optional<PartDigest>> PartHasher::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] {
    return ready_.count(taken_) > 0 || taken_ >= partCount_ || (error_ && error_->first <= taken_);
  });
  if (auto it = ready_.find(taken_); it != ready_.end()) {
    PartDigest p = it->second;
    ready_.erase(it);
    ++taken_;
    changed_.notify_all();
    return std::optional<PartDigest>(p);
  }
  if (error_ && error_->first <= taken_) return error_->second;
  return std::optional<PartDigest>();
}

Result<s3::Sha256> PartHasher::wholeSha256() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return whole_.has_value(); });
  return *whole_;
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
