// Fuzzes the HTTP framing + JSON-RPC path of one connection: the input is split into request
// and response streams and delivered in chunks with holes, in the same shapes the reassembler
// produces. Everything must be memory-safe and the byte accounting consistent.
#include <cstddef>
#include <cstdint>
#include <span>

#include "payload/aggregation.h"
#include "payload/connection.h"
#include "payload/event.h"

using namespace ibsr::payload;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Aggregator agg(4, 16);
  PipelineContext ctx;
  ctx.aggregator = &agg;
  Connection conn({ibsr::IpAddress::fromV4(1), 80}, &ctx);
  // Each op: [control byte][len byte][len bytes]. control bit0: direction, bit1: a hole of
  // `len` instead of data, bit2: SYN first, bit3: FIN.
  std::uint32_t seq[2] = {1000, 9000};
  bool started[2] = {false, false};
  std::size_t i = 0;
  while (i + 2 <= size) {
    std::uint8_t ctl = data[i];
    std::size_t len = data[i + 1];
    i += 2;
    int d = ctl & 1;
    Segment s;
    s.direction = static_cast<std::uint8_t>(d);
    if (!started[d]) {
      s.seq = seq[d] - 1;
      s.tcpFlags = 0x02;
      conn.segment(s);
      started[d] = true;
    }
    s.tcpFlags = (ctl & 8) ? 0x01 : 0;
    s.seq = seq[d];
    if (ctl & 2) {
      s.payloadLen = static_cast<std::uint32_t>(len * 37);
      s.data = {};
    } else {
      len = std::min(len, size - i);
      s.payloadLen = static_cast<std::uint32_t>(len);
      s.data = {data + i, len};
      i += len;
    }
    seq[d] += s.payloadLen;
    conn.segment(s);
  }
  conn.flush();
  auto sources = agg.take();
  for (const auto& src : sources) {
    std::uint64_t calls = 0;
    for (const auto& m : src.methods) calls += m.calls;
    if (calls != src.jsonrpcCalls) __builtin_trap();
  }
  return 0;
}
