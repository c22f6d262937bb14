// The event queue on boost::lockfree::queue with a fixed node pool: a full
// pool makes push fail instead of allocating.
#include "lib/internal/event_queue.h"

#include <boost/lockfree/queue.hpp>

namespace holdfast::internal {

struct EventQueue::Impl {
  explicit Impl(int capacity) : queue(static_cast<size_t>(capacity)) {}
  boost::lockfree::queue<Event, boost::lockfree::fixed_sized<true>> queue;
};

EventQueue::EventQueue(int capacity) : impl_(new Impl(capacity)), capacity_(capacity) {}

EventQueue::~EventQueue() = default;

bool EventQueue::TryPush(const Event& event) { return impl_->queue.bounded_push(event); }

size_t EventQueue::Drain(absl::Span<Event> out) {
  size_t count = 0;
  while (count < out.size() && impl_->queue.pop(out[count])) ++count;
  return count;
}

size_t EventQueue::MemoryBytes() const {
  // Each node holds one Event, a tagged next index, and is cache-line aligned
  // by Boost.Lockfree.
  return sizeof(Impl) + static_cast<size_t>(capacity_ + 1) * 64;
}

}  // namespace holdfast::internal
