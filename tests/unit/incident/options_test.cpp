#include "incident/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ibsr::incident {
namespace {

TEST(ValidateTag, AcceptsOneToSixtyFourSafeCharacters) {
  for (const std::string& tag :
       std::vector<std::string>{"a", "ad-hoc", "incident_2026-05-09-customer-X",
                                std::string(64, 'Z'), std::string("0123456789")}) {
    EXPECT_TRUE(validateTag(tag).ok()) << tag;
  }
}

TEST(ValidateTag, RejectsPathsDotsSpacesNonAsciiAndLength) {
  EXPECT_EQ(validateTag("").error().message, "tag must not be empty");
  EXPECT_EQ(validateTag(std::string(65, 'a')).error().message,
            "tag is 65 characters long; at most 64 are allowed");
  for (const std::string& tag :
       std::vector<std::string>{"a/b", "..", ".", "a.b", "a b", "caf\xc3\xa9",
                                std::string("a\0b", 3), "a\nb", "a\\b", "a:b", "*"}) {
    auto st = validateTag(tag);
    ASSERT_FALSE(st.ok()) << tag;
    EXPECT_EQ(st.error().message, "tag may only contain [A-Za-z0-9_-]");
  }
}

TEST(ValidateSampleRate, Bounds) {
  EXPECT_TRUE(validateSampleRate(1).ok());
  EXPECT_TRUE(validateSampleRate(1000000000).ok());
  EXPECT_EQ(validateSampleRate(0).error().message, "rate must be >= 1");
  EXPECT_EQ(validateSampleRate(-1).error().message, "rate must be >= 1");
  EXPECT_EQ(validateSampleRate(1000000001).error().message, "rate must be <= 1000000000");
}

TEST(ParseSalt, SixteenHexDigitsBigEndian) {
  EXPECT_EQ(parseSalt("DEADBEEFCAFEBABE").value(), 0xDEADBEEFCAFEBABEULL);
  EXPECT_EQ(parseSalt("0123456789abcdef").value(), 0x0123456789abcdefULL);
  for (const char* bad : {"", "DEADBEEF", "DEADBEEFCAFEBABE0", "DEADBEEFCAFEBABG",
                          "0x23456789abcdef", " 123456789abcdef"}) {
    auto s = parseSalt(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().message, "salt must be exactly 16 hex characters");
  }
}

}  // namespace
}  // namespace ibsr::incident
