#include "payload/payload_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vector>

#include "bpf/embedded_check.h"
#include "bpf/percpu.h"
#include "core/log.h"

namespace ibsr::payload {

Result<std::unique_ptr<PayloadProgram>> PayloadProgram::load(const PayloadOptions& o) {
  const auto& ports = o.common.dstPorts;
  auto counter = collect::CounterProgram::load(collect::CounterProgramConfig::of(o.common));
  if (!counter.ok()) return counter.error();
  if (Status st = bpf::checkEmbeddedObject("payload", bpf::Skeleton<payload_bpf>::elfBytes(),
                                           safety::Mode::Payload);
      !st.ok())
    return st.error();
  auto p = std::make_unique<PayloadProgram>();
  p->counter_.emplace(std::move(counter.value()));
  p->xdpCounters_ = o.xdpCounters;

  auto payload = bpf::Skeleton<payload_bpf>::open();
  if (!payload.ok()) return payload.error();
  p->payload_ = std::move(payload.value());
  for (std::size_t i = 0; i < ports.size(); ++i) p->payload_->rodata->monitored_ports[i] = ports[i];
  p->payload_->rodata->monitored_port_count = static_cast<__u32>(ports.size());
  p->payload_->rodata->snaplen = o.snaplen;
  p->payload_->rodata->max_bytes_per_flow = o.maxBytesPerFlow;
  p->payload_->rodata->ipv6_enabled = o.common.noIpv6 ? 0 : 1;
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
  if (!xdpCounters_) {
    log::info("--no-xdp-counters: XDP counters not attached on '{}' (`ibsr collect` owns them)",
              ifname);
  } else if (otherXdp == 0) {
    if (Status st = counter_->attach(ifindex, ifname, mode); !st.ok()) return st;
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
  if (!tc.ok()) {
    counter_->detach();
    return tc.error();
  }
  tc_ = std::move(tc.value());
  return {};
}

void PayloadProgram::detach() {
  tc_.detach();
  counter_->detach();
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

Result<CpuTotals> PayloadProgram::cpuTotals() const {
  auto per = bpf::readPerCpu<ibsr_payload_cpu>(bpf_map__fd(payload_->maps.pay_cpu), 0,
                                               "payload per-CPU counters");
  if (!per.ok()) return per.error();
  CpuTotals t;
  for (const auto& c : per.value()) {
    t.ringbufDrops += c.ringbuf_drops;
    t.events += c.events;
    t.capped += c.capped;
    t.loadErrors += c.load_errors;
  }
  return t;
}

}  // namespace ibsr::payload
