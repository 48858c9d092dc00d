// ns per packet of the StrictCounter XDP program (bpf/counter.bpf.c) under BPF_PROG_TEST_RUN,
// against an empty XDP_PASS program measured in the same run. The harness itself costs tens of
// ns per repetition, so only the difference (counter - empty) is the program's cost.
//
// Method: every case is a pair (baseline, counter) of BPF_PROG_TEST_RUN calls with --repeat
// repetitions each; the kernel reports the mean ns per repetition. The pairs of all cases are
// interleaved round by round (order alternating) so that frequency drift and noise hit both
// sides; we report medians over --rounds rounds and the median of the per-round differences.
//
// Cases (a)-(c) run the same frame `repeat` times. Case (d), a SYN from a new source every
// packet, runs a driver program (new_source_xdp.bpf.c) that adds 1 to the source address in the
// frame and tail-calls the counter, or the empty program for the baseline: the buffer is shared
// by all repetitions, so each one is a new key, and the map is filled to capacity first, so each
// insert also evicts (the steady state of a spoofed flood). A cross-check of (d) without the
// driver: --single-shots single runs, each with a new source written by userspace. A reference
// row, with no target: the same flood into an identical LRU map by a program that does nothing
// but bpf_map_update_elem (lru_floor.bpf.c), i.e. the kernel's own insert + evict cost.
//
// The counter runs as the collector loads it by default: IPv6 on, keyed per /64. Cases (e)-(g)
// are the IPv6 path: a known /64, an unmonitored port, and a new /64 every packet (driver
// new_prefix6, IPv6 map filled first). With --before-object OLD.o (an older build of
// counter.bpf.c, see run.sh) rows (a) and (b) are also measured for that object in the same
// rounds, so a change of the IPv4 cost shows as the difference of two rows of one run.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.h"
#include "packet_builder.h"
#include "xdp_test_run.h"

namespace ibsr::bench {
namespace {

using ibsr::testing::Bytes;
using ibsr::testing::CounterProgram;
using ibsr::testing::kXdpPass;
using ibsr::testing::PacketBuilder;
using ibsr::testing::XdpRun;

// Cases name only the fields they set (see tests/unit/bpf/counter_bpf_test.cpp).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

constexpr std::uint16_t kPort = 8899;
constexpr std::size_t kIpv4SrcOffset = 14 + 12;  // untagged frame: Ethernet, then IPv4 saddr

struct Options {
  std::uint32_t repeat = 1000000;
  int rounds = 11;
  std::uint32_t mapSize = 100000;
  int singleShots = 100000;
  std::uint32_t extraMapFlags = 0;  // --no-common-lru: BPF_F_NO_COMMON_LRU, for comparison only
  std::string beforeObject;         // --before-object: an older counter.bpf.o to compare (a)/(b)
};

// An XDP program from a bench object file, loaded with bpf_object__open_file; `beforeLoad` may
// resize maps between open and load.
class BpfObject {
 public:
  explicit BpfObject(const std::string& path,
                     const std::function<void(bpf_object*)>& beforeLoad = {}) {
    obj_ = bpf_object__open_file(path.c_str(), nullptr);
    if (!obj_) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    if (beforeLoad) beforeLoad(obj_);
    if (int err = bpf_object__load(obj_); err) {
      bpf_object__close(obj_);
      throw std::runtime_error("cannot load " + path + ": " + std::strerror(-err));
    }
  }
  ~BpfObject() { bpf_object__close(obj_); }
  BpfObject(const BpfObject&) = delete;
  BpfObject& operator=(const BpfObject&) = delete;

  int progFd(const char* name) const {
    bpf_program* p = bpf_object__find_program_by_name(obj_, name);
    if (!p) throw std::runtime_error(std::string("no program ") + name);
    return bpf_program__fd(p);
  }
  int mapFd(const char* name) const {
    bpf_map* m = bpf_object__find_map_by_name(obj_, name);
    if (!m) throw std::runtime_error(std::string("no map ") + name);
    return bpf_map__fd(m);
  }

