#include "payload/reassembly.h"

#include <algorithm>

#include "ibsr_abi.h"

namespace ibsr::payload {
namespace {

// Signed distance from b to a modulo 2^32.
std::int32_t seqDiff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}

}  // namespace

void Reassembler::segment(std::uint32_t seq, std::uint32_t payloadLen,
                          std::span<const std::uint8_t> captured, std::uint8_t flags,
                          StreamSink& sink) {
  if (closed_) return;
  if (flags & IBSR_TCP_RST) {
    close(true, sink);
    return;
  }
  if (flags & IBSR_TCP_SYN) {
    // The SYN occupies one sequence number; data (TCP Fast Open) starts after it.
    if (!started_) {
      started_ = true;
      synSeen_ = true;
      synSeq_ = seq;
      next_ = seq + 1;
    }
    seq += 1;
  }
  if (!started_) {
    if (payloadLen == 0 && !(flags & IBSR_TCP_FIN)) return;
    // The SYN was missed (collector started mid-connection, or its record was dropped).
    started_ = true;
    next_ = seq;
    ++stats_->midstreamStarts;
  }
  if ((flags & IBSR_TCP_FIN) && !finSeen_) {
    finSeen_ = true;
    finSeq_ = seq + payloadLen;
  }
  if (payloadLen > 0) {
    std::int32_t d = seqDiff(seq, next_);
    std::int64_t end = static_cast<std::int64_t>(d) + payloadLen;
    if (end <= 0) {
      ++stats_->retransmittedSegments;
    } else if (d <= 0) {
      std::uint32_t trim = static_cast<std::uint32_t>(-d);
      if (trim > 0) stats_->overlapBytes += trim;
      captured = captured.subspan(std::min<std::size_t>(trim, captured.size()));
      deliver(next_, payloadLen - trim, captured, sink);
      drain(sink);
    } else if (static_cast<std::uint32_t>(d) > kWindowBytes) {
      ++stats_->outOfWindow;
    } else {
      ++stats_->outOfOrderSegments;
      auto pos = std::lower_bound(
          pending_.begin(), pending_.end(), d,
          [this](const Pending& p, std::int32_t dist) { return seqDiff(p.seq, next_) < dist; });
      if (pos != pending_.end() && pos->seq == seq) {
        // Same start twice: keep the longer copy.
        if (payloadLen > pos->length) {
          pendingBytes_ -= pos->bytes.size();
          pos->length = payloadLen;
          pos->bytes.assign(captured.begin(), captured.end());
          pendingBytes_ += pos->bytes.size();
        }
      } else {
        pending_.insert(pos, Pending{seq, payloadLen, {captured.begin(), captured.end()}});
        pendingBytes_ += captured.size();
      }
      while (pending_.size() > kMaxPendingSegments || pendingBytes_ > kMaxPendingBytes)
        skipToFirstPending(sink);
    }
  }
  checkFin(sink);
}

void Reassembler::deliver(std::uint32_t seq, std::uint32_t length,
                          std::span<const std::uint8_t> captured, StreamSink& sink) {
  (void)seq;
  if (!captured.empty()) sink.onData(captured);
  if (length > captured.size()) sink.onHole(length - captured.size(), HoleKind::NotCaptured);
  next_ += length;
}

void Reassembler::drain(StreamSink& sink) {
  std::size_t used = 0;
  while (used < pending_.size()) {
    Pending& p = pending_[used];
    std::int32_t d = seqDiff(p.seq, next_);
    if (d > 0) break;
    std::int64_t end = static_cast<std::int64_t>(d) + p.length;
    if (end > 0) {
      std::uint32_t trim = static_cast<std::uint32_t>(-d);
      if (trim > 0) stats_->overlapBytes += trim;
      std::span<const std::uint8_t> bytes(p.bytes);
      deliver(next_, p.length - trim, bytes.subspan(std::min<std::size_t>(trim, bytes.size())),
              sink);
    } else {
      ++stats_->retransmittedSegments;
    }
    pendingBytes_ -= p.bytes.size();
    ++used;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
}

void Reassembler::skipToFirstPending(StreamSink& sink) {
  if (pending_.empty()) return;
  std::int32_t d = seqDiff(pending_.front().seq, next_);
  if (d > 0) {
    ++stats_->gaps;
    stats_->gapBytes += static_cast<std::uint32_t>(d);
    sink.onHole(static_cast<std::uint32_t>(d), HoleKind::Lost);
    next_ += static_cast<std::uint32_t>(d);
  }
  drain(sink);
}

void Reassembler::checkFin(StreamSink& sink) {
  if (closed_ || !finSeen_) return;
  std::int32_t d = seqDiff(finSeq_, next_);
  if (d == 0) {
    close(false, sink);
  } else if (d < 0) {
    // Data beyond the FIN: inconsistent; close at what we have.
    close(false, sink);
  }
}

void Reassembler::flush(StreamSink& sink) {
  if (closed_) return;
  while (!pending_.empty()) skipToFirstPending(sink);
  if (finSeen_) {
    std::int32_t d = seqDiff(finSeq_, next_);
    if (d > 0) {
      ++stats_->gaps;
      stats_->gapBytes += static_cast<std::uint32_t>(d);
      sink.onHole(static_cast<std::uint32_t>(d), HoleKind::Lost);
      next_ = finSeq_;
    }
  }
  close(false, sink);
}

void Reassembler::close(bool reset, StreamSink& sink) {
  closed_ = true;
  pending_.clear();
  pending_.shrink_to_fit();
  pendingBytes_ = 0;
  sink.onClose(reset);
}

}  // namespace ibsr::payload
