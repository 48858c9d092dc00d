#include "core/page_release.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace ibsr {

namespace {

const std::size_t kPageBytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

std::size_t roundUp(std::size_t bytes, std::size_t unit) {
  return (bytes + unit - 1) & ~(unit - 1);
}

// The length mapPages maps for `bytes`: whole huge pages from 2 MB on, whole pages below.
std::size_t mappedBytes(std::size_t bytes) {
  return bytes >= kHugePageBytes ? roundUp(bytes, kHugePageBytes) : roundUp(bytes, kPageBytes);
}

}  // namespace

void releasePages(void* begin, std::size_t bytes) {
  const auto from = reinterpret_cast<std::uintptr_t>(begin);
  const std::uintptr_t first = roundUp(from, kPageBytes);
  const std::uintptr_t last = (from + bytes) & ~(kPageBytes - 1);
  if (begin != nullptr && last > first)
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void* mapPages(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  const std::size_t size = mappedBytes(bytes);
  const bool huge = bytes >= kHugePageBytes;
  // For huge pages: map one huge page more, then unmap the unaligned head and the surplus tail,
  // so that exactly [p, p + size) stays mapped and unmapPages needs nothing but (p, bytes).
  const std::size_t extra = huge ? kHugePageBytes : 0;
  void* m = ::mmap(nullptr, size + extra, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  if (!huge) return m;
  const auto base = reinterpret_cast<std::uintptr_t>(m);
  const std::uintptr_t p = roundUp(base, kHugePageBytes);
  if (p > base) ::munmap(m, p - base);
  if (base + extra > p) ::munmap(reinterpret_cast<void*>(p + size), base + extra - p);
  ::madvise(reinterpret_cast<void*>(p), size, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(p);
}

void unmapPages(void* p, std::size_t bytes) {
  if (p != nullptr && bytes != 0) ::munmap(p, mappedBytes(bytes));
}

char* PageBuffer::reserve(std::size_t bytes) {
  if (bytes <= capacity_) return data_;
  unmapPages(data_, capacity_);
  data_ = nullptr;
  capacity_ = 0;
  data_ = static_cast<char*>(mapPages(bytes));
  capacity_ = bytes;
  return data_;
}

void releaseAllocation(void* p, std::size_t bytes) {
  releasePages(p, bytes >= kPageAllocatorHugeBytes ? mappedBytes(bytes) : bytes);
}

void adviseHugePages(void* p, std::size_t bytes) {
  if (p == nullptr || bytes < kPageAllocatorHugeBytes) return;
  const auto from = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t first = roundUp(from, kHugePageBytes);
  const std::uintptr_t last = (from + bytes) & ~(kHugePageBytes - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

std::size_t PageBuffer::size() const {
  return capacity_ == 0 ? 0 : mappedBytes(capacity_);
}

void PageBuffer::release(std::size_t bytes) {
  const std::size_t size = mappedBytes(capacity_);
  const std::size_t whole = roundUp(bytes, kHugePageBytes);
  releasePages(data_, whole < size ? whole : size);
}

}  // namespace ibsr
