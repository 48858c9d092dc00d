#include <gtest/gtest.h>

#include "report/allowlist.h"
#include "report/model.h"

namespace ibsr::report {
namespace {

TEST(ReportAllowlist, ParsesAddressesCidrsAndComments) {
  auto list = Allowlist::parse(
      "# header\n10.0.0.5\n\n  192.168.0.0/16  # office\n10.0.0.5\n10.1.2.3/24\r\n", "a.txt");
  ASSERT_TRUE(list.ok()) << list.error().message;
  const auto& e = list->entries();
  ASSERT_EQ(e.size(), 3u);  // duplicate removed
  EXPECT_FALSE(e[0].isCidr);
  EXPECT_EQ(e[0].range.network.v4(), *parseIpv4("10.0.0.5"));
  EXPECT_EQ(e[0].range.length, 32);
  EXPECT_TRUE(e[1].isCidr);
  EXPECT_EQ(e[1].range.network.v4(), *parseIpv4("10.1.2.0"));  // host bits cleared
  EXPECT_EQ(e[1].range.length, 24);
  EXPECT_EQ(e[2].range.network.v4(), *parseIpv4("192.168.0.0"));
}

TEST(ReportAllowlist, ParsesIpv6AddressesAndPrefixesAfterIpv4Ones) {
  auto list = Allowlist::parse(
      "2001:DB8:0:BEEF::1\n2001:db8:5::77/48 # a site\n10.0.0.5\n::1\n10.0.0.0/8\n", "a.txt");
  ASSERT_TRUE(list.ok()) << list.error().message;
  const auto& e = list->entries();
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].text(), "10.0.0.5");
  EXPECT_STREQ(e[0].keyType(), "src_ip");
  EXPECT_EQ(e[1].text(), "10.0.0.0/8");
  EXPECT_STREQ(e[1].keyType(), "src_cidr");
  EXPECT_EQ(e[2].text(), "::1");  // IPv6 addresses numerically
  EXPECT_STREQ(e[2].keyType(), "src_ip6");
  EXPECT_EQ(e[3].text(), "2001:db8:0:beef::1");  // RFC 5952 text, whatever was written
  EXPECT_EQ(e[3].range.length, 128);
  EXPECT_EQ(e[4].text(), "2001:db8:5::/48");  // host bits cleared
  EXPECT_STREQ(e[4].keyType(), "src_net6");
}

TEST(ReportAllowlist, Ipv6EntriesExemptEveryKeyTheyOverlap) {
  auto list = Allowlist::parse("2001:db8:0:beef::1\n2001:db8:7::/48\n10.0.0.0/8\n", "a");
  ASSERT_TRUE(list.ok());
  auto net = [](const char* text) { return packIpv6Key(*IpPrefix::parse(text), 443); };
  // The /64 holding the allowlisted address: its rule would drop that address too.
  EXPECT_TRUE(list->matches(net("2001:db8:0:beef::/64")));
  EXPECT_TRUE(list->matches(net("2001:db8:0:beef::1/128")));
  EXPECT_FALSE(list->matches(net("2001:db8:0:beef::2/128")));
  EXPECT_FALSE(list->matches(net("2001:db8:0:bee0::/64")));
  EXPECT_TRUE(list->matches(net("2001:db8:7:1::/64")));  // inside an allowlisted /48
  EXPECT_TRUE(list->matches(net("2001:db8::/32")));      // holds the /48
  // Families never match each other, whatever their bytes.
  EXPECT_FALSE(list->matches(net("a00::/8")));
  EXPECT_FALSE(
      Allowlist::parse("2001:db8::/32\n", "a")->matches(packKey(KeyType::SrcIp, 0x20010db8, 1)));
}

TEST(ReportAllowlist, InvalidLineIsNamed) {
  for (const char* bad :
       {"10.0.0.1\n# ok\nnot-an-ip\n", "10.0.0.1\n\n10.0.0.0/33\n", "10.0.0.1\n\n10.0.0.0/\n",
        "10.0.0.1\n\n1.2.3.4/08\n", "10.0.0.1\n\n::1/129\n", "10.0.0.1\n\n2001:db8::g\n",
        "10.0.0.1\n\n[::1]\n", "10.0.0.1\n\n10.0.0.1 10.0.0.2\n"}) {
    auto list = Allowlist::parse(bad, "allow.txt");
    ASSERT_FALSE(list.ok()) << bad;
    EXPECT_EQ(list.error().message.rfind("allow.txt:3: ", 0), 0u) << list.error().message;
  }
}

TEST(ReportAllowlist, MatchesHostsAndOverlappingNetworks) {
  auto list = Allowlist::parse("10.0.0.5\n192.168.0.0/16\n172.16.5.128/25\n", "a");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->matches(packKey(KeyType::SrcIp, *parseIpv4("10.0.0.5"), 1)));
  EXPECT_FALSE(list->matches(packKey(KeyType::SrcIp, *parseIpv4("10.0.0.6"), 1)));
  EXPECT_TRUE(list->matches(packKey(KeyType::SrcIp, *parseIpv4("192.168.200.1"), 1)));
  // A /24 key overlapping an allowlisted host or a smaller network is not blocked.
  EXPECT_TRUE(list->matches(packKey(KeyType::SrcCidr24, *parseIpv4("10.0.0.0"), 1)));
  EXPECT_TRUE(list->matches(packKey(KeyType::SrcCidr24, *parseIpv4("172.16.5.0"), 1)));
  EXPECT_FALSE(list->matches(packKey(KeyType::SrcCidr24, *parseIpv4("172.16.6.0"), 1)));
}

TEST(ReportAllowlist, MissingFileIsAnError) {
  auto list = Allowlist::load("/nonexistent/allow.txt");
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.error().message.find("/nonexistent/allow.txt"), std::string::npos);
}

}  // namespace
}  // namespace ibsr::report
