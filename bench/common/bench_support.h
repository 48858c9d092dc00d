// Pieces every BPF_PROG_TEST_RUN benchmark needs: medians, the CPU name for the record, the
// empty TC baseline program, a crafted TCP frame, and a timed TC run that checks the program
// passed the frame unchanged (a benchmark of a shadow-mode program must also prove it).
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "xdp_test_run.h"

namespace ibsr::bench {

using Bytes = ibsr::testing::Bytes;
inline constexpr std::uint32_t kTcActUnspec = 0xffffffffU;

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline std::string cpuModel() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// Ethernet / IPv4 198.51.100.7:40000 -> 10.0.0.1:dport / TCP (20-byte header, `flags`), padded
// with payload to `size` bytes.
inline Bytes tcpFrame(std::size_t size, std::uint16_t dport, std::uint8_t flags) {
  Bytes f = {0x02, 0, 0, 0, 0,  2, 0x02, 0, 0,   0,  0,    1,     0x08, 0x00, 0x45, 0, 0,    0,
             0,    1, 0, 0, 64, 6, 0,    0, 198, 51, 100,  7,     10,   0,    0,    1, 0x9c, 0x40,
             0,    0, 0, 0, 0,  1, 0,    0, 0,   0,  0x50, flags, 0xff, 0xff, 0,    0, 0,    0};
  f[36] = static_cast<std::uint8_t>(dport >> 8);
  f[37] = static_cast<std::uint8_t>(dport);
  f.resize(size, 0x5a);
  auto ipLen = static_cast<std::uint16_t>(size - 14);
  f[16] = static_cast<std::uint8_t>(ipLen >> 8);
  f[17] = static_cast<std::uint8_t>(ipLen);
  return f;
}

// BPF_PROG_TEST_RUN's mean ns per repetition of a TC program (the kernel stops its timer while
// the task is rescheduled, so other load on the machine does not count). The run itself is the
// tests' harness (runXdp works for any program type that takes a frame).
inline double timedTcRun(int progFd, const Bytes& data, std::uint32_t repeat) {
  ibsr::testing::XdpRun r = ibsr::testing::runXdp(progFd, data, repeat);
  if (r.err)
    throw std::runtime_error("BPF_PROG_TEST_RUN failed: " + std::string(std::strerror(-r.err)));
  if (r.retval != kTcActUnspec) throw std::runtime_error("verdict is not TC_ACT_UNSPEC");
  if (r.out != data) throw std::runtime_error("the program changed the frame");
  return static_cast<double>(r.durationNs);
}

// bench/common/empty_tc.bpf.c, loaded once; it stays loaded until the process exits.
inline int emptyTcProgram() {
  bpf_object* obj = bpf_object__open_file(IBSR_BENCH_COMMON_BPF_DIR "/empty_tc.bpf.o", nullptr);
  if (!obj || bpf_object__load(obj) != 0) throw std::runtime_error("cannot load empty_tc.bpf.o");
  return bpf_program__fd(bpf_object__find_program_by_name(obj, "empty_tc"));
}

// ring_buffer__new callback that only counts records (ctx: std::uint64_t*).
inline int countRecord(void* ctx, void*, std::size_t) {
  ++*static_cast<std::uint64_t*>(ctx);
  return 0;
}

}  // namespace ibsr::bench
