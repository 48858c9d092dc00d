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
  EXPECT_EQ(e[0].network, *parseIpv4("10.0.0.5"));
  EXPECT_TRUE(e[1].isCidr);
  EXPECT_EQ(e[1].network, *parseIpv4("10.1.2.0"));  // host bits cleared
  EXPECT_EQ(e[1].prefix, 24);
  EXPECT_EQ(e[2].network, *parseIpv4("192.168.0.0"));
}

TEST(ReportAllowlist, InvalidLineIsNamed) {
  for (const char* bad :
       {"10.0.0.1\n# ok\nnot-an-ip\n", "10.0.0.1\n\n10.0.0.0/33\n", "10.0.0.1\n\n10.0.0.0/\n",
        "10.0.0.1\n\n1.2.3.4/08\n", "10.0.0.1\n\n::1\n", "10.0.0.1\n\n10.0.0.1 10.0.0.2\n"}) {
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
