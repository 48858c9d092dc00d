// Parses one payload_*.jsonl line (schema payload-v1, docs/collect-payload.md "Artefacts") into a
// PayloadInterval. Like the snapshot parser: simdjson DOM (the whole line is validated), every
// field the analysis uses type- and range-checked, a line that fails any check rejected as a whole
// with a one-line reason naming the field. `kind` and `version` are read first, so a line of
// another kind is malformed (never "an unsupported version") and a payload line of a version we do
// not understand is UnsupportedVersion whatever else it holds.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "report/rpc/rpc_model.h"
#include "report/snapshot_parser.h"

namespace ibsr::report {

inline constexpr uint32_t kPayloadVersion = 1;

class PayloadParser {
 public:
  // `data` must stay readable for `capacity` bytes, capacity >= len + SIMDJSON_PADDING.
  ParseStatus parse(const char* data, size_t len, size_t capacity, PayloadInterval& out);
  const std::string& error() const { return error_; }

 private:
  ParseStatus fail(std::string why);
  ParseStatus parseTop(simdjson::dom::object root, PayloadInterval& out);
  ParseStatus parseSource(simdjson::dom::object obj, PayloadSource& out);
  ParseStatus parseMethod(simdjson::dom::object obj, RpcMethodStats& out);
  ParseStatus checkUniqueSources(const PayloadInterval& out);

  simdjson::dom::parser parser_;
  std::vector<const RpcKey*> keyScratch_;
  std::vector<std::string_view> methodScratch_;
  std::string error_;
};

}  // namespace ibsr::report
