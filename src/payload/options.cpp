#include "payload/options.h"

#include <fmt/format.h>

namespace ibsr::payload {

Status validateRingbufSize(std::uint64_t bytes) {
  if (bytes < kMinRingbufBytes || bytes > kMaxRingbufBytes || (bytes & (bytes - 1)) != 0)
    return plainError(
        fmt::format("--ringbuf-bytes: {} is not a power of two between {} and {} bytes", bytes,
                    kMinRingbufBytes, kMaxRingbufBytes));
  return {};
}

}  // namespace ibsr::payload
