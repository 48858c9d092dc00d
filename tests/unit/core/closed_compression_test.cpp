#include "core/closed_compression.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/closed_compressor.h"
#include "core/hourly_jsonl.h"
#include "core/hourly_jsonl_metrics.h"
#include "temp_dir.h"

namespace ibsr {
namespace {

namespace fs = std::filesystem;
using ibsr::testing::readFile;
using ibsr::testing::writeFile;

constexpr std::uint64_t kNow = 1705314600;  // 2024-01-15 10:30:00 UTC
const std::string kClosed = "snapshot_2024011509.jsonl";

// Whole-file streaming decompression (the check reads any frame, with or without a content size).
std::string unzstd(const fs::path& path) {
  const std::string in = readFile(path);
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::string out;
  std::vector<char> buf(1 << 16);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::size_t left = 1;
  for (bool full = true; input.pos < input.size || (full && left != 0);) {
    ZSTD_outBuffer output{buf.data(), buf.size(), 0};
    left = ZSTD_decompressStream(d.get(), &output, &input);
    if (ZSTD_isError(left)) return "<corrupt>";
    out.append(buf.data(), output.pos);
    full = output.pos == buf.size();
  }
  return left == 0 ? out : "<truncated>";
}

// Lines shaped like schema-v3 snapshots, varied enough that zstd cannot collapse them, with a
// few MB so that compression spans many chunks.
std::string snapshotLines() {
  std::string s;
  for (int line = 0; line < 4; ++line) {
    s += "{\"version\":3,\"ts_unix_sec\":" + std::to_string(1705311000 + line * 60) +
         ",\"dst_ports\":[8899],\"buckets\":[";
    for (std::uint32_t i = 0; i < 40000; ++i)
      s += (i ? "," : "") + std::string("{\"key_type\":\"src_ip\",\"key_value\":") +
           std::to_string((i * 2654435761u) ^ 0x5bd1e995u) +
           ",\"syn\":" + std::to_string((i * 7919u + line) % 5000) + "}";
    s += "]}\n";
  }
  return s;
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class ClosedCompressionTest : public ::testing::Test {
 protected:
  ibsr::testing::TempDir tmp_;
  const fs::path dir_ = tmp_.path();
  const std::string lines_ = snapshotLines();
};

TEST_F(ClosedCompressionTest, RoundTripIsExactAndOnlyTheZstRemains) {
  writeFile(dir_ / kClosed, lines_);
  struct stat before {};
  ASSERT_EQ(::stat((dir_ / kClosed).c_str(), &before), 0);
  auto r = compressClosedFile(dir_.string(), kClosed, 3);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->inBytes, lines_.size());
  EXPECT_EQ(r->outBytes, fs::file_size(dir_ / (kClosed + ".zst")));
  EXPECT_LT(r->outBytes * 2, r->inBytes);
  EXPECT_EQ(listing(dir_), std::vector<std::string>{kClosed + ".zst"});
  EXPECT_EQ(unzstd(dir_ / (kClosed + ".zst")), lines_);
  struct stat after {};
  ASSERT_EQ(::stat((dir_ / (kClosed + ".zst")).c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);  // the time of the last line
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

// A crash after each durable step, then a restart: recovery leaves exactly one complete copy, and
// the next compression finishes the job.
TEST_F(ClosedCompressionTest, CrashAfterEachStepLeavesExactlyOneCompleteCopy) {
  const RotationPolicy policy;
  struct Case {
    CompressStep step;
    std::vector<std::string> afterCrash;
    std::vector<std::string> afterRecovery;
  };
  const std::string zst = kClosed + ".zst", temp = compressionTempName(kClosed);
  const Case cases[] = {
      {CompressStep::TempWritten, {temp, kClosed}, {kClosed}},
      {CompressStep::TempSynced, {temp, kClosed}, {kClosed}},
      {CompressStep::Renamed, {kClosed, zst}, {zst}},
      {CompressStep::DirSynced, {kClosed, zst}, {zst}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.step));
    fs::remove_all(dir_);
    fs::create_directory(dir_);
    writeFile(dir_ / kClosed, lines_);
    writeFile(dir_ / "status.jsonl", "{}\n");
    ASSERT_TRUE(compressClosedFile(dir_.string(), kClosed, 3, nullptr, c.step).ok());
    auto crashed = c.afterCrash;
    crashed.push_back("status.jsonl");
    std::sort(crashed.begin(), crashed.end());
    EXPECT_EQ(listing(dir_), crashed);

    auto rec = recoverClosedCompression(dir_.string(), policy);
    EXPECT_TRUE(rec.errors.empty());
    auto recovered = c.afterRecovery;
    recovered.push_back("status.jsonl");
    std::sort(recovered.begin(), recovered.end());
    EXPECT_EQ(listing(dir_), recovered);
    const bool plain = fs::exists(dir_ / kClosed);
    EXPECT_EQ(plain ? readFile(dir_ / kClosed) : unzstd(dir_ / zst), lines_);

    // The restarted collector compresses what is still plain.
    EXPECT_EQ(closedUncompressed(dir_.string(), policy, kNow),
              plain ? std::vector<std::string>{kClosed} : std::vector<std::string>{});
    if (plain) {
      ASSERT_TRUE(compressClosedFile(dir_.string(), kClosed, 3).ok());
    }
    EXPECT_EQ(listing(dir_), (std::vector<std::string>{zst, "status.jsonl"}));
    EXPECT_EQ(unzstd(dir_ / zst), lines_);
  }
}

// A .zst that is not the .jsonl's exact copy (damaged, or an hour written again after the clock
// was set back) never costs the .jsonl: both stay and the error names them.
TEST_F(ClosedCompressionTest, ADifferentZstBesideTheJsonlKeepsBoth) {
  writeFile(dir_ / kClosed, lines_);
  ASSERT_TRUE(compressClosedFile(dir_.string(), kClosed, 3, nullptr, CompressStep::Renamed).ok());
  const std::string zstBytes = readFile(dir_ / (kClosed + ".zst"));
  writeFile(dir_ / (kClosed + ".zst"), zstBytes.substr(0, zstBytes.size() - 10));  // truncated
  auto rec = recoverClosedCompression(dir_.string(), RotationPolicy{});
  ASSERT_EQ(rec.errors.size(), 1u);
  EXPECT_NE(rec.errors[0].find("hold different lines; both kept"), std::string::npos);
  writeFile(dir_ / (kClosed + ".zst"), zstBytes);
  writeFile(dir_ / kClosed, lines_ + "{\"version\":3}\n");  // one more line than the .zst
  auto r = compressClosedFile(dir_.string(), kClosed, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("both kept"), std::string::npos);
  EXPECT_EQ(listing(dir_), (std::vector<std::string>{kClosed, kClosed + ".zst"}));
  EXPECT_EQ(readFile(dir_ / kClosed), lines_ + "{\"version\":3}\n");
}

// A temporary file outlives its .jsonl when retention deleted the original before the crash:
// recovery removes it all the same, and nothing outside the policy's families.
TEST_F(ClosedCompressionTest, RecoveryRemovesOrphanTemporaryFiles) {
  for (const char* n : {".snapshot_2024011507.jsonl.zst.tmp", ".snapshot6_2024011507.jsonl.zst.tmp",
                        ".payload_2024011507.jsonl.zst.tmp", ".notes.zst.tmp"})
    writeFile(dir_ / n, "partial");
  RotationPolicy p;
  p.companionPrefix = "snapshot6_";
  auto rec = recoverClosedCompression(dir_.string(), p);
  EXPECT_TRUE(rec.errors.empty());
  std::sort(rec.removed.begin(), rec.removed.end());
  EXPECT_EQ(rec.removed, (std::vector<std::string>{".snapshot6_2024011507.jsonl.zst.tmp",
                                                   ".snapshot_2024011507.jsonl.zst.tmp"}));
  EXPECT_EQ(listing(dir_),
            (std::vector<std::string>{".notes.zst.tmp", ".payload_2024011507.jsonl.zst.tmp"}));
}

TEST_F(ClosedCompressionTest, InterruptedCompressionLeavesOnlyTheOriginal) {
  writeFile(dir_ / kClosed, lines_);
  std::atomic<bool> stop{true};
  auto r = compressClosedFile(dir_.string(), kClosed, 3, &stop);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("interrupted"), std::string::npos);
  EXPECT_EQ(listing(dir_), std::vector<std::string>{kClosed});
  EXPECT_EQ(readFile(dir_ / kClosed), lines_);
}

// Lines no compressor can shrink, so the .zst needs as much room as the original.
std::string incompressibleLines(std::size_t bytes) {
  std::string s;
  s.reserve(bytes);
  std::uint64_t x = 0x9e3779b97f4a7c15u;
  while (s.size() < bytes) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s += static_cast<char>(s.size() % 100 == 99 ? '\n' : 33 + x % 90);
  }
  return s;
}

// A tmpfs of its own, so that the disk can fill up without touching anything else.
class SmallDisk {
 public:
  SmallDisk(const fs::path& at, const char* size) : at_(at) {
    fs::create_directory(at_);
    const std::string opts = std::string("size=") + size;
    mounted_ = ::mount("ibsr-test", at_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  bool grow(const char* size) {
    const std::string opts = std::string("size=") + size;
    return ::mount(nullptr, at_.c_str(), nullptr, MS_REMOUNT, opts.c_str()) == 0;
  }

 private:
  fs::path at_;
  bool mounted_ = false;
};

// Disk full while the .zst is written: the original stays as it was, the temporary file goes, the
// failure is counted, collection goes on, and the hour is compressed an hour later once there is
// room.
TEST_F(ClosedCompressionTest, DiskFullKeepsTheOriginalAndTheCollectionGoesOn) {
  SmallDisk disk(dir_ / "small", "4m");
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  const fs::path small = dir_ / "small";
  const std::string closed = incompressibleLines(3 << 20);
  writeFile(small / kClosed, closed);

  auto r = compressClosedFile(small.string(), kClosed, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnum, ENOSPC) << r.error().message;
  EXPECT_EQ(listing(small), std::vector<std::string>{kClosed});
  EXPECT_TRUE(readFile(small / kClosed) == closed);

  RotationPolicy p;
  p.compressLevel = 1;
  HourlyJsonlWriter w(small.string(), p);
  const std::string current = "snapshot_2024011510.jsonl";
  for (std::uint64_t t : {kNow, kNow + 60}) {
    EXPECT_TRUE(w.writeCycle(t, "{\"ts_unix_sec\":" + std::to_string(t) + "}\n", ""));
    w.compressor()->wait();
    EXPECT_EQ(w.compressor()->stats().errors, 1u);  // tried once, not again every cycle
    EXPECT_EQ(w.compressor()->stats().filesCompressed, 0u);
    EXPECT_EQ(listing(small), (std::vector<std::string>{kClosed, current, "status.jsonl"}));
  }
  EXPECT_TRUE(readFile(small / kClosed) == closed);
  EXPECT_EQ(readFile(small / current),
            "{\"ts_unix_sec\":1705314600}\n{\"ts_unix_sec\":1705314660}\n");
  EXPECT_EQ(w.stats().writeErrors, 0u);

  // What an operator who reads the heartbeat and the metrics, not the journal, sees: the first
  // cycle's heartbeat is written before the compression starts, the second's after it failed.
  const std::string error = kClosed + ": cannot write the compressed file: No space left on device";
  EXPECT_EQ(w.compressor()->stats().lastError, error);
  const std::string status = readFile(small / "status.jsonl");
  EXPECT_NE(
      status.find("\"cycle\":1,\"snapshots_written\":1,\"write_errors\":0,\"budget_deleted_"
                  "files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
                  "\"awaiting_export\":0,\"compress_errors\":0,\"compress_last_error\":\"\"}\n"),
      std::string::npos)
      << status;
  EXPECT_NE(status.find("\"cycle\":2,\"snapshots_written\":2,\"write_errors\":0,\"budget_deleted_"
                        "files\":0,\"budget_deleted_bytes\":0,\"budget_dropped_lines\":0,"
                        "\"awaiting_export\":0,\"compress_errors\":1,\"compress_last_error\":\"" +
                        error + "\"}\n"),
            std::string::npos)
      << status;
  EXPECT_EQ(w.stats().compression.errors, 1u);
  EXPECT_EQ(w.stats().compression.lastError, error);
  metrics::Exposition failed;
  addHourlyWriterMetrics(failed, w.stats(), {}, "snapshot");
  const std::string failedText = failed.text();
  for (const char* sample : {"ibsr_compress_errors_total{artefact=\"snapshot\"} 1\n",
                             "ibsr_compressed_files_total{artefact=\"snapshot\"} 0\n",
                             "ibsr_compressed_input_bytes_total{artefact=\"snapshot\"} 0\n",
                             "ibsr_compressed_output_bytes_total{artefact=\"snapshot\"} 0\n"})
    EXPECT_NE(failedText.find(sample), std::string::npos) << sample << failedText;

  ASSERT_TRUE(disk.grow("16m"));
  EXPECT_TRUE(w.writeCycle(kNow + 3600, "{\"ts_unix_sec\":1705318200}\n", ""));
  w.compressor()->wait();
  EXPECT_EQ(w.compressor()->stats().errors, 1u);
  EXPECT_EQ(w.compressor()->stats().filesCompressed, 1u);
  EXPECT_EQ(listing(small),
            (std::vector<std::string>{kClosed + ".zst", current, "snapshot_2024011511.jsonl",
                                      "status.jsonl"}));
  EXPECT_TRUE(unzstd(small / (kClosed + ".zst")) == closed);
  // The next heartbeat and the metrics taken with it: the count stays (cumulative), the text
  // stays until another failure, and the compressed hour is counted with its sizes.
  EXPECT_TRUE(w.writeCycle(kNow + 3660, "{\"ts_unix_sec\":1705318260}\n", ""));
  EXPECT_EQ(w.stats().compression.errors, 1u);
  EXPECT_EQ(w.stats().compression.lastError, error);
  metrics::Exposition done;
  addHourlyWriterMetrics(done, w.stats(), {}, "snapshot");
  const std::string doneText = done.text();
  for (const std::string& sample :
       {std::string("ibsr_compress_errors_total{artefact=\"snapshot\"} 1\n"),
        std::string("ibsr_compressed_files_total{artefact=\"snapshot\"} 1\n"),
        "ibsr_compressed_input_bytes_total{artefact=\"snapshot\"} " +
            std::to_string(closed.size()) + "\n",
        "ibsr_compressed_output_bytes_total{artefact=\"snapshot\"} " +
            std::to_string(fs::file_size(small / (kClosed + ".zst"))) + "\n"})
    EXPECT_NE(doneText.find(sample), std::string::npos) << sample << doneText;
}

// An out-dir that cannot be listed at the first cycle (a file where it should be) is the
// directory's fault, counted by the writes: the clean-up is not a compression error and is not
// skipped for good, it runs on the first cycle that can list the directory.
TEST_F(ClosedCompressionTest, RecoveryWaitsForADirectoryItCanList) {
  for (int level : {0, 1}) {
    const fs::path out = dir_ / std::to_string(level);
    RotationPolicy p;
    p.compressLevel = level;
    HourlyJsonlWriter w(out.string(), p);
    writeFile(out, "x");
    EXPECT_FALSE(w.writeCycle(kNow, "{}\n", ""));
    fs::remove(out);
    fs::create_directory(out);
    const std::string leftover = compressionTempName("snapshot_2024011508.jsonl");
    writeFile(out / leftover, "partial");
    EXPECT_TRUE(w.writeCycle(kNow + 60, "{}\n", ""));
    EXPECT_FALSE(fs::exists(out / leftover)) << level;
    EXPECT_TRUE(w.writeCycle(kNow + 120, "{}\n", ""));
    EXPECT_EQ(w.stats().compression.errors, 0u) << level;
    EXPECT_EQ(w.stats().writeErrors, 2u) << level;
  }
}

// The heartbeat's compress_last_error: bounded, valid UTF-8 without control characters, whatever
// the path in the message.
TEST(BoundedErrorText, CutAtACharacterBoundaryWithoutControlsOrInvalidBytes) {
  EXPECT_EQ(boundedErrorText("cannot write 'x': No space left on device"),
            "cannot write 'x': No space left on device");
  EXPECT_EQ(boundedErrorText("a\nb\tc\x7f\"\\"), "a?b?c?\"\\");
  EXPECT_EQ(boundedErrorText("\xff\xc3(\xe2\x82 \xed\xa0\x80 \xc0\xaf"), "?\?(?? ??? ??");
  EXPECT_EQ(boundedErrorText("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  const std::string exact(kMaxErrorText, 'x');
  EXPECT_EQ(boundedErrorText(exact), exact);
  EXPECT_EQ(boundedErrorText(exact + "y"), std::string(kMaxErrorText - 3, 'x') + "...");
  // A two-byte character across the cut is dropped whole.
  const std::string accents = std::string(kMaxErrorText - 4, 'x') + "\xc3\xa9\xc3\xa9";
  EXPECT_EQ(boundedErrorText(accents + "z"), std::string(kMaxErrorText - 4, 'x') + "...");
}

// A failed crash-recovery step (here a .zst that does not match its .jsonl) is a compression error
// in the heartbeat too, with and without --compress-closed: the hour stays in two forms until
// someone looks.
TEST_F(ClosedCompressionTest, ARecoveryErrorIsCountedInTheHeartbeat) {
  for (int level : {0, 1}) {
    fs::path d = dir_ / std::to_string(level);
    fs::create_directory(d);
    writeFile(d / kClosed, lines_);
    ASSERT_TRUE(compressClosedFile(d.string(), kClosed, 1, nullptr, CompressStep::Renamed).ok());
    writeFile(d / kClosed, lines_ + "{\"version\":3}\n");
    RotationPolicy p;
    p.compressLevel = level;
    HourlyJsonlWriter w(d.string(), p);
    ASSERT_TRUE(w.writeCycle(kNow, "{}\n", ""));  // recovery runs after this heartbeat
    ASSERT_TRUE(w.writeCycle(kNow + 60, "{}\n", ""));
    if (w.compressor()) w.compressor()->wait();
    EXPECT_EQ(w.stats().compression.errors, 1u) << level;
    EXPECT_NE(w.stats().compression.lastError.find("hold different lines; both kept"),
              std::string::npos)
        << w.stats().compression.lastError;
    const std::string status = readFile(d / "status.jsonl");
    EXPECT_NE(status.find("\"cycle\":1,"), std::string::npos);
    EXPECT_NE(status.find("\"compress_errors\":0,\"compress_last_error\":\"\"}\n"),
              std::string::npos)
        << status;
    EXPECT_NE(status.find("\"compress_errors\":1,\"compress_last_error\":\"'" +
                          (d / (kClosed + ".zst")).string() + "' and '"),
              std::string::npos)
        << status;
    EXPECT_EQ(readFile(d / kClosed), lines_ + "{\"version\":3}\n");
  }
}

// One frame without a content size, in 1 MiB steps: how the collector compressed before its frames
// recorded their size, so how many .zst files on disk are.
std::string zstdWithoutContentSize(const std::string& data) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> c(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1);
  std::string out;
  std::vector<char> buf(ZSTD_CStreamOutSize());
  for (std::size_t at = 0;; at += 1 << 20) {
    const std::size_t n = std::min<std::size_t>(1 << 20, data.size() - at);
    const bool last = n < (1 << 20);
    ZSTD_inBuffer input{data.data() + at, n, 0};
    for (bool finished = false; !finished;) {
      ZSTD_outBuffer output{buf.data(), buf.size(), 0};
      const std::size_t left =
          ZSTD_compressStream2(c.get(), &output, &input, last ? ZSTD_e_end : ZSTD_e_continue);
      out.append(buf.data(), output.pos);
      finished = last ? left == 0 : input.pos == input.size;
    }
    if (last) return out;
  }
}

// Lines that decompress to a whole number of zstd's 128 KiB output blocks: the call that ends the
// frame fills the output buffer exactly, and the check asked zstd once more, which then reports
// the header of a next frame and made the complete copy look truncated. Such an hour was never
// compressed ("changed while it was compressed"), and after a crash between rename and removal
// both forms stayed for good.
TEST_F(ClosedCompressionTest, AFrameEndingOnAWholeOutputBlockIsVerified) {
  const std::string closed = incompressibleLines(3 << 20);
  writeFile(dir_ / kClosed, closed);
  writeFile(dir_ / (kClosed + ".zst"), zstdWithoutContentSize(closed));
  ASSERT_TRUE(unzstd(dir_ / (kClosed + ".zst")) == closed);
  // A crash between rename and removal: recovery removes the .jsonl.
  auto rec = recoverClosedCompression(dir_.string(), RotationPolicy{});
  EXPECT_TRUE(rec.errors.empty()) << rec.errors.front();
  EXPECT_EQ(rec.removed, std::vector<std::string>{kClosed});
  EXPECT_EQ(listing(dir_), std::vector<std::string>{kClosed + ".zst"});

  // The collector's own frames of such lines.
  writeFile(dir_ / kClosed, closed);
  fs::remove(dir_ / (kClosed + ".zst"));
  auto r = compressClosedFile(dir_.string(), kClosed, 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(listing(dir_), std::vector<std::string>{kClosed + ".zst"});
  EXPECT_TRUE(unzstd(dir_ / (kClosed + ".zst")) == closed);

  // The check still refuses a copy one byte short, and one with a byte after its frame.
  writeFile(dir_ / kClosed, closed);
  const std::string zst = zstdWithoutContentSize(closed);
  writeFile(dir_ / "short.zst", zst.substr(0, zst.size() - 1));
  writeFile(dir_ / "long.zst", zst + "x");
  for (const char* copy : {"short.zst", "long.zst"}) {
    auto same = zstdSameContent((dir_ / copy).string(), (dir_ / kClosed).string());
    ASSERT_TRUE(same.ok()) << same.error().message;
    EXPECT_FALSE(*same) << copy;
  }
}

// A collector restarted with --no-compress-closed after a crash in a compression cleans up all the
// same: the temporary file would otherwise stay for good, hidden and outside the disk budget, and
// the hour in both forms.
TEST_F(ClosedCompressionTest, WithoutCompressionTheWriterStillCleansUpAfterACrash) {
  writeFile(dir_ / kClosed, lines_);
  ASSERT_TRUE(compressClosedFile(dir_.string(), kClosed, 1, nullptr, CompressStep::Renamed).ok());
  const std::string earlier = "snapshot_2024011508.jsonl";
  writeFile(dir_ / earlier, "{\"ts_unix_sec\":1705305600}\n");
  writeFile(dir_ / compressionTempName(earlier), "partial");
  HourlyJsonlWriter w(dir_.string(), RotationPolicy{});
  ASSERT_EQ(w.compressor(), nullptr);
  ASSERT_TRUE(w.writeCycle(kNow, "{\"ts_unix_sec\":1705314600}\n", ""));
  EXPECT_EQ(listing(dir_), (std::vector<std::string>{earlier, kClosed + ".zst",
                                                     "snapshot_2024011510.jsonl", "status.jsonl"}));
  EXPECT_EQ(unzstd(dir_ / (kClosed + ".zst")), lines_);
}

// Only closed hours of the policy's families, oldest first; never the current hour of either, nor
// a .jsonl that already has its .zst (that pair is recovery's).
TEST_F(ClosedCompressionTest, CandidatesAreClosedUncompressedFilesOfBothFamilies) {
  for (const char* n :
       {"snapshot_2024011508.jsonl", "snapshot_2024011508.jsonl.zst", "snapshot6_2024011508.jsonl",
        "snapshot_2024011509.jsonl", "snapshot_2024011510.jsonl", "snapshot6_2024011510.jsonl",
        "payload_2024011507.jsonl", "snapshot_2024011506.jsonl.gz"})
    writeFile(dir_ / n, "x\n");
  RotationPolicy p;
  p.companionPrefix = "snapshot6_";
  EXPECT_EQ(closedUncompressed(dir_.string(), p, kNow),
            (std::vector<std::string>{"snapshot6_2024011508.jsonl", "snapshot_2024011509.jsonl"}));
}

// The writer compresses a closed hour in the background, after the cycle that closed it.
TEST_F(ClosedCompressionTest, WriterCompressesTheHourItLeft) {
  RotationPolicy p;
  p.compressLevel = 3;
  HourlyJsonlWriter w(dir_.string(), p);
  const std::uint64_t hour = 1705312800;  // 10:00
  std::string written;
  for (std::uint64_t t = hour - 180; t < hour; t += 60) {
    std::string line = "{\"ts_unix_sec\":" + std::to_string(t) + "}\n";
    written += line;
    ASSERT_TRUE(w.writeCycle(t, line, ""));
  }
  ASSERT_NE(w.compressor(), nullptr);
  w.compressor()->wait();
  EXPECT_EQ(w.compressor()->stats().filesCompressed, 0u);  // 09:xx is still the current hour
  ASSERT_TRUE(w.writeCycle(hour, "{\"ts_unix_sec\":1705312800}\n", ""));
  w.compressor()->wait();
  EXPECT_EQ(w.compressor()->stats().filesCompressed, 1u);
  EXPECT_EQ(listing(dir_), (std::vector<std::string>{"snapshot_2024011509.jsonl.zst",
                                                     "snapshot_2024011510.jsonl", "status.jsonl"}));
  EXPECT_EQ(unzstd(dir_ / "snapshot_2024011509.jsonl.zst"), written);
}

// A clock set back into the hour being compressed: the cycle's line must land, and the hour must
// not be half taken. The writer stops the compression before it appends (otherwise the line came
// during the compression and it failed as "changed while it was compressed", or, in the moment
// between the check and the removal of the .jsonl, was lost).
TEST_F(ClosedCompressionTest, AClockSetBackIntoTheHourBeingCompressedStopsItFirst) {
  RotationPolicy p;
  p.compressLevel = 19;  // slow enough that the line comes while it runs
  HourlyJsonlWriter w(dir_.string(), p);
  const std::uint64_t hour = 1705312800;  // 10:00; the closed hour is 09:xx
  const std::string closed = snapshotLines();
  writeFile(dir_ / kClosed, closed);
  ASSERT_TRUE(w.writeCycle(hour, "{\"ts_unix_sec\":1705312800}\n", ""));  // starts on 09
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it takes seconds at level 19
  const std::string late = "{\"ts_unix_sec\":1705312770}\n";
  ASSERT_TRUE(w.writeCycle(hour - 30, late, ""));  // 09:59:30 again
  w.compressor()->wait();  // (10:00 is now a closed hour, and compressed meanwhile)
  EXPECT_EQ(w.compressor()->stats().errors, 0u);
  // Every line of 09 is on disk exactly once: the original with the late line at its end, or
  // (had the compression finished first) the .zst and a new .jsonl of the late line alone.
  const bool compressed = fs::exists(dir_ / (kClosed + ".zst"));
  const std::string rest = readFile(dir_ / kClosed);
  EXPECT_EQ((compressed ? unzstd(dir_ / (kClosed + ".zst")) : std::string()) + rest, closed + late);
  EXPECT_FALSE(fs::exists(dir_ / compressionTempName(kClosed)));
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_NE(e.path().filename().string().front(), '.') << e.path();  // no temporary file left
}

}  // namespace
}  // namespace ibsr
