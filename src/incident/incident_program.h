// The record-incident BPF object (bpf/incident.bpf.c) from userspace: safety check of the
// embedded object, load, the config map (written at any time), the per-CPU sampler counters.
#pragma once

#include <cstdint>

#include "bpf/skeleton.h"
#include "core/result.h"
#include "ibsr_abi.h"
#include "incident.skel.h"

namespace ibsr::incident {

struct CpuTotals {
  std::uint64_t ringbufDrops = 0;
  std::uint64_t sampled = 0;
  std::uint64_t seen = 0;
};

class IncidentProgram {
 public:
  // Checks the embedded object (--mode incident), opens it, sizes the ring buffer, loads.
  static Result<IncidentProgram> load(std::uint32_t ringbufBytes);

  Status setConfig(ibsr_incident_cfg_slot slot, std::uint64_t value);
  Result<CpuTotals> cpuTotals() const;

  int ingressFd() const;
  int egressFd() const;
  int ringbufFd() const;

 private:
  bpf::Skeleton<incident_bpf> skel_;
};

}  // namespace ibsr::incident
