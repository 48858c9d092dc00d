#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

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

}  // namespace
}  // namespace ibsr::report
