// Gives the pages of a buffer back to the kernel while keeping the buffer itself (its address and
// capacity) for the next use. A collector holds a full map's entries and a snapshot line of many
// MB for a few milliseconds a minute: keeping those pages resident in between would make its
// resting RSS the size of its largest snapshot. Faulting them back in 4 kB at a time would cost
// more than formatting the snapshot, hence transparent huge pages where the kernel offers them.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ibsr {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

// Returns every whole page inside [begin, begin + bytes) to the kernel (madvise MADV_DONTNEED on
// private anonymous memory): they read as zero afterwards and count in RSS again only once
// written. Partial pages at either end are left alone, so memory around the range (an
// allocator's header, a neighbouring object) is never touched. Best effort: a refusal only costs
// memory.
void releasePages(void* begin, std::size_t bytes);

// Anonymous memory mapped for `bytes`: from 2 MB on, aligned to and advised for transparent huge
// pages (one fault per 2 MB instead of per 4 kB when it is filled, and again after a release;
// on VMs a 4 kB fault costs microseconds). Pages are allocated when first written
// (MAP_NORESERVE: most of a worst-case-sized buffer never is). Throws std::bad_alloc if the
// kernel refuses.
void* mapPages(std::size_t bytes);
void unmapPages(void* p, std::size_t bytes);  // what mapPages(bytes) returned

// Advises huge pages for the 2 MB-aligned part of a block of at least kPageAllocatorHugeBytes.
void adviseHugePages(void* p, std::size_t bytes);

// Blocks from this size on are mapped by PageAllocator; smaller ones come from operator new (huge
// pages would only round them up).
inline constexpr std::size_t kPageAllocatorHugeBytes = std::size_t{4} << 20;

// Releases the pages of a block that PageAllocator gave out for `bytes`: the whole mapping of a
// mapped block (huge pages must go whole: one released in part is split, and its 2 MB refilled
// 4 kB at a time from then on), the whole pages inside a smaller one.
void releaseAllocation(void* p, std::size_t bytes);

// An allocator for large arrays that are filled once per cycle or per run: huge pages, and the
// pages can be released while the block is kept (clearAndReleasePages).
template <typename T>
struct PageAllocator {
  using value_type = T;
  PageAllocator() = default;
  template <typename U>
  PageAllocator(const PageAllocator<U>&) {}  // NOLINT: rebinding must be implicit
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kPageAllocatorHugeBytes) return static_cast<T*>(::operator new(bytes));
    return static_cast<T*>(mapPages(bytes));
  }
  void deallocate(T* p, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kPageAllocatorHugeBytes)
      ::operator delete(p);
    else
      unmapPages(p, bytes);
  }
  template <typename U>
  bool operator==(const PageAllocator<U>&) const {
    return true;
  }
};

template <typename T>
using PageVector = std::vector<T, PageAllocator<T>>;

// Empties `v` and releases its storage's pages, keeping its capacity: refilling it up to that
// capacity allocates nothing and copies nothing, only faults the pages back in.
template <typename T, typename A>
void clearAndReleasePages(std::vector<T, A>& v) {
  v.clear();
  releasePages(v.data(), v.capacity() * sizeof(T));
}
template <typename T>
void clearAndReleasePages(PageVector<T>& v) {
  v.clear();
  releaseAllocation(v.data(), v.capacity() * sizeof(T));
}

// A byte buffer over mapPages whose pages are released between uses.
class PageBuffer {
 public:
  PageBuffer() = default;
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  ~PageBuffer() { unmapPages(data_, capacity_); }

  // At least `bytes`; the contents are not kept when it grows.
  char* reserve(std::size_t bytes);
  // Returns the pages holding the first `bytes` to the kernel, including the last, partly used
  // one (a huge page: up to 2 MB for a line of a few bytes).
  void release(std::size_t bytes);
  char* data() const { return data_; }
  // The whole mapping: at least what reserve() asked for, in whole huge pages from 2 MB on.
  std::size_t size() const;

 private:
  char* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace ibsr
