// Fuzzes the whole record path: the input is a sequence of synthetic ring-buffer records
// (arbitrary sequence numbers, flags, lengths, directions, a few flows) fed to the pipeline with
// a tiny flow table, so reordering, overlaps, wrap-around, gaps, eviction and HTTP framing are
// all exercised together. Also checks the table bound.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "payload/pipeline.h"
#include "record_builder.h"

using namespace ibsr::payload;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  PipelineLimits limits;
  limits.maxFlows = 3;
  limits.maxMethods = 3;
  limits.maxSources = 8;
  Pipeline p(limits);
  std::size_t i = 0;
  // Each record: dir/flow byte, flags byte, 2 seq-delta bytes, len byte, capture byte, data.
  std::uint32_t base = 0xfffff000;  // near the wrap
  while (i + 6 <= size) {
    std::uint8_t df = data[i], flags = data[i + 1];
    std::uint32_t delta = static_cast<std::uint32_t>(data[i + 2]) << 8 | data[i + 3];
    std::size_t len = data[i + 4];
    std::uint32_t snap = data[i + 5];
    i += 6;
    len = std::min(len, size - i);
    std::string_view payload(reinterpret_cast<const char*>(data + i), len);
    i += len;
    std::uint8_t dir = df & 1;
    std::uint16_t cport = static_cast<std::uint16_t>(1000 + ((df >> 1) & 7));
    auto r = dir == IBSR_PAYLOAD_DIR_INGRESS
                 ? ibsr::payload::testing::makeRecord(dir, 1, 2, cport, 80, base + delta, flags,
                                                      payload, snap)
                 : ibsr::payload::testing::makeRecord(dir, 2, 1, 80, cport, base + delta * 3, flags,
                                                      payload, snap);
    p.onRecord(r.data(), r.size());
    if (p.flowsTracked() > limits.maxFlows) __builtin_trap();
  }
  p.flushAll();
  (void)p.takeInterval();
  return 0;
}
