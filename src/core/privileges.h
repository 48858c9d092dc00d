// What each live mode needs from the kernel's capability model, checked before anything is
// loaded so a missing capability is one line naming it (docs/operations.md, "Least privilege").
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ibsr {

enum class Capability {
  Bpf,       // CAP_BPF: BPF maps (LRU hash, ring buffer) and programs (Linux >= 5.8)
  Perfmon,   // CAP_PERFMON: the verifier's Spectre-v1 rules otherwise reject the counter
             // program's packet-pointer arithmetic ("prohibited for !root")
  NetAdmin,  // CAP_NET_ADMIN: XDP/TC program types, attaching them, clsact qdiscs
};

std::string_view capabilityName(Capability c);

// The capabilities of this process, as the kernel would judge them for BPF. CAP_SYS_ADMIN stands
// in for CAP_BPF and CAP_PERFMON (the kernel's bpf_capable() and perfmon_capable()).
struct CapabilitySet {
  bool bpf = false;
  bool perfmon = false;
  bool netAdmin = false;
  bool has(Capability c) const;
};

// The effective set of the calling process (capget(2)).
Result<CapabilitySet> effectiveCapabilities();

// The decision on given facts: "ibsr collect needs CAP_BPF and CAP_NET_ADMIN; missing
// CAP_NET_ADMIN", or ok when nothing is missing.
Status checkCapabilities(std::string_view command, std::initializer_list<Capability> needed,
                         const CapabilitySet& have);

// The same on this process. Each mode states its own set at its start.
Status requireCapabilities(std::string_view command, std::initializer_list<Capability> needed);

// A kernel EPERM at load or attach time means a capability (or, before Linux 5.11, the
// locked-memory limit) was refused even though the start-up check passed, e.g. capabilities held
// only in a user namespace. (EACCES is the verifier rejecting a program, not a capability.) Adds
// what is likely missing to such an error; others pass unchanged.
Error explainPermissionError(Error e, std::string_view likelyMissing);

// The hints for the two places the kernel checks.
inline constexpr std::string_view kLoadNeeds =
    "loading needs CAP_BPF, CAP_NET_ADMIN (and for the counter program CAP_PERFMON) in the "
    "initial user namespace, and on Linux < 5.11 a locked-memory limit large enough for the maps "
    "(LimitMEMLOCK=infinity)";
inline constexpr std::string_view kAttachNeeds =
    "attaching needs CAP_NET_ADMIN in the interface's network namespace";

}  // namespace ibsr
