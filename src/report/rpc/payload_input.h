// Payload input (payload_*.jsonl[.gz|.zst], docs/collect-payload.md): line parsing and the
// time-ordered merge of payload files into streams, the application-layer counterpart of
// report/input_set.h (same IngestOptions, same stream rules: one directory, cut into parts when
// its files overlap in time).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "report/input_set.h"
#include "report/rpc/rpc_model.h"

namespace ibsr::report {

// Whether a line is a payload line ("kind":"payload"); counter snapshot lines carry no kind. A
// substring check, not a parse: it routes a line, the parser then judges it.
bool isPayloadLine(std::string_view line);

// Parses one payload line (schema payload-v1, version 1). On failure returns false and sets
// `error` to a one-line reason; `out` is then unspecified.
bool parsePayloadLine(std::string_view line, PayloadInterval& out, std::string& error);

// Calls `sink` for every valid payload line of `files` (those with kind Payload; the others are
// ingest()'s) in timestamp order (ties by file, then line), each tagged with its payload stream.
// Fails on unreadable files and on unsupported versions, as ingest() does. Fills every count of
// `quality` but sourcesOutsidePorts (the analysis's), zero-duration intervals and the collector's
// ringbuf_drops and parse_errors included.
Status ingestPayload(const std::vector<InputFile>& files, const IngestOptions& options,
                     PayloadQuality& quality,
                     const std::function<void(const PayloadInterval&)>& sink);

}  // namespace ibsr::report
