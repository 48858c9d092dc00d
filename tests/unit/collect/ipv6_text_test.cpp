#include "collect/ipv6_text.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace ibsr::collect {
namespace {

// writeIpv6Text must write exactly what inet_ntop writes (the line's text before it replaced it).
void expectSameAsInetNtop(const std::array<std::uint8_t, 16>& a) {
  char want[INET6_ADDRSTRLEN];
  ASSERT_NE(::inet_ntop(AF_INET6, a.data(), want, sizeof want), nullptr);
  char got[64];
  char* end = writeIpv6Text(got, a.data());
  ASSERT_LE(end - got, kMaxIpv6Text);
  ASSERT_EQ(std::string(got, static_cast<std::size_t>(end - got)), want);
}

std::array<std::uint8_t, 16> fromGroups(const std::array<std::uint16_t, 8>& g) {
  std::array<std::uint8_t, 16> a{};
  for (int i = 0; i < 8; ++i) {
    a[2 * i] = static_cast<std::uint8_t>(g[i] >> 8);
    a[2 * i + 1] = static_cast<std::uint8_t>(g[i] & 0xFF);
  }
  return a;
}

// Every pattern of zero and non-zero groups (which decides the "::" and the dotted forms), with
// non-zero groups of each hex length and 0xffff, the IPv4-mapped marker.
TEST(Ipv6Text, EveryZeroGroupPatternAsInetNtop) {
  const std::uint16_t fills[] = {0x1, 0xa, 0xab, 0xabc, 0xffff, 0x100, 0x1000, 0x0f0f};
  for (unsigned pattern = 0; pattern < 256; ++pattern)
    for (std::uint16_t fill : fills)
      for (std::uint16_t last : {std::uint16_t{1}, fill, std::uint16_t{0xc0a8}}) {
        std::array<std::uint16_t, 8> g{};
        for (int i = 0; i < 8; ++i) g[i] = (pattern >> i) & 1 ? fill : 0;
        if (g[7] != 0) g[7] = last;
        expectSameAsInetNtop(fromGroups(g));
      }
}

TEST(Ipv6Text, DottedFormsAsInetNtop) {
  for (const char* text :
       {"::ffff:10.0.0.1", "::ffff:0.0.0.0", "::ffff:255.255.255.255", "::1.2.3.4", "::0.0.1.0",
        "::ffff:0:1.2.3.4", "::fffe:1.2.3.4", "0:0:0:0:1:ffff:1.2.3.4", "::", "::1",
        "1::", "64:ff9b::1.2.3.4", "2001:db8::ffff:1.2.3.4"}) {
    std::array<std::uint8_t, 16> a{};
    ASSERT_EQ(::inet_pton(AF_INET6, text, a.data()), 1) << text;
    expectSameAsInetNtop(a);
  }
}

TEST(Ipv6Text, RandomAddressesAsInetNtop) {
  std::mt19937_64 rng(20261204);
  for (int n = 0; n < 300000; ++n) {
    std::array<std::uint16_t, 8> g{};
    const std::uint64_t zeros = rng();  // about a third of the groups zero, small values common
    for (int i = 0; i < 8; ++i) {
      const std::uint64_t r = rng();
      g[i] = (zeros >> (3 * i)) % 3 == 0 ? 0 : static_cast<std::uint16_t>(r >> (r % 16));
    }
    expectSameAsInetNtop(fromGroups(g));
  }
}

}  // namespace
}  // namespace ibsr::collect
