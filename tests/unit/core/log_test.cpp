// The journald priority prefixes: when they apply (JOURNAL_STREAM names stderr) and their form.
#include "core/log.h"

#include <gtest/gtest.h>

namespace ibsr::log {
namespace {

TEST(LogJournal, StreamMatchesOnlyTheSameDeviceAndInode) {
  EXPECT_TRUE(isJournalStream("8:12345", 8, 12345));
  EXPECT_TRUE(isJournalStream("65024:18446744073709551", 65024, 18446744073709551ull));
  EXPECT_FALSE(isJournalStream(nullptr, 8, 12345));    // not a service
  EXPECT_FALSE(isJournalStream("8:12346", 8, 12345));  // stderr redirected elsewhere
  EXPECT_FALSE(isJournalStream("9:12345", 8, 12345));
  for (const char* bad :
       {"", ":", "8:", ":12345", "8", "8:12345x", "x8:12345", "8;12345", "-8:12345", "8:12345:1"})
    EXPECT_FALSE(isJournalStream(bad, 8, 12345)) << bad;
}

TEST(LogJournal, EveryLineCarriesThePriority) {
  EXPECT_EQ(withPriorityPrefix(Priority::Warning, "ibsr: warning: x\n"), "<4>ibsr: warning: x\n");
  EXPECT_EQ(withPriorityPrefix(Priority::Error, "a\nb\n"), "<3>a\n<3>b\n");
  EXPECT_EQ(withPriorityPrefix(Priority::Notice, "a"), "<5>a");
  EXPECT_EQ(withPriorityPrefix(Priority::Info, "a\n"), "<6>a\n");
  EXPECT_EQ(withPriorityPrefix(Priority::Debug, "a\n\nb\n"), "<7>a\n<7>\n<7>b\n");
}

}  // namespace
}  // namespace ibsr::log
