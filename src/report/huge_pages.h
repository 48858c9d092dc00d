// Memory for the report's large arrays (a 134 MB snapshot line, its parsed buckets, per-key state
// for 1M keys). On VMs a page fault costs microseconds, so first-touching hundreds of MB in 4 KiB
// pages is a large part of ingest (docs/performance.md, "## ibsr-report"); transparent huge pages
// cut the faults 512-fold. Linux's default THP mode ("madvise") uses them only where asked, hence
// madvise(MADV_HUGEPAGE) on every large block. Where THP is off the advice is ignored and
// nothing else changes.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>

namespace ibsr::report {

inline constexpr size_t kHugePage = size_t(2) << 20;
// Below this a block is left to malloc: huge pages would only round small blocks up.
inline constexpr size_t kHugeThreshold = size_t(4) << 20;

// Advises huge pages for the 2 MiB-aligned part of [p, p + bytes).
inline void adviseHugePages(void* p, size_t bytes) {
  if (bytes < kHugeThreshold) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHugePage - 1);
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// A std::allocator that maps blocks of kHugeThreshold and more directly, 2 MiB-aligned, with
// huge pages advised; pages are only backed when touched, so a generous reserve() costs address
// space, not memory. Smaller blocks come from operator new.
template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: rebinding must be implicit

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeThreshold) return static_cast<T*>(::operator new(bytes));
    // Over-map by a huge page so the block can start on a 2 MiB boundary.
    const size_t mapped = roundUp(bytes) + kHugePage;
    void* m = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t base = reinterpret_cast<uintptr_t>(m);
    const uintptr_t aligned = (base + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > base) munmap(m, aligned - base);
    const size_t tail = (base + mapped) - (aligned + roundUp(bytes));
    if (tail > 0) munmap(reinterpret_cast<void*>(aligned + roundUp(bytes)), tail);
    (void)madvise(reinterpret_cast<void*>(aligned), roundUp(bytes), MADV_HUGEPAGE);
    return reinterpret_cast<T*>(aligned);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeThreshold) {
      ::operator delete(p);
      return;
    }
    munmap(p, roundUp(bytes));
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }

 private:
  static size_t roundUp(size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }
};

}  // namespace ibsr::report
