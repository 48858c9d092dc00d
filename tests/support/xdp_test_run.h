// Test harness around BPF_PROG_TEST_RUN and the StrictCounter program (bpf/counter.bpf.c):
// loads the skeleton with given ports and map size, runs frames through it, reads the whole map.
// Test-only: throws std::runtime_error on setup failures so a test stops at the first one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "packet_builder.h"

struct counter_bpf;

namespace ibsr::testing {

inline constexpr std::uint32_t kXdpPass = 2;

struct XdpRun {
  int err = 0;                   // bpf_prog_test_run_opts() return value (negative errno)
  std::uint32_t retval = 0;      // the program's verdict
  Bytes out;                     // the frame after the program ran
  std::uint32_t durationNs = 0;  // kernel-measured mean time per repetition
};

// Runs `prog_fd` on `frame` `repeat` times (the kernel reports the mean duration).
XdpRun runXdp(int progFd, const Bytes& frame, std::uint32_t repeat = 1);

struct Counters {
  std::uint64_t syn = 0;
  std::uint64_t ack = 0;
  std::uint64_t handshakeAck = 0;
  std::uint64_t rst = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  bool operator==(const Counters&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Counters& c);

// Map key as userspace sees it: source address as a host-order number, destination port.
using CounterKey = std::pair<std::uint32_t, std::uint16_t>;
using CounterMap = std::map<CounterKey, Counters>;

// 192.168.1.1 -> 0xC0A80101.
std::uint32_t ipv4Number(const char* dotted);

struct MapDump {
  CounterMap entries;
  std::vector<std::uint16_t> pads;  // the pad field of every key read, in map order
};

// The IPv6 key as a test compares it: the source prefix in text (inet_ntop of the masked
// address bytes, without the length) and the destination port.
using Counter6Key = std::pair<std::string, std::uint16_t>;
using Counter6Map = std::map<Counter6Key, Counters>;

// IPv6 counting as the collector configures it (off unless given).
struct Ipv6Setup {
  std::uint32_t prefixLen = 64;
  std::uint32_t mapSize = 100000;
};

class CounterProgram {
 public:
  // ports: the monitored destination ports (the count is ports.size(), may be 0..8).
  // extraMapFlags: OR-ed into the map's flags before load (benchmarks compare LRU variants).
  // portCount: monitored_port_count if not ports.size() (tests of a count the collector would
  // never set).
  explicit CounterProgram(const std::vector<std::uint16_t>& ports, std::uint32_t mapSize = 100000,
                          std::uint32_t extraMapFlags = 0,
                          std::optional<std::uint32_t> portCount = std::nullopt,
                          std::optional<Ipv6Setup> ipv6 = std::nullopt);
  CounterProgram(const std::vector<std::uint16_t>& ports, const Ipv6Setup& ipv6)
      : CounterProgram(ports, 100000, 0, std::nullopt, ipv6) {}
  ~CounterProgram();
  CounterProgram(const CounterProgram&) = delete;
  CounterProgram& operator=(const CounterProgram&) = delete;

  XdpRun run(const Bytes& frame, std::uint32_t repeat = 1) const {
    return runXdp(progFd(), frame, repeat);
  }
  int progFd() const;
  int mapFd() const;
  int map6Fd() const;
  MapDump dump() const;
  // The whole IPv6 map; throws if a key's pad is not zero.
  Counter6Map dump6() const;
  std::size_t entryCount() const;
  void clear() const;

 private:
  counter_bpf* skel_ = nullptr;
};

}  // namespace ibsr::testing
