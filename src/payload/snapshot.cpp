#include "payload/snapshot.h"

#include <fmt/format.h>

#include "core/artefacts.h"
#include "core/ip_address.h"

namespace ibsr::payload {
namespace {

// Method names are printable ASCII (sanitised), so only '"' and '\\' need escaping.
void appendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string formatRatio(std::uint64_t num, std::uint64_t den) {
  if (den == 0) return "0";
  // Integer arithmetic so the rounding never depends on floating-point formatting: thousandths,
  // rounded half up. Byte counts of one interval stay far below 2^54, where rem * 1000 could
  // overflow; above that both are scaled down first (precision far beyond 3 decimals remains).
  while (den > (std::uint64_t{1} << 53)) {
    num >>= 1;
    den >>= 1;
  }
  std::uint64_t whole = num / den;
  std::uint64_t frac = (num % den * 1000 + den / 2) / den;
  if (frac == 1000) {
    ++whole;
    frac = 0;
  }
  if (frac == 0) return fmt::format("{}", whole);
  std::string f = fmt::format("{:03}", frac);
  while (f.back() == '0') f.pop_back();
  return fmt::format("{}.{}", whole, f);
}

std::string snapshotLine(const PayloadSnapshot& s) {
  std::string out;
  out.reserve(256 + s.sources.size() * 512);
  fmt::format_to(std::back_inserter(out),
                 "{{\"version\":{},\"kind\":\"payload\",\"ts_unix_sec\":{},\"interval_sec\":{},"
                 "\"dst_ports\":[",
                 artefact::kPayloadVersion, s.tsUnixSec, s.intervalSec);
  for (std::size_t i = 0; i < s.dstPorts.size(); ++i)
    fmt::format_to(std::back_inserter(out), "{}{}", i ? "," : "", s.dstPorts[i]);
  fmt::format_to(std::back_inserter(out),
                 "],\"ringbuf_drops\":{},\"parse_errors\":{},\"sources\":[", s.ringbufDrops,
                 s.parseErrors);
  for (std::size_t i = 0; i < s.sources.size(); ++i) {
    const SourceStats& src = s.sources[i];
    fmt::format_to(
        std::back_inserter(out),
        "{}{{\"src_ip\":\"{}\",\"dst_port\":{},\"requests\":{},\"responses\":{},"
        "\"request_bytes\":{},\"response_bytes\":{},\"amplification\":{},"
        "\"http_status\":{{\"1xx\":{},\"2xx\":{},\"3xx\":{},\"4xx\":{},\"5xx\":{}}},"
        "\"jsonrpc_calls\":{},\"jsonrpc_batches\":{},\"jsonrpc_errors\":{},\"methods\":[",
        i ? "," : "", src.key.ip.toString(), src.key.port, src.requests, src.responses,
        src.requestBytes, src.responseBytes, formatRatio(src.responseBytes, src.requestBytes),
        src.statusClasses[0], src.statusClasses[1], src.statusClasses[2], src.statusClasses[3],
        src.statusClasses[4], src.jsonrpcCalls, src.jsonrpcBatches, src.jsonrpcErrors);
    for (std::size_t j = 0; j < src.methods.size(); ++j) {
      const MethodStats& m = src.methods[j];
      out += j ? ",{\"method\":" : "{\"method\":";
      appendJsonString(out, m.method);
      fmt::format_to(std::back_inserter(out),
                     ",\"calls\":{},\"request_bytes\":{},\"response_bytes\":{}}}", m.calls,
                     m.requestBytes, m.responseBytes);
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

}  // namespace ibsr::payload
