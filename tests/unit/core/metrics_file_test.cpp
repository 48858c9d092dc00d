#include "core/metrics_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace ibsr::metrics {
namespace {

namespace fs = std::filesystem;
using ibsr::testing::readFile;

TEST(MetricsExposition, FamiliesSortedByNameSamplesByLabelsWithHelpAndType) {
  Exposition e;
  e.add("ibsr_b_total", Type::Counter, "B things", {{"mode", "collect"}}, 7);
  e.add("ibsr_a", Type::Gauge, "A level", {{"interface", "veth1"}}, 2);
  e.add("ibsr_a", Type::Gauge, "ignored: the first sample's help wins", {{"interface", "eth0"}}, 1);
  e.add("ibsr_c", Type::Gauge, "no labels", {}, 18446744073709551615ull);
  EXPECT_EQ(e.text(),
            "# HELP ibsr_a A level\n"
            "# TYPE ibsr_a gauge\n"
            "ibsr_a{interface=\"eth0\"} 1\n"
            "ibsr_a{interface=\"veth1\"} 2\n"
            "# HELP ibsr_b_total B things\n"
            "# TYPE ibsr_b_total counter\n"
            "ibsr_b_total{mode=\"collect\"} 7\n"
            "# HELP ibsr_c no labels\n"
            "# TYPE ibsr_c gauge\n"
            "ibsr_c 18446744073709551615\n");
}

TEST(MetricsExposition, SameValuesInAnyOrderGiveTheSameBytes) {
  Exposition a, b;
  a.add("x", Type::Gauge, "h", {{"k", "1"}}, 1);
  a.add("y", Type::Gauge, "h", {{"k", "2"}}, 2);
  a.add("x", Type::Gauge, "h", {{"k", "0"}}, 0);
  b.add("x", Type::Gauge, "h", {{"k", "0"}}, 0);
  b.add("y", Type::Gauge, "h", {{"k", "2"}}, 2);
  b.add("x", Type::Gauge, "h", {{"k", "1"}}, 1);
  EXPECT_EQ(a.text(), b.text());
}

TEST(MetricsExposition, LabelValuesAndHelpAreEscaped) {
  EXPECT_EQ(escapeLabelValue(R"(a\b"c)"
                             "\nd"),
            R"(a\\b\"c\nd)");
  Exposition e;
  e.add("ibsr_x", Type::Gauge, "back\\slash\nnewline \"quotes stay\"",
        {{"interface", "we\"ird\\if\n"}}, 3);
  EXPECT_EQ(e.text(),
            "# HELP ibsr_x back\\\\slash\\nnewline \"quotes stay\"\n"
            "# TYPE ibsr_x gauge\n"
            "ibsr_x{interface=\"we\\\"ird\\\\if\\n\"} 3\n");
}

TEST(MetricsExposition, ModeLabels) {
  EXPECT_EQ(modeLabels("collect", "eth0"), (Labels{{"mode", "collect"}, {"interface", "eth0"}}));
  EXPECT_EQ(modeLabels("export"), (Labels{{"mode", "export"}}));
  EXPECT_EQ(sampleKey("n", modeLabels("collect", "e\"0")), R"(n{mode="collect",interface="e\"0"})");
  EXPECT_EQ(sampleKey("n", {}), "n");
}

