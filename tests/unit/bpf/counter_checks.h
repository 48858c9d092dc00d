// Checks both address families' counter tests share: every frame passes unchanged, every prefix
// of a frame's headers passes uncounted while the complete headers are counted once, and a
// counter map is an LRU hash of exactly the requested size.
#pragma once

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <string>
#include <vector>

#include "ibsr_abi.h"
#include "packet_builder.h"
#include "xdp_test_run.h"

namespace ibsr::testing {

// Runs every length 0..headerLength() of each shape through prog; `keys` counts the entries of
// the map under test, which is cleared after each run. Frames shorter than an Ethernet header are
// refused by BPF_PROG_TEST_RUN itself (EINVAL), and no driver delivers one, so those lengths check
// the refusal instead. Adds the number of cut frames checked to `prefixes`.
inline void checkEveryHeaderPrefix(const CounterProgram& prog,
                                   const std::vector<PacketBuilder>& shapes,
                                   const std::function<std::size_t()>& keys, int& prefixes) {
  constexpr std::size_t kEthHlen = 14;
  for (const PacketBuilder& shape : shapes) {
    const std::size_t headers = shape.headerLength();
    for (std::size_t n = 0; n <= headers; ++n) {
      PacketBuilder p = shape;
      p.truncate(n);
      SCOPED_TRACE("length " + std::to_string(n) + " of " + std::to_string(headers) +
                   " header bytes: " + p.scapy());
      Bytes frame = p.build();
      ASSERT_EQ(frame.size(), n);
      XdpRun run = prog.run(frame);
      if (n < kEthHlen) {
        EXPECT_EQ(run.err, -EINVAL);
        continue;
      }
      ASSERT_EQ(run.err, 0);
      EXPECT_EQ(run.retval, kXdpPass);
      EXPECT_EQ(run.out, frame);
      if (n < headers) {
        EXPECT_EQ(keys(), 0u) << "a frame cut inside its headers was counted";
        ++prefixes;
      } else {
        EXPECT_EQ(keys(), 1u) << "the complete headers must be counted";
      }
      prog.clear();
    }
  }
}

// Runs each packet once, in order: every run must succeed, return XDP_PASS and leave the frame
// byte for byte as it was. A failure names the packet by its scapy expression.
inline void runEachPassesUnchanged(const CounterProgram& prog,
                                   const std::vector<PacketBuilder>& packets) {
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const PacketBuilder& p = packets[i];
    SCOPED_TRACE("packet " + std::to_string(i) + ": " + p.scapy());
    Bytes frame = p.build();
    XdpRun run = prog.run(frame);
    ASSERT_EQ(run.err, 0) << "BPF_PROG_TEST_RUN failed";
    EXPECT_EQ(run.retval, kXdpPass);
    EXPECT_EQ(run.out, frame) << "output:\n" << hexDump(run.out) << "\ninput:\n" << hexDump(frame);
  }
}

// The map behind fd is an LRU hash of exactly maxEntries entries (the kernel rounds nothing up
// for LRU_HASH), with the given key size and the counters value.
inline void expectCounterMap(int fd, std::uint32_t maxEntries, std::uint32_t keySize) {
  bpf_map_info info{};
  std::uint32_t len = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
  EXPECT_EQ(info.max_entries, maxEntries);
  EXPECT_EQ(info.type, BPF_MAP_TYPE_LRU_HASH);
  EXPECT_EQ(info.key_size, keySize);
  EXPECT_EQ(info.value_size, sizeof(ibsr_counters));
}

}  // namespace ibsr::testing
