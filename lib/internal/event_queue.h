// lib/internal/event_queue.h: the bounded lock-free event queue of a sale.
//
// Events are buffered in lanes: bounded rings of `capacity` events each. The
// first kLanes threads that publish into a queue each get a lane of their own
// for the queue's life (single producer: a push is two loads and two stores,
// no read-modify-write, no cache line shared with another producer); every
// later thread, and every thread past the process's 64 thread leases,
// publishes into one shared ring of `capacity` events (multi-producer: one
// compare-and-swap per push). Drainers take events from every ring.
//
//   EventQueue queue(capacity);
//   if (!queue.TryPush(event)) ++dropped;   // full: dropped, never waits
//   size_t n = queue.Drain(out);
//
// Every ring is a bounded array of cells, each with a sequence number in the
// style of Dmitry Vyukov's bounded MPMC queue (also rigtorp's MPMCQueue): a
// producer writes a cell's event only after an acquire load of its sequence
// says the last drainer of that cell is done with it, and publishes it with a
// release store of the sequence; a drainer first claims a cell by a
// compare-and-swap of the ring's head, after an acquire load of the sequence
// says the event is published, and only then reads the event. No event is
// ever read speculatively, so no two threads ever touch an event's bytes
// without a happens-before between them: the queue is free of data races by
// the C++ memory model (what boost::lockfree::queue is not, boostorg/lockfree
// issue 78), and ThreadSanitizer runs with no suppressions.
//
// Order. Events of one thread come out in the order that thread pushed them:
// a thread always publishes into the same ring of a queue, a ring is FIFO, and
// each Drain takes each ring's events in ring order. That holds within one
// Drain's result, and across Drain calls that do not overlap. Events of
// different threads come out in no particular order relative to each other,
// even when one push happened before the other (Drain visits the rings in an
// order that rotates from call to call).
//
// Concurrent drainers. Any number of threads may call Drain at once; none
// waits for another. Each event goes to exactly one of them, and each
// drainer's result keeps each thread's events in push order. Two concurrent
// results interleave: a drainer may get a thread's 1st and 3rd events while
// another gets its 2nd.
//
// Progress. TryPush and Drain never wait and never allocate; each finishes in
// a bounded number of its own steps except for compare-and-swap retries,
// which happen only when another thread's operation succeeded (lock-free).
// Where it is weaker than it sounds:
//   - A thread preempted inside TryPush on the shared ring, between claiming
//     its cell and publishing it, hides the shared ring's later events from
//     Drain until it resumes (they are delayed, not lost). Lanes have one
//     producer each, so a stalled producer delays only its own events.
//   - A drainer preempted between claiming a cell and releasing it keeps that
//     one cell busy: the ring's producer, when it wraps around to that cell,
//     finds the ring full and drops (and counts) until the drainer resumes.
//   - Drain returning fewer events than out.size() does not prove the queue
//     empty: an event still being pushed, or claimed by another drainer, is
//     not in the result.
//
// Capacity and memory. Each lane and the shared ring hold `capacity` events,
// so one thread can have up to `capacity` events waiting, and the queue as a
// whole up to (lanes + 1) * capacity. Lanes are leased, never given back: a
// thread that exits keeps its lane (its waiting events are still drained),
// so a process whose threads come and go sends its later threads to the
// shared ring. MemoryBytes() is (lanes + 1) * capacity cells of 48 bytes, plus
// 128 bytes of positions a ring and the queue object itself (about 100
// bytes), all allocated by the constructor: with the default 8 lanes, 432
// bytes an event of capacity plus 1.3 KB, e.g. 27 MiB at kEventsMax (65534).
#ifndef HOLDFAST_LIB_INTERNAL_EVENT_QUEUE_H_
#define HOLDFAST_LIB_INTERNAL_EVENT_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/types/span.h"
#include "holdfast/event.h"
#include "lib/internal/atomic.h"

namespace holdfast::internal {

class EventQueue {
 public:
  // Lanes a queue has unless told otherwise: the first kLanes publishing
  // threads get one each.
  static constexpr int kLanes = 8;
  // The most lanes a queue can have (the lane bitmap is one 32-bit word).
  static constexpr int kLanesMax = 32;
  // Threads a process can lease a lane slot to over its life (see
  // event_queue.cc); later threads always use the shared ring.
  static constexpr int kThreadLeases = 64;

