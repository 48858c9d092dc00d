#include "payload/payload_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vector>

#include "bpf/embedded_check.h"
#include "core/log.h"

namespace ibsr::payload {

Result<std::unique_ptr<PayloadProgram>> PayloadProgram::load(const PayloadOptions& o) {
  if (Status st = bpf::checkEmbeddedObject("counter", bpf::Skeleton<counter_bpf>::elfBytes(),
                                           safety::Mode::Strict);
      !st.ok())
    return st.error();
  if (Status st = bpf::checkEmbeddedObject("payload", bpf::Skeleton<payload_bpf>::elfBytes(),
                                           safety::Mode::Payload);
      !st.ok())
    return st.error();
  auto p = std::make_unique<PayloadProgram>();
  const auto& ports = o.common.dstPorts;

  auto counter = bpf::Skeleton<counter_bpf>::open();
  if (!counter.ok()) return counter.error();
  p->counter_ = std::move(counter.value());
  for (std::size_t i = 0; i < ports.size(); ++i) p->counter_->rodata->monitored_ports[i] = ports[i];
  p->counter_->rodata->monitored_port_count = static_cast<__u32>(ports.size());
  if (int err = bpf_map__set_max_entries(p->counter_->maps.counters, o.common.mapSize); err)
    return sysError("cannot size the counter map", err);
  if (Status st = p->counter_.load(); !st.ok()) return st.error();

  auto payload = bpf::Skeleton<payload_bpf>::open();
  if (!payload.ok()) return payload.error();
  p->payload_ = std::move(payload.value());
  for (std::size_t i = 0; i < ports.size(); ++i) p->payload_->rodata->monitored_ports[i] = ports[i];
  p->payload_->rodata->monitored_port_count = static_cast<__u32>(ports.size());
  p->payload_->rodata->snaplen = o.snaplen;
  p->payload_->rodata->max_bytes_per_flow = o.maxBytesPerFlow;
  if (int err =
          bpf_map__set_max_entries(p->payload_->maps.pay_rb, static_cast<__u32>(o.ringbufBytes));
      err)
    return sysError("cannot size the payload ring buffer", err);
  // Two directions per connection share the cap map.
  std::uint64_t capEntries = std::uint64_t{o.maxFlows} * 2;
  if (int err = bpf_map__set_max_entries(
          p->payload_->maps.pay_flow,
          static_cast<__u32>(capEntries > 0xffffffffull ? 0xffffffffull : capEntries));
      err)
    return sysError("cannot size the per-flow cap map", err);
  if (Status st = p->payload_.load(); !st.ok()) return st.error();
  return p;
}

Status PayloadProgram::attach(int ifindex, const std::string& ifname, bpf::XdpMode mode,
                              bool replaceStale) {
  __u32 otherXdp = 0;
  if (int err = bpf_xdp_query_id(ifindex, 0, &otherXdp); err) otherXdp = 0;
  bpf::XdpLink link{};
  if (otherXdp == 0) {
    auto attached =
        bpf::attachXdp(bpf_program__fd(counter_->progs.ibsr_count), ifindex, ifname, mode);
    if (!attached.ok()) return attached.error();
    link = std::move(attached.value());
  } else {
    log::warn(
        "interface '{}' already has an XDP program (id {}): XDP counters not attached "
        "(run `ibsr collect` for them); payload statistics are unaffected",
        ifname, otherXdp);
  }
  std::vector<bpf::TcProgramSpec> specs = {
      {bpf_program__fd(payload_->progs.ibsr_payload_ingress), bpf::TcDirection::Ingress,
       bpf::kTcHandlePayload, bpf::kTcPriorityPayload},
      {bpf_program__fd(payload_->progs.ibsr_payload_egress), bpf::TcDirection::Egress,
       bpf::kTcHandlePayload, bpf::kTcPriorityPayload},
  };
  auto tc = bpf::TcAttachment::attach(ifindex, ifname, specs, replaceStale);
  if (!tc.ok()) return tc.error();  // the XDP link closes with `link`
  xdp_ = std::move(link);
  tc_ = std::move(tc.value());
  return {};
}

void PayloadProgram::detach() {
  tc_.detach();
  xdp_.link.reset();
}

int PayloadProgram::ringbufFd() const {
  return bpf_map__fd(payload_->maps.pay_rb);
}
int PayloadProgram::ingressFd() const {
  return bpf_program__fd(payload_->progs.ibsr_payload_ingress);
}
int PayloadProgram::egressFd() const {
  return bpf_program__fd(payload_->progs.ibsr_payload_egress);
}
int PayloadProgram::counterMapFd() const {
  return bpf_map__fd(counter_->maps.counters);
}

Result<CpuTotals> PayloadProgram::cpuTotals() const {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return sysError("cannot count possible CPUs", ncpu);
  std::vector<ibsr_payload_cpu> per(static_cast<std::size_t>(ncpu));
  __u32 key = 0;
  if (int err = bpf_map_lookup_elem(bpf_map__fd(payload_->maps.pay_cpu), &key, per.data()); err)
    return sysError("cannot read the payload per-CPU counters", errno);
  CpuTotals t;
  for (const auto& c : per) {
    t.ringbufDrops += c.ringbuf_drops;
    t.events += c.events;
    t.capped += c.capped;
    t.loadErrors += c.load_errors;
  }
  return t;
}

}  // namespace ibsr::payload
