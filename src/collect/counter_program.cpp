#include "collect/counter_program.h"

#include <bpf/libbpf.h>

#include "bpf/embedded_check.h"

namespace ibsr::collect {

CounterProgram::CounterProgram(bpf::Skeleton<counter_bpf> skel)
    : skel_(std::move(skel)), reader_(bpf_map__fd(skel_->maps.counters), "counter map") {}

Result<CounterProgram> CounterProgram::load(const CounterProgramConfig& c) {
  auto elf = bpf::Skeleton<counter_bpf>::elfBytes();
  if (Status st = bpf::checkEmbeddedObject("counter", elf, safety::Mode::Strict); !st.ok())
    return st.error();
  auto skel = bpf::Skeleton<counter_bpf>::open();
  if (!skel.ok()) return skel.error();
  for (std::size_t i = 0; i < c.dstPorts.size(); ++i)
    skel.value()->rodata->monitored_ports[i] = c.dstPorts[i];
  skel.value()->rodata->monitored_port_count = static_cast<__u32>(c.dstPorts.size());
  if (int err = bpf_map__set_max_entries(skel.value()->maps.counters, c.mapSize); err)
    return sysError("cannot size the counter map", err);
  if (Status st = skel.value().load(); !st.ok()) return st.error();
  // The map fd exists only after load, so the reader is made here.
  return CounterProgram(std::move(skel.value()));
}

Status CounterProgram::attach(int ifindex, const std::string& ifname, bpf::XdpMode mode) {
  auto link = bpf::attachXdp(programFd(), ifindex, ifname, mode);
  if (!link.ok()) return link.error();
  xdp_ = std::move(link.value());
  return {};
}

int CounterProgram::programFd() const {
  return bpf_program__fd(skel_->progs.ibsr_count);
}

int CounterProgram::mapFd() const {
  return bpf_map__fd(skel_->maps.counters);
}

}  // namespace ibsr::collect
