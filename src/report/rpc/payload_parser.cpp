#include "report/rpc/payload_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>

#include "report/model.h"
#include "report/rpc/payload_input.h"

namespace ibsr::report {
namespace {

using simdjson::dom::element;

// The members of one object that the schema names, by position in `names`. Members not named are
// skipped (fields a later collector may add); a named member given twice is an error, as it would
// make the line ambiguous.
template <size_t N>
struct Members {
  const std::array<std::string_view, N>& names;
  std::array<element, N> values{};
  std::array<bool, N> seen{};

  // Empty on success, else the reason.
  std::string read(simdjson::dom::object obj) {
    for (simdjson::dom::key_value_pair kv : obj) {
      for (size_t i = 0; i < N; ++i) {
        if (kv.key != names[i]) continue;
        if (seen[i]) return fmt::format("duplicate field \"{}\"", names[i]);
        seen[i] = true;
        values[i] = kv.value;
        break;
      }
    }
    for (size_t i = 0; i < N; ++i)
      if (!seen[i]) return fmt::format("missing \"{}\"", names[i]);
    return {};
  }
};

bool getU64(element v, uint64_t& out) {
  return v.get_uint64().get(out) == simdjson::SUCCESS;
}

std::string notU64(std::string_view field) {
  return fmt::format("\"{}\" is not an unsigned 64-bit integer", field);
}

bool getPort(element v, uint16_t& out) {
  uint64_t n = 0;
  if (!getU64(v, n) || n > 65535) return false;
  out = uint16_t(n);
  return true;
}

// The collector's sanitised method names: 1..64 printable ASCII bytes (docs/collect-payload.md).
// Anything else did not come from it, and would reach every output's text.
bool isMethodName(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

constexpr std::array<std::string_view, 8> kTop = {"version",      "kind",      "ts_unix_sec",
                                                  "interval_sec", "dst_ports", "ringbuf_drops",
                                                  "parse_errors", "sources"};
enum Top { kVersion, kKind, kTs, kInterval, kDstPorts, kRingbufDrops, kParseErrors, kSources };

// "amplification" is not read: the analysis recomputes it from the bytes, exactly.
constexpr std::array<std::string_view, 11> kSource = {
    "src_ip",          "dst_port",       "requests",    "responses",
    "request_bytes",   "response_bytes", "http_status", "jsonrpc_calls",
    "jsonrpc_batches", "jsonrpc_errors", "methods"};
enum Src {
  kSrcIp,
  kDstPort,
  kRequests,
  kResponses,
  kRequestBytes,
  kResponseBytes,
  kHttpStatus,
  kCalls,
  kBatches,
  kErrors,
  kMethods
};

constexpr std::array<std::string_view, 5> kStatus = {"1xx", "2xx", "3xx", "4xx", "5xx"};

constexpr std::array<std::string_view, 4> kMethod = {"method", "calls", "request_bytes",
                                                     "response_bytes"};

}  // namespace

ParseStatus PayloadParser::fail(std::string why) {
  error_ = std::move(why);
  return ParseStatus::Malformed;
}

ParseStatus PayloadParser::parse(const char* data, size_t len, size_t capacity,
                                 PayloadInterval& out) {
  out = PayloadInterval{};
  error_.clear();
  if (capacity < len + simdjson::SIMDJSON_PADDING) return fail("internal: unpadded line");
  element doc;
  auto err = parser_.parse(reinterpret_cast<const uint8_t*>(data), len, false).get(doc);
  if (err) return fail(fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return fail("line is not a JSON object");

  // Kind first: a counter snapshot line (no kind, version 3..7) is not a payload line of an
  // unknown version.
  element v;
  std::string_view kind;
  if (root["kind"].get(v) != simdjson::SUCCESS) return fail("missing \"kind\"");
  if (v.get_string().get(kind) != simdjson::SUCCESS) return fail("\"kind\" is not a string");
  if (kind != "payload") return fail("\"kind\" is not \"payload\"");
  uint64_t version = 0;
  if (root["version"].get(v) != simdjson::SUCCESS) return fail("missing \"version\"");
  if (!getU64(v, version)) return fail("\"version\" is not an unsigned integer");
  if (version != kPayloadVersion) {
    error_ = fmt::format("unsupported payload schema version {} (supported: {})", version,
                         kPayloadVersion);
    return ParseStatus::UnsupportedVersion;
  }
  out.version = uint32_t(version);
  return parseTop(root, out);
}

ParseStatus PayloadParser::parseTop(simdjson::dom::object root, PayloadInterval& out) {
  Members<kTop.size()> m{kTop};
  if (std::string why = m.read(root); !why.empty()) return fail(std::move(why));
  uint64_t ts = 0, interval = 0;
  if (!getU64(m.values[kTs], ts) || ts > uint64_t(kMaxTimestamp))
    return fail(fmt::format("\"ts_unix_sec\" is not a Unix time in 0..{}", kMaxTimestamp));
  if (!getU64(m.values[kInterval], interval)) return fail(notU64("interval_sec"));
  // [ts - interval_sec, ts] must be a time the analysis can hold: no interval before 1970.
  if (interval > ts) return fail("\"interval_sec\" is larger than \"ts_unix_sec\"");
  out.ts = int64_t(ts);
  out.intervalSec = int64_t(interval);
  simdjson::dom::array arr;
  if (m.values[kDstPorts].get_array().get(arr) != simdjson::SUCCESS)
    return fail("\"dst_ports\" is not an array");
  for (element e : arr) {
    uint16_t port = 0;
    if (!getPort(e, port)) return fail("\"dst_ports\" holds a value that is not a port number");
    out.dstPorts.push_back(port);
  }
  if (!getU64(m.values[kRingbufDrops], out.ringbufDrops)) return fail(notU64("ringbuf_drops"));
  if (!getU64(m.values[kParseErrors], out.parseErrors)) return fail(notU64("parse_errors"));
  if (m.values[kSources].get_array().get(arr) != simdjson::SUCCESS)
    return fail("\"sources\" is not an array");
  out.sources.reserve(arr.size());
  for (element e : arr) {
    const size_t index = out.sources.size();
    simdjson::dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS)
      return fail(fmt::format("source {} is not an object", index));
    if (parseSource(obj, out.sources.emplace_back()) != ParseStatus::Ok)
      return fail(fmt::format("source {}: {}", index, error_));
  }
  return checkUniqueSources(out);
}

ParseStatus PayloadParser::parseSource(simdjson::dom::object obj, PayloadSource& out) {
  Members<kSource.size()> m{kSource};
  if (std::string why = m.read(obj); !why.empty()) return fail(std::move(why));
  std::string_view text;
  if (m.values[kSrcIp].get_string().get(text) != simdjson::SUCCESS)
    return fail("\"src_ip\" is not a string");
  auto address = IpAddress::parse(text);
  if (!address) return fail("\"src_ip\" is not an IPv4 or IPv6 address");
  out.key.address = *address;
  if (!getPort(m.values[kDstPort], out.key.port))
    return fail("\"dst_port\" is not an integer in 0..65535");
  RpcCounts& c = out.counts;
  const std::pair<Src, uint64_t*> counts[] = {
      {kRequests, &c.requests},         {kResponses, &c.responses},
      {kRequestBytes, &c.requestBytes}, {kResponseBytes, &c.responseBytes},
      {kCalls, &c.jsonrpcCalls},        {kBatches, &c.jsonrpcBatches},
      {kErrors, &c.jsonrpcErrors}};
  for (auto [field, target] : counts)
    if (!getU64(m.values[field], *target)) return fail(notU64(kSource[field]));

  simdjson::dom::object status;
  if (m.values[kHttpStatus].get_object().get(status) != simdjson::SUCCESS)
    return fail("\"http_status\" is not an object");
  Members<kStatus.size()> s{kStatus};
  if (std::string why = s.read(status); !why.empty())
    return fail(fmt::format("\"http_status\": {}", why));
  for (size_t i = 0; i < kStatus.size(); ++i)
    if (!getU64(s.values[i], c.httpStatus[i]))
      return fail(fmt::format("\"http_status\": {}", notU64(kStatus[i])));

  simdjson::dom::array methods;
  if (m.values[kMethods].get_array().get(methods) != simdjson::SUCCESS)
    return fail("\"methods\" is not an array");
  out.methods.reserve(methods.size());
  methodScratch_.clear();
  for (element e : methods) {
    const size_t index = out.methods.size();
    simdjson::dom::object method;
    if (e.get_object().get(method) != simdjson::SUCCESS)
      return fail(fmt::format("method {} is not an object", index));
    if (parseMethod(method, out.methods.emplace_back()) != ParseStatus::Ok)
      return fail(fmt::format("method {}: {}", index, error_));
    methodScratch_.push_back(out.methods.back().method);
  }
  // One entry per name: two would leave the method's share ambiguous.
  std::sort(methodScratch_.begin(), methodScratch_.end());
  auto dup = std::adjacent_find(methodScratch_.begin(), methodScratch_.end());
  if (dup != methodScratch_.end()) return fail(fmt::format("duplicate method \"{}\"", *dup));
  return ParseStatus::Ok;
}

ParseStatus PayloadParser::parseMethod(simdjson::dom::object obj, RpcMethodStats& out) {
  Members<kMethod.size()> m{kMethod};
  if (std::string why = m.read(obj); !why.empty()) return fail(std::move(why));
  std::string_view name;
  if (m.values[0].get_string().get(name) != simdjson::SUCCESS || !isMethodName(name))
    return fail("\"method\" is not a string of 1..64 printable ASCII characters");
  out.method.assign(name);
  if (!getU64(m.values[1], out.calls)) return fail(notU64("calls"));
  if (!getU64(m.values[2], out.requestBytes)) return fail(notU64("request_bytes"));
  if (!getU64(m.values[3], out.responseBytes)) return fail(notU64("response_bytes"));
  return ParseStatus::Ok;
}

// The collector writes sources sorted by (address, port), so one pass usually proves the keys
// unique; otherwise a sorted copy decides. Two entries for one key would make its counts
// ambiguous (added twice, or one of them lost).
ParseStatus PayloadParser::checkUniqueSources(const PayloadInterval& out) {
  bool sorted = true;
  for (size_t i = 1; i < out.sources.size() && sorted; ++i)
    sorted = out.sources[i - 1].key < out.sources[i].key;
  if (sorted) return ParseStatus::Ok;
  keyScratch_.clear();
  for (const PayloadSource& s : out.sources) keyScratch_.push_back(&s.key);
  std::sort(keyScratch_.begin(), keyScratch_.end(),
            [](const RpcKey* a, const RpcKey* b) { return *a < *b; });
  auto dup = std::adjacent_find(keyScratch_.begin(), keyScratch_.end(),
                                [](const RpcKey* a, const RpcKey* b) { return *a == *b; });
  if (dup != keyScratch_.end())
    return fail(fmt::format("duplicate source {}", formatRpcKey(**dup)));
  return ParseStatus::Ok;
}

bool isPayloadLine(std::string_view line) {
  // Counter snapshot lines have no "kind" member, and inside a JSON string every '"' is escaped,
  // so `"kind"` followed by ':' is a member name wherever it appears. Payload lines carry it
  // second (after "version"), so the search ends within a few bytes.
  constexpr std::string_view kKey = "\"kind\"";
  constexpr std::string_view kValue = "\"payload\"";
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  for (size_t at = line.find(kKey); at != std::string_view::npos; at = line.find(kKey, at + 1)) {
    if (at > 0 && line[at - 1] == '\\') continue;
    size_t i = at + kKey.size();
    while (i < line.size() && space(line[i])) ++i;
    if (i >= line.size() || line[i] != ':') continue;
    ++i;
    while (i < line.size() && space(line[i])) ++i;
    return line.substr(i, kValue.size()) == kValue;
  }
  return false;
}

bool parsePayloadLine(std::string_view line, PayloadInterval& out, std::string& error) {
  thread_local PayloadParser parser;
  simdjson::padded_string padded(line);
  ParseStatus st =
      parser.parse(padded.data(), line.size(), padded.size() + simdjson::SIMDJSON_PADDING, out);
  error = st == ParseStatus::Ok ? std::string() : parser.error();
  return st == ParseStatus::Ok;
}

}  // namespace ibsr::report
