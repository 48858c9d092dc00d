// TcAttachment on the real kernel, in a network namespace of this test process's own (loopback):
// TCX links by default, clsact filters when forced, and what a SIGKILL leaves behind on each.
#include "bpf/tc_attach.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/tcx_link.h"
#include "core/unique_fd.h"

namespace ibsr::bpf {
namespace {

TEST(ParseTcBackend, KnownValuesAndUnset) {
  EXPECT_EQ(parseTcBackend(nullptr), TcBackend::Auto);
  EXPECT_EQ(parseTcBackend(""), TcBackend::Auto);
  EXPECT_EQ(parseTcBackend("auto"), TcBackend::Auto);
  EXPECT_EQ(parseTcBackend("tcx"), TcBackend::Tcx);
  EXPECT_EQ(parseTcBackend("clsact"), TcBackend::Clsact);
  EXPECT_EQ(parseTcBackend("TCX"), std::nullopt);
  EXPECT_EQ(parseTcBackend("tc"), std::nullopt);
}

// `r0 = TC_ACT_UNSPEC; exit`: the shape of our programs' verdict.
UniqueFd loadPassProgram() {
  bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  return UniqueFd(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ibsr_tc_test", "GPL", insns, 2, nullptr));
}

// Programs on the loopback's TCX chain of one direction.
int tcxCount(int ifindex, bool ingress) {
  __u32 count = 0;
  auto type = static_cast<bpf_attach_type>(ingress ? kAttachTcxIngress : kAttachTcxEgress);
  int err = bpf_prog_query(ifindex, type, 0, nullptr, nullptr, &count);
  EXPECT_EQ(err, 0);
  return static_cast<int>(count);
}

class TcAttachTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A namespace of our own: nothing else attaches to its loopback.
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0);
  }
  void SetUp() override {
    ::unsetenv(kTcBackendEnv);
    ifindex_ = static_cast<int>(if_nametoindex("lo"));
    ASSERT_GT(ifindex_, 0);
    prog_ = loadPassProgram();
    ASSERT_TRUE(prog_.valid());
  }
  void TearDown() override { ::unsetenv(kTcBackendEnv); }

  std::vector<TcProgramSpec> specs() const {
    return {{prog_.get(), TcDirection::Ingress, kTcHandleIncident, kTcPriorityIncident},
            {prog_.get(), TcDirection::Egress, kTcHandleIncident, kTcPriorityIncident}};
  }

  // Attaches in a child, which then dies by SIGKILL without any cleanup.
  void attachInChildAndKill() {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto a = TcAttachment::attach(ifindex_, "lo", specs());
      if (!a.ok()) ::_exit(1);
      ::raise(SIGKILL);
      ::_exit(2);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    ASSERT_EQ(WTERMSIG(status), SIGKILL);
  }

  int ifindex_ = 0;
  UniqueFd prog_;
};

TEST_F(TcAttachTest, TcxLinksByDefaultNoQdiscAndGoneOnDetach) {
  auto a = TcAttachment::attach(ifindex_, "lo", specs());
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(a->usesTcx());
  EXPECT_EQ(a->how(), "TCX links");
  EXPECT_EQ(tcxCount(ifindex_, true), 1);
  EXPECT_EQ(tcxCount(ifindex_, false), 1);
  EXPECT_EQ(countClsactFilters(ifindex_).value(), 0);
  a->detach();
  EXPECT_EQ(tcxCount(ifindex_, true), 0);
  EXPECT_EQ(tcxCount(ifindex_, false), 0);
}

TEST_F(TcAttachTest, SigkillLeavesNothingOnTheTcxPath) {
  attachInChildAndKill();
  EXPECT_EQ(tcxCount(ifindex_, true), 0);
  EXPECT_EQ(tcxCount(ifindex_, false), 0);
  EXPECT_EQ(countClsactFilters(ifindex_).value(), 0);
}

TEST_F(TcAttachTest, ForcedClsactLeavesFiltersOnSigkillAndARestartRemovesThem) {
  ::setenv(kTcBackendEnv, "clsact", 1);
  attachInChildAndKill();
  // The limitation TCX removes: both filters stay (a dump lists each as two entries, the head of
  // its priority and the filter).
  EXPECT_EQ(countClsactFilters(ifindex_).value(), 4);
  // A restart on the TCX path with the interface lock held: the leftovers go.
  ::unsetenv(kTcBackendEnv);
  {
    auto a = TcAttachment::attach(ifindex_, "lo", specs(), /*replaceStale=*/true);
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_TRUE(a->usesTcx());
    EXPECT_EQ(countClsactFilters(ifindex_).value(), 0);
  }
  EXPECT_EQ(tcxCount(ifindex_, true), 0);
  // The killed child created the qdisc, so the clsact path finds it and, not owning it, leaves
  // it in place when it detaches.
  ::setenv(kTcBackendEnv, "clsact", 1);
  auto b = TcAttachment::attach(ifindex_, "lo", specs(), /*replaceStale=*/true);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->how(), "existing clsact");
  EXPECT_EQ(countClsactFilters(ifindex_).value(), 4);
  b->detach();
  EXPECT_EQ(countClsactFilters(ifindex_).value(), 0);
}

TEST_F(TcAttachTest, AnUnknownBackendIsAOneLineError) {
  ::setenv(kTcBackendEnv, "bogus", 1);
  auto a = TcAttachment::attach(ifindex_, "lo", specs());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "IBSR_TC_ATTACH must be auto, tcx or clsact, not 'bogus'");
  EXPECT_EQ(tcxCount(ifindex_, true), 0);
  EXPECT_EQ(countClsactFilters(ifindex_).value(), 0);
}

}  // namespace
}  // namespace ibsr::bpf