 private:
  bpf_object* obj_ = nullptr;
};

// Writes `size` bytes at the .rodata variable `name` of an opened, not yet loaded object (what a
// skeleton does by field name; an older object has no skeleton here).
void setRodata(bpf_object* obj, const char* name, const void* value, std::size_t size) {
  bpf_map* rodata = bpf_object__find_map_by_name(obj, ".rodata");
  const btf* types = bpf_object__btf(obj);
  std::size_t mapSize = 0;
  const void* initial = rodata ? bpf_map__initial_value(rodata, &mapSize) : nullptr;
  int sec = types ? btf__find_by_name_kind(types, ".rodata", BTF_KIND_DATASEC) : -1;
  if (!initial || sec < 0) throw std::runtime_error("the object has no .rodata with BTF");
  std::vector<char> bytes(static_cast<const char*>(initial),
                          static_cast<const char*>(initial) + mapSize);
  const btf_type* t = btf__type_by_id(types, static_cast<__u32>(sec));
  const btf_var_secinfo* v = btf_var_secinfos(t);
  for (unsigned i = 0; i < btf_vlen(t); ++i, ++v) {
    const btf_type* var = btf__type_by_id(types, v->type);
    if (std::strcmp(btf__name_by_offset(types, var->name_off), name) != 0) continue;
    if (v->offset + size > mapSize || size > v->size)
      throw std::runtime_error(std::string("bad size for ") + name);
    std::memcpy(bytes.data() + v->offset, value, size);
    if (bpf_map__set_initial_value(rodata, bytes.data(), bytes.size()) != 0)
      throw std::runtime_error(std::string("cannot set ") + name);
    return;
  }
  throw std::runtime_error(std::string("no .rodata variable ") + name);
}

// BPF_PROG_TEST_RUN's own mean ns per repetition. It is preferred to wall time because the kernel
// stops its timer while the task is rescheduled, so other load on the machine does not count.
// The driver program rewrites the source address, so its output is not compared (`unchanged`).
double timedRun(int progFd, const Bytes& frame, std::uint32_t repeat, bool unchanged = true) {
  XdpRun r = ibsr::testing::runXdp(progFd, frame, repeat);
  if (r.err != 0) throw std::runtime_error("BPF_PROG_TEST_RUN failed: " + std::to_string(r.err));
  if (r.retval != kXdpPass) throw std::runtime_error("verdict is not XDP_PASS");
  if (unchanged && r.out != frame) throw std::runtime_error("the program changed the frame");
  return static_cast<double>(r.durationNs);
}

struct Case {
  std::string name;
  double targetNs;  // maximum allowed difference to the baseline; negative: reference, no target
  std::function<double()> baseline;
  std::function<double()> counter;
  std::vector<double> base;
  std::vector<double> measured;
};

// One table row; returns whether the median difference meets the target.
bool printRow(const std::string& name, const std::vector<double>& base,
              const std::vector<double>& measured, double targetNs) {
  std::vector<double> diff;
  for (std::size_t i = 0; i < base.size(); ++i) diff.push_back(measured[i] - base[i]);
  double d = median(diff);
  auto [lo, hi] = std::minmax_element(diff.begin(), diff.end());
  std::printf("| %s | %.1f | %.1f | %.1f | %.0f .. %.0f |", name.c_str(), median(base),
              median(measured), d, *lo, *hi);
  if (targetNs < 0) {  // reference row
    std::printf(" - |\n");
    return true;
  }
  bool met = d <= targetNs;
  std::printf(" <= %.0f %s |\n", targetNs, met ? "met" : "MISSED");
  return met;
}

void usage() {
  std::fprintf(stderr,
               "usage: ibsr-bench-counter [--repeat N] [--rounds R] [--map-size M] "
               "[--single-shots S] [--no-common-lru] [--before-object OLD.bpf.o]\n");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-common-lru") {
      o.extraMapFlags |= BPF_F_NO_COMMON_LRU;
      continue;
    }
    if (i + 1 >= argc) {
      usage();
      std::exit(2);
    }
    unsigned long v = std::strtoul(argv[++i], nullptr, 10);
    if (a == "--before-object") {
      o.beforeObject = argv[i];
      continue;
    }
    if (a == "--repeat")
      o.repeat = static_cast<std::uint32_t>(v);
    else if (a == "--rounds")
      o.rounds = static_cast<int>(v);
    else if (a == "--map-size")
      o.mapSize = static_cast<std::uint32_t>(v);
    else if (a == "--single-shots")
      o.singleShots = static_cast<int>(v);
    else {
      usage();
      std::exit(2);
    }
  }
  if (o.repeat == 0 || o.rounds <= 0 || o.mapSize == 0) {
    usage();
    std::exit(2);
  }
  return o;
}

