#include "collect/counter_program.h"

#include <bpf/libbpf.h>

#include "bpf/embedded_check.h"

namespace ibsr::collect {

CounterProgramConfig CounterProgramConfig::of(const CollectOptions& o) {
  return {.dstPorts = o.dstPorts,
          .mapSize = o.mapSize,
          .ipv6 = !o.noIpv6,
          .ipv6PrefixLen = o.ipv6PrefixLen,
          .ipv6MapSize = collect::ipv6MapSize(o)};
}

CounterProgram::CounterProgram(bpf::Skeleton<counter_bpf> skel, bool ipv6)
    : skel_(std::move(skel)),
      reader_(bpf_map__fd(skel_->maps.counters), "counter map"),
      ipv6_(ipv6),
      reader6_(bpf_map__fd(skel_->maps.counters6), "IPv6 counter map") {}

Status CounterProgram::readAll6(std::vector<Counter6Entry>& out) {
  if (!ipv6_) {
    out.clear();
    return {};
  }
  return reader6_.readAll(out);
}

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
  // With IPv6 off the program never touches its map, which still has to exist: one entry.
  skel.value()->rodata->ipv6_enabled = c.ipv6 ? 1 : 0;
  std::uint32_t mask[4];
  ipv6PrefixMask(c.ipv6PrefixLen, mask);
  for (int i = 0; i < 4; ++i) skel.value()->rodata->ipv6_prefix_mask[i] = mask[i];
  if (int err = bpf_map__set_max_entries(skel.value()->maps.counters6, c.ipv6 ? c.ipv6MapSize : 1);
      err)
    return sysError("cannot size the IPv6 counter map", err);
  if (Status st = skel.value().load(); !st.ok()) return st.error();
  // The map fds exist only after load, so the readers are made here.
  return CounterProgram(std::move(skel.value()), c.ipv6);
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

int CounterProgram::map6Fd() const {
  return bpf_map__fd(skel_->maps.counters6);
}

}  // namespace ibsr::collect
