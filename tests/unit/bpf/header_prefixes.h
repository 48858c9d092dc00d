// The truncation check both address families' counter tests share: every prefix of a frame's
// headers passes uncounted and unchanged, the complete headers are counted once.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <string>
#include <vector>

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

}  // namespace ibsr::testing
