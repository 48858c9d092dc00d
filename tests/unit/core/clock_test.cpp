#include "core/clock.h"

#include <gtest/gtest.h>

namespace ibsr {

TEST(UtcHourStamp, FormatsTheUtcHourOfATimestamp) {
  EXPECT_EQ(utcHourStamp(0), "1970010100");
  EXPECT_EQ(utcHourStamp(1705312920), "2024011510");  // 2024-01-15 10:02:00 UTC
  EXPECT_EQ(utcHourStamp(1705316399), "2024011510");  // last second of the hour
  EXPECT_EQ(utcHourStamp(1705316400), "2024011511");
}

TEST(UtcHourStamp, ParsesBackToTheStartOfTheHour) {
  EXPECT_EQ(parseUtcHourStamp("2024011510"), 1705312800);
  EXPECT_EQ(parseUtcHourStamp("1970010100"), 0);
  EXPECT_EQ(parseUtcHourStamp("2024011524"), -1);
  EXPECT_EQ(parseUtcHourStamp("2024131510"), -1);
  EXPECT_EQ(parseUtcHourStamp("202401151"), -1);
  EXPECT_EQ(parseUtcHourStamp("20240115a0"), -1);
}

TEST(WallClock, AppliesItsOffset) {
  WallClock real, ahead(3600);
  auto a = real.nowUnix();
  auto b = ahead.nowUnix();
  EXPECT_GE(b - a, 3600u);
  EXPECT_LE(b - a, 3601u);
}

}  // namespace ibsr
