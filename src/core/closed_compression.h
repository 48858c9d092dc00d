// Compression of closed hourly files (--compress-closed): X.jsonl becomes X.jsonl.zst, with the
// lines byte for byte as written (only the container changes). The steps keep exactly one
// complete copy readable whenever the process dies:
//   1. compress into a hidden temporary file ".X.jsonl.zst.tmp" in the same directory;
//   2. give it the original's mtime and fsync it, then check that it decompresses to exactly the
//      original's bytes (a file appended to meanwhile is left alone);
//   3. rename it to X.jsonl.zst and fsync the directory: from here the .zst is complete;
//   4. unlink X.jsonl and fsync the directory.
// A crash before 3 leaves X.jsonl and maybe a temporary file, which recovery removes; a crash
// between 3 and 4 leaves both, and recovery removes the X.jsonl whose .zst decompresses to exactly
// its bytes (the only other case, a .zst that does not, cannot come from these steps: it is kept
// with the .jsonl beside it and named in the log, never deleted).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/rotation.h"
#include "core/zstd_file.h"

namespace ibsr {

// Where compressClosedFile stops, for tests that simulate a crash after each durable step.
enum class CompressStep { None, TempWritten, TempSynced, Renamed, DirSynced };

// "X.jsonl" -> ".X.jsonl.zst.tmp"
std::string compressionTempName(const std::string& name);

// Compresses dir/name (a closed "X.jsonl") to dir/"X.jsonl.zst" by the steps above. If the .zst
// exists already, only step 4 is left to do when it holds exactly the same bytes; otherwise an
// error, and both stay.
Result<ZstdCopy> compressClosedFile(const std::string& dir, const std::string& name, int level,
                                    const std::atomic<bool>* stop = nullptr,
                                    CompressStep stopAfter = CompressStep::None);

struct CompressionRecovery {
  std::vector<std::string> removed;  // names of temporary files and redundant .jsonl files
  std::vector<std::string> errors;
  bool listed = true;  // false: the directory could not be listed, nothing was looked at
};

// Cleans up after a crash in policy's families: removes leftover temporary files and every
// X.jsonl whose X.jsonl.zst holds exactly its bytes.
CompressionRecovery recoverClosedCompression(const std::string& dir, const RotationPolicy& policy);

// The names of the closed (not the current hour's) uncompressed files of policy's families that
// have no .zst yet, oldest first.
std::vector<std::string> closedUncompressed(const std::string& dir, const RotationPolicy& policy,
                                            std::uint64_t now);

}  // namespace ibsr
