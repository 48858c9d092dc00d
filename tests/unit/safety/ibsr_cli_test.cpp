// `ibsr verify-bpf` is the same entry point as the standalone tool (cli_test.cpp covers the
// details); this checks the wiring through the ibsr binary. Separate binary so the verifier's own
// tests do not wait for everything ibsr links.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace {

struct Run {
  int status = -1;
  std::string out;
};

Run run(const std::string& args) {
  std::string cmd = std::string("'") + IBSR_MAIN + "' " + args + " 2>/dev/null";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

const std::string kBin = IBSR_BINARY_DIR;
const std::string kCounterObj = kBin + "/bpf/counter.bpf.o";

TEST(IbsrVerifyBpf, SubcommandSharesTheEntryPoint) {
  auto help = run("verify-bpf --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("ibsr verify-bpf"), std::string::npos);
  auto ok = run("verify-bpf --mode strict --object " + kCounterObj);
  EXPECT_EQ(ok.status, 0);
  auto bad = run("verify-bpf --mode strict --object " + kBin + "/bpf/fixtures/drop_runtime.bpf.o");
  EXPECT_EQ(bad.status, 1);
  auto flag = run("verify-bpf --nope");
  EXPECT_EQ(flag.status, 2);
}

}  // namespace
