// Stub: filled in by the issue-16 work.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) {
  return 0;
}
