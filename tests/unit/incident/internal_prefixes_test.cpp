#include "incident/internal_prefixes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ibsr::incident {
namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress{});
}

InternalPrefixes parsed(const std::vector<std::string>& cidrs) {
  auto list = InternalPrefixes::parse(cidrs);
  EXPECT_TRUE(list.ok()) << (list.ok() ? "" : list.error().message);
  return list.ok() ? *list : InternalPrefixes{};
}

const std::vector<std::string> kRfc1918AndUla = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                 "fd00::/8"};

TEST(InternalPrefixes, ParsesBothFamiliesInOrderWithHostBitsCleared) {
  InternalPrefixes list = parsed({"10.1.2.3/8", "fd12:3456::7/32", "192.168.1.1/32", "::/0"});
  std::vector<std::string> texts;
  for (const IpPrefix& p : list.prefixes()) texts.push_back(p.toString());
  EXPECT_EQ(texts,
            (std::vector<std::string>{"10.0.0.0/8", "fd12:3456::/32", "192.168.1.1/32", "::/0"}));
  EXPECT_TRUE(parsed({}).empty());
  EXPECT_FALSE(list.empty());
}

TEST(InternalPrefixes, AtMostSixteenPrefixes) {
  std::vector<std::string> cidrs;
  for (std::size_t i = 0; i < kMaxInternalPrefixes; ++i)
    cidrs.push_back("10." + std::to_string(i) + ".0.0/16");
  EXPECT_EQ(parsed(cidrs).prefixes().size(), 16u);
  cidrs.push_back("fd00::/8");
  auto tooMany = InternalPrefixes::parse(cidrs);
  ASSERT_FALSE(tooMany.ok());
  EXPECT_EQ(tooMany.error().message, "17 prefixes given; at most 16 are allowed");
}

TEST(InternalPrefixes, RejectsTheFirstMalformedEntryByName) {
  for (const char* bad : {"", "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8",
                          "10.0.0.0/8x", "/8", "10.0.0.256/8", "fd00::/129", "fd00::", "fd00::/08",
                          "fd00:::/8", "fe80::1%eth0/64", "[fd00::]/8", "fd00::g/8"}) {
    auto list = InternalPrefixes::parse({"10.0.0.0/8", bad, "also bad"});
    ASSERT_FALSE(list.ok()) << bad;
    EXPECT_EQ(list.error().message, "'" + std::string(bad) +
                                        "' is not a CIDR prefix; expected ADDR/LEN like "
                                        "10.0.0.0/8 or fd00::/8");
  }
}

TEST(InternalPrefixes, ErrorsStayOneLine) {
  auto list = InternalPrefixes::parse({"10.0.0.0/8\nrm -rf /"});
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().message,
            "'10.0.0.0/8?rm -rf /' is not a CIDR prefix; expected ADDR/LEN like 10.0.0.0/8 or "
            "fd00::/8");
  auto longOne = InternalPrefixes::parse({std::string(100, 'x')});
  ASSERT_FALSE(longOne.ok());
  EXPECT_EQ(longOne.error().message, "'" + std::string(64, 'x') +
                                         "...' is not a CIDR prefix; expected ADDR/LEN like "
                                         "10.0.0.0/8 or fd00::/8");
}

TEST(InternalPrefixes, EachEndpointInAnyPrefixOfItsFamily) {
  InternalPrefixes list = parsed(kRfc1918AndUla);
  // Across the listed ranges: "internal to internal", not "inside one prefix".
  EXPECT_TRUE(list.bothInside(ip("10.1.2.3"), ip("192.168.1.1")));
  EXPECT_TRUE(list.bothInside(ip("172.31.255.255"), ip("172.16.0.0")));
  EXPECT_TRUE(list.bothInside(ip("fd00:1::1"), ip("fdff:ffff::2")));
  EXPECT_FALSE(list.bothInside(ip("10.1.2.3"), ip("8.8.8.8")));
  EXPECT_FALSE(list.bothInside(ip("8.8.8.8"), ip("10.1.2.3")));
  EXPECT_FALSE(list.bothInside(ip("172.32.0.1"), ip("10.0.0.1")));  // just outside /12
  EXPECT_FALSE(list.bothInside(ip("fd00::1"), ip("2001:db8::1")));
  EXPECT_FALSE(list.bothInside(ip("fc00::1"), ip("fd00::1")));  // fc00::/8 not listed
}

TEST(InternalPrefixes, AnAddressIsOnlyComparedWithPrefixesOfItsFamily) {
  // ::/0 holds every IPv6 address but no IPv4 one; 0.0.0.0/0 the reverse. An IPv4 address
  // whose bytes start a listed IPv6 prefix (10.x = 0a..) is not inside it either.
  InternalPrefixes v6only = parsed({"::/0", "a00::/8"});
  EXPECT_TRUE(v6only.bothInside(ip("2001:db8::1"), ip("fd00::1")));
  EXPECT_FALSE(v6only.bothInside(ip("10.0.0.1"), ip("10.0.0.2")));
  InternalPrefixes v4only = parsed({"0.0.0.0/0"});
  EXPECT_TRUE(v4only.bothInside(ip("1.2.3.4"), ip("5.6.7.8")));
  EXPECT_FALSE(v4only.bothInside(ip("::1"), ip("::2")));
  EXPECT_FALSE(v4only.bothInside(ip("::ffff:1.2.3.4"), ip("::ffff:5.6.7.8")));
  EXPECT_FALSE(parsed({}).bothInside(ip("10.0.0.1"), ip("10.0.0.1")));
}

}  // namespace
}  // namespace ibsr::incident
