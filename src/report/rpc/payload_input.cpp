#include "report/rpc/payload_input.h"

#include <optional>
#include <string_view>

#include "report/line_merger.h"
#include "report/model.h"
#include "report/rpc/payload_parser.h"
#include "report/snapshot_parser.h"

namespace ibsr::report {
namespace {

// Payload lines for the shared merger. A counter snapshot line that strays into a payload file is
// named as such; the snapshot parser is asked only about lines the payload parser refused.
struct PayloadFormat {
  using Record = PayloadInterval;
  using Quality = PayloadQuality;
  static constexpr InputKind kKind = InputKind::Payload;
  static constexpr std::string_view kNoun = "payload line";

  ParseStatus parse(const Line& line, PayloadInterval& out) {
    ParseStatus st = parser.parse(line.data, line.size, line.capacity, out);
    mismatch = st != ParseStatus::Ok && isCounterLine(line);
    return mismatch ? ParseStatus::Malformed : st;
  }
  std::string_view error() const {
    return mismatch ? std::string_view("a counter snapshot line in a payload file")
                    : std::string_view(parser.error());
  }
  static int64_t ts(const PayloadInterval& p) { return p.ts; }
  static const std::string& runId(const PayloadInterval&) {
    static const std::string kNone;  // payload lines carry no run_id: one stream per directory part
    return kNone;
  }
  static void setStream(PayloadInterval& p, uint32_t stream) { p.stream = stream; }
  static uint64_t& delivered(PayloadQuality& q) { return q.intervals; }

  bool isCounterLine(const Line& line) {
    if (isPayloadLine(std::string_view(line.data, line.size))) return false;
    if (!counters) counters.emplace();
    Snapshot scratch;
    return counters->parse(line.data, line.size, line.capacity, scratch) == ParseStatus::Ok;
  }

  PayloadParser parser;
  std::optional<SnapshotParser> counters;  // only once a line is refused
  bool mismatch = false;
};

}  // namespace

Status ingestPayload(const std::vector<InputFile>& files, const IngestOptions& options,
                     PayloadQuality& quality,
                     const std::function<void(const PayloadInterval&)>& sink) {
  LineMerger<PayloadFormat> merger(files, options, quality);
  return merger.run([&](const PayloadInterval& p) {
    quality.ringbufDrops = satAdd(quality.ringbufDrops, p.ringbufDrops);
    if (p.ringbufDrops > 0) ++quality.intervalsWithDrops;
    quality.parseErrors = satAdd(quality.parseErrors, p.parseErrors);
    sink(p);
  });
}

}  // namespace ibsr::report
