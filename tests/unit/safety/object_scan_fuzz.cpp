// libFuzzer: the object scan (and, on the same bytes as text, the source scan) must never crash,
// hang or read out of bounds on arbitrary input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "safety/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  ibsr::safety::ScanLimits limits;
  limits.maxSteps = 200'000;  // keeps each input fast under ASan; the limit itself is a violation
  for (auto mode :
       {ibsr::safety::Mode::Strict, ibsr::safety::Mode::Payload, ibsr::safety::Mode::Incident}) {
    auto report = ibsr::safety::analyzeObject(bytes, mode, limits);
    if (report.ok()) {
      for (const auto& v : report->violations) (void)v.format();
    }
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const auto& v : ibsr::safety::scanSource(text, mode)) (void)v.format();
  }
  return 0;
}
