#include "incident/pcap_writer.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <vector>

#include "temp_dir.h"

namespace ibsr::incident {
namespace {

using ibsr::testing::readBytes;
using ibsr::testing::TempDir;

std::uint32_t le32(const std::vector<std::uint8_t>& b, std::size_t off) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}

TEST(PcapWriter, HeaderAndRecordsAreExact) {
  TempDir dir;
  auto w = PcapWriter::create(dir / "p.pcap", 256);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->bytes(), 24u);
  std::vector<std::uint8_t> a(60, 0x11), b(256, 0x22);
  ASSERT_TRUE(w->write(1715260200123456ULL, a, 60).ok());
  ASSERT_TRUE(w->write(1715260201000001ULL, b, 1500).ok());
  EXPECT_EQ(w->records(), 2u);
  EXPECT_EQ(w->bytes(), 24u + 16 + 60 + 16 + 256);
  ASSERT_TRUE(w->close().ok());
  EXPECT_FALSE(w->isOpen());

  auto f = readBytes(dir / "p.pcap");
  ASSERT_EQ(f.size(), 24u + 16 + 60 + 16 + 256);
  EXPECT_EQ(le32(f, 0), 0xa1b2c3d4u);  // microsecond magic, host (little-endian) order
  EXPECT_EQ(f[4] | f[5] << 8, 2);
  EXPECT_EQ(f[6] | f[7] << 8, 4);
  EXPECT_EQ(le32(f, 8), 0u);
  EXPECT_EQ(le32(f, 12), 0u);
  EXPECT_EQ(le32(f, 16), 256u);  // snaplen
  EXPECT_EQ(le32(f, 20), 1u);    // LINKTYPE_ETHERNET
  EXPECT_EQ(le32(f, 24), 1715260200u);
  EXPECT_EQ(le32(f, 28), 123456u);
  EXPECT_EQ(le32(f, 32), 60u);
  EXPECT_EQ(le32(f, 36), 60u);
  EXPECT_EQ(std::vector<std::uint8_t>(f.begin() + 40, f.begin() + 100), a);
  EXPECT_EQ(le32(f, 100), 1715260201u);
  EXPECT_EQ(le32(f, 104), 1u);
  EXPECT_EQ(le32(f, 108), 256u);   // caplen
  EXPECT_EQ(le32(f, 112), 1500u);  // original length, truthfully larger
  EXPECT_EQ(std::vector<std::uint8_t>(f.begin() + 116, f.end()), b);
}

TEST(PcapWriter, NeverOverwritesAnExistingFile) {
  TempDir dir;
  ibsr::testing::writeBytes(dir / "p.pcap", {1, 2, 3});
  auto w = PcapWriter::create(dir / "p.pcap", 256);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("cannot create"), std::string::npos);
  EXPECT_EQ(readBytes(dir / "p.pcap"), (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(PcapWriter, FlushMakesRecordsVisibleWhileOpen) {
  TempDir dir;
  auto w = PcapWriter::create(dir / "p.pcap", 256);
  ASSERT_TRUE(w.ok());
  std::vector<std::uint8_t> a(10, 7);
  ASSERT_TRUE(w->write(1, a, 10).ok());
  ASSERT_TRUE(w->flush().ok());
  EXPECT_EQ(readBytes(dir / "p.pcap").size(), 24u + 16 + 10);
}

// A file-size limit stands in for a full disk: write(2) then fails with EFBIG past the limit
// (SIGXFSZ ignored), after possibly writing part of the batch.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    oldHandler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit r = old_;
    r.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, oldHandler_);
  }

 private:
  rlimit old_{};
  void (*oldHandler_)(int) = nullptr;
};

TEST(PcapWriter, FullDiskKeepsOnlyCompleteRecordsAndCountsTheLostOnes) {
  TempDir dir;
  std::vector<std::uint8_t> rec(100, 0x33);
  std::uint64_t committed = 0, lost = 0;
  {
    auto w = PcapWriter::create(dir / "p.pcap", 256);
    ASSERT_TRUE(w.ok());
    FileSizeLimit limit(24 + 3 * 116 + 50);  // room for 3 records and part of a fourth
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(w->write(1, rec, 100).ok());
    ASSERT_TRUE(w->flush().ok());
    committed += w->takeCommitted();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(w->write(2, rec, 100).ok());
    auto st = w->flush();  // 3 records of 116 bytes do not fit: the whole batch is lost
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("cannot write"), std::string::npos);
    committed += w->takeCommitted();
    lost += w->takeLost();
    EXPECT_EQ(w->bytes(), 24u + 2 * 116);
    ASSERT_TRUE(w->write(3, rec, 100).ok());  // one more fits: the writer keeps going
    ASSERT_TRUE(w->close().ok());
    committed += w->takeCommitted();
    lost += w->takeLost();
  }
  EXPECT_EQ(committed, 3u);
  EXPECT_EQ(lost, 3u);
  auto f = readBytes(dir / "p.pcap");
  ASSERT_EQ(f.size(), 24u + 3 * 116);
  EXPECT_EQ(le32(f, 24 + 2 * 116 + 4), 3u);  // ts_usec: the third record is the one written last
}

}  // namespace
}  // namespace ibsr::incident
