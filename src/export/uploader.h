// Exports discovered artefacts: decides per file whether it already landed (state file, else
// HEAD), uploads it (single PUT or multipart), verifies it by the ETag of the upload's answer (a
// HEAD afterwards only when that answer has no MD5 ETag), records it in the state and, if asked,
// deletes the local copy. One file failing never stops the others, except that after several
// consecutive files fail on an unreachable or failing endpoint the rest are reported failed
// without each waiting out its own retries.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "export/discovery.h"
#include "export/file_digest.h"
#include "export/key_layout.h"
#include "export/s3_client.h"
#include "export/state.h"

namespace ibsr::exporter {

struct UploadOptions {
  std::string bucket;
  std::string prefix;
  std::string hostId;
  bool includeOpen = false;
  // Incident pcaps hold raw packet bytes (payloads, possibly unscrubbed addresses): they stay on
  // the host unless the operator opts in (seed 000, DESIGN.md §12).
  bool includePcaps = false;
  bool deleteAfterUpload = false;
  bool dryRun = false;
  std::uint64_t multipartThreshold = 64ull << 20;  // files at least this big go multipart
  std::uint64_t partSize = 32ull << 20;
  // Each multipart part signed with its own SHA-256 (x-amz-content-sha256) instead of
  // UNSIGNED-PAYLOAD: a second hash of every byte, on both sides, for stores or bucket policies
  // that require signed payloads. Content-MD5 is sent and checked either way.
  bool signParts = false;
  std::string stateFile;
};

struct Summary {
  std::uint64_t uploaded = 0;
  std::uint64_t skipped = 0;        // already landed, unchanged
  std::uint64_t open = 0;           // still being written, left for a later run
  std::uint64_t pcapsWithheld = 0;  // incident pcaps kept on the host (no --include-pcaps)
  std::uint64_t failed = 0;
  std::uint64_t deleted = 0;
  std::uint64_t bytes = 0;  // bytes uploaded (with --dry-run: counts what would be uploaded)
  double seconds = 0;
  // Failures by kind (the kind label of ibsr_export_failures_total, docs/metrics.md): each
  // failed file counts once under read, upload, verify or interrupted; the run's own failures
  // (state, list, and in export_cli lock, config, credentials, discovery) once per occurrence.
  std::map<std::string, std::uint64_t> failures;
  // The state file could not be saved at the end of the run: what landed is not recorded (the
  // next run asks the bucket again), and the exit status must say so.
  bool stateUnsaved = false;
  std::string line() const;
};

// Whether a run with these options exports the file at all (open files and, by default, pcaps
// are left alone).
bool isSelected(const Artefact& a, const UploadOptions& options);

class Uploader {
 public:
  // `client` may be null in dry-run mode. When `stop` becomes true (SIGTERM, SIGINT) the file in
  // flight is finished and the rest are reported failed ("interrupted"), so the state is saved
  // and the exit status says the job did not complete.
  Uploader(s3::S3Client* client, UploadOptions options, ExportState::Map state,
           const std::atomic<bool>* stop = nullptr);
  // One worker per client (--jobs): files are exported concurrently, each on its worker's own
  // connection (a client is never shared between threads).
  Uploader(std::vector<s3::S3Client*> clients, UploadOptions options, ExportState::Map state,
           const std::atomic<bool>* stop = nullptr);

  // Processes every artefact; `probeError` (non-empty) marks every selected file failed with it.
  Summary run(const std::vector<Artefact>& artefacts, const std::string& probeError = {});

  const ExportState::Map& state() const { return state_; }

 private:
  enum class Outcome { Uploaded, Skipped, Failed, FailedTransient };
  // What one worker thread uses for the file it exports, and what that file came to.
  struct Worker {
    s3::S3Client* client = nullptr;
    const char* failure = "";  // kind of the current file's failure
    std::uint64_t bytes = 0;
    bool deleted = false;
  };
  struct FileStamp {
    std::uint64_t size = 0;
    std::int64_t mtimeNs = 0;
  };
  Outcome exportOne(const Artefact& a, Worker& w);
  // For X.jsonl.zst whose X.jsonl landed before the collector compressed it (compressed_twin.cpp):
  // the outcome without an upload, or nullopt to upload it as any other file.
  std::optional<Outcome> landedBeforeCompression(Worker& w, const std::string& key,
                                                 const std::string& path, int fd,
                                                 const FileStamp& file, const Artefact& a);
  Result<std::string> upload(Worker& w, const std::string& key, int fd, const FileDigest& digest);
  // Fills `digest` (parts and whole-file SHA-256) while the parts are sent, several at once over
  // the connections of workers that have no file left (multipart.cpp).
  Result<std::string> uploadMultipart(Worker& w, const std::string& key, int fd,
                                      std::uint64_t length, std::uint64_t partSize,
                                      FileDigest& digest);
  void abortUpload(Worker& w, const std::string& key, const std::string& uploadId);
  Status verify(Worker& w, const std::string& key, std::uint64_t size, const std::string& etag);
  bool maybeDelete(const Artefact& a, int fd, std::uint64_t size, std::int64_t mtimeNs);
  std::string destination(const std::string& key) const;
  // What the bucket holds at `key`: from the up-front listing if there is one, else a HEAD.
  Result<std::optional<s3::ObjectInfo>> remoteObject(Worker& w, const std::string& key);
  void listIfWorthIt(const std::vector<Artefact>& artefacts);
  // Called with mutex_ held.
  void saveState(bool force);
  // Failed outcome of the current file, counted under `kind`.
  Outcome fail(Worker& w, const char* kind, Outcome outcome = Outcome::Failed);

  std::vector<s3::S3Client*> clients_;
  const std::atomic<bool>* stop_;
  UploadOptions options_;
  std::mutex mutex_;  // guards state_, failures_, stateDirty_, lastSave_ while workers run
  ExportState::Map state_;
  std::optional<std::map<std::string, s3::ObjectInfo>> listing_;  // read-only once workers run
  // Clients of workers that ran out of files: a multipart upload borrows them for its parts, so
  // at most one request per client (--jobs) is in flight at any time. Guarded by mutex_.
  std::vector<s3::S3Client*> idle_;
  // Paths being exported, and their end: X.jsonl.zst waits for its X.jsonl (compressed_twin.cpp
  // decides from the record X.jsonl leaves). Guarded by mutex_.
  std::set<std::string> inFlight_;
  std::condition_variable exported_;
  std::map<std::string, std::uint64_t> failures_;
  bool stateDirty_ = false;
  double lastSave_ = 0;
};

}  // namespace ibsr::exporter
