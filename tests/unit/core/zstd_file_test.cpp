#include "core/zstd_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <string>

#include "core/unique_fd.h"
#include "temp_dir.h"

namespace ibsr {
namespace {

using ibsr::testing::readFile;
using ibsr::testing::writeFile;

// The frame header carries the content size, so that a reader can size its buffers at once.
TEST(ZstdFile, TheFrameRecordsItsContentSize) {
  ibsr::testing::TempDir tmp;
  const std::string plain = (tmp.path() / "snapshot_2024011509.jsonl").string();
  const std::string zst = plain + ".zst";
  std::string data;
  for (int i = 0; i < 200000; ++i) data += "{\"line\":" + std::to_string(i * 7919) + "}\n";
  writeFile(plain, data);
  {
    UniqueFd out(::open(zst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(out.valid());
    auto copy = zstdCompressFile(plain, out.get(), 1, nullptr);
    ASSERT_TRUE(copy.ok()) << copy.error().message;
    EXPECT_EQ(copy->inBytes, data.size());
  }
  const std::string z = readFile(zst);
  EXPECT_EQ(ZSTD_getFrameContentSize(z.data(), z.size()), data.size());
  std::string back(data.size(), '\0');
  EXPECT_EQ(ZSTD_decompress(back.data(), back.size(), z.data(), z.size()), data.size());
  EXPECT_EQ(back, data);
  auto same = zstdSameContent(zst, plain, nullptr);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(*same);
}

}  // namespace
}  // namespace ibsr
