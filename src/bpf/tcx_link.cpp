#include "bpf/tcx_link.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>

namespace ibsr::bpf {

#ifndef BPF_TCX_INGRESS
// The local values continue the installed enum; if this fails the headers are not the 6.1 ones
// the numbers were counted from, and the constants must be checked again.
static_assert(BPF_LSM_CGROUP == 43, "recount kAttachTcxIngress/kAttachTcxEgress");
#else
static_assert(BPF_TCX_INGRESS == kAttachTcxIngress && BPF_TCX_EGRESS == kAttachTcxEgress);
#endif

Result<UniqueFd> createTcxLink(int progFd, int ifindex, bool ingress) {
  // libbpf 1.1 has no bpf_program__attach_tcx; its bpf_link_create passes an attach type it does
  // not know straight to BPF_LINK_CREATE with the ifindex as target. No relative program and no
  // expected revision (the zeroed tail of the attr) means "append to the chain".
  bpf_link_create_opts opts{};
  opts.sz = sizeof(opts);
  auto type = static_cast<bpf_attach_type>(ingress ? kAttachTcxIngress : kAttachTcxEgress);
  int fd = bpf_link_create(progFd, ifindex, type, &opts);
  if (fd < 0)
    return sysError(std::string("cannot create TCX ") + (ingress ? "ingress" : "egress") + " link",
                    -fd);
  return UniqueFd(fd);
}

}  // namespace ibsr::bpf
