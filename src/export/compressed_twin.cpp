// A closed hourly file that the collector compressed (--compress-closed) after ibsr-export had
// already uploaded it: X.jsonl landed as KEY.jsonl, then became X.jsonl.zst. Uploading the .zst
// as KEY.jsonl.zst would put the same hour in the bucket twice, and ibsr-report would read both
// (docs/export.md, "Compressed closed hours"). When the .zst decompresses to exactly the bytes
// that landed (the SHA-256 in the state), the state records the .zst as landed at KEY.jsonl
// instead; nothing is uploaded. Any other .zst is uploaded as usual under its own key.
#include <fmt/format.h>

#include <mutex>

#include "core/log.h"
#include "core/zstd_file.h"
#include "export/uploader.h"

namespace ibsr::exporter {
namespace {

constexpr std::string_view kZst = ".zst";

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Content {
  s3::Sha256 sha256{};
  std::uint64_t length = 0;
};

// SHA-256 and length of what the zstd file at `path` decompresses to.
Result<Content> decompressedDigest(const std::string& path) {
  s3::Sha256Hasher hasher;
  Content c;
  auto decoded = zstdDecompressFile(path, [&](const char* data, std::size_t size) {
    hasher.update(data, size);
    c.length += size;
    return true;
  });
  if (!decoded.ok()) return decoded.error();
  if (decoded->end == ZstdEnd::Corrupt)
    return plainError("'" + path + "' is not valid zstd: " + decoded->why);
  if (decoded->end != ZstdEnd::Complete) return plainError("'" + path + "' is truncated");
  c.sha256 = hasher.finish();
  return c;
}

}  // namespace

std::optional<Uploader::Outcome> Uploader::landedBeforeCompression(Worker& w,
                                                                   const std::string& key,
                                                                   const std::string& path, int fd,
                                                                   const FileStamp& file,
                                                                   const Artefact& a) {
  if (a.kind != Kind::Snapshot && a.kind != Kind::Payload) return std::nullopt;
  if (!endsWith(path, ".jsonl.zst")) return std::nullopt;
  const std::string plainKey = key.substr(0, key.size() - kZst.size());
  const std::string plainDest = destination(plainKey);
  LandedObject landed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = state_.find(plainDest);
    if (it == state_.end()) return std::nullopt;
    landed = it->second;
  }
  const std::string plainPath = path.substr(0, path.size() - kZst.size());
  if (landed.path != plainPath && landed.path != path) return std::nullopt;
  if (landed.path == path && landed.size == file.size && landed.mtimeNs == file.mtimeNs &&
      !options_.deleteAfterUpload) {
    log::info("unchanged {} (its lines landed as {} before compression)", path, plainDest);
    return Outcome::Skipped;
  }
  auto content = decompressedDigest(path);
  if (!content.ok()) {
    log::error("{} -> {}: {}", path, plainDest, content.error().message);
    return fail(w, "read");
  }
  if (s3::toHex(content->sha256) != landed.sha256) return std::nullopt;  // other lines: upload
  if (options_.dryRun) {
    fmt::print("would record {} as landed at {} (the same lines, compressed)\n", path, plainDest);
    return Outcome::Skipped;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_[plainDest] = LandedObject{path, file.size, file.mtimeNs, landed.sha256, landed.etag};
    stateDirty_ = true;
  }
  log::info("not uploaded again: {} holds exactly the lines that landed as {} before compression",
            path, plainDest);
  if (options_.deleteAfterUpload) {
    if (auto v = verify(w, plainKey, content->length, landed.etag); !v.ok()) {
      log::error("{} -> {}: {}", path, plainDest, v.error().message);
      return fail(w, "verify",
                  w.client->lastFailureTransient() ? Outcome::FailedTransient : Outcome::Failed);
    }
    w.deleted = maybeDelete(a, fd, file.size, file.mtimeNs);
  }
  return Outcome::Skipped;
}

}  // namespace ibsr::exporter
