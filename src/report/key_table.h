// Packed key -> dense id, open addressing with linear probing. std::unordered_map costs a node
// allocation and a pointer chase per bucket; this keeps ingest within a few ns per lookup.
#pragma once

#include <cstdint>
#include <vector>

#include "core/page_release.h"

namespace ibsr::report {

class KeyTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  KeyTable() { slots_.assign(1024, Slot{kEmpty, kNone}); }

  // Returns the id of `key`, inserting it with id `nextId` if absent; `inserted` tells which.
  uint32_t findOrInsert(uint64_t key, uint32_t nextId, bool& inserted) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key == key) {
        inserted = false;
        return s.id;
      }
      if (s.key == kEmpty) {
        s = Slot{key, nextId};
        ++size_;
        inserted = true;
        return nextId;
      }
    }
  }

  // Makes room for `n` keys in all, so that inserting them never rehashes.
  void reserve(size_t n) {
    size_t want = slots_.size();
    while (want < 2 * n + 2) want *= 2;
    if (want > slots_.size()) rehash(want);
  }

  // Starts loading the slot `key` hashes to, ahead of a findOrInsert() that will miss the cache.
  void prefetch(uint64_t key) const {
    __builtin_prefetch(&slots_[hash(key) & (slots_.size() - 1)], 1);
  }

  size_t size() const { return size_; }

  uint32_t find(uint64_t key) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key == key) return s.id;
      if (s.key == kEmpty) return kNone;
    }
  }

 private:
  // Packed keys use 50 bits, so an all-ones key never occurs.
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  struct Slot {
    uint64_t key;
    uint32_t id;
  };
  static size_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return size_t(k);
  }
  void grow() { rehash(slots_.size() * 2); }
  void rehash(size_t capacity) {
    PageVector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{kEmpty, kNone});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.key == kEmpty) continue;
      size_t i = hash(s.key) & mask;
      while (slots_[i].key != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  PageVector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace ibsr::report
