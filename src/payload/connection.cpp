#include "payload/connection.h"

namespace ibsr::payload {

Connection::Connection(SourceKey source, PipelineContext* ctx)
    : source_(source),
      ctx_(ctx),
      requestHttp_(true, this, &ctx->stats.http),
      responseHttp_(false, this, &ctx->stats.http),
      request_(&ctx->stats.reassembly),
      response_(&ctx->stats.reassembly) {}

void Connection::segment(const Segment& seg) {
  bool ingress = seg.direction == IBSR_PAYLOAD_DIR_INGRESS;
  Reassembler& half = ingress ? request_ : response_;
  HttpStream& http = ingress ? requestHttp_ : responseHttp_;
  half.segment(seg.seq, seg.payloadLen, seg.data, seg.tcpFlags, http);
  if (seg.tcpFlags & IBSR_TCP_RST) {
    // A reset ends both directions; what the other side had in flight is lost.
    Reassembler& other = ingress ? response_ : request_;
    other.segment(0, 0, {}, IBSR_TCP_RST, ingress ? responseHttp_ : requestHttp_);
  }
}

void Connection::flush() {
  request_.flush(requestHttp_);
  response_.flush(responseHttp_);
}

void Connection::onMessage(const HttpMessage& m, bool isRequest) {
  if (isRequest)
    onRequest(m);
  else
    onResponse(m);
}

void Connection::onRequest(const HttpMessage& m) {
  Pending p;
  p.summary.bytes = m.bytes;
  p.head = m.method == HTTP_HEAD;
  if (m.bodyComplete && m.body) {
    RpcRequest rpc = ctx_->jsonrpc.parseRequest(*m.body);
    if (rpc.kind == BodyKind::NotJson) ++ctx_->stats.notJsonBodies;
    p.summary.batch = rpc.kind == BodyKind::Batch;
    for (auto& c : rpc.calls) p.summary.methods.push_back(std::move(c.method));
  }
  ctx_->aggregator->onRequest(source_, p.summary);
  if (pending_.size() >= kMaxPendingRequests) {
    pending_.pop_front();
    ++ctx_->stats.droppedPending;
  }
  pending_.push_back(std::move(p));
}

void Connection::onResponse(const HttpMessage& m) {
  // Interim responses (100 Continue, 103 Early Hints) precede the final one for the same
  // request; 101 Switching Protocols is final.
  bool interim = m.status >= 100 && m.status < 200 && m.status != 101;
  if (interim || pending_.empty()) {
    if (!interim) ++ctx_->stats.unpairedResponses;
    ctx_->aggregator->onResponse(source_, m.bytes, m.status, nullptr, 0);
    return;
  }
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  std::uint32_t errors = 0;
  if (!p.summary.methods.empty() && m.bodyComplete && m.body)
    errors = ctx_->jsonrpc.parseResponse(*m.body).errors;
  ctx_->aggregator->onResponse(source_, m.bytes, m.status, &p.summary, errors);
}

bool Connection::nextResponseHasNoBody() {
  return !pending_.empty() && pending_.front().head;
}

void Connection::onResync(bool isRequest) {
  if (isRequest) return;
  // Responses were lost in the gap: which requests they answered is unknown, so none of the
  // waiting requests is paired any more (their calls were counted already).
  if (!pending_.empty()) ++ctx_->stats.pairingResets;
  pending_.clear();
}

}  // namespace ibsr::payload
