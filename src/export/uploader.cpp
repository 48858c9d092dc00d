#include "export/uploader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "core/log.h"
#include "core/unique_fd.h"
#include "export/file_digest.h"

namespace ibsr::exporter {
namespace {

constexpr int kMaxConsecutiveTransient = 3;
// With this many files unknown to the state (first run, lost state, backlog) one listing of the
// host's prefix replaces a HEAD per file; below it, HEADs are cheaper than listing the prefix,
// which grows with every hour exported.
constexpr std::size_t kListThreshold = 32;
constexpr int kMaxListPages = 200;
constexpr const char* kShaMeta = "ibsr-sha256";

double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::int64_t mtimeNsOf(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// "DIR/X.jsonl" for the snapshot or payload file "DIR/X.jsonl.zst", else empty.
std::string plainTwin(const Artefact& a) {
  constexpr std::string_view kZstTwin = ".jsonl.zst", kZst = ".zst";
  if (a.kind != Kind::Snapshot && a.kind != Kind::Payload) return {};
  const std::string path = a.path.string();
  if (path.size() <= kZstTwin.size() ||
      path.compare(path.size() - kZstTwin.size(), kZstTwin.size(), kZstTwin) != 0)
    return {};
  return path.substr(0, path.size() - kZst.size());
}

}  // namespace

std::string Summary::line() const {
  return fmt::format(
      "uploaded={} skipped={} open={} pcaps_withheld={} failed={} deleted={} bytes={} "
      "seconds={:.3f}",
      uploaded, skipped, open, pcapsWithheld, failed, deleted, bytes, seconds);
}

bool isSelected(const Artefact& a, const UploadOptions& options) {
  if (a.kind == Kind::Incident && !options.includePcaps) return false;
  return !a.open || options.includeOpen;
}

Uploader::Uploader(std::vector<s3::S3Client*> clients, UploadOptions options,
                   ExportState::Map state, const std::atomic<bool>* stop)
    : clients_(std::move(clients)),
      stop_(stop),
      options_(std::move(options)),
      state_(std::move(state)) {
  if (clients_.empty()) clients_.push_back(nullptr);
}

Uploader::Uploader(s3::S3Client* client, UploadOptions options, ExportState::Map state,
                   const std::atomic<bool>* stop)
    : Uploader(std::vector<s3::S3Client*>{client}, std::move(options), std::move(state), stop) {}

std::string Uploader::destination(const std::string& key) const {
  return "s3://" + options_.bucket + "/" + key;
}

void Uploader::saveState(bool force) {
  if (!stateDirty_ || options_.dryRun) return;
  // Saving after every file would rewrite the whole state per file; every 2 s bounds what a
  // crash can lose (and a lost entry only costs a HEAD next time).
  if (!force && nowSeconds() - lastSave_ < 2.0) return;
  if (auto s = ExportState::save(options_.stateFile, state_); !s.ok()) {
    ++failures_["state"];
    log::error("cannot save the export state file '{}': {}{}", options_.stateFile,
               s.error().message,
               force ? " (what landed in this run is not recorded: the next run asks the bucket)"
                     : " (tried again later in this run)");
  } else {
    stateDirty_ = false;
  }
  lastSave_ = nowSeconds();
}

void Uploader::listIfWorthIt(const std::vector<Artefact>& artefacts) {
  std::size_t unknown = 0;
  for (const Artefact& a : artefacts) {
    if (!isSelected(a, options_)) continue;
    if (state_.count(destination(objectKey(options_.prefix, options_.hostId, a))) == 0) ++unknown;
  }
  if (unknown < kListThreshold) return;
  const std::string prefix = hostPrefix(options_.prefix, options_.hostId);
  auto listing = clients_.front()->listObjects(prefix, kMaxListPages);
  if (!listing.ok()) {
    ++failures_["list"];
    log::warn("{}; checking files one by one instead", listing.error().message);
    return;
  }
  log::info("{} files not in the state: listed s3://{}/{} ({} objects)", unknown, options_.bucket,
            prefix, listing->size());
  listing_ = std::move(listing).value();
}

Result<std::optional<s3::ObjectInfo>> Uploader::remoteObject(Worker& w, const std::string& key) {
  if (listing_) {
    auto it = listing_->find(key);
    if (it == listing_->end()) return std::optional<s3::ObjectInfo>();
    return std::optional<s3::ObjectInfo>(it->second);
  }
  return w.client->headObject(key);
}

Summary Uploader::run(const std::vector<Artefact>& artefacts, const std::string& probeError) {
  const double start = nowSeconds();
  if (clients_.front() != nullptr && probeError.empty() && !options_.dryRun)
    listIfWorthIt(artefacts);
  lastSave_ = start;
  Summary sum;
  int consecutiveTransient = 0;
  std::size_t nextFile = 0;
  // Each worker takes the next file and exports it on its own connection. Decisions about a file
  // and every update of the state and the summary happen under mutex_; a file is recorded only
  // after its own proof (exportOne), whatever the others are doing.
  auto work = [&](Worker& w) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (nextFile < artefacts.size()) {
      const Artefact& a = artefacts[nextFile++];
      if (a.kind == Kind::Incident && !options_.includePcaps) {
        log::info("withhold {} (incident pcap: raw packet bytes; --include-pcaps exports it)",
                  a.path.string());
        ++sum.pcapsWithheld;
        continue;
      }
      if (a.open && !options_.includeOpen) {
        log::info("skip {} (still open: {})", a.path.string(), a.openReason);
        ++sum.open;
        continue;
      }
      // Both halves of a compression cut short (X.jsonl and X.jsonl.zst, the same lines): the
      // .zst may only be decided once the .jsonl landed or failed, or the hour lands twice.
      const std::string twin = plainTwin(a);
      exported_.wait(lock, [&] { return twin.empty() || inFlight_.count(twin) == 0; });
      if (stop_ != nullptr && stop_->load()) {
        log::error("{}: not attempted: interrupted by a signal", a.path.string());
        ++sum.failed;
        ++failures_["interrupted"];
        continue;
      }
      if (!probeError.empty()) {
        log::error("{}: not uploaded: {}", a.path.string(), probeError);
        ++sum.failed;
        ++failures_["upload"];
        continue;
      }
      if (consecutiveTransient >= kMaxConsecutiveTransient) {
        log::error("{}: not attempted: the endpoint failed for {} files in a row", a.path.string(),
                   consecutiveTransient);
        ++sum.failed;
        ++failures_["upload"];
        continue;
      }
      w.bytes = 0;
      w.deleted = false;
      inFlight_.insert(a.path.string());
      lock.unlock();
      const Outcome outcome = exportOne(a, w);
      lock.lock();
      inFlight_.erase(a.path.string());
      exported_.notify_all();
      switch (outcome) {
        case Outcome::Uploaded:
          ++sum.uploaded;
          sum.bytes += w.bytes;
          consecutiveTransient = 0;
          break;
        case Outcome::Skipped:
          ++sum.skipped;
          consecutiveTransient = 0;
          break;
        case Outcome::Failed:
          ++sum.failed;
          ++failures_[w.failure];
          consecutiveTransient = 0;
          break;
        case Outcome::FailedTransient:
          ++sum.failed;
          ++failures_[w.failure];
          ++consecutiveTransient;
          break;
      }
      if (w.deleted) ++sum.deleted;
      saveState(false);
    }
    if (w.client != nullptr) idle_.push_back(w.client);
  };
  std::vector<Worker> workers;
  for (s3::S3Client* c : clients_) workers.push_back(Worker{c});
  if (workers.size() == 1) {
    work(workers.front());  // --jobs 1: in this thread, one file after the other
  } else {
    std::vector<std::thread> threads;
    for (Worker& w : workers) threads.emplace_back(work, std::ref(w));
    for (std::thread& t : threads) t.join();
  }
  idle_.clear();
  saveState(true);
  sum.stateUnsaved = stateDirty_ && !options_.dryRun;
  if (sum.pcapsWithheld > 0) {
    log::notice(
        "{} incident pcap file(s) stay on this host: they hold raw packet bytes, and only counters "
        "and heartbeats are exported by default (--include-pcaps exports them)",
        sum.pcapsWithheld);
  }
  sum.seconds = nowSeconds() - start;
  sum.failures = failures_;
  return sum;
}

Uploader::Outcome Uploader::exportOne(const Artefact& a, Worker& w) {
  std::uint64_t& bytes = w.bytes;
  bool& deleted = w.deleted;
  const std::string key = objectKey(options_.prefix, options_.hostId, a);
  const std::string dest = destination(key);
  const std::string path = a.path.string();
  // `s3Call`: the failure came from a request (its transience decides whether to keep trying
  // other files), not from the local file or a checksum mismatch.
  auto failed = [&](const char* kind, const std::string& why, bool s3Call = false) {
    log::error("{} -> {}: {}", path, dest, why);
    return fail(
        w, kind,
        s3Call && w.client->lastFailureTransient() ? Outcome::FailedTransient : Outcome::Failed);
  };

  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    log::error("{}", sysError("cannot open '" + path + "'").message);
    return fail(w, "read");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    log::error("{}", sysError("cannot stat '" + path + "'").message);
    return fail(w, "read");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::int64_t mtimeNs = mtimeNsOf(st);
  std::uint64_t length = size;
  if (a.appendOnly) {
    auto l = completeLinesLength(fd.get(), size);
    if (!l.ok()) return failed("read", "cannot read: " + l.error().message);
    length = *l;
  }

  std::optional<LandedObject> known;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = state_.find(dest); it != state_.end()) known = it->second;
  }
  if (known && known->path == path && known->size == length && known->mtimeNs == mtimeNs) {
    log::info("unchanged {} (landed as {})", path, dest);
    if (options_.deleteAfterUpload && !options_.dryRun) {
      // Landed in an earlier run: confirm it is still there before removing the only other copy.
      if (auto v = verify(w, key, length, known->etag); !v.ok())
        return failed("verify", v.error().message, true);
      deleted = maybeDelete(a, fd.get(), size, mtimeNs);
    }
    return Outcome::Skipped;
  }
  if (auto twin = landedBeforeCompression(w, key, path, fd.get(), {size, mtimeNs}, a)) return *twin;
  if (options_.dryRun) {
    fmt::print("would upload {} -> {} ({} bytes)\n", path, dest, length);
    bytes = length;
    return Outcome::Uploaded;
  }

  const bool multipart = length >= options_.multipartThreshold;
  // S3 allows at most 10000 parts: a file beyond 10000 x --part-size gets larger parts.
  const std::uint64_t partSize =
      std::max<std::uint64_t>(options_.partSize, (length + 9999) / 10000);
  // A single PUT needs the MD5 and SHA-256 of its whole body before sending it. A multipart
  // upload needs nothing up front: each part is hashed while the previous one is on the wire and
  // the whole-file SHA-256 accumulates in the same pass. Only deciding whether a changed or
  // unrecorded file already landed reads it first.
  FileDigest digest;
  bool digested = false;
  auto digestNow = [&]() -> Status {
    if (digested) return {};
    auto d = digestFile(fd.get(), length, multipart ? partSize : 0);
    if (!d.ok()) return d.error();
    digest = std::move(d).value();
    digested = true;
    return {};
  };
  auto expectedEtag = [&] {
    return multipart ? multipartEtag(digest.parts) : s3::toHex(digest.md5);
  };
  auto record = [&](const std::string& etag) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_[dest] = LandedObject{path, length, mtimeNs, s3::toHex(digest.sha256), etag};
    stateDirty_ = true;
  };
  // X.jsonl whose key's record its own X.jsonl.zst took over (compressed_twin.cpp): while that
  // .zst is there the record stays with it, or the two would hand it back and forth, each run
  // reading both; once the .zst is gone, this file's lines are what landed and it takes over.
  const bool recordOfTwin = known && known->path == path + ".zst";
  if (!multipart || recordOfTwin || (known && known->size == length)) {
    if (auto d = digestNow(); !d.ok()) return failed("read", "cannot read: " + d.error().message);
  }
  if (known && (known->size == length || recordOfTwin) &&
      known->sha256 == s3::toHex(digest.sha256)) {
    // Same bytes, new mtime (touched or copied) or another name: nothing to upload.
    struct stat twin {};
    if (recordOfTwin && ::stat(known->path.c_str(), &twin) == 0 &&
        static_cast<std::uint64_t>(twin.st_size) == known->size &&
        mtimeNsOf(twin) == known->mtimeNs) {
      log::info("unchanged content {} (landed as {}, recorded for {})", path, dest, known->path);
      return Outcome::Skipped;
    }
    log::info("unchanged content {} (landed as {})", path, dest);
    record(known->etag);
    return Outcome::Skipped;
  }
  if (!known) {
    // No record (first run, or the state file was lost): ask the bucket.
    auto head = remoteObject(w, key);
    if (!head.ok()) return failed("upload", head.error().message, true);
    auto info = std::move(head).value();
    if (info && info->size == length) {
      if (auto d = digestNow(); !d.ok()) return failed("read", "cannot read: " + d.error().message);
      if (info->etag != expectedEtag() && listing_) {
        // Same size, another ETag (another part size, or uploaded whole): a stored checksum may
        // decide, and only a HEAD returns metadata.
        auto full = w.client->headObject(key);
        if (!full.ok()) return failed("upload", full.error().message, true);
        info = std::move(full).value();
      }
    }
    const std::string sha = s3::toHex(digest.sha256);
    if (info && info->size == length &&
        (info->etag == expectedEtag() ||
         (info->meta.count(kShaMeta) && info->meta.at(kShaMeta) == sha))) {
      log::info("already in bucket {} (size and checksum match)", dest);
      record(info->etag);
      if (options_.deleteAfterUpload) deleted = maybeDelete(a, fd.get(), size, mtimeNs);
      return Outcome::Skipped;
    }
  }

  auto etag = multipart ? uploadMultipart(w, key, fd.get(), length, partSize, digest)
                        : upload(w, key, fd.get(), digest);
  if (!etag.ok()) return failed("upload", etag.error().message, true);
  const std::string expected = expectedEtag();
  // The server checked Content-MD5 and x-amz-content-sha256 before storing the body, and the ETag
  // it answers is the MD5 it stored: an equal ETag proves the object landed, with no second
  // request. Only an answer without an MD5-shaped ETag needs the HEAD.
  const bool provenByPut = *etag == expected;
  if (!provenByPut && isMd5Etag(*etag)) {
    return failed("upload", fmt::format("server ETag {} differs from the local checksum {}", *etag,
                                        expected));
  }
  if (!provenByPut) {
    log::info("{}: the upload's answer has no MD5 ETag ('{}'); verifying with a HEAD", dest, *etag);
    if (auto v = verify(w, key, length, expected); !v.ok())
      return failed("verify", v.error().message, true);
  }
  record(expected);
  bytes = length;
  log::info("uploaded {} -> {} ({} bytes{}, verified by {})", path, dest, length,
            multipart ? fmt::format(", {} parts", digest.parts.size()) : "",
            provenByPut ? "its ETag" : "HEAD");
  if (options_.deleteAfterUpload) deleted = maybeDelete(a, fd.get(), size, mtimeNs);
  return Outcome::Uploaded;
}

