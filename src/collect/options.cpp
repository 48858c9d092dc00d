#include "collect/options.h"

#include <fmt/format.h>
#include <algorithm>

namespace ibsr::collect {

Status validatePorts(CollectOptions& o) {
  if (o.ports.empty()) return plainError("at least one --dst-port is required");
  if (o.ports.size() > IBSR_MAX_PORTS)
    return plainError(
        fmt::format("--dst-port: at most {} ports, got {}", IBSR_MAX_PORTS, o.ports.size()));
  std::vector<std::uint16_t> ports;
  for (int p : o.ports) {
    if (p < 1 || p > 65535)
      return plainError(fmt::format("--dst-port: {} is not a port (1..65535)", p));
    ports.push_back(static_cast<std::uint16_t>(p));
  }
  std::sort(ports.begin(), ports.end());
  auto dup = std::adjacent_find(ports.begin(), ports.end());
  if (dup != ports.end()) return plainError(fmt::format("--dst-port: {} given twice", *dup));
  o.dstPorts = std::move(ports);
  return {};
}

RotationPolicy retentionPolicy(const CollectOptions& o) {
  RotationPolicy policy;
  policy.prefix = artefact::kSnapshotPrefix;
  policy.maxFiles = o.maxFiles;
  policy.maxAgeSec = o.maxAgeSec;
  policy.exportState = o.exportState;
  policy.maxDiskBytes = o.maxDiskBytes;
  policy.compressLevel = o.compressClosed ? o.compressLevel : 0;
  return policy;
}

}  // namespace ibsr::collect
