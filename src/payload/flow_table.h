// The connections being reassembled, bounded: at most maxFlows, least recently active evicted
// first (its buffered bytes are delivered with holes, then it is closed), and connections idle
// for idleTimeout are closed the same way. A connection whose two directions have both closed
// (FIN/RST) is removed at once.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>

#include "core/ip_address.h"
#include "payload/connection.h"

namespace ibsr::payload {

struct FlowKey {
  IpAddress clientIp;
  IpAddress serverIp;
  std::uint16_t clientPort = 0;
  std::uint16_t serverPort = 0;
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

// Mixes both families' 16 address bytes (IPv4 leaves 12 of them zero) with the family, so an
// IPv4 flow and the IPv6 flow of the same leading bytes hash apart.
struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const;
};

class FlowTable {
 public:
  FlowTable(std::size_t maxFlows, std::uint64_t idleTimeoutNs, PipelineContext* ctx);

  void process(const Segment& seg);
  // Closes connections idle since before nowNs - idleTimeout (nowNs: CLOCK_MONOTONIC ns, the
  // clock of the kernel's timestamps).
  void expireIdle(std::uint64_t nowNs);
  // Shutdown: delivers and closes everything.
  void flushAll();

  std::size_t size() const { return index_.size(); }

 private:
  struct Entry {
    FlowKey key;
    std::uint64_t lastSeenNs;
    Connection conn;
    Entry(FlowKey k, std::uint64_t ts, SourceKey src, PipelineContext* ctx)
        : key(k), lastSeenNs(ts), conn(src, ctx) {}
  };
  using List = std::list<Entry>;

  void erase(List::iterator it);

  std::size_t maxFlows_;
  std::uint64_t idleTimeoutNs_;
  PipelineContext* ctx_;
  List lru_;  // most recently active first
  std::unordered_map<FlowKey, List::iterator, FlowKeyHash> index_;
};

}  // namespace ibsr::payload
