// One observed TCP connection to a monitored port: both directions reassembled, framed as
// HTTP, JSON-RPC bodies parsed, and responses paired with requests in order (HTTP/1.1 answers
// requests in the order they were sent, pipelined or not). Results go to the Aggregator.
#pragma once

#include <cstdint>

#include "payload/aggregation.h"
#include "payload/event.h"
#include "payload/fifo.h"
#include "payload/http_stream.h"
#include "payload/jsonrpc.h"
#include "payload/reassembly.h"

namespace ibsr::payload {

struct PipelineStats {
  std::uint64_t events = 0;
  std::uint64_t badEvents = 0;
  std::uint64_t flowsCreated = 0;
  std::uint64_t flowsEvicted = 0;     // LRU, table full
  std::uint64_t flowsIdleClosed = 0;  // idle timeout
  std::uint64_t flowsClosed = 0;      // FIN/RST on both directions
  std::uint64_t ignoredSegments = 0;  // no flow and nothing to start one
  std::uint64_t notJsonBodies = 0;    // request bodies that are not JSON (parse errors)
  std::uint64_t unpairedResponses = 0;
  std::uint64_t droppedPending = 0;  // requests dropped from a full pairing queue
  std::uint64_t pairingResets = 0;   // response stream resynchronised: queue cleared
  ReassemblyStats reassembly;
  HttpStats http;

  // The snapshot's parse_errors: HTTP the parser rejected + request bodies that are not JSON.
  std::uint64_t parseErrors() const { return http.parseErrors + notJsonBodies; }
};

struct PipelineContext {
  Aggregator* aggregator = nullptr;
  JsonRpcParser jsonrpc;
  PipelineStats stats;
};

class Connection : private HttpListener {
 public:
  static constexpr std::size_t kMaxPendingRequests = 256;

  Connection(SourceKey source, PipelineContext* ctx);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // seg.direction says which half it belongs to.
  void segment(const Segment& seg);
  // Idle timeout or eviction: deliver what is buffered and close both halves.
  void flush();
  bool finished() const { return request_.closed() && response_.closed(); }
  // A SYN towards the server that this connection did not start with: a new connection on a
  // reused port pair.
  bool isNewSyn(std::uint32_t seq) const {
    return request_.started() && !request_.startedBySyn(seq);
  }

 private:
  struct Pending {
    RequestSummary summary;
    bool head = false;
  };

  void onMessage(const HttpMessage& m, bool isRequest) override;
  bool nextResponseHasNoBody() override;
  void onResync(bool isRequest) override;
  void onRequest(const HttpMessage& m);
  void onResponse(const HttpMessage& m);

  SourceKey source_;
  PipelineContext* ctx_;
  HttpStream requestHttp_;
  HttpStream responseHttp_;
  Reassembler request_;
  Reassembler response_;
  Fifo<Pending> pending_;
};

}  // namespace ibsr::payload
