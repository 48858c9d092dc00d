// The owner of the StrictCounter kernel program (bpf/counter.bpf.c): safety check of the
// embedded object, monitored ports, map sizes and IPv6 prefix length, load, XDP attach through a
// bpf_link, and reading the whole IPv4 and IPv6 counter maps. `ibsr collect` runs it alone; `ibsr
// collect-payload` composes it with the payload programs. Nothing else loads or configures
// counter.bpf.c.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bpf/map_reader.h"
#include "bpf/skeleton.h"
#include "bpf/xdp_attach.h"
#include "collect/options.h"
#include "collect/snapshot.h"
#include "collect/snapshot6.h"
#include "collect/snapshot_buffer.h"
#include "core/result.h"
#include "counter.skel.h"

namespace ibsr::collect {

struct CounterProgramConfig {
  std::vector<std::uint16_t> dstPorts;  // 1..IBSR_MAX_PORTS, validated
  std::uint32_t mapSize = IBSR_DEFAULT_MAP_SIZE;
  bool ipv6 = true;  // false: the IPv6 path is compiled out at load and its map has one entry
  std::uint32_t ipv6PrefixLen = IBSR_DEFAULT_IPV6_PREFIX_LEN;  // 1..128, validated
  std::uint32_t ipv6MapSize = IBSR_DEFAULT_MAP_SIZE;

  // From the shared collector options.
  static CounterProgramConfig of(const CollectOptions& options);
};

class CounterProgram {
 public:
  // Safety check (strict mode), open, configure, load. Nothing is attached yet.
  static Result<CounterProgram> load(const CounterProgramConfig& config);

  // Through a bpf_link: any death of the process detaches it.
  Status attach(int ifindex, const std::string& ifname, bpf::XdpMode mode);
  bool attached() const { return xdp_.link.valid(); }
  bpf::XdpMode mode() const { return xdp_.mode; }
  void detach() { xdp_.link.reset(); }

  // Replaces `out` with every entry of the counter map.
  Status readAll(SnapshotBuffer& out) { return reader_.readAll(out); }
  // Replaces `out` with every entry of the IPv6 counter map (empty without IPv6).
  Status readAll6(std::vector<Counter6Entry>& out);
  bool ipv6() const { return ipv6_; }

  int programFd() const;  // for BPF_PROG_TEST_RUN (tests, benchmarks)
  int mapFd() const;
  int map6Fd() const;

 private:
  CounterProgram(bpf::Skeleton<counter_bpf> skel, bool ipv6);

  bpf::Skeleton<counter_bpf> skel_;
  bpf::XdpLink xdp_{};
  bpf::MapReader<ibsr_counter_key, ibsr_counters, CounterEntry> reader_;
  bool ipv6_;
  bpf::MapReader<ibsr_counter6_key, ibsr_counters, Counter6Entry> reader6_;
};

}  // namespace ibsr::collect
