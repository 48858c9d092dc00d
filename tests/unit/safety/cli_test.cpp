// The verify-bpf command line, run as a real process (the standalone build-time tool).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

struct Run {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Run run(const std::string& binary, const std::string& args) {
  // ctest runs tests in parallel processes: one stderr file per process.
  std::string errFile = ::testing::TempDir() + "/safety_cli_stderr." + std::to_string(getpid());
  std::string cmd = "'" + binary + "' " + args + " 2>'" + errFile + "'";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.err = slurp(errFile);
  std::remove(errFile.c_str());
  return r;
}

Run tool(const std::string& args) {
  return run(IBSR_VERIFY_TOOL, args);
}

const std::string kSrc = IBSR_SOURCE_DIR;
const std::string kBin = IBSR_BINARY_DIR;
const std::string kCounterSrc = kSrc + "/bpf/counter.bpf.c";
const std::string kCounterObj = kBin + "/bpf/counter.bpf.o";

std::string fixtureObj(const std::string& name) {
  return kBin + "/bpf/fixtures/" + name + ".bpf.o";
}

TEST(VerifyCli, CleanExitsZeroWithOneOkLine) {
  auto r = tool("--mode strict --source " + kCounterSrc + " --object " + kCounterObj);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(
      r.out,
      "OK (mode strict): source " + kCounterSrc + "; object " + kCounterObj +
          ": 1 program (xdp/ibsr_count XDP), 2 maps (counters lru_hash, counters6 lru_hash)\n");
  EXPECT_EQ(r.err, "");
}

TEST(VerifyCli, ViolationsExitOneWithOneLinePerViolation) {
  std::string obj = fixtureObj("helper_by_number");
  auto r = tool("--mode payload --object " + obj);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, obj +
                       ": xdp insn 2: forbidden-helper (mode payload): call to bpf_redirect "
                       "(helper id 23)\n");
  EXPECT_EQ(r.err, "ibsr verify-bpf: 1 violation in mode payload\n");
}

TEST(VerifyCli, SourceViolationsNameTheLine) {
  std::string src = kSrc + "/tests/fixtures/bpf/drop_plain.bpf.c";
  auto r = tool("--mode incident --source " + src);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, src +
                       ": source:16: forbidden-return-code (mode incident): XDP_DROP is a "
                       "non-pass verdict\n");
}

TEST(VerifyCli, StrictModeRejectsTcProgram) {
  std::string obj = fixtureObj("tc_in_strict");
  EXPECT_EQ(tool("--mode strict --object " + obj).status, 1);
  EXPECT_EQ(tool("--mode payload --object " + obj).status, 0);
}

TEST(VerifyCli, HelpDocumentsEverything) {
  auto r = tool("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* needle :
       {"--mode MODE", "payload or incident", "--source FILE", "--object FILE", "--list-rules",
        "Exit codes:\n  0  clean", "\n  1  at least one violation", "\n  2  usage error",
        "Examples:", "StrictCounter", "ShadowPayload", "XDP_PASS", "TC_ACT_UNSPEC"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle;
  }
}

TEST(VerifyCli, ListRulesPrintsTheTable) {
  auto r = tool("--list-rules");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("RULE ", 0), 0U);
  for (const char* id :
       {"forbidden-return-code", "non-pass-exit", "forbidden-helper", "tail-call",
        "forbidden-map-type", "strict-event-helper", "strict-event-map", "strict-lru-required",
        "program-type", "packet-store", "ctx-store", "unknown-helper", "kfunc-call",
        "unknown-map-type", "malformed-program", "analysis-limit"}) {
    EXPECT_NE(r.out.find(std::string("\n") + id + " "), std::string::npos) << id;
  }
}

TEST(VerifyCli, BadFlagIsOneLineNamingTheFlag) {
  auto r = tool("--mode strict --frobnicate --object " + kCounterObj);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--frobnicate"), std::string::npos);
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1);  // exactly one line
}

TEST(VerifyCli, BadModeIsAUsageError) {
  auto r = tool("--mode lenient --object " + kCounterObj);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--mode"), std::string::npos);
  EXPECT_NE(r.err.find("lenient"), std::string::npos);
}

TEST(VerifyCli, MissingModeOrInputIsAUsageError) {
  auto noMode = tool("--object " + kCounterObj);
  EXPECT_EQ(noMode.status, 2);
  EXPECT_EQ(noMode.err, "ibsr verify-bpf: --mode is required (run 'ibsr verify-bpf --help')\n");
  auto noInput = tool("--mode strict");
  EXPECT_EQ(noInput.status, 2);
  EXPECT_EQ(
      noInput.err,
      "ibsr verify-bpf: give --source FILE and/or --object FILE (run 'ibsr verify-bpf --help')\n");
}

TEST(VerifyCli, UnreadableFilesExitTwo) {
  auto obj = tool("--mode strict --object /nonexistent/x.bpf.o");
  EXPECT_EQ(obj.status, 2);
  EXPECT_EQ(obj.err,
            "ibsr verify-bpf: cannot open '/nonexistent/x.bpf.o': No such file or directory\n");
  auto src = tool("--mode strict --source /nonexistent/x.bpf.c");
  EXPECT_EQ(src.status, 2);
  EXPECT_EQ(src.err,
            "ibsr verify-bpf: cannot open '/nonexistent/x.bpf.c': No such file or directory\n");
  auto dir = tool("--mode strict --object /tmp");
  EXPECT_EQ(dir.status, 2);
  EXPECT_EQ(dir.err, "ibsr verify-bpf: cannot read '/tmp': Is a directory\n");
}

TEST(VerifyCli, GarbageObjectExitsTwo) {
  std::string path = ::testing::TempDir() + "/garbage." + std::to_string(getpid()) + ".bpf.o";
  std::ofstream(path) << "this is not an ELF file\n";
  auto r = tool("--mode payload --object " + path);
  std::remove(path.c_str());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "ibsr verify-bpf: '" + path + "': not an ELF file\n");
  // A C source given as the object is garbage too.
  EXPECT_EQ(tool("--mode payload --object " + kCounterSrc).status, 2);
}

}  // namespace
