// libFuzzer target for the payload line parser. Any byte string must be parsed or rejected with a
// one-line reason, never crash; kind routing must agree with the parser (a parsed line is a
// payload line); and every accepted line must hold what the schema promises the analysis: version
// 1, a time in range, an interval that does not begin before 1970, unique (address, port) keys.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "report/model.h"
#include "report/rpc/payload_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ibsr::report;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  PayloadInterval p;
  std::string error;
  const bool routed = isPayloadLine(line);
  if (!parsePayloadLine(line, p, error)) {
    if (error.empty() || error.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  if (!error.empty() || !routed) std::abort();
  if (p.version != 1 || p.ts < 0 || p.ts > kMaxTimestamp || p.intervalSec < 0 ||
      p.intervalSec > p.ts || p.stream != 0)
    std::abort();
  std::vector<RpcKey> keys;
  RpcCounts total;
  for (const PayloadSource& s : p.sources) {
    keys.push_back(s.key);
    if (s.counts.expensiveCalls != 0) std::abort();
    for (const RpcMethodStats& m : s.methods)
      if (m.method.empty() || m.method.size() > 64) std::abort();
    total.add(s.counts);
    if (total.requests < s.counts.requests) std::abort();  // saturating, never wrapping
    (void)formatRpcKey(s.key);
  }
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) std::abort();
  return 0;
}
