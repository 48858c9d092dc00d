#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <string>
#include <vector>

#include "report/line_reader.h"
#include "temp_dir.h"

namespace ibsr::report {
namespace {

struct ReadLine {
  std::string text;
  uint64_t number;
  bool oversized;
  bool noNewline;
};

std::vector<ReadLine> readAll(const std::string& path, size_t cap) {
  LineReader r(cap);
  EXPECT_TRUE(r.open(path).ok());
  std::vector<ReadLine> out;
  Line l;
  for (;;) {
    auto more = r.next(l);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    EXPECT_GE(l.capacity, l.size + simdjson::SIMDJSON_PADDING);
    out.push_back({std::string(l.data, l.size), l.number, l.oversized, l.lastWithoutNewline});
  }
  return out;
}

using ibsr::testing::TempDir;
using ibsr::testing::writeFile;

// Declines every line, recording the size hint each begins with.
class HintRecorder : public LineConsumer {
 public:
  std::vector<size_t> hints;
  void begin(size_t sizeHint) override { hints.push_back(sizeHint); }
  Step feed(const char*, size_t, bool, size_t& used) override {
    used = 0;
    return Step::Decline;
  }
  size_t consumed() const override { return 0; }
  void writeConsumed(char*) const override {}
};

std::vector<size_t> hintsOf(const std::string& path) {
  LineReader r(64 << 20);
  EXPECT_TRUE(r.open(path).ok());
  HintRecorder consumer;
  Line l;
  for (;;) {
    auto more = r.next(l, &consumer);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
  }
  return consumer.hints;
}

// What a line's consumer is told the input may still hold: the rest of a plain file, the rest of
// a .zst frame whose header gives its size, and nothing (0) where that is not known.
TEST(ReportLineReader, ConsumersAreToldWhatTheInputStillHolds) {
  TempDir tmp;
  const std::string dir = tmp.path();
  const std::string first(3 << 20, 'a');  // spans several read chunks
  const std::string data = first + "\nsecond\nthird\n";
  const std::vector<size_t> rest = {data.size(), data.size() - first.size() - 1,
                                    data.size() - first.size() - 8};
  writeFile(dir + "/a.jsonl", data);
  EXPECT_EQ(hintsOf(dir + "/a.jsonl"), rest);

  std::string z(ZSTD_compressBound(data.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), data.data(), data.size(), 1));
  ASSERT_EQ(ZSTD_getFrameContentSize(z.data(), z.size()), data.size());
  writeFile(dir + "/sized.jsonl.zst", z);
  EXPECT_EQ(hintsOf(dir + "/sized.jsonl.zst"), rest);

  // A streamed frame without a pledged size does not say.
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> c(ZSTD_createCCtx(), ZSTD_freeCCtx);
  std::string unsized(ZSTD_compressBound(data.size()), '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ZSTD_outBuffer out{unsized.data(), unsized.size(), 0};
  ZSTD_compressStream2(c.get(), &out, &in, ZSTD_e_continue);  // one call with e_end sizes it
  ASSERT_EQ(ZSTD_compressStream2(c.get(), &out, &in, ZSTD_e_end), 0u);
  unsized.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(unsized.data(), unsized.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  writeFile(dir + "/unsized.jsonl.zst", unsized);
  EXPECT_EQ(hintsOf(dir + "/unsized.jsonl.zst"), std::vector<size_t>(3, 0));

  gzFile gz = gzopen((dir + "/a.jsonl.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, data.data(), unsigned(data.size())), int(data.size()));
  gzclose(gz);
  EXPECT_EQ(hintsOf(dir + "/a.jsonl.gz"), std::vector<size_t>(3, 0));
}

TEST(ReportLineReader, PlainGzipAndZstdGiveTheSameLines) {
  TempDir tmp;
  const std::string dir = tmp.path();
  std::string big(3 << 20, 'x');  // spans several read chunks
  std::string data = "first\n\n" + big + "\nlast-no-newline";
  writeFile(dir + "/a.jsonl", data);
  gzFile gz = gzopen((dir + "/a.jsonl.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, data.data(), unsigned(data.size())), int(data.size()));
  gzclose(gz);
  std::string z(ZSTD_compressBound(data.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), data.data(), data.size(), 3));
  writeFile(dir + "/a.jsonl.zst", z);
  for (const char* name : {"/a.jsonl", "/a.jsonl.gz", "/a.jsonl.zst"}) {
    auto lines = readAll(dir + name, 8 << 20);
    ASSERT_EQ(lines.size(), 4u) << name;
    EXPECT_EQ(lines[0].text, "first");
    EXPECT_EQ(lines[1].text, "");
    EXPECT_EQ(lines[2].text, big);
    EXPECT_EQ(lines[3].text, "last-no-newline");
    EXPECT_TRUE(lines[3].noNewline);
    EXPECT_FALSE(lines[2].noNewline);
    EXPECT_EQ(lines[3].number, 4u);
  }
}

TEST(ReportLineReader, OversizedLinesAreSkippedNotBuffered) {
  TempDir tmp;
  const std::string dir = tmp.path();
  std::string huge(5 << 20, 'y');
  writeFile(dir + "/b.jsonl", "a\n" + huge + "\nb\n" + huge);
  auto lines = readAll(dir + "/b.jsonl", 4096);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "a");
  EXPECT_TRUE(lines[1].oversized);
  EXPECT_EQ(lines[1].text, "");
  EXPECT_EQ(lines[2].text, "b");
  EXPECT_EQ(lines[2].number, 3u);
  EXPECT_TRUE(lines[3].oversized);
  EXPECT_TRUE(lines[3].noNewline);
}

TEST(ReportLineReader, CorruptCompressedDataIsAnError) {
  TempDir tmp;
  const std::string dir = tmp.path();
  writeFile(dir + "/c.jsonl.zst", "this is not zstd at all");
  LineReader r(1 << 20);
  ASSERT_TRUE(r.open(dir + "/c.jsonl.zst").ok());
  Line l;
  auto more = r.next(l);
  ASSERT_FALSE(more.ok());
  EXPECT_NE(more.error().message.find("c.jsonl.zst"), std::string::npos);
  EXPECT_FALSE(r.open(dir + "/missing.jsonl").ok());
}

// An empty .zst holds no frame at all (`zstd -t` calls it an unexpected end of file): reading it
// as an hour without lines would hide that its lines are gone.
TEST(ReportLineReader, AnEmptyZstIsAnError) {
  TempDir tmp;
  const std::string dir = tmp.path();
  writeFile(dir + "/snapshot_2025011510.jsonl.zst", "");
  LineReader r(1 << 20);
  ASSERT_TRUE(r.open(dir + "/snapshot_2025011510.jsonl.zst").ok());
  Line l;
  auto more = r.next(l);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().message, "cannot decompress '" + dir +
                                      "/snapshot_2025011510.jsonl.zst': empty file, no zstd frame");
}

}  // namespace
}  // namespace ibsr::report
