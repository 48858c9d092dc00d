#include "xdp_test_run.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "collect/snapshot6.h"
#include "counter.skel.h"
#include "ibsr_abi.h"

namespace ibsr::testing {

XdpRun runXdp(int progFd, const Bytes& frame, std::uint32_t repeat) {
  XdpRun r;
  // Room beyond the input so a program that grew the frame would show up as a size difference.
  r.out.assign(frame.size() + 256, 0);
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  opts.data_out = r.out.data();
  opts.data_size_out = static_cast<std::uint32_t>(r.out.size());
  opts.repeat = static_cast<int>(repeat);
  r.err = bpf_prog_test_run_opts(progFd, &opts);
  r.retval = opts.retval;
  r.durationNs = opts.duration;
  r.out.resize(r.err == 0 ? opts.data_size_out : 0);
  return r;
}

std::ostream& operator<<(std::ostream& os, const Counters& c) {
  return os << "{syn=" << c.syn << " ack=" << c.ack << " handshake_ack=" << c.handshakeAck
            << " rst=" << c.rst << " packets=" << c.packets << " bytes=" << c.bytes << "}";
}

std::uint32_t ipv4Number(const char* dotted) {
  in_addr a{};
  if (inet_pton(AF_INET, dotted, &a) != 1)
    throw std::invalid_argument(std::string("bad IPv4 address: ") + dotted);
  return ntohl(a.s_addr);
}

CounterProgram::CounterProgram(const std::vector<std::uint16_t>& ports, std::uint32_t mapSize,
                               std::uint32_t extraMapFlags, std::optional<std::uint32_t> portCount,
                               std::optional<Ipv6Setup> ipv6) {
  if (ports.size() > IBSR_MAX_PORTS) throw std::invalid_argument("too many ports");
  skel_ = counter_bpf::open();
  if (!skel_) throw std::runtime_error("counter_bpf::open: " + std::string(std::strerror(errno)));
  for (std::size_t i = 0; i < ports.size(); ++i) skel_->rodata->monitored_ports[i] = ports[i];
  skel_->rodata->monitored_port_count =
      portCount.value_or(static_cast<std::uint32_t>(ports.size()));
  skel_->rodata->ipv6_enabled = ipv6 ? 1 : 0;
  std::uint32_t mask[4] = {};
  if (ipv6) collect::ipv6PrefixMask(ipv6->prefixLen, mask);
  for (int i = 0; i < 4; ++i) skel_->rodata->ipv6_prefix_mask[i] = mask[i];
  int err = bpf_map__set_max_entries(skel_->maps.counters, mapSize);
  if (!err) err = bpf_map__set_max_entries(skel_->maps.counters6, ipv6 ? ipv6->mapSize : 1);
  if (!err && extraMapFlags)
    err = bpf_map__set_map_flags(skel_->maps.counters,
                                 bpf_map__map_flags(skel_->maps.counters) | extraMapFlags);
  if (!err) err = counter_bpf::load(skel_);
  if (err) {
    counter_bpf::destroy(skel_);
    skel_ = nullptr;
    throw std::runtime_error("counter_bpf load: " + std::string(std::strerror(-err)));
  }
}

CounterProgram::~CounterProgram() {
  counter_bpf::destroy(skel_);
}

int CounterProgram::progFd() const {
  return bpf_program__fd(skel_->progs.ibsr_count);
}
int CounterProgram::mapFd() const {
  return bpf_map__fd(skel_->maps.counters);
}

int CounterProgram::map6Fd() const {
  return bpf_map__fd(skel_->maps.counters6);
}

namespace {

// Calls visit(key, counters) for every entry of the map behind fd, in map order.
template <typename Key, typename Visit>
void forEachEntry(int fd, const Visit& visit) {
  Key key{};
  Key next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    ibsr_counters v{};
    if (bpf_map_lookup_elem(fd, &next, &v) != 0)
      throw std::runtime_error("map lookup failed: " + std::string(std::strerror(errno)));
    visit(next, Counters{v.syn, v.ack, v.handshake_ack, v.rst, v.packets, v.bytes});
    key = next;
    prev = &key;
  }
  if (errno != ENOENT)
    throw std::runtime_error("map iteration failed: " + std::string(std::strerror(errno)));
}

}  // namespace

Counter6Map CounterProgram::dump6() const {
  Counter6Map m;
  forEachEntry<ibsr_counter6_key>(map6Fd(), [&](const ibsr_counter6_key& k, const Counters& c) {
    if (k.pad != 0) throw std::runtime_error("IPv6 key padding is not zero");
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, k.src_prefix, text, sizeof text);
    if (!m.emplace(Counter6Key{text, k.dst_port}, c).second)
      throw std::runtime_error("duplicate key in IPv6 map dump");
  });
  return m;
}

MapDump CounterProgram::dump() const {
  MapDump d;
  forEachEntry<ibsr_counter_key>(mapFd(), [&](const ibsr_counter_key& k, const Counters& c) {
    if (!d.entries.emplace(CounterKey{k.src_ip, k.dst_port}, c).second)
      throw std::runtime_error("duplicate key in map dump");
    d.pads.push_back(k.pad);
  });
  return d;
}

std::size_t CounterProgram::entryCount() const {
  return dump().entries.size();
}

namespace {

template <typename Key>
void clearMap(int fd) {
  Key key{};
  // Deleting while iterating restarts at the first key each time: always valid for hash maps.
  while (bpf_map_get_next_key(fd, nullptr, &key) == 0) {
    if (bpf_map_delete_elem(fd, &key) != 0)
      throw std::runtime_error("map delete failed: " + std::string(std::strerror(errno)));
  }
}

}  // namespace

void CounterProgram::clear() const {
  clearMap<ibsr_counter_key>(mapFd());
  clearMap<ibsr_counter6_key>(map6Fd());
}

}  // namespace ibsr::testing