  // Allocates `lanes` lanes and one shared ring of `capacity` events each.
  // Preconditions: 1 <= capacity <= kEventsMax, 0 <= lanes <= kLanesMax
  // (0 lanes: every thread uses the shared ring). Not thread-safe: the queue
  // must reach other threads through a synchronising handoff (Sale::Create
  // returning it).
  explicit EventQueue(int capacity, int lanes = kLanes);
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Appends `event` to the calling thread's ring; returns false, and keeps
  // nothing, when that ring is full. Thread-safe. Lock-free. Never allocates
  // (the first push of a thread takes its lease and lane with atomics only).
  bool TryPush(const Event& event);

  // Moves up to out.size() events into `out` and returns how many (0 when
  // out is empty or nothing is waiting). Order and concurrent callers: see
  // the file comment. Thread-safe. Lock-free. Never allocates.
  size_t Drain(absl::Span<Event> out);

  // Whether some ring has an event published at its head: what the next
  // Drain would get (unless another drainer takes it first). False does not
  // prove the queue empty: as Drain, it stops at a position still being
  // pushed. A waiter that checks this after a sequentially consistent fence
  // sees every event pushed before a producer's own fence (see
  // SaleCore::WaitForEvents). Thread-safe. Lock-free. Never allocates.
  bool HasPublished() const;

  // Bytes of the queue: the object itself and every ring's cells and heads,
  // all allocated by the constructor. Exact (allocator overhead aside);
  // never changes.
  size_t MemoryBytes() const;

  // Events one ring holds: the constructor's `capacity`.
  int capacity() const { return static_cast<int>(capacity_); }
  // Lanes besides the shared ring: the constructor's `lanes`.
  int lanes() const { return lanes_; }

 private:
  // One buffered event. `sequence` says who may touch `event` (position p
  // of the ring maps to cell p % capacity):
  //   sequence == 2p        free: the producer of position p may write it
  //   sequence == 2p + 1    published: the drainer that claims p may read it
  //   then 2(p + capacity)  read and freed: free for position p + capacity
  // Doubling keeps "published for p" apart from "free for p + 1" even when
  // capacity is 1. Positions never wrap in practice (2^63 pushes).
  struct Cell {
    Atomic<uint64_t> sequence{0};
    Event event;
  };
  // A ring's two positions, each on its own cache line: producers write
  // `tail`, drainers write `head`.
  struct alignas(64) Position {
    Atomic<uint64_t> value{0};
  };
  struct Ring {
    Position head;  // next position to drain; drainers claim it by CAS
    Position tail;  // next position to fill
  };
  static_assert(sizeof(Position) == 64, "head and tail must be a cache line apart");
  static_assert(sizeof(Cell) == sizeof(Event) + sizeof(uint64_t),
                "a cell is an event and its sequence (48 bytes): MemoryBytes and the file "
                "comment count on it");

  // The ring the calling thread publishes into: its lane, or the shared one.
  size_t RingOfThisThread();
  // Takes a free lane for the caller's lease; the shared ring when none is
  // left.
  size_t TakeLane();
  bool PushToLane(size_t ring, const Event& event);
  bool PushToShared(const Event& event);
  bool Pop(size_t ring, Event& out);

  Cell& CellAt(size_t ring, uint64_t position) {
    return cells_[ring * capacity_ + static_cast<size_t>(position % capacity_)];
  }
  const Cell& CellAt(size_t ring, uint64_t position) const {
    return cells_[ring * capacity_ + static_cast<size_t>(position % capacity_)];
  }
  size_t shared_ring() const { return static_cast<size_t>(lanes_); }

  const uint64_t capacity_;
  const int lanes_;
  std::unique_ptr<Ring[]> rings_;  // lanes_ lanes, then the shared ring
  std::unique_ptr<Cell[]> cells_;  // (lanes_ + 1) * capacity_, ring by ring
  // Per thread lease (event_queue.cc): 0 while the thread has not published
  // here, 1 + its lane, or kSharedMark. Only the leasing thread touches its
  // entry.
  static constexpr uint8_t kSharedMark = 0xFF;
  Atomic<uint8_t> lane_of_lease_[kThreadLeases] = {};
  // Bit i set: lane i is leased to a thread.
  Atomic<uint32_t> lanes_taken_{0};
  // Where the next Drain starts visiting the rings (fairness only).
  Atomic<uint32_t> next_drain_start_{0};
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_EVENT_QUEUE_H_