int run(const Options& o) {
  using ibsr::testing::kTcpAck;
  using ibsr::testing::kTcpSyn;
  CounterProgram counter({kPort}, o.mapSize, o.extraMapFlags, std::nullopt,
                         ibsr::testing::Ipv6Setup{.prefixLen = 64, .mapSize = o.mapSize});
  std::optional<BpfObject> before;
  if (!o.beforeObject.empty())
    before.emplace(o.beforeObject, [&](bpf_object* obj) {
      const std::uint16_t ports[1] = {kPort};
      const std::uint32_t count = 1;
      setRodata(obj, "monitored_ports", ports, sizeof ports);
      setRodata(obj, "monitored_port_count", &count, sizeof count);
      bpf_map* m = bpf_object__find_map_by_name(obj, "counters");
      if (!m || bpf_map__set_max_entries(m, o.mapSize) != 0)
        throw std::runtime_error("cannot size the old counters map");
    });
  BpfObject empty(IBSR_BENCH_BPF_DIR "/empty_xdp.bpf.o");
  BpfObject driver(IBSR_BENCH_BPF_DIR "/new_source_xdp.bpf.o");
  BpfObject floor(IBSR_BENCH_BPF_DIR "/lru_floor.bpf.o", [&](bpf_object* obj) {
    bpf_map* m = bpf_object__find_map_by_name(obj, "floor_map");
    if (!m || bpf_map__set_max_entries(m, o.mapSize) != 0)
      throw std::runtime_error("cannot size floor_map");
  });
  const int floorFd = floor.progFd("lru_insert");
  const int emptyFd = empty.progFd("empty_pass");
  const int counterFd = counter.progFd();
  const int driverFd = driver.progFd("new_source");
  const int driver6Fd = driver.progFd("new_prefix6");
  const int nextProg = driver.mapFd("next_prog");
  auto target = [&](int fd) {
    std::uint32_t key = 0;
    std::uint32_t value = static_cast<std::uint32_t>(fd);
    if (bpf_map_update_elem(nextProg, &key, &value, BPF_ANY) != 0)
      throw std::runtime_error("prog array update failed");
  };

  // (a) the common case of an established flow: pure ACK with seq > 0 bumps four counters
  // (ack, handshake_ack, packets, bytes), more than a SYN (syn, packets, bytes).
  const Bytes known = PacketBuilder()
                          .ether()
                          .ipv4({.src = "192.168.1.1"})
                          .tcp({.dport = kPort, .seq = 1001, .ack = 1, .flags = kTcpAck})
                          .build();
  const Bytes unmonitored = PacketBuilder()
                                .ether()
                                .ipv4({.src = "192.168.1.1"})
                                .tcp({.dport = 443, .seq = 1, .flags = kTcpSyn})
                                .build();
  const Bytes udp = PacketBuilder()
                        .ether()
                        .ipv4({.src = "192.168.1.1"})
                        .udp({.dport = kPort})
                        .payload(18)
                        .build();
  const Bytes flood = PacketBuilder()
                          .ether()
                          .ipv4({.src = "11.0.0.0"})
                          .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})
                          .build();

  const Bytes known6 = PacketBuilder()
                           .ether()
                           .ipv6({.src = "2001:db8:1:2::1"})
                           .tcp({.dport = kPort, .seq = 1001, .ack = 1, .flags = kTcpAck})
                           .build();
  const Bytes unmonitored6 = PacketBuilder()
                                 .ether()
                                 .ipv6({.src = "2001:db8:1:2::1"})
                                 .tcp({.dport = 443, .seq = 1, .flags = kTcpSyn})
                                 .build();
  const Bytes flood6 = PacketBuilder()
                           .ether()
                           .ipv6({.src = "2001:db8::1"})
                           .tcp({.dport = kPort, .seq = 1, .flags = kTcpSyn})
                           .build();

  // Warm-up: the known sources have their entries, and the maps are full before the floods are
  // timed.
  timedRun(counterFd, known, 1);
  timedRun(counterFd, known6, 1);
  if (before) {  // the same state as the current program's map: full, the known source in it
    timedRun(before->progFd("ibsr_count"), known, 1);
    target(before->progFd("ibsr_count"));
    timedRun(driverFd, flood, o.mapSize * 2, false);
  }
  target(counterFd);
  timedRun(driverFd, flood, o.mapSize * 2, false);
  timedRun(driver6Fd, flood6, o.mapSize * 2, false);
  const std::size_t filled6 = counter.dump6().size();
  const std::size_t filled = counter.entryCount();
  target(floorFd);
  timedRun(driverFd, flood, o.mapSize * 2, false);

  std::vector<Case> cases;
  cases.push_back({"(a) known source, monitored port (pure ACK)",
                   35,
                   [&] { return timedRun(emptyFd, known, o.repeat); },
                   [&] { return timedRun(counterFd, known, o.repeat); },
                   {},
                   {}});
  if (before)
    cases.push_back({"(a) before: the --before-object, same frame",
                     -1,
                     [&] { return timedRun(emptyFd, known, o.repeat); },
                     [&] { return timedRun(before->progFd("ibsr_count"), known, o.repeat); },
                     {},
                     {}});
  cases.push_back({"(b) unmonitored port (SYN to 443)",
                   10,
                   [&] { return timedRun(emptyFd, unmonitored, o.repeat); },
                   [&] { return timedRun(counterFd, unmonitored, o.repeat); },
                   {},
                   {}});
  if (before)
    cases.push_back({"(b) before: the --before-object, same frame",
                     -1,
                     [&] { return timedRun(emptyFd, unmonitored, o.repeat); },
                     [&] { return timedRun(before->progFd("ibsr_count"), unmonitored, o.repeat); },
                     {},
                     {}});
  cases.push_back({"(c) non-TCP (UDP to the monitored port)",
                   10,
                   [&] { return timedRun(emptyFd, udp, o.repeat); },
                   [&] { return timedRun(counterFd, udp, o.repeat); },
                   {},
                   {}});
  cases.push_back({"(d) new source every packet, map full: driver + tail call",
                   300,
                   [&] {
                     target(emptyFd);
                     return timedRun(driverFd, flood, o.repeat, false);
                   },
                   [&] {
                     target(counterFd);
                     return timedRun(driverFd, flood, o.repeat, false);
                   },
                   {},
                   {}});
  // Reference, no target: what the kernel alone charges for inserting into a full LRU hash of this
  // size.
  cases.push_back({"(d) reference, no target: bare LRU insert alone, same driver",
                   -1,
                   [&] {
                     target(emptyFd);
                     return timedRun(driverFd, flood, o.repeat, false);
                   },
                   [&] {
                     target(floorFd);
                     return timedRun(driverFd, flood, o.repeat, false);
                   },
                   {},
                   {}});

  cases.push_back({"(e) IPv6 known /64, monitored port (pure ACK)",
                   45,
                   [&] { return timedRun(emptyFd, known6, o.repeat); },
                   [&] { return timedRun(counterFd, known6, o.repeat); },
                   {},
                   {}});
  cases.push_back({"(f) IPv6 unmonitored port (SYN to 443)",
                   10,
                   [&] { return timedRun(emptyFd, unmonitored6, o.repeat); },
                   [&] { return timedRun(counterFd, unmonitored6, o.repeat); },
                   {},
                   {}});
  cases.push_back({"(g) IPv6 new /64 every packet, map full: driver + tail call",
                   300,
                   [&] {
                     target(emptyFd);
                     return timedRun(driver6Fd, flood6, o.repeat, false);
                   },
                   [&] {
                     target(counterFd);
                     return timedRun(driver6Fd, flood6, o.repeat, false);
                   },
                   {},
                   {}});

  for (int r = 0; r < o.rounds; ++r) {
    for (Case& c : cases) {
      if (r % 2) {
        c.base.push_back(c.baseline());
        c.measured.push_back(c.counter());
      } else {
        double m = c.counter();
        c.base.push_back(c.baseline());
        c.measured.push_back(m);
      }
    }
  }

  // Cross-check of (d): single runs, each with a source no run has used yet (200.0.0.0 upwards; the
  // driver's sources start at 11.0.0.0 and stay below 200.0.0.0 for any sane --repeat x --rounds).
  std::vector<double> shotBase, shotCounter;
  Bytes shot = flood;
  for (int i = 0; i < o.singleShots; ++i) {
    std::uint32_t src = 0xC8000000u + static_cast<std::uint32_t>(i);
    for (int k = 0; k < 4; ++k)
      shot[kIpv4SrcOffset + k] = static_cast<std::uint8_t>(src >> (24 - 8 * k));
    if (i % 2) {
      shotBase.push_back(timedRun(emptyFd, shot, 1));
      shotCounter.push_back(timedRun(counterFd, shot, 1));
    } else {
      shotCounter.push_back(timedRun(counterFd, shot, 1));
      shotBase.push_back(timedRun(emptyFd, shot, 1));
    }
  }
  const std::size_t finalEntries = counter.entryCount();

  utsname u{};
  uname(&u);
  std::printf("kernel %s, CPU %s\n", u.release, cpuModel().c_str());
  std::printf(
      "repeat %u, rounds %d, map size %u%s (entries after fill %zu, at end %zu; IPv6 map %zu "
      "after fill), single shots %d%s%s\n\n",
      o.repeat, o.rounds, o.mapSize, o.extraMapFlags ? " with BPF_F_NO_COMMON_LRU" : "", filled,
      finalEntries, filled6, o.singleShots, before ? ", before: " : "", o.beforeObject.c_str());
  std::printf(
      "| case | empty ns | counter ns | counter - empty ns (median) | range of "
      "differences | target |\n");
  std::printf("|---|---:|---:|---:|---:|---|\n");
  bool allMet = true;
  for (const Case& c : cases) allMet = printRow(c.name, c.base, c.measured, c.targetNs) && allMet;
  allMet = printRow("(d) cross-check: single runs (repeat 1), source set by userspace", shotBase,
                    shotCounter, 300) &&
           allMet;
  return allMet ? 0 : 1;
}

}  // namespace
}  // namespace ibsr::bench

int main(int argc, char** argv) {
  try {
    return ibsr::bench::run(ibsr::bench::parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ibsr-bench-counter: %s\n", e.what());
    return 2;
  }
}
