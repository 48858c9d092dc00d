// A closed hourly file that the collector compressed (--compress-closed) after ibsr-export had
// already uploaded it: X.jsonl landed as KEY.jsonl, then became X.jsonl.zst. Uploading the .zst
// as KEY.jsonl.zst would put the same hour in the bucket twice, and ibsr-report would read both
// (docs/export.md, "Compressed closed hours"). When the .zst decompresses to exactly the bytes
// that landed (the SHA-256 in the state), the state records the .zst as landed at KEY.jsonl
// instead; nothing is uploaded. Any other .zst is uploaded as usual under its own key.
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <vector>

#include "core/log.h"
#include "core/unique_fd.h"
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
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sysError("cannot open '" + path + "'");
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::vector<char> in(ZSTD_DStreamInSize()), out(ZSTD_DStreamOutSize());
  s3::Sha256Hasher hasher;
  Content c;
  std::size_t frameLeft = 1;
  for (;;) {
    ssize_t n = ::read(fd.get(), in.data(), in.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot read '" + path + "'");
    if (n == 0) break;
    ZSTD_inBuffer input{in.data(), static_cast<std::size_t>(n), 0};
    // Not again once the frame has ended (0) with a full buffer: zstd would answer with the
    // header size of a next frame, and a complete .zst would look truncated.
    for (bool full = true; input.pos < input.size || (full && frameLeft != 0);) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      frameLeft = ZSTD_decompressStream(dctx.get(), &output, &input);
      if (ZSTD_isError(frameLeft))
        return plainError("'" + path + "' is not valid zstd: " + ZSTD_getErrorName(frameLeft));
      hasher.update(out.data(), output.pos);
      c.length += output.pos;
      full = output.pos == out.size();
    }
  }
  if (frameLeft != 0) return plainError("'" + path + "' is truncated");
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
