#include "payload/flow_table.h"

#include <cstring>

namespace ibsr::payload {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h ^= h >> 29;
  return h * 0xBF58476D1CE4E5B9ull;
}

std::uint64_t mixAddress(std::uint64_t h, const IpAddress& a) {
  std::uint64_t hi, lo;
  std::memcpy(&hi, a.bytes().data(), 8);
  std::memcpy(&lo, a.bytes().data() + 8, 8);
  return mix(mix(mix(h, static_cast<std::uint64_t>(a.family())), hi), lo);
}

}  // namespace

std::size_t FlowKeyHash::operator()(const FlowKey& k) const {
  std::uint64_t h = mixAddress(mixAddress(0x632BE59BD9B4E019ull, k.clientIp), k.serverIp);
  h = mix(h, (static_cast<std::uint64_t>(k.clientPort) << 16) | k.serverPort);
  return static_cast<std::size_t>(h ^ (h >> 31));
}

FlowTable::FlowTable(std::size_t maxFlows, std::uint64_t idleTimeoutNs, PipelineContext* ctx)
    : maxFlows_(maxFlows), idleTimeoutNs_(idleTimeoutNs), ctx_(ctx) {
  index_.reserve(maxFlows < 65536 ? maxFlows : 65536);
}

void FlowTable::erase(List::iterator it) {
  index_.erase(it->key);
  lru_.erase(it);
}

void FlowTable::process(const Segment& seg) {
  bool ingress = seg.direction == IBSR_PAYLOAD_DIR_INGRESS;
  FlowKey key = ingress ? FlowKey{seg.srcIp, seg.dstIp, seg.srcPort, seg.dstPort}
                        : FlowKey{seg.dstIp, seg.srcIp, seg.dstPort, seg.srcPort};
  auto found = index_.find(key);
  bool syn = (seg.tcpFlags & (IBSR_TCP_SYN | IBSR_TCP_ACK)) == IBSR_TCP_SYN;
  if (found != index_.end() && ingress && syn && found->second->conn.isNewSyn(seg.seq)) {
    // A new connection on a reused port pair: the old one is over.
    found->second->conn.flush();
    erase(found->second);
    found = index_.end();
  }
  List::iterator it;
  if (found == index_.end()) {
    // Only a SYN or data can start tracking; a stray FIN/RST of a finished connection cannot.
    if (seg.payloadLen == 0 && !(seg.tcpFlags & IBSR_TCP_SYN)) {
      ++ctx_->stats.ignoredSegments;
      return;
    }
    if (index_.size() >= maxFlows_) {
      auto victim = std::prev(lru_.end());
      victim->conn.flush();
      erase(victim);
      ++ctx_->stats.flowsEvicted;
    }
    lru_.emplace_front(key, seg.tsNs, SourceKey{key.clientIp, key.serverPort}, ctx_);
    it = lru_.begin();
    index_.emplace(key, it);
    ++ctx_->stats.flowsCreated;
  } else {
    it = found->second;
    if (it != lru_.begin()) lru_.splice(lru_.begin(), lru_, it);
    it->lastSeenNs = seg.tsNs;
  }
  it->conn.segment(seg);
  if (it->conn.finished()) {
    ++ctx_->stats.flowsClosed;
    erase(it);
  }
}

void FlowTable::expireIdle(std::uint64_t nowNs) {
  while (!lru_.empty()) {
    auto last = std::prev(lru_.end());
    if (last->lastSeenNs + idleTimeoutNs_ > nowNs) break;
    last->conn.flush();
    erase(last);
    ++ctx_->stats.flowsIdleClosed;
  }
}

void FlowTable::flushAll() {
  while (!lru_.empty()) {
    lru_.front().conn.flush();
    erase(lru_.begin());
  }
}

}  // namespace ibsr::payload
