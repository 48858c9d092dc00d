// The connections being reassembled, bounded: at most maxFlows, least recently active evicted
// first (its buffered bytes are delivered with holes, then it is closed), and connections idle
// for idleTimeout are closed the same way. A connection whose two directions have both closed
// (FIN/RST) is removed at once.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>

#include "payload/connection.h"

namespace ibsr::payload {

struct FlowKey {
  std::uint32_t clientIp = 0;
  std::uint32_t serverIp = 0;
  std::uint16_t clientPort = 0;
  std::uint16_t serverPort = 0;
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const {
    std::uint64_t a = (static_cast<std::uint64_t>(k.clientIp) << 32) | k.serverIp;
    std::uint64_t b = (static_cast<std::uint64_t>(k.clientPort) << 16) | k.serverPort;
    std::uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
    h ^= h >> 29;
    return static_cast<std::size_t>(h * 0xBF58476D1CE4E5B9ull);
  }
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
