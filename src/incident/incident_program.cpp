#include "incident/incident_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/embedded_check.h"
#include "bpf/percpu.h"

namespace ibsr::incident {

Result<IncidentProgram> IncidentProgram::load(std::uint32_t ringbufBytes) {
  auto elf = bpf::Skeleton<incident_bpf>::elfBytes();
  if (Status st = bpf::checkEmbeddedObject("incident", elf, safety::Mode::Incident); !st.ok())
    return st.error();
  auto skel = bpf::Skeleton<incident_bpf>::open();
  if (!skel.ok()) return skel.error();
  if (int err = bpf_map__set_max_entries(skel.value()->maps.incident_rb, ringbufBytes); err)
    return sysError("cannot size the incident ring buffer", err);
  if (Status st = skel.value().load(); !st.ok()) return st.error();
  IncidentProgram p;
  p.skel_ = std::move(skel.value());
  return p;
}

Status IncidentProgram::setConfig(ibsr_incident_cfg_slot slot, std::uint64_t value) {
  __u32 key = slot;
  int err = bpf_map_update_elem(bpf_map__fd(skel_->maps.incident_cfg), &key, &value, BPF_ANY);
  if (err) return sysError("cannot update the incident config map", err);
  return {};
}

Result<CpuTotals> IncidentProgram::cpuTotals() const {
  auto per = bpf::readPerCpu<ibsr_incident_cpu>(bpf_map__fd(skel_->maps.incident_cpu), 0,
                                                "incident per-CPU counters");
  if (!per.ok()) return per.error();
  CpuTotals t;
  for (const auto& c : per.value()) {
    t.ringbufDrops += c.ringbuf_drops;
    t.sampled += c.sampled;
    t.seen += c.seen;
  }
  return t;
}

int IncidentProgram::ingressFd() const {
  return bpf_program__fd(skel_->progs.ibsr_incident_ingress);
}
int IncidentProgram::egressFd() const {
  return bpf_program__fd(skel_->progs.ibsr_incident_egress);
}
int IncidentProgram::ringbufFd() const {
  return bpf_map__fd(skel_->maps.incident_rb);
}

}  // namespace ibsr::incident