TEST(MetricsReplaceFile, ReplacesTheWholeFileAndLeavesNoTemporary) {
  ibsr::testing::TempDir tmp;
  const fs::path path = tmp / "m.prom";
  ASSERT_TRUE(replaceFile(path.string(), "first version, longer than the second\n").ok());
  // A reader that opened the old file keeps reading the whole old version: the new one is a new
  // inode renamed into place, never the old file truncated and rewritten.
  std::ifstream reader(path);
  ASSERT_TRUE(replaceFile(path.string(), "second\n").ok());
  std::stringstream old;
  old << reader.rdbuf();
  EXPECT_EQ(old.str(), "first version, longer than the second\n");
  EXPECT_EQ(readFile(path), "second\n");
  EXPECT_FALSE(fs::exists(tmp / "m.prom.tmp"));
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST(MetricsReplaceFile, FailedRenameRemovesTheTemporaryAndKeepsTheTarget) {
  ibsr::testing::TempDir tmp;
  // The target is a non-empty directory: the temporary is written, the rename fails.
  const fs::path path = tmp / "m.prom";
  fs::create_directory(path);
  ibsr::testing::writeFile(path / "keep", "x");
  Status st = replaceFile(path.string(), "data\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "cannot rename '" + path.string() + ".tmp' to '" + path.string() + "': Is a directory");
  EXPECT_FALSE(fs::exists(tmp / "m.prom.tmp"));
  EXPECT_EQ(readFile(path / "keep"), "x");
}

TEST(MetricsReplaceFile, MissingDirectoryIsAnErrorNamingThePath) {
  ibsr::testing::TempDir tmp;
  const std::string path = (tmp / "no-such-dir" / "m.prom").string();
  Status st = replaceFile(path, "data\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "cannot create '" + path + ".tmp': No such file or directory");
}

TEST(MetricsReadSamples, ReadsBackWhatTheWriterWrote) {
  ibsr::testing::TempDir tmp;
  Exposition e;
  e.add("ibsr_a_total", Type::Counter, "h", {{"kind", "up\"load"}}, 12);
  e.add("ibsr_b", Type::Gauge, "h", {}, 3);
  ASSERT_TRUE(replaceFile((tmp / "m.prom").string(), e.text() + "garbage\nx y z\nv -1\n").ok());
  auto samples = readSamples((tmp / "m.prom").string());
  EXPECT_EQ(samples, (std::map<std::string, std::uint64_t>{
                         {sampleKey("ibsr_a_total", {{"kind", "up\"load"}}), 12}, {"ibsr_b", 3}}));
  EXPECT_TRUE(readSamples((tmp / "missing.prom").string()).empty());
}

TEST(MetricsFileTest, DisabledWithoutAPath) {
  MetricsFile f("", {});
  EXPECT_FALSE(f.enabled());
  EXPECT_FALSE(f.write({}));
}

TEST(MetricsFileTest, FailuresAreCountedWarnedOncePerStreakAndReportedOnceItWorks) {
  ibsr::testing::TempDir tmp;
  const fs::path dir = tmp / "textfile";
  const std::string path = (dir / "ibsr.prom").string();
  MetricsFile f(path, modeLabels("collect", "eth0"));
  Exposition e;
  e.add("ibsr_cycles_total", Type::Counter, "c", modeLabels("collect", "eth0"), 1);

  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(f.write(e));
  EXPECT_FALSE(f.write(e));
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(f.writeErrors(), 2u);
  EXPECT_NE(log.find("cannot create '" + path + ".tmp'"), std::string::npos) << log;
  EXPECT_EQ(log.find("cannot create"), log.rfind("cannot create")) << "warned twice: " << log;

  fs::create_directory(dir);
  EXPECT_TRUE(f.write(e));
  EXPECT_EQ(readFile(path),
            "# HELP ibsr_cycles_total c\n"
            "# TYPE ibsr_cycles_total counter\n"
            "ibsr_cycles_total{mode=\"collect\",interface=\"eth0\"} 1\n"
            "# HELP ibsr_metrics_write_errors_total Failed writes of this metrics file (the "
            "process keeps running)\n"
            "# TYPE ibsr_metrics_write_errors_total counter\n"
            "ibsr_metrics_write_errors_total{mode=\"collect\",interface=\"eth0\"} 2\n");

  // A new streak warns again.
  fs::remove_all(dir);
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(f.write(e));
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("cannot create"), std::string::npos) << log;
  EXPECT_EQ(f.writeErrors(), 3u);
}

}  // namespace
}  // namespace ibsr::metrics
