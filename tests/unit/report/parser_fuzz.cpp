// libFuzzer target for the snapshot line parser. Any byte string must be parsed or rejected with
// a reason, never crash; and the fast path for the collector's canonical layout must agree
// exactly with the general simdjson path on every line (differential check).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "report/snapshot_parser.h"

namespace {

bool same(const ibsr::report::Snapshot& a, const ibsr::report::Snapshot& b) {
  if (a.version != b.version || a.ts != b.ts || a.baseTs != b.baseTs || a.dstPorts != b.dstPorts ||
      a.buckets.size() != b.buckets.size())
    return false;
  for (size_t i = 0; i < a.buckets.size(); ++i) {
    const auto& x = a.buckets[i];
    const auto& y = b.buckets[i];
    if (x.key != y.key || x.counters.syn != y.counters.syn || x.counters.ack != y.counters.ack ||
        x.counters.handshakeAck != y.counters.handshakeAck || x.counters.rst != y.counters.rst ||
        x.counters.packets != y.counters.packets || x.counters.bytes != y.counters.bytes)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ibsr::report;
  static SnapshotParser parser;
  static Snapshot fast, general;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  ParseStatus a = parser.parse(buf.data(), size, buf.size(), fast);
  if (a != ParseStatus::Ok && parser.error().empty()) std::abort();
  ParseStatus b = parser.parseGeneral(buf.data(), size, buf.size(), general);
  if (a != b) std::abort();
  if (a == ParseStatus::Ok) {
    if (!same(fast, general)) std::abort();
    if (fast.version < 3 || fast.version > 7 || fast.ts < 0 || fast.ts > kMaxTimestamp)
      std::abort();
  }
  return 0;
}
