// The kernel side of collect-payload: the counter program of `ibsr collect` (composed, through
// collect::CounterProgram) and payload.bpf.c (TC ingress/egress -> ring buffer), both
// safety-checked before load, configured, loaded and attached; everything is detached on
// destruction.
#pragma once

#include <cstdint>
#include <memory>

#include <optional>

#include "bpf/skeleton.h"
#include "bpf/tc_attach.h"
#include "bpf/xdp_attach.h"
#include "collect/counter_program.h"
#include "core/result.h"
#include "payload.skel.h"
#include "payload/options.h"

namespace ibsr::payload {

struct CpuTotals {
  std::uint64_t ringbufDrops = 0;
  std::uint64_t events = 0;
  std::uint64_t capped = 0;
  std::uint64_t loadErrors = 0;
};

class PayloadProgram {
 public:
  // Safety check, open, configure, load. Nothing is attached yet.
  static Result<std::unique_ptr<PayloadProgram>> load(const PayloadOptions& o);

  // XDP first, then TC; on failure nothing stays attached. replaceStale: a TC filter already at
  // our handle is a leftover of a dead instance (the caller holds the interface lock).
  // An interface takes one XDP program: when another one is already attached (typically
  // `ibsr collect`, which then provides the same counters), the XDP counters are skipped and
  // only the TC programs are attached, so the modes run together on one interface. With
  // --no-xdp-counters the XDP counters are never attached, so that collect always finds the
  // slot free, whichever starts or restarts first.
  Status attach(int ifindex, const std::string& ifname, bpf::XdpMode mode, bool replaceStale);
  bool xdpAttached() const { return counter_->attached(); }
  void detach();

  bpf::XdpMode xdpMode() const { return counter_->mode(); }
  collect::CounterProgram& counter() { return *counter_; }
  int ringbufFd() const;
  int ingressFd() const;  // for BPF_PROG_TEST_RUN (tests, benchmark)
  int egressFd() const;
  Result<CpuTotals> cpuTotals() const;

 private:
  std::optional<collect::CounterProgram> counter_;  // set by load()
  bpf::Skeleton<payload_bpf> payload_;
  bpf::TcAttachment tc_;
  bool xdpCounters_ = true;
};

}  // namespace ibsr::payload
