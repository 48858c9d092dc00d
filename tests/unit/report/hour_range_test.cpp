#include <gtest/gtest.h>

#include "report/hour_range.h"

namespace ibsr::report {
namespace {

constexpr int64_t kT0 = 1736935200;  // 2025-01-15T10:00:00Z

TEST(ReportHourRange, HourComesFromTheFileName) {
  EXPECT_EQ(hourOfName("snapshot_2025011510.jsonl"), kT0);
  EXPECT_EQ(hourOfName("snapshot6_2025011510.jsonl.zst"), kT0);
  EXPECT_EQ(hourOfName("snapshot_2025011511.jsonl.gz"), kT0 + 3600);
  EXPECT_EQ(hourOfName("snapshot_20250115.jsonl"), std::nullopt);
  EXPECT_EQ(hourOfName("snapshot_2025013210.jsonl"), std::nullopt);  // no Jan 32
  EXPECT_EQ(hourOfName("snapshot_2025021510x.jsonl"), std::nullopt);
  EXPECT_EQ(hourOfName("payload_2025011510.jsonl"), kT0);  // collect-payload files too
  EXPECT_EQ(hourOfName("payload_2025011511.jsonl.zst"), kT0 + 3600);
  EXPECT_EQ(hourOfName("status.jsonl"), std::nullopt);
  EXPECT_EQ(hourDigits(kT0 + 3599), "2025011510");
}

TEST(ReportHourRange, TimesInEveryAcceptedForm) {
  EXPECT_EQ(parseRangeTime("1736935200"), kT0);
  EXPECT_EQ(parseRangeTime("2025-01-15T10Z"), kT0);
  EXPECT_EQ(parseRangeTime("2025-01-15T10:30Z"), kT0 + 1800);
  EXPECT_EQ(parseRangeTime("2025-01-15T10:30:15Z"), kT0 + 1815);
  for (const char* bad : {"", "2025-01-15T10", "2025-01-15 10:00Z", "2025-02-30T10Z",
                          "2025-01-15T24Z", "2025-01-15T10:3Z", "-5", "2025-01-15T10:30:15:00Z"})
    EXPECT_EQ(parseRangeTime(bad), std::nullopt) << bad;
}

TEST(ReportHourRange, FilesOverlappingTheHalfOpenRangeAreSelected) {
  HourRange none;
  EXPECT_TRUE(none.selects("anything.jsonl"));
  HourRange r{kT0 + 1800, kT0 + 7200};  // 10:30 to 12:00
  EXPECT_FALSE(r.selects("snapshot_2025011509.jsonl"));
  EXPECT_TRUE(r.selects("snapshot_2025011510.jsonl"));  // overlaps from 10:30
  EXPECT_TRUE(r.selects("snapshot6_2025011511.jsonl.gz"));
  EXPECT_FALSE(r.selects("snapshot_2025011512.jsonl"));  // begins at --to: excluded
  EXPECT_FALSE(r.selects("extra.jsonl"));                // no hour in the name
  HourRange from{kT0 + 3600, std::nullopt};
  EXPECT_FALSE(from.selects("snapshot_2025011510.jsonl"));  // ends exactly at --from
  EXPECT_TRUE(from.selects("snapshot_2030011510.jsonl"));
}

}  // namespace
}  // namespace ibsr::report
