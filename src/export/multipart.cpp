// A multipart upload with several parts in flight at once. One request at a time on a
// kept-alive connection leaves the server idle while the client waits for each answer, and one
// thread hashing every byte in order is the slowest stage on a busy host; so parts are hashed
// several at once (PartHasher: 8 in the vector lanes of one thread where the CPU has them, else
// one thread per part) just ahead of being sent, and sent over the uploading worker's
// connection plus those of workers that have no file left (at most --jobs connections in all).
// The parts are listed in order when the upload is completed, whatever order they finished in; a
// part is retried by its own client (S3Client::send) and the first part that fails for good stops
// the others and aborts the upload.
#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "core/log.h"
#include "export/uploader.h"

namespace ibsr::exporter {

Result<std::string> Uploader::uploadMultipart(Worker& w, const std::string& key, int fd,
                                              std::uint64_t length, std::uint64_t partSize,
                                              FileDigest& digest) {
  // No x-amz-meta-ibsr-sha256: it would have to be known before the first part, i.e. cost a read
  // pass before sending a byte. The multipart ETag identifies the content (per part size).
  auto id = w.client->createMultipartUpload(key, {});
  digest.parts.clear();  // a digest read to compare with the bucket is rebuilt as parts are sent
  if (!id.ok()) return id.error();
  const auto partCount = static_cast<std::size_t>((length + partSize - 1) / partSize);
  const std::size_t maxLanes = std::max<std::size_t>(1, std::min(clients_.size(), partCount));
  PartHasher hasher(fd, length, partSize,
                    {maxLanes, std::max<std::size_t>(maxLanes, 2), options_.signParts, true});

  std::mutex shared;  // guards done, parts, error and transient
  std::vector<s3::CompletedPart> done(partCount);
  std::vector<PartDigest> parts(partCount);
  std::optional<Error> error;
  bool transient = false;
  auto failed = [&](Error e, bool isTransient) {
    std::lock_guard<std::mutex> lock(shared);
    if (!error) {
      error = std::move(e);
      transient = isTransient;
    }
  };
  auto failedYet = [&] {
    std::lock_guard<std::mutex> lock(shared);
    return error.has_value();
  };
  // Sends one part at a time on `client` until no part is left or one has failed.
  auto sendParts = [&](s3::S3Client* client, const std::function<void()>& beforePart) {
    while (!failedYet()) {
      if (stop_ != nullptr && stop_->load()) {
        failed(plainError("interrupted by a signal (multipart upload aborted)"), false);
        return;
      }
      beforePart();
      auto next = hasher.next();
      if (!next.ok()) {
        failed(plainError("cannot read: " + next.error().message + " (multipart upload aborted)"),
               false);
        return;
      }
      if (!next.value()) return;
      const PartDigest p = *next.value();
      const auto index = static_cast<std::size_t>(p.offset / partSize);
      const int number = static_cast<int>(index) + 1;
      const s3::BodyRange body{fd, p.offset, p.length, p.md5, p.sha256, !options_.signParts};
      auto etag = client->uploadPart(key, *id, number, body);
      if (!etag.ok()) {
        failed(etag.error(), client->lastFailureTransient());
        return;
      }
      std::lock_guard<std::mutex> lock(shared);
      done[index] = {number, *etag};
      parts[index] = p;
    }
  };

  // Before each of its parts the uploading worker takes over the connections that became idle
  // (other workers finish their files while a large one is being sent) and starts a sender on
  // each. Only this thread touches `borrowed` and `helpers`.
  std::vector<s3::S3Client*> borrowed;
  std::vector<std::thread> helpers;
  const std::function<void()> noop = [] {};
  const std::function<void()> adoptIdle = [&] {
    if (1 + borrowed.size() >= maxLanes) return;
    std::lock_guard<std::mutex> lock(mutex_);
    while (!idle_.empty() && 1 + borrowed.size() < maxLanes) {
      s3::S3Client* c = idle_.back();
      try {
        helpers.emplace_back(sendParts, c, std::cref(noop));
      } catch (const std::system_error& e) {
        log::debug("no thread for another part sender: {}", e.what());
        return;
      }
      idle_.pop_back();
      borrowed.push_back(c);
    }
  };
  sendParts(w.client, adoptIdle);
  for (std::thread& t : helpers) t.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.insert(idle_.end(), borrowed.begin(), borrowed.end());
  }
  log::info("s3://{}/{}: {} parts sent over {} connection(s)", options_.bucket, key, partCount,
            1 + borrowed.size());

  if (!error) {
    auto whole = hasher.wholeSha256();
    if (whole.ok()) {
      digest.sha256 = *whole;
    } else {
      error = plainError("cannot read: " + whole.error().message + " (multipart upload aborted)");
    }
  }
  if (error) {
    // Abort so the bucket does not keep (and bill) the orphaned parts; the part that failed
    // decides whether the endpoint counts as failing.
    w.client->setLastFailureTransient(transient);
    abortUpload(w, key, *id);
    return *error;
  }
  digest.length = length;
  digest.parts = std::move(parts);
  auto etag = w.client->completeMultipartUpload(key, *id, done);
  if (!etag.ok()) abortUpload(w, key, *id);
  return etag;
}

}  // namespace ibsr::exporter
