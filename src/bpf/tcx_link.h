// TC programs attached through TCX links (Linux >= 6.6): like the XDP bpf_link, a TCX link lives
// exactly as long as its file descriptor, so any death of the process (SIGKILL included) detaches
// the program and leaves the interface as it was. No clsact qdisc is involved.
#pragma once

#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr::bpf {

// enum bpf_attach_type values from the kernel's include/uapi/linux/bpf.h (6.6+): ...,
// BPF_LSM_CGROUP (43), BPF_STRUCT_OPS, BPF_NETFILTER, BPF_TCX_INGRESS (46), BPF_TCX_EGRESS (47).
// Defined here because bookworm's UAPI headers (6.1) end at BPF_LSM_CGROUP.
inline constexpr int kAttachTcxIngress = 46;
inline constexpr int kAttachTcxEgress = 47;

// Appends the program to the interface's TCX chain of one direction (ingress: true) and returns
// the link fd; the error's errnum is BPF_LINK_CREATE's (EINVAL: the kernel has no TCX).
Result<UniqueFd> createTcxLink(int progFd, int ifindex, bool ingress);

}  // namespace ibsr::bpf
