// ns per packet of the record-incident TC program (bpf/incident.bpf.c) under BPF_PROG_TEST_RUN,
// against an empty TC program measured in the same run. Only the difference (incident - empty)
// is the program's own cost; the harness costs tens of ns per repetition.
//
// Cases (64-byte SYN and a 1514-byte frame, of which 256 bytes are copied when sampled):
//   off        sampling inactive (CFG_SAMPLING_ACTIVE = 0)
//   unsampled  active, rate 1e9: the countdown path only (never reaches a sample)
//   rate 1000  active, the default baseline: the average over 1-in-1000 samples
//   sampled    active, rate 1: every packet reserves, copies and submits a ring-buffer record
//   ring full  active, rate 1, ring buffer full: reservation fails, a drop is counted
// The ring buffer is drained between rounds (not timed), so "sampled" never hits a full ring.
// Rounds interleave the cases and alternate the order of (empty, incident); medians are reported.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "incident/incident_program.h"

namespace ibsr::bench {
namespace {

struct Options {
  std::uint32_t repeat = 100000;
  int rounds = 11;
  std::uint32_t ringMib = 64;
};

struct Case {
  std::string name;
  std::uint64_t active;
  std::uint64_t rate;
  bool fillRing;
  std::size_t size;
  std::vector<double> base, measured;
};

int run(const Options& o) {
  // One round of the "sampled" case (repeat x 304-byte records) must fit without drops:
  // 64 MiB holds 220k records.
  if (static_cast<std::uint64_t>(o.repeat) * 304 > (std::uint64_t{o.ringMib} << 20))
    throw std::runtime_error("--repeat records do not fit in --ring-mib");
  auto prog = incident::IncidentProgram::load(o.ringMib << 20);
  if (!prog.ok()) throw std::runtime_error(prog.error().message);
  const int emptyFd = emptyTcProgram();
  std::uint64_t consumed = 0;
  ring_buffer* rb = ring_buffer__new(prog->ringbufFd(), countRecord, &consumed, nullptr);
  if (!rb) throw std::runtime_error("cannot open ring buffer");

  std::vector<Case> cases;
  for (std::size_t size : {64, 1514}) {
    std::string s = size == 64 ? " (64 B)" : " (1514 B)";
    cases.push_back({"off" + s, 0, 1, false, size, {}, {}});
    cases.push_back({"unsampled, rate 1e9" + s, 1, 1000000000, false, size, {}, {}});
    cases.push_back({"rate 1000" + s, 1, 1000, false, size, {}, {}});
    cases.push_back({"sampled, rate 1" + s, 1, 1, false, size, {}, {}});
    cases.push_back({"ring full, rate 1" + s, 1, 1, true, size, {}, {}});
  }
  for (int r = 0; r < o.rounds; ++r) {
    for (auto& c : cases) {
      (void)prog->setConfig(IBSR_CFG_SAMPLING_ACTIVE, c.active);
      (void)prog->setConfig(IBSR_CFG_SAMPLE_RATE, c.rate);
      ring_buffer__consume(rb);
      Bytes f = tcpFrame(c.size, 8080, 0x02);
      if (c.fillRing) {
        // Fill the ring (untimed).
        std::uint64_t records = (std::uint64_t{o.ringMib} << 20) / 304 + 1;
        for (std::uint64_t done = 0; done < records; done += 100000)
          timedTcRun(prog->ingressFd(), f, 100000);
      }
      double b, m;
      if (r % 2) {
        b = timedTcRun(emptyFd, f, o.repeat);
        m = timedTcRun(prog->ingressFd(), f, o.repeat);
      } else {
        m = timedTcRun(prog->ingressFd(), f, o.repeat);
        b = timedTcRun(emptyFd, f, o.repeat);
      }
      c.base.push_back(b);
      c.measured.push_back(m);
      ring_buffer__consume(rb);
    }
  }
  auto totals = prog->cpuTotals();
  std::printf("CPU: %s; repeat %u, %d rounds, ring buffer %u MiB; medians in ns per packet\n\n",
              cpuModel().c_str(), o.repeat, o.rounds, o.ringMib);
  std::printf("| case | empty TC | incident | difference | min .. max difference |\n");
  std::printf("|---|---|---|---|---|\n");
  for (const auto& c : cases) {
    std::vector<double> diff;
    for (std::size_t i = 0; i < c.base.size(); ++i) diff.push_back(c.measured[i] - c.base[i]);
    auto [lo, hi] = std::minmax_element(diff.begin(), diff.end());
    std::printf("| %s | %.1f | %.1f | %.1f | %.0f .. %.0f |\n", c.name.c_str(), median(c.base),
                median(c.measured), median(diff), *lo, *hi);
  }
  std::printf("\nrecords consumed %llu, ring-buffer drops %llu\n",
              static_cast<unsigned long long>(consumed),
              static_cast<unsigned long long>(totals.ok() ? totals->ringbufDrops : 0));
  ring_buffer__free(rb);
  return 0;
}

}  // namespace
}  // namespace ibsr::bench

int main(int argc, char** argv) {
  ibsr::bench::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    unsigned long v = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--repeat")
      o.repeat = static_cast<std::uint32_t>(v);
    else if (a == "--rounds")
      o.rounds = static_cast<int>(v);
    else if (a == "--ring-mib" && v > 0 && (v & (v - 1)) == 0 && v <= 1024)
      o.ringMib = static_cast<std::uint32_t>(v);
    else {
      std::fprintf(stderr, "usage: ibsr-bench-incident [--repeat N] [--rounds R] [--ring-mib M]\n");
      return 2;
    }
  }
  try {
    return ibsr::bench::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ibsr-bench-incident: %s\n", e.what());
    return 1;
  }
}
