#include "bpf/kernel_caps.h"

#include <gtest/gtest.h>

#include <set>

namespace ibsr::bpf {
namespace {

using safety::Mode;

TEST(ParseKernelRelease, ReadsMajorAndMinor) {
  EXPECT_EQ(parseKernelRelease("6.18.44-fc-v1252"), (KernelRelease{6, 18}));
  EXPECT_EQ(parseKernelRelease("5.10.0-28-amd64"), (KernelRelease{5, 10}));
  EXPECT_EQ(parseKernelRelease("4.19"), (KernelRelease{4, 19}));
  EXPECT_EQ(parseKernelRelease("5.9-rc1"), (KernelRelease{5, 9}));
}

TEST(ParseKernelRelease, RejectsWhatIsNotMajorDotMinor) {
  for (const char* bad : {"", "6", "6.", ".18", "unknown", "6-18", "x6.1", "6.x"})
    EXPECT_EQ(parseKernelRelease(bad), std::nullopt) << bad;
}

TEST(KernelReleaseOrder, ComparesNumerically) {
  EXPECT_LT((KernelRelease{5, 8}), (KernelRelease{5, 9}));
  EXPECT_LT((KernelRelease{5, 9}), (KernelRelease{5, 10}));
  EXPECT_LT((KernelRelease{4, 20}), (KernelRelease{5, 0}));
}

bool allPresent(KernelProbe) {
  return true;
}

TEST(CheckKernelFeatures, ACurrentKernelPassesEveryMode) {
  for (Mode m : {Mode::Strict, Mode::Payload, Mode::Incident})
    EXPECT_TRUE(checkKernelFeatures("x", m, "6.18.44", allPresent).ok());
}

TEST(CheckKernelFeatures, XdpLinkIsJudgedByTheRelease) {
  auto st = checkKernelFeatures("counter", Mode::Strict, "5.8.0-1-amd64", allPresent);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "this kernel (Linux 5.8.0-1-amd64) lacks XDP attachment through bpf_link, which the "
            "counter program needs (Linux 5.9 or later)");
  EXPECT_TRUE(checkKernelFeatures("counter", Mode::Strict, "5.9.0", allPresent).ok());
  // TC modes do not attach XDP by link: 5.8 is enough for them.
  EXPECT_TRUE(checkKernelFeatures("incident", Mode::Incident, "5.8.0", allPresent).ok());
}

TEST(CheckKernelFeatures, AnUnparsableReleaseSkipsOnlyTheReleaseCheck) {
  EXPECT_TRUE(checkKernelFeatures("counter", Mode::Strict, "unknown", allPresent).ok());
  auto st = checkKernelFeatures("payload", Mode::Payload, "unknown",
                                [](KernelProbe p) { return p != KernelProbe::RingBufMap; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "this kernel (Linux unknown) lacks the BPF ring buffer, which the payload program "
            "needs (Linux 5.8 or later)");
}

TEST(CheckKernelFeatures, AFailedProbeNamesTheFeatureAndTheMinimum) {
  struct Case {
    Mode mode;
    KernelProbe missing;
    const char* expect;
  };
  for (const Case& c : {
           Case{Mode::Strict, KernelProbe::XdpProgram,
                "lacks XDP programs, which the p program "
                "needs (Linux 4.8 or later)"},
           Case{Mode::Strict, KernelProbe::LruHashMap,
                "lacks LRU hash maps, which the p program "
                "needs (Linux 4.10 or later)"},
           Case{Mode::Incident, KernelProbe::TcProgram,
                "lacks TC BPF classifiers, which the p program needs (Linux 4.1 or later)"},
           Case{Mode::Incident, KernelProbe::RingBufMap,
                "lacks the BPF ring buffer, which the p program needs (Linux 5.8 or later)"},
       }) {
    auto st =
        checkKernelFeatures("p", c.mode, "6.1.0", [&](KernelProbe p) { return p != c.missing; });
    ASSERT_FALSE(st.ok()) << c.expect;
    EXPECT_EQ(st.error().message, std::string("this kernel (Linux 6.1.0) ") + c.expect);
  }
  // A probe a mode does not need is never asked for.
  std::set<KernelProbe> asked;
  EXPECT_TRUE(checkKernelFeatures("p", Mode::Strict, "6.1.0", [&](KernelProbe p) {
                asked.insert(p);
                return true;
              }).ok());
  EXPECT_EQ(asked, (std::set<KernelProbe>{KernelProbe::XdpProgram, KernelProbe::LruHashMap}));
}

TEST(CheckRunningKernel, ThisKernelHasEverythingEveryModeNeeds) {
  for (Mode m : {Mode::Strict, Mode::Payload, Mode::Incident}) {
    auto st = checkRunningKernel("x", m);
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
}

}  // namespace
}  // namespace ibsr::bpf
