// A FIFO queue on a vector with a moving head, for the requests of one connection that wait for
// their response. std::deque would do, but libstdc++'s allocates about 600 bytes on
// construction - a third of what a tracked connection otherwise costs, for a queue that almost
// always holds zero or one request. This one allocates on the first push only.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace ibsr::payload {

template <typename T>
class Fifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }

  void push_back(T item) {
    // Reclaim the consumed prefix once it is at least half the storage: amortised O(1).
    if (head_ > 0 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    items_.push_back(std::move(item));
  }

  void pop_front() {
    items_[head_] = T{};  // release what the element owns now, not at the next compaction
    if (++head_ == items_.size()) clear();
  }

  void clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace ibsr::payload
