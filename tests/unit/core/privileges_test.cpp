// Each mode's capability check names exactly what is missing, and a kernel EPERM at load or
// attach time gets the likely missing capability added.
#include "core/privileges.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace ibsr {
namespace {

constexpr auto kBpf = Capability::Bpf;
constexpr auto kPerf = Capability::Perfmon;
constexpr auto kNet = Capability::NetAdmin;

TEST(Privileges, NothingMissingPasses) {
  EXPECT_TRUE(
      checkCapabilities("ibsr collect", {kBpf, kNet}, {.bpf = true, .netAdmin = true}).ok());
  EXPECT_TRUE(checkCapabilities("ibsr x", {kBpf}, {.bpf = true, .netAdmin = false}).ok());
}

TEST(Privileges, MessageListsTheNeededAndExactlyTheMissing) {
  auto st = checkCapabilities("ibsr collect", {kBpf, kNet}, {.bpf = true, .netAdmin = false});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnum, EPERM);
  EXPECT_EQ(st.error().message,
            "ibsr collect needs CAP_BPF and CAP_NET_ADMIN; missing CAP_NET_ADMIN (run as root or "
            "grant them, e.g. systemd's AmbientCapabilities=)");
  st = checkCapabilities("ibsr record-incident", {kBpf, kNet}, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "ibsr record-incident needs CAP_BPF and CAP_NET_ADMIN; missing CAP_BPF and "
            "CAP_NET_ADMIN (run as root or grant them, e.g. systemd's AmbientCapabilities=)");
  st = checkCapabilities("ibsr collect-payload", {kBpf, kNet}, {.bpf = false, .netAdmin = true});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("; missing CAP_BPF ("), std::string::npos);
}

TEST(Privileges, CounterModesAlsoNamePerfmon) {
  auto st = checkCapabilities("ibsr collect", {kBpf, kPerf, kNet},
                              {.bpf = true, .perfmon = false, .netAdmin = true});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.substr(0, st.error().message.find(" (run")),
            "ibsr collect needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN; missing CAP_PERFMON");
  st = checkCapabilities("ibsr collect", {kBpf, kPerf, kNet}, {.bpf = false, .perfmon = false});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.substr(0, st.error().message.find(" (run")),
            "ibsr collect needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN; missing CAP_BPF, "
            "CAP_PERFMON and CAP_NET_ADMIN");
}

TEST(Privileges, ThisProcessAsRootHasEverything) {
  // The suite runs as root (BPF tests need it): the check must pass on real capget(2) data.
  auto have = effectiveCapabilities();
  ASSERT_TRUE(have.ok());
  EXPECT_TRUE(have->bpf);
  EXPECT_TRUE(have->perfmon);
  EXPECT_TRUE(have->netAdmin);
  EXPECT_TRUE(requireCapabilities("ibsr collect", {kBpf, kNet}).ok());
}

TEST(Privileges, KernelEpermNamesTheLikelyCapability) {
  Error e = explainPermissionError(sysError("cannot attach", EPERM), kAttachNeeds);
  EXPECT_EQ(e.message,
            "cannot attach: Operation not permitted (attaching needs CAP_NET_ADMIN in "
            "the interface's network namespace)");
  EXPECT_EQ(e.errnum, EPERM);
  // The verifier's EACCES and other errors pass unchanged.
  EXPECT_EQ(explainPermissionError(sysError("load", EACCES), kLoadNeeds).message,
            "load: Permission denied");
  EXPECT_EQ(explainPermissionError(sysError("attach", EBUSY), kAttachNeeds).message,
            "attach: Device or resource busy");
  EXPECT_EQ(explainPermissionError(plainError("x"), kAttachNeeds).message, "x");
}

}  // namespace
}  // namespace ibsr
