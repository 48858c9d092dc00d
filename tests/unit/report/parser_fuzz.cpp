// libFuzzer target: any byte string as one snapshot line must be parsed or rejected, never crash,
// and an accepted snapshot must satisfy the parser's promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "report/snapshot_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ibsr::report::SnapshotParser parser;
  static ibsr::report::Snapshot snap;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  auto st = parser.parse(buf.data(), size, buf.size(), snap);
  if (st == ibsr::report::ParseStatus::Ok) {
    if (snap.version < 3 || snap.version > 7 || snap.ts < 0 || snap.ts > ibsr::report::kMaxTimestamp) std::abort();
    for (size_t i = 1; i < snap.buckets.size(); ++i)
      if (snap.buckets[i].key == snap.buckets[i - 1].key) std::abort();
  } else if (parser.error().empty()) {
    std::abort();
  }
  return 0;
}