Uploader::Outcome Uploader::fail(Worker& w, const char* kind, Outcome outcome) {
  w.failure = kind;
  return outcome;
}

void Uploader::abortUpload(Worker& w, const std::string& key, const std::string& uploadId) {
  // The abort's own outcome must not mask why the upload failed (the caller reports that).
  const bool transient = w.client->lastFailureTransient();
  if (auto a = w.client->abortMultipartUpload(key, uploadId); !a.ok()) {
    log::warn("could not abort multipart upload of {} (a bucket lifecycle rule cleans it up): {}",
              key, a.error().message);
  } else if (*a == s3::AbortOutcome::AlreadyGone) {
    log::info("multipart upload of {} was already gone (abort answered 404): no parts left behind",
              key);
  } else {
    log::info("aborted multipart upload of {}", key);
  }
  w.client->setLastFailureTransient(transient);
}

Result<std::string> Uploader::upload(Worker& w, const std::string& key, int fd,
                                     const FileDigest& digest) {
  const std::map<std::string, std::string> meta{{kShaMeta, s3::toHex(digest.sha256)}};
  s3::BodyRange body{fd, 0, digest.length, digest.md5, digest.sha256};
  return w.client->putObject(key, body, meta);
}

Status Uploader::verify(Worker& w, const std::string& key, std::uint64_t size,
                        const std::string& etag) {
  auto head = w.client->headObject(key);
  if (!head.ok()) return plainError("verification failed: " + head.error().message);
  if (!head.value()) return plainError("verification failed: object not found after upload");
  const s3::ObjectInfo& info = *head.value();
  if (info.size != size) {
    return plainError(
        fmt::format("verification failed: object has {} bytes, local file {}", info.size, size));
  }
  if (info.etag != etag) {
    return plainError(fmt::format("verification failed: object ETag {} differs from expected {}",
                                  info.etag, etag));
  }
  return {};
}

bool Uploader::maybeDelete(const Artefact& a, int fd, std::uint64_t size, std::int64_t mtimeNs) {
  const std::string path = a.path.string();
  if (a.open || a.appendOnly) {
    log::info("keep {} (still written by the collector)", path);
    return false;
  }
  // Never delete bytes that did not land: the file must be exactly what was verified.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != size ||
      mtimeNsOf(st) != mtimeNs) {
    log::warn("keep {}: it changed after upload", path);
    return false;
  }
  if (::unlink(path.c_str()) != 0) {
    log::error("{}", sysError("cannot delete '" + path + "'").message);
    return false;
  }
  log::info("deleted {} (landed and verified)", path);
  return true;
}

}  // namespace ibsr::exporter
