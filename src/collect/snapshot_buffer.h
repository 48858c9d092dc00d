// The one buffer of a counter snapshot cycle: the map's entries are read into its start, and the
// line is written over them (writeSortedSnapshotLine), so a cycle's memory is its line's and no
// more. It offers the part of a vector's interface that bpf::MapReader fills.
#pragma once

#include <cstddef>

#include "collect/snapshot.h"
#include "core/page_release.h"

namespace ibsr::collect {

class SnapshotBuffer {
 public:
  explicit SnapshotBuffer(std::size_t ports) : ports_(ports) {}

  // Room for `entries` entries and the line of as many buckets. Keeps the entries read so far.
  void reserve(std::size_t entries);
  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  void push_back(const CounterEntry& e) {
    if (size_ == capacity_) reserve(capacity_ < 4096 ? 4096 : 2 * capacity_);
    entries()[size_++] = e;
  }
  CounterEntry* entries() { return reinterpret_cast<CounterEntry*>(buffer_.data()); }

  // The whole mapping, where the line is written.
  char* bytes() const { return buffer_.data(); }
  std::size_t mappedBytes() const { return buffer_.size(); }

  // Returns the pages beyond the first `keepBytes` (rounded up to whole huge pages) to the kernel.
  void releaseBeyond(std::size_t keepBytes);

 private:
  std::size_t ports_;
  PageBuffer buffer_;
  std::size_t capacity_ = 0;  // entries
  std::size_t size_ = 0;
};

}  // namespace ibsr::collect
