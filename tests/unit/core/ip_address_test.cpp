#include "core/ip_address.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>

namespace ibsr {
namespace {

TEST(IpAddress, StrictDottedQuadRoundTrips) {
  for (const char* text : {"0.0.0.0", "10.0.0.1", "192.168.1.1", "255.255.255.255"}) {
    auto a = IpAddress::parse(text);
    ASSERT_TRUE(a) << text;
    EXPECT_TRUE(a->isV4());
    EXPECT_EQ(a->toString(), text);
  }
  EXPECT_EQ(IpAddress::parse("192.168.1.1")->v4(), 0xC0A80101u);
  EXPECT_EQ(parseIpv4("192.168.1.1"), 0xC0A80101u);
  EXPECT_EQ(formatIpv4(0xFFFFFFFF), "255.255.255.255");
  EXPECT_EQ(IpAddress::fromV4(0x0A000001).toString(), "10.0.0.1");
}

TEST(IpAddress, RejectsAnythingButFourPlainOctets) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
                          "1..3.4", "1.2.3.-4", "a.b.c.d", "1.2.3.4/8", "1234.1.1.1"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
    EXPECT_FALSE(parseIpv4(bad)) << bad;
  }
  // IPv6 text is an address, but never an IPv4 one.
  EXPECT_FALSE(parseIpv4("::1"));
  EXPECT_FALSE(IpAddress::parseV4("::1"));
  EXPECT_TRUE(IpAddress::parse("::1"));
}

TEST(IpAddress, Ipv6FormatsAsRfc5952) {
  const std::pair<const char*, const char*> cases[] = {
      {"2001:db8::1", "2001:db8::1"},
      {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},  // 4.1, 4.3
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},               // 4.2.3: first of equal runs
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},            // 4.2.2: one zero group stays
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},                     // 4.2.3: the longest run
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:db8:1:2::", "2001:db8:1:2::"},
      {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},  // section 5
      {"::ffff:c000:0201", "::ffff:192.0.2.1"},
      {"fe80::1:2", "fe80::1:2"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (auto [in, want] : cases) {
    auto a = IpAddress::parse(in);
    ASSERT_TRUE(a) << in;
    EXPECT_FALSE(a->isV4()) << in;
    EXPECT_EQ(a->bitLength(), 128u);
    EXPECT_EQ(a->toString(), want) << in;
  }
  EXPECT_EQ(IpAddress::parse("2001:db8::1")->bytes()[0], 0x20);
  EXPECT_EQ(IpAddress::parse("2001:db8::1")->bytes()[15], 0x01);
}

TEST(IpAddress, RejectsMalformedIpv6) {
  for (const char* bad : {":", ":::", "2001:db8::1::2", "2001:db8:::1", "12345::", "g::1",
                          "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "fe80::1%eth0", "[::1]", " ::1",
                          "::1 ", "::ffff:1.2.3", "2001:db8::/64"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
  EXPECT_FALSE(IpAddress::parse(std::string_view("::1\0", 4)));
  EXPECT_FALSE(IpAddress::parse(std::string(60, '1')));
}

TEST(IpAddress, OrdersIpv4BeforeIpv6ThenNumerically) {
  EXPECT_LT(*IpAddress::parse("255.255.255.255"), *IpAddress::parse("::"));
  EXPECT_LT(*IpAddress::parse("2001:db8::ffff"), *IpAddress::parse("2001:db8:0:1::"));
  EXPECT_LT(*IpAddress::parse("9::"), *IpAddress::parse("10::"));
}

TEST(IpAddress, Ipv6ParsesRfc4291TextAndFormatsRfc5952) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"::", "::"},
           {"::1", "::1"},
           {"1::", "1::"},
           {"2001:db8::1", "2001:db8::1"},
           {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
           {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // the first of two equal runs
           {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero group stays
           {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // the longest run
           {"fe80::1:2", "fe80::1:2"},
           {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
           {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},  // RFC 5952 section 5
           {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
       }) {
    auto a = IpAddress::parse(c.text);
    ASSERT_TRUE(a) << c.text;
    EXPECT_EQ(a->family(), IpFamily::V6) << c.text;
    EXPECT_EQ(a->bitLength(), 128u);
    EXPECT_EQ(a->toString(), c.canonical) << c.text;
    EXPECT_EQ(IpAddress::parse(a->toString()), a) << c.text;
  }
  auto a = *IpAddress::parseV6("2001:db8::102:304");
  const std::uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), want));
  EXPECT_EQ(IpAddress::fromV6(want), a);
}

TEST(IpAddress, Ipv6RejectsMalformedText) {
  for (const char* bad : {"",
                          ":",
                          ":::",
                          "1:::2",
                          "1::2::3",
                          ":1::2",
                          "1::2:",
                          "1:2:3:4:5:6:7",
                          "1:2:3:4:5:6:7:8:9",
                          "1::2:3:4:5:6:7:8",
                          "12345::",
                          "g::",
                          "::1 ",
                          " ::1",
                          "fe80::1%eth0",
                          "[::1]",
                          "::1/64",
                          "1.2.3.4::",
                          "::1.2.3",
                          "::1.2.3.4.5",
                          "1:2:3:4:5:6:7:1.2.3.4",
                          "::256.0.0.1",
                          "::-1",
                          "::+1",
                          "::0x1",
                          "1:2:3:4:5:6:7:8::"}) {
    EXPECT_FALSE(IpAddress::parseV6(bad)) << bad;
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
  EXPECT_FALSE(IpAddress::parseV6("1.2.3.4"));
}

TEST(IpAddress, Ipv4SortsBeforeIpv6) {
  EXPECT_LT(*IpAddress::parse("255.255.255.255"), *IpAddress::parse("::"));
  EXPECT_LT(*IpAddress::parse("2001:db8::2"), *IpAddress::parse("2001:db8::10"));
}

TEST(IpAddress, OrdersNumericallyNotTextually) {
  EXPECT_LT(*IpAddress::parse("9.0.0.0"), *IpAddress::parse("10.0.0.0"));
  EXPECT_LT(*IpAddress::parse("10.0.0.2"), *IpAddress::parse("10.0.0.10"));
}

TEST(IpAddress, MaskedClearsHostBits) {
  auto a = *IpAddress::parse("10.1.2.3");
  EXPECT_EQ(a.masked(32).toString(), "10.1.2.3");
  EXPECT_EQ(a.masked(24).toString(), "10.1.2.0");
  EXPECT_EQ(a.masked(12).toString(), "10.0.0.0");
  EXPECT_EQ(a.masked(15).toString(), "10.0.0.0");
  EXPECT_EQ(IpAddress::parse("10.255.2.3")->masked(9).toString(), "10.128.0.0");
  EXPECT_EQ(a.masked(0).toString(), "0.0.0.0");
}

TEST(IpPrefix, ParsesWithHostBitsCleared) {
  auto p = IpPrefix::parse("10.1.2.3/8");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->toString(), "10.0.0.0/8");
  EXPECT_EQ(p->length, 8);
  EXPECT_TRUE(p->contains(*IpAddress::parse("10.255.255.255")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("11.0.0.0")));
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("255.255.255.255")));
  auto host = IpPrefix::parse("192.168.1.1", /*requireLength=*/false);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->length, 32);
  EXPECT_TRUE(host->contains(*IpAddress::parse("192.168.1.1")));
  EXPECT_FALSE(host->contains(*IpAddress::parse("192.168.1.2")));
}

