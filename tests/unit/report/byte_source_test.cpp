#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "report/line_reader.h"
#include "report/s3_source.h"

namespace ibsr::report {
namespace {

// Hands out its bytes in pieces of at most `piece`, as a network source does; can fail once.
class PieceSource : public ByteSource {
 public:
  PieceSource(std::string data, size_t piece, size_t failAt = SIZE_MAX)
      : data_(std::move(data)), piece_(piece), failAt_(failAt) {}
  Result<size_t> read(char* dst, size_t n) override {
    if (pos_ >= failAt_) return plainError("GET s3://b/k: HTTP 412 PreconditionFailed");
    size_t take = std::min({n, piece_, data_.size() - pos_});
    std::memcpy(dst, data_.data() + pos_, take);
    pos_ += take;
    return take;
  }

 private:
  std::string data_;
  size_t piece_;
  size_t failAt_;
  size_t pos_ = 0;
};

std::string gzipOf(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, uLong(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = uInt(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstdOf(const std::string& data) {
  std::string z(ZSTD_compressBound(data.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), data.data(), data.size(), 3));
  return z;
}

// Every line, or the error that stopped the reading.
Result<std::vector<std::string>> lines(const std::string& bytes, const std::string& name,
                                       size_t piece, size_t failAt = SIZE_MAX) {
  LineReader r(1 << 20);
  if (auto st = r.open(std::make_unique<PieceSource>(bytes, piece, failAt), name); !st.ok())
    return st.error();
  std::vector<std::string> out;
  Line l;
  for (;;) {
    auto more = r.next(l);
    if (!more.ok()) return more.error();
    if (!*more) return out;
    out.emplace_back(l.data, l.size);
  }
}

const std::vector<std::string> kWant = {"{\"a\":1}", "", "{\"b\":2}", "tail"};
const std::string kText = "{\"a\":1}\n\n{\"b\":2}\ntail";

TEST(ReportByteSource, EveryCodecReadsAnySourceSplitTheSame) {
  for (size_t piece : {size_t(1), size_t(3), size_t(7), size_t(1) << 20}) {
    for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
             {"x.jsonl", kText}, {"x.jsonl.gz", gzipOf(kText)}, {"x.jsonl.zst", zstdOf(kText)}}) {
      auto got = lines(bytes, name, piece);
      ASSERT_TRUE(got.ok()) << name << " piece " << piece << ": " << got.error().message;
      EXPECT_EQ(*got, kWant) << name << " piece " << piece;
    }
  }
}

TEST(ReportByteSource, GzipMembersAreReadInTurnAndTrailingBytesIgnoredAsGzreadDoes) {
  const std::string two = gzipOf("{\"a\":1}\n\n") + gzipOf("{\"b\":2}\ntail");
  for (size_t piece : {size_t(1), size_t(5), size_t(4096)}) {
    auto got = lines(two, "x.jsonl.gz", piece);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, kWant);
    got = lines(two + "garbage after the last member", "x.jsonl.gz", piece);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, kWant);
  }
  // A .gz name on plain text: read as it is (gzread's transparent mode).
  auto plain = lines(kText, "x.jsonl.gz", 2);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, kWant);
}

TEST(ReportByteSource, TruncatedOrCorruptCompressionIsAnError) {
  const std::string gz = gzipOf(kText);
  auto cut = lines(gz.substr(0, gz.size() - 6), "x.jsonl.gz", 4);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().message, "cannot decompress 'x.jsonl.gz': unexpected end of file");
  std::string bad = gz;
  bad[12] = char(bad[12] ^ 0x55);
  EXPECT_FALSE(lines(bad, "x.jsonl.gz", 4).ok());
  const std::string z = zstdOf(kText);
  auto zcut = lines(z.substr(0, z.size() - 3), "x.jsonl.zst", 4);
  ASSERT_FALSE(zcut.ok());
  EXPECT_EQ(zcut.error().message, "cannot decompress 'x.jsonl.zst': truncated zstd frame");
}

TEST(ReportByteSource, SourceErrorsReachTheReader) {
  auto got = lines(kText, "x.jsonl", 2, 9);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, "GET s3://b/k: HTTP 412 PreconditionFailed");
}

TEST(ReportS3Chunks, ChunksCoverTheObjectExactlyOnce) {
  EXPECT_EQ(nextChunk(0, 0, 8).length, 0u);
  uint64_t fetched = 0;
  std::vector<std::pair<uint64_t, uint64_t>> plans;
  for (int i = 0; i < 10; ++i) {
    ChunkPlan p = nextChunk(20, fetched, 8);
    if (p.length == 0) break;
    plans.emplace_back(p.offset, p.length);
    fetched += p.length;
  }
  const std::vector<std::pair<uint64_t, uint64_t>> want = {{0, 8}, {8, 8}, {16, 4}};
  EXPECT_EQ(plans, want);
  EXPECT_EQ(nextChunk(16, 16, 8).length, 0u);
  EXPECT_EQ(nextChunk(16, 8, 8).length, 8u);
}

}  // namespace
}  // namespace ibsr::report
