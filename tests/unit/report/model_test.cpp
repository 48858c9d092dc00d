#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "report/model.h"

namespace ibsr::report {
namespace {

TEST(ReportModel, ParsesStrictDottedQuads) {
  EXPECT_EQ(parseIpv4("192.168.1.1"), 3232235777u);
  EXPECT_EQ(parseIpv4("0.0.0.0"), 0u);
  EXPECT_EQ(parseIpv4("255.255.255.255"), 0xFFFFFFFFu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d",
                          "1..2.3", "1.2.3.-4", "1234.1.1.1"})
    EXPECT_FALSE(parseIpv4(bad).has_value()) << bad;
}

TEST(ReportModel, FormatsKeysInReportOrder) {
  uint64_t host = packKey(KeyType::SrcIp, 0xC0A80101, 8899);
  uint64_t net = packKey(KeyType::SrcCidr24, 0xFFFFFF00, 1);
  EXPECT_EQ(formatSource(host), "192.168.1.1:8899");
  EXPECT_EQ(formatSource(net), "255.255.255.0/24:1");
  EXPECT_LT(net, host);  // src_cidr24 sorts before src_ip, like the key_type strings
  EXPECT_LT(packKey(KeyType::SrcIp, 1, 65535), packKey(KeyType::SrcIp, 2, 0));
}

TEST(ReportModel, TimesRoundTrip) {
  EXPECT_EQ(formatTime(1705312920), "2024-01-15T10:02:00Z");
  EXPECT_EQ(parseTime("2024-01-15T10:02:00Z"), 1705312920);
  EXPECT_EQ(parseTime("1705312920"), 1705312920);
  EXPECT_FALSE(parseTime("2024-02-31T00:00:00Z").has_value());
  EXPECT_FALSE(parseTime("-5").has_value());
  EXPECT_FALSE(parseTime("yesterday").has_value());
  EXPECT_EQ(formatTime(kMaxTimestamp), "9999-12-31T23:59:59Z");
}

TEST(ReportModel, SaturatingAdd) {
  EXPECT_EQ(satAdd(UINT64_MAX - 1, 5), UINT64_MAX);
  EXPECT_EQ(satAdd(2, 3), 5u);
}

TEST(ReportModel, KeysOrderIpv4FirstThenIpv6ByValuePrefixAndPort) {
  auto v6 = [](const char* prefix, uint16_t port) {
    return packIpv6Key(*IpPrefix::parse(prefix), port);
  };
  std::vector<uint64_t> want = {
      packKey(KeyType::SrcCidr24, 0xFFFFFF00, 1),  // cidr24 before src_ip, as before IPv6
      packKey(KeyType::SrcIp, 0x0A000001, 80),
      packKey(KeyType::SrcIp, 0xFFFFFFFF, 65535),
      v6("::/64", 1),
      v6("2001:db8::1/128", 443),
      v6("2001:db8::66/128", 80),
      v6("2001:db8:0:1::/64", 80),
      v6("2001:db8:0:1::/64", 443),
      v6("2001:db8:0:1::/128", 22),  // same network, longer prefix after
      v6("2001:db8:0:bad::/64", 443),
  };
  std::vector<uint64_t> got = want;
  std::reverse(got.begin(), got.end());
  std::sort(got.begin(), got.end(), keyLess);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(formatSource(got[i]), formatSource(want[i]));
  // Interning gives one key per prefix and port.
  EXPECT_EQ(v6("2001:db8:0:1::/64", 80), v6("2001:db8:0:1::/64", 80));
  EXPECT_NE(v6("2001:db8:0:1::/64", 80), v6("2001:db8:0:1::/63", 80));
  EXPECT_EQ(formatSource(v6("2001:db8:0:1::/128", 22)), "[2001:db8:0:1::]:22");
  EXPECT_EQ(formatSource(v6("::/64", 1)), "[::]/64:1");
  EXPECT_EQ(keySource(packKey(KeyType::SrcCidr24, 0x0A010200, 1)).toString(), "10.1.2.0/24");
}

}  // namespace
}  // namespace ibsr::report