TEST(IpPrefix, Ipv6ParsesAndContainsOnlyItsFamily) {
  auto p = IpPrefix::parse("fd12:3456:789a::1/40");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->toString(), "fd12:3456:7800::/40");
  EXPECT_TRUE(p->contains(*IpAddress::parse("fd12:3456:78ff:ffff::1")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("fd12:3456:7900::")));
  auto all6 = *IpPrefix::parse("::/0");
  EXPECT_TRUE(all6.contains(*IpAddress::parse("ffff::1")));
  EXPECT_FALSE(all6.contains(*IpAddress::parse("0.0.0.0")));
  EXPECT_FALSE(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("::")));
  EXPECT_EQ(IpPrefix::parse("2001:db8::1", /*requireLength=*/false)->length, 128);
  EXPECT_EQ(IpPrefix::parse("2001:db8::1/128")->toString(), "2001:db8::1/128");
  EXPECT_FALSE(all6.overlaps(*IpPrefix::parse("0.0.0.0/0")));
}

TEST(IpPrefix, Ipv6PrefixesClearHostBitsAndMatchOnlyTheirFamily) {
  auto p = IpPrefix::parse("2001:db8:1:2:3:4:5:6/64");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->toString(), "2001:db8:1:2::/64");
  EXPECT_TRUE(p->contains(*IpAddress::parse("2001:db8:1:2:ffff::1")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("2001:db8:1:3::")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("32.1.13.184")));  // 2001:0db8 as IPv4 bytes
  EXPECT_EQ(IpPrefix::parse("2001:db8::1/127")->toString(), "2001:db8::/127");
  auto host = IpPrefix::parse("2001:db8::1", /*requireLength=*/false);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->length, 128);
  EXPECT_TRUE(p->overlaps(*IpPrefix::parse("2001:db8:1:2::7/128")));
  EXPECT_TRUE(IpPrefix::parse("2001:db8::/32")->overlaps(*p));
  EXPECT_FALSE(IpPrefix::parse("0.0.0.0/0")->overlaps(*p));
  for (const char* bad : {"2001:db8::/129", "2001:db8::/064", "2001:db8::/", "2001:db8::"})
    EXPECT_FALSE(IpPrefix::parse(bad)) << bad;
}

TEST(IpPrefix, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8",
                          "10.0.0.0/8x", "/8", "10.0.0.256/8", "10.0.0.0/08", "10.0.0.0/8/8",
                          "fd00::/129", "fd00::", "fd00::/", "::/08", "fd00:::/8"}) {
    EXPECT_FALSE(IpPrefix::parse(bad)) << bad;
  }
}

TEST(IpPrefix, OverlapIsSymmetricAndUsesTheShorterPrefix) {
  auto net16 = *IpPrefix::parse("172.16.0.0/16");
  auto net24 = *IpPrefix::parse("172.16.5.0/24");
  auto other = *IpPrefix::parse("172.17.5.0/24");
  EXPECT_TRUE(net16.overlaps(net24));
  EXPECT_TRUE(net24.overlaps(net16));
  EXPECT_FALSE(net16.overlaps(other));
  EXPECT_FALSE(other.overlaps(net16));
}

}  // namespace
}  // namespace ibsr
