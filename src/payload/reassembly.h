// In-order reassembly of one direction of one TCP connection from sampled segments.
//
// A segment is (sequence number, payload length, the first bytes of that payload). Bytes the
// kernel did not copy (snaplen, per-flow cap) and bytes of segments that never arrived (lost
// ring-buffer records) are delivered as holes of known length, so the consumer always knows
// the exact stream offset even where it does not know the content.
//
//  - retransmissions (entirely before the next expected byte) are dropped;
//  - overlaps are trimmed to the part after the next expected byte;
//  - segments ahead of the next expected byte wait in a bounded buffer (kMaxPendingSegments,
//    kMaxPendingBytes, and at most kWindowBytes ahead); when it overflows, the missing range up
//    to the first buffered segment becomes a hole ("gap") and delivery continues;
//  - FIN closes the direction once every byte before it was delivered; RST closes at once.
// Sequence numbers are compared modulo 2^32 (RFC 1982 serial arithmetic).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ibsr::payload {

enum class HoleKind { NotCaptured, Lost };

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void onData(std::span<const std::uint8_t> bytes) = 0;
  virtual void onHole(std::uint64_t length, HoleKind kind) = 0;
  virtual void onClose(bool reset) = 0;
};

struct ReassemblyStats {
  std::uint64_t retransmittedSegments = 0;
  std::uint64_t overlapBytes = 0;
  std::uint64_t outOfOrderSegments = 0;
  std::uint64_t gaps = 0;  // holes of lost bytes
  std::uint64_t gapBytes = 0;
  std::uint64_t outOfWindow = 0;  // segments too far ahead: ignored
  std::uint64_t midstreamStarts = 0;
};

class Reassembler {
 public:
  static constexpr std::size_t kMaxPendingSegments = 64;
  static constexpr std::size_t kMaxPendingBytes = 256 * 1024;
  static constexpr std::uint32_t kWindowBytes = 4 * 1024 * 1024;

  explicit Reassembler(ReassemblyStats* stats) : stats_(stats) {}

  // captured.size() <= payloadLen. flags: TCP flags byte.
  void segment(std::uint32_t seq, std::uint32_t payloadLen, std::span<const std::uint8_t> captured,
               std::uint8_t flags, StreamSink& sink);

  // Delivers whatever is buffered, holes in between, and closes (idle timeout, eviction).
  void flush(StreamSink& sink);

  bool closed() const { return closed_; }
  bool started() const { return started_; }
  // True when this direction began with a SYN carrying `seq` (a retransmitted SYN, not a new
  // connection on the same ports).
  bool startedBySyn(std::uint32_t seq) const { return synSeen_ && synSeq_ == seq; }
  std::size_t pendingBytes() const { return pendingBytes_; }

 private:
  struct Pending {
    std::uint32_t seq;
    std::uint32_t length;
    std::vector<std::uint8_t> bytes;  // captured prefix
  };

  void deliver(std::uint32_t seq, std::uint32_t length, std::span<const std::uint8_t> captured,
               StreamSink& sink);
  void drain(StreamSink& sink);
  void skipToFirstPending(StreamSink& sink);
  void checkFin(StreamSink& sink);
  void close(bool reset, StreamSink& sink);

  ReassemblyStats* stats_;
  bool started_ = false;
  bool closed_ = false;
  bool finSeen_ = false;
  bool synSeen_ = false;
  std::uint32_t synSeq_ = 0;
  std::uint32_t next_ = 0;
  std::uint32_t finSeq_ = 0;
  std::vector<Pending> pending_;  // sorted by distance from next_
  std::size_t pendingBytes_ = 0;
};

}  // namespace ibsr::payload
