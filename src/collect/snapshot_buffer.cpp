#include "collect/snapshot_buffer.h"

#include <cstring>
#include <vector>

namespace ibsr::collect {

void SnapshotBuffer::reserve(std::size_t entries) {
  if (entries <= capacity_ && buffer_.data() != nullptr) return;
  // Growing maps anew (the kernel says its map's capacity up front, so this is the first read's
  // reserve, or a map without a stated capacity).
  std::vector<CounterEntry> kept(this->entries(), this->entries() + size_);
  buffer_.reserve(maxSnapshotJsonSize(ports_, entries));
  capacity_ = entries;
  if (!kept.empty()) std::memcpy(this->entries(), kept.data(), kept.size() * sizeof(CounterEntry));
}

void SnapshotBuffer::releaseBeyond(std::size_t keepBytes) {
  const std::size_t from = (keepBytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  if (from < buffer_.size()) releasePages(buffer_.data() + from, buffer_.size() - from);
}

}  // namespace ibsr::collect
