#include "export/md5_multibuffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "export/digest.h"

namespace ibsr::s3 {
namespace {

std::string randomBytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Feeds every lane its input in chunks of random sizes (the lanes given different sizes in the
// same update, some none), then compares each lane's MD5 with OpenSSL's.
void expectLanesMatchOpenSsl(Md5Lanes& lanes, const std::vector<std::string>& inputs,
                             std::mt19937_64& rng, std::size_t maxChunk) {
  ASSERT_EQ(inputs.size(), kMd5Lanes);
  std::array<std::size_t, kMd5Lanes> done{};
  for (;;) {
    std::array<const void*, kMd5Lanes> data{};
    std::array<std::size_t, kMd5Lanes> size{};
    bool left = false;
    for (std::size_t i = 0; i < kMd5Lanes; ++i) {
      const std::size_t rest = inputs[i].size() - done[i];
      if (rest > 0) left = true;
      size[i] = std::min<std::size_t>(rest, rng() % (maxChunk + 1));
      data[i] = inputs[i].data() + done[i];
      done[i] += size[i];
    }
    if (!left) break;
    lanes.update(data, size);
  }
  for (std::size_t i = 0; i < kMd5Lanes; ++i)
    EXPECT_EQ(toHex(lanes.finish(i)), toHex(md5(inputs[i])))
        << "lane " << i << ", " << inputs[i].size() << " bytes";
}

TEST(Md5Lanes, Rfc1321TestVectorsInEveryLane) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  Md5Lanes lanes;
  for (std::size_t shift = 0; shift < kMd5Lanes; ++shift) {
    std::array<const void*, kMd5Lanes> data{};
    std::array<std::size_t, kMd5Lanes> size{};
    for (std::size_t i = 0; i < kMd5Lanes; ++i) {
      const auto& v = vectors[(i + shift) % vectors.size()];
      data[i] = v.first.data();
      size[i] = v.first.size();
    }
    lanes.update(data, size);
    for (std::size_t i = 0; i < kMd5Lanes; ++i)
      EXPECT_EQ(toHex(lanes.finish(i)), vectors[(i + shift) % vectors.size()].second);
  }
}

TEST(Md5Lanes, OneLaneAloneAndByteByByte) {
  Md5Lanes lanes;
  const std::string text = "The quick brown fox jumps over the lazy dog";
  for (char c : text) lanes.update(3, &c, 1);
  EXPECT_EQ(toHex(lanes.finish(3)), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(toHex(lanes.finish(3)), "d41d8cd98f00b204e9800998ecf8427e");  // finish starts over
}

TEST(Md5Lanes, EdgeLengthsInRandomChunks) {
  // Around the padding boundaries: 55 bytes still fit the length in the last block, 56 do not.
  const std::vector<std::size_t> edges = {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129};
  std::mt19937_64 rng(17);
  Md5Lanes lanes;
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> inputs;
    for (std::size_t i = 0; i < kMd5Lanes; ++i)
      inputs.push_back(randomBytes(rng, edges[rng() % edges.size()]));
    expectLanesMatchOpenSsl(lanes, inputs, rng, round % 2 == 0 ? 70 : 200);
  }
}

TEST(Md5Lanes, LargeUnequalLanes) {
  std::mt19937_64 rng(18);
  Md5Lanes lanes;
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> inputs;
    for (std::size_t i = 0; i < kMd5Lanes; ++i) {
      // Mostly long lanes that end at different blocks, some short or empty ones.
      const std::size_t n = rng() % 4 == 0 ? rng() % 200 : 50000 + rng() % 300000;
      inputs.push_back(randomBytes(rng, n));
    }
    expectLanesMatchOpenSsl(lanes, inputs, rng, round % 2 == 0 ? 64 * 1024 : 400000);
  }
}

TEST(Md5Lanes, EqualLanesInOneUpdateAndOneLongLane) {
  std::mt19937_64 rng(19);
  Md5Lanes lanes;
  std::vector<std::string> inputs;
  for (std::size_t i = 0; i < kMd5Lanes; ++i) inputs.push_back(randomBytes(rng, 1 << 20));
  expectLanesMatchOpenSsl(lanes, inputs, rng, 1 << 21);  // often one call for the whole input
  // One lane far longer than the rest: the vector kernel first, then the scalar code alone.
  inputs.assign(kMd5Lanes, randomBytes(rng, 4096));
  inputs[5] = randomBytes(rng, 3 << 20);
  expectLanesMatchOpenSsl(lanes, inputs, rng, 5 << 20);
}

}  // namespace
}  // namespace ibsr::s3
