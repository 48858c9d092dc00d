#include "incident/pcap_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "temp_dir.h"

namespace ibsr::incident {
namespace {

using testing::readFile;
using testing::TempDir;

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

  auto f = readFile(dir / "p.pcap");
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
  testing::writeFile(dir / "p.pcap", {1, 2, 3});
  auto w = PcapWriter::create(dir / "p.pcap", 256);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("cannot create"), std::string::npos);
  EXPECT_EQ(readFile(dir / "p.pcap"), (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(PcapWriter, FlushMakesRecordsVisibleWhileOpen) {
  TempDir dir;
  auto w = PcapWriter::create(dir / "p.pcap", 256);
  ASSERT_TRUE(w.ok());
  std::vector<std::uint8_t> a(10, 7);
  ASSERT_TRUE(w->write(1, a, 10).ok());
  ASSERT_TRUE(w->flush().ok());
  EXPECT_EQ(readFile(dir / "p.pcap").size(), 24u + 16 + 10);
}

}  // namespace
}  // namespace ibsr::incident
