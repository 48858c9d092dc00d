#include "bpf/map_reader.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "core/log.h"

namespace ibsr::bpf {
namespace {
constexpr __u32 kBatchSize = 16384;
}

Status CounterMapReader::readAll(std::vector<CounterEntry>& out) {
  if (useBatch_) {
    Status st = readBatched(out);
    if (st.ok()) return st;
    if (st.error().errnum != EINVAL && st.error().errnum != 524 /* ENOTSUPP, kernel-internal */ &&
        st.error().errnum != EOPNOTSUPP)
      return st;
    log::info("batched map lookup unsupported ({}); iterating keys", st.error().message);
    useBatch_ = false;
  }
  return readIterating(out);
}

Status CounterMapReader::readBatched(std::vector<CounterEntry>& out) {
  out.clear();
  keys_.resize(kBatchSize);
  values_.resize(kBatchSize);
  // For hash maps the batch cursor is a bucket index; a key-sized buffer is always large enough.
  ibsr_counter_key inBatch{}, outBatch{};
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
      return sysError("batched lookup of the counter map failed", e);
    }
    inBatch = outBatch;
    first = false;
  }
}

Status CounterMapReader::readIterating(std::vector<CounterEntry>& out) {
  out.clear();
  ibsr_counter_key key{}, next{};
  const void* prev = nullptr;
  for (;;) {
    if (bpf_map_get_next_key(fd_, prev, &next) != 0) {
      if (errno == ENOENT) return {};
      return sysError("iterating the counter map failed");
    }
    ibsr_counters value{};
    // An entry evicted between get_next_key and lookup is simply gone: skip it.
    if (bpf_map_lookup_elem(fd_, &next, &value) == 0) out.push_back({next, value});
    key = next;
    prev = &key;
  }
}

}  // namespace ibsr::bpf
