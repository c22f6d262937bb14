// lib/internal/event_queue.h: the bounded lock-free event queue (Boost.Lockfree).
//
// Boost stays behind this class: public headers never include it.
//
//   EventQueue queue(capacity);
//   if (!queue.TryPush(event)) ++dropped;
//   size_t n = queue.Drain(out);
#ifndef HOLDFAST_LIB_INTERNAL_EVENT_QUEUE_H_
#define HOLDFAST_LIB_INTERNAL_EVENT_QUEUE_H_

#include <cstddef>
#include <memory>

#include "absl/types/span.h"
#include "holdfast/event.h"

namespace holdfast::internal {

class EventQueue {
 public:
  // Preallocates `capacity` nodes (1 .. kEventsMax); pushes never allocate.
  explicit EventQueue(int capacity);
  ~EventQueue();

  // Appends `event`, or returns false when the queue is full. Lock-free.
  bool TryPush(const Event& event);
  // Pops up to out.size() events into `out`; returns how many. Lock-free.
  size_t Drain(absl::Span<Event> out);

  // Bytes preallocated for the nodes (an estimate from the node size).
  size_t MemoryBytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const int capacity_;
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_EVENT_QUEUE_H_
