// The collector benches' synthetic map content, one definition for all of them, so that their
// figures describe the same entries: key i is a bijective scramble of the index on four ports
// (an unsorted order), and its counters have several digits each.
#pragma once

#include <cstdint>

#include "ibsr_abi.h"

namespace ibsr::bench {

inline ibsr_counter_key syntheticKey(std::uint32_t i) {
  return {(i * 2654435761u) ^ 0x5bd1e995u, static_cast<__u16>(8000 + i % 4), 0};
}

inline ibsr_counters syntheticCounters(std::uint32_t i) {
  return {i % 5000, i % 70000, i % 60000, i % 300, i % 90000 + 10, (i % 90000) * 700ull};
}

}  // namespace ibsr::bench
