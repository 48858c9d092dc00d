// Fills a running collector's IPv4 counter map (the newest map named "counters") with ENTRIES
// distinct sources, as a saturated host would, so that the collector's memory can be measured
// with a full map without generating traffic from that many addresses.
// Usage: fill_counter_map ENTRIES   (root)
#include <bpf/bpf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/unique_fd.h"
#include "counter_map.h"
#include "ibsr_abi.h"

namespace {

// The newest map called `name`: the collector started last owns it.
ibsr::UniqueFd newestMap(const char* name) {
  ibsr::UniqueFd found;
  for (__u32 id = 0; bpf_map_get_next_id(id, &id) == 0;) {
    ibsr::UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (!fd.valid()) continue;
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0 && std::strcmp(info.name, name) == 0)
      found = std::move(fd);
  }
  return found;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s ENTRIES\n", argv[0]);
    return 2;
  }
  const auto entries = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  ibsr::UniqueFd map = newestMap("counters");
  if (!map.valid()) {
    std::fprintf(stderr,
                 "fill_counter_map: no BPF map named 'counters' (is ibsr collect running?)\n");
    return 1;
  }
  if (!ibsr::bench::fillCounterMap(map.get(), entries)) {
    std::perror("fill_counter_map: bpf_map_update_batch");
    return 1;
  }
  return 0;
}
