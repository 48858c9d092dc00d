// The owner of the StrictCounter kernel program (bpf/counter.bpf.c): safety check of the
// embedded object, monitored ports and map size, load, XDP attach through a bpf_link, and
// reading the whole counter map. `ibsr collect` runs it alone; `ibsr collect-payload` composes
// it with the payload programs. Nothing else loads or configures counter.bpf.c.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bpf/map_reader.h"
#include "bpf/skeleton.h"
#include "bpf/xdp_attach.h"
#include "collect/snapshot.h"
#include "core/result.h"
#include "counter.skel.h"

namespace ibsr::collect {

struct CounterProgramConfig {
  std::vector<std::uint16_t> dstPorts;  // 1..IBSR_MAX_PORTS, validated
  std::uint32_t mapSize = IBSR_DEFAULT_MAP_SIZE;
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
  Status readAll(std::vector<CounterEntry>& out) { return reader_.readAll(out); }

  int programFd() const;  // for BPF_PROG_TEST_RUN (tests, benchmarks)
  int mapFd() const;

 private:
  CounterProgram(bpf::Skeleton<counter_bpf> skel);

  bpf::Skeleton<counter_bpf> skel_;
  bpf::XdpLink xdp_{};
  bpf::MapReader<ibsr_counter_key, ibsr_counters, CounterEntry> reader_;
};

}  // namespace ibsr::collect
