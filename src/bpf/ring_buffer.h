// Owns a libbpf ring_buffer consumer (freed on destruction) that hands each record to a
// callback object. Not copyable.
#pragma once

#include <bpf/libbpf.h>

#include <cerrno>
#include <memory>

#include "core/result.h"

namespace ibsr::bpf {

class RingBuffer {
 public:
  // onRecord(void* ctx, void* data, size_t size) as libbpf calls it; ctx is passed through.
  static Result<RingBuffer> open(int mapFd, ring_buffer_sample_fn onRecord, void* ctx) {
    errno = 0;
    ring_buffer* rb = ring_buffer__new(mapFd, onRecord, ctx, nullptr);
    if (!rb) return sysError("cannot set up the ring-buffer consumer", errno ? errno : EINVAL);
    RingBuffer r;
    r.rb_.reset(rb);
    return r;
  }

  // Waits up to timeoutMs for records and consumes them; the number consumed or -errno.
  int poll(int timeoutMs) { return ring_buffer__poll(rb_.get(), timeoutMs); }
  // Consumes whatever is queued without waiting.
  int consume() { return ring_buffer__consume(rb_.get()); }
  int epollFd() const { return ring_buffer__epoll_fd(rb_.get()); }

 private:
  struct Free {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
  };
  std::unique_ptr<ring_buffer, Free> rb_;
};

}  // namespace ibsr::bpf
