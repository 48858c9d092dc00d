// Reads every entry of a BPF hash map. Uses batched lookups (one syscall per few thousand
// entries) and falls back to key iteration on kernels without batch support for the map type.
// Generic over the entry record, so every mode's map is read by this one piece of code.
#pragma once

#include <bpf/bpf.h>

#include <cerrno>
#include <type_traits>
#include <vector>

#include "core/page_release.h"
#include "core/result.h"

namespace ibsr::bpf {

namespace detail {
// Whether a batched-lookup failure means "not supported here" (iterate instead) rather than a
// real error.
bool batchUnsupported(int errnum);
void logBatchFallback(const Error& why);
// The map's capacity in entries (0 if the kernel does not say).
std::size_t maxEntries(int mapFd);
}  // namespace detail

// Key and Value are the map's key and value types; Entry is the record the caller keeps, an
// aggregate initialised as {key, value}.
template <typename Key, typename Value, typename Entry>
class MapReader {
 public:
  static_assert(std::is_trivially_copyable_v<Key> && std::is_trivially_copyable_v<Value>);

  explicit MapReader(int mapFd, const char* mapName) : fd_(mapFd), name_(mapName) {}

  // Replaces `out` (a vector of Entry, any allocator) with the map's current entries (in map
  // order). Its capacity is reused across calls, so a long-running collector does not
  // reallocate every cycle.
  template <typename Vector>
  Status readAll(Vector& out) {
    // Room for a full map up front, whichever way it is read: growing by doubling would copy the
    // entries and, at the moment of each copy, hold them twice. Only the pages written count in
    // RSS.
    if (out.capacity() == 0) out.reserve(detail::maxEntries(fd_));
    if (useBatch_) {
      Status st = readBatched(out);
      if (st.ok() || !detail::batchUnsupported(st.error().errnum)) return st;
      detail::logBatchFallback(st.error());
      useBatch_ = false;
    }
    return readIterating(out);
  }
  bool usedBatch() const { return useBatch_; }

 private:
  static constexpr __u32 kBatchSize = 16384;

  template <typename Vector>
  Status readBatched(Vector& out) {
    out.clear();
    keys_.resize(kBatchSize);
    values_.resize(kBatchSize);
    Status st = readBatches(out);
    // The batch buffers (about 1 MB) are needed only for the read.
    clearAndReleasePages(keys_);
    clearAndReleasePages(values_);
    return st;
  }

  template <typename Vector>
  Status readBatches(Vector& out) {
    // For hash maps the batch cursor is a bucket index; a key-sized buffer is large enough.
    Key inBatch{}, outBatch{};
    bool first = true;
    bpf_map_batch_opts opts{};  // not LIBBPF_OPTS: a GNU extension that -Wpedantic rejects
    opts.sz = sizeof(opts);
    for (;;) {
      __u32 count = kBatchSize;
      int err = bpf_map_lookup_batch(fd_, first ? nullptr : &inBatch, &outBatch, keys_.data(),
                                     values_.data(), &count, &opts);
      int e = err ? errno : 0;
      for (__u32 i = 0; i < count; ++i) out.push_back({keys_[i], values_[i]});
      if (err) {
        if (e == ENOENT) return {};  // reached the end of the map
        return sysError(std::string("batched lookup of the ") + name_ + " failed", e);
      }
      inBatch = outBatch;
      first = false;
    }
  }

  template <typename Vector>
  Status readIterating(Vector& out) {
    out.clear();
    Key key{}, next{};
    const void* prev = nullptr;
    for (;;) {
      if (bpf_map_get_next_key(fd_, prev, &next) != 0) {
        if (errno == ENOENT) return {};
        return sysError(std::string("iterating the ") + name_ + " failed");
      }
      Value value{};
      // An entry evicted between get_next_key and lookup is simply gone: skip it.
      if (bpf_map_lookup_elem(fd_, &next, &value) == 0) out.push_back({next, value});
      key = next;
      prev = &key;
    }
  }

  int fd_;
  const char* name_;
  bool useBatch_ = true;
  std::vector<Key> keys_;
  std::vector<Value> values_;
};

}  // namespace ibsr::bpf
