// The event queue: per-thread lanes and a shared ring, all bounded rings of
// sequenced cells (see event_queue.h for the protocol, order and progress).
//
// Thread leases: the first time a thread publishes into any queue it takes a
// free number 0..63 from a process-wide bitmap and keeps it for life, as the
// statistics stripes do (striped_counters.cc). Each queue maps a lease number
// to the lane that thread got in that queue; a lease is used by one thread
// only, so that entry has one reader and writer. Leases are not given back
// when a thread exits: a thread_local with a destructor makes glibc allocate
// on the thread's first push, and pushes allocate nothing. Threads past the
// 64th have no lease and use the shared ring of every queue.
#include "lib/internal/event_queue.h"

#include <bit>

namespace holdfast::internal {
namespace {

static_assert(EventQueue::kThreadLeases == 64, "the lease bitmap is one word");
static_assert(EventQueue::kLanesMax == 32, "the lane bitmap is one word");

// Bit i set: lease i is taken. Relaxed is enough for every operation on it:
// a lease number carries no data, and fetch_or alone decides who gets it.
Atomic<uint64_t> leased{0};

// This thread's lease number, or -1 when all 64 are gone.
int TakeThreadLease() {
  // Relaxed: see `leased`.
  uint64_t seen = leased.load(std::memory_order_relaxed);
  while (~seen != 0) {
    const uint64_t bit = uint64_t{1} << std::countr_zero(~seen);
    // Relaxed: see `leased`; the fetch_or decides who gets the number.
    seen = leased.fetch_or(bit, std::memory_order_relaxed);
    if ((seen & bit) == 0) return std::countr_zero(bit);
  }
  return -1;
}

int ThreadLease() {
  thread_local const int lease = TakeThreadLease();
  return lease;
}

}  // namespace

EventQueue::EventQueue(int capacity, int lanes)
    : capacity_(static_cast<uint64_t>(capacity)),
      lanes_(lanes),
      rings_(new Ring[static_cast<size_t>(lanes) + 1]),
      cells_(new Cell[(static_cast<size_t>(lanes) + 1) * static_cast<size_t>(capacity)]) {
  // Cell i of every ring starts free for position i. Relaxed: the queue is
  // not shared yet; the handoff that shares it (Sale::Create) publishes this.
  for (size_t ring = 0; ring <= static_cast<size_t>(lanes_); ++ring) {
    for (uint64_t position = 0; position < capacity_; ++position) {
      CellAt(ring, position).sequence.store(2 * position, std::memory_order_relaxed);
    }
  }
}

EventQueue::~EventQueue() = default;

size_t EventQueue::TakeLane() {
  const uint32_t all = lanes_ == 32 ? ~uint32_t{0} : (uint32_t{1} << lanes_) - 1;
  // Relaxed: a lane number carries no data (the lane's cells were published
  // with the queue itself, and its producer state is the cells), and the
  // fetch_or alone decides who gets the lane.
  uint32_t seen = lanes_taken_.load(std::memory_order_relaxed);
  while ((seen & all) != all) {
    const uint32_t bit = uint32_t{1} << std::countr_zero(~seen);
    // Relaxed: see above.
    seen = lanes_taken_.fetch_or(bit, std::memory_order_relaxed);
    if ((seen & bit) == 0) return static_cast<size_t>(std::countr_zero(bit));
  }
  return shared_ring();
}

size_t EventQueue::RingOfThisThread() {
  const int lease = ThreadLease();
  if (lease < 0) return shared_ring();
  Atomic<uint8_t>& entry = lane_of_lease_[lease];
  // Relaxed load and store: only the thread holding this lease ever touches
  // its entry, so program order is all the ordering it needs.
  const uint8_t mark = entry.load(std::memory_order_relaxed);
  if (mark == kSharedMark) return shared_ring();
  if (mark != 0) return static_cast<size_t>(mark - 1);
  const size_t ring = TakeLane();
  // Relaxed: see the load above. Once the shared ring, always the shared
  // ring: a thread never changes rings, which is what keeps its order.
  entry.store(ring == shared_ring() ? kSharedMark : static_cast<uint8_t>(ring + 1),
              std::memory_order_relaxed);
  return ring;
}

bool EventQueue::TryPush(const Event& event) {
  const size_t ring = RingOfThisThread();
  return ring == shared_ring() ? PushToShared(event) : PushToLane(ring, event);
}

// One producer: the lane's owner. Its tail has no other writer.
bool EventQueue::PushToLane(size_t ring, const Event& event) {
  Atomic<uint64_t>& tail = rings_[ring].tail.value;
  // Relaxed: only this thread writes the lane's tail (and nobody else reads
  // it), so it reads its own last store.
  const uint64_t position = tail.load(std::memory_order_relaxed);
  Cell& cell = CellAt(ring, position);
  // Acquire pairs with the release in Pop that freed the cell: the drainer's
  // read of the cell's previous event happens before the write below. Any
  // other value means that drainer is not done yet: the lane is full.
  if (cell.sequence.load(std::memory_order_acquire) != 2 * position) return false;
  cell.event = event;
  // Release pairs with the acquire in Pop: a drainer that sees 2 * position
  // + 1 sees the event written above.
  cell.sequence.store(2 * position + 1, std::memory_order_release);
  // Relaxed: see the load above.
  tail.store(position + 1, std::memory_order_relaxed);
  return true;
}

// Many producers: each claims a position by CAS on the tail, as in Vyukov's
// bounded MPMC queue.
bool EventQueue::PushToShared(const Event& event) {
  const size_t ring = shared_ring();
  Atomic<uint64_t>& tail = rings_[ring].tail.value;
  // Relaxed: the tail is only a guess of a free position; the cell's
  // sequence (acquired below) decides, and the CAS makes the claim.
  uint64_t position = tail.load(std::memory_order_relaxed);
  for (;;) {
    Cell& cell = CellAt(ring, position);
    // Acquire pairs with the release in Pop that freed the cell, as in
    // PushToLane: the last read of the cell happens before our write.
    const uint64_t sequence = cell.sequence.load(std::memory_order_acquire);
    if (sequence == 2 * position) {
      // Relaxed on success and failure: the claim orders nothing by itself
      // (the acquire above already ordered the cell's last read before our
      // write, and no one else writes position's cell once we hold it).
      if (tail.compare_exchange_weak(position, position + 1, std::memory_order_relaxed,
                                     std::memory_order_relaxed)) {
        cell.event = event;
        // Release pairs with the acquire in Pop: the event is published.
        cell.sequence.store(2 * position + 1, std::memory_order_release);
        return true;
      }
      continue;  // `position` now holds the current tail
    }
    // The cell is taken for `position` already (another producer won it) or
    // not freed yet (full). Full only if the tail has not moved meanwhile.
    const uint64_t seen = position;
    // Relaxed: see the first load.
    position = tail.load(std::memory_order_relaxed);
    if (position == seen) return false;
  }
}

// Many drainers: each claims a position by CAS on the head before reading.
bool EventQueue::Pop(size_t ring, Event& out) {
  Atomic<uint64_t>& head = rings_[ring].head.value;
  // Relaxed: the head is only a guess; the cell's sequence decides.
  uint64_t position = head.load(std::memory_order_relaxed);
  for (;;) {
    Cell& cell = CellAt(ring, position);
    // Acquire pairs with the producer's release of 2 * position + 1: if we see
    // it, the event write happened before, so the read below is ordered.
    const uint64_t sequence = cell.sequence.load(std::memory_order_acquire);
    if (sequence == 2 * position + 1) {
      // Relaxed: the claim orders nothing by itself (the acquire above
      // ordered the event's write before our read, and no producer rewrites
      // the cell until our release below). Winning it makes the event ours.
      if (head.compare_exchange_weak(position, position + 1, std::memory_order_relaxed,
                                     std::memory_order_relaxed)) {
        out = cell.event;
        // Release pairs with the producers' acquire loads of the sequence:
        // our read happens before the cell's next write.
        cell.sequence.store(2 * (position + capacity_), std::memory_order_release);
        return true;
      }
      continue;  // `position` now holds the current head
    }
    // Not published yet (empty, or a producer is mid-push), or another
    // drainer took it. Empty only if the head has not moved meanwhile.
    const uint64_t seen = position;
    // Relaxed: see the first load.
    position = head.load(std::memory_order_relaxed);
    if (position == seen) return false;
  }
}

size_t EventQueue::Drain(absl::Span<Event> out) {
  if (out.empty()) return 0;
  const size_t rings = static_cast<size_t>(lanes_) + 1;
  // Relaxed: the start ring only spreads drains over the rings (fairness);
  // it orders nothing.
  const size_t start = next_drain_start_.fetch_add(1, std::memory_order_relaxed) % rings;
  // Relaxed: a lane taken after this load is visited by a later Drain; a
  // lane's events are ordered by its cells' sequences, not by this word.
  const uint32_t taken = lanes_taken_.load(std::memory_order_relaxed);
  size_t count = 0;
  for (size_t k = 0; k < rings && count < out.size(); ++k) {
    const size_t ring = (start + k) % rings;
    if (ring != shared_ring() && (taken & (uint32_t{1} << ring)) == 0) continue;
    while (count < out.size() && Pop(ring, out[count])) ++count;
  }
  return count;
}

bool EventQueue::HasPublished() const {
  for (size_t ring = 0; ring <= static_cast<size_t>(lanes_); ++ring) {
    // Relaxed: the head is only where to start; the cells' sequences decide.
    // Walk forward from a head read stale over the cells drained since
    // (their sequence is a later lap's) to the first one not drained: the
    // ring's real head. A walk of a whole lap means the head read was very
    // stale: read it again; after that, say yes (a waiter then drains
    // instead of sleeping, which is always safe).
    bool settled = false;
    for (int attempt = 0; attempt < 2 && !settled; ++attempt) {
      uint64_t position = rings_[ring].head.value.load(std::memory_order_relaxed);
      for (uint64_t step = 0; step < capacity_; ++step, ++position) {
        // Acquire pairs with the producer's release of 2 * position + 1.
        const uint64_t sequence = CellAt(ring, position).sequence.load(std::memory_order_acquire);
        if (sequence == 2 * position + 1) return true;  // published, not drained
        if (sequence < 2 * (position + capacity_)) {    // not drained: the head
          settled = true;                               // nothing published there
          break;
        }
      }
    }
    if (!settled) return true;
  }
  return false;
}

size_t EventQueue::MemoryBytes() const {
  const size_t rings = static_cast<size_t>(lanes_) + 1;
  return sizeof(EventQueue) + rings * sizeof(Ring) +
         rings * static_cast<size_t>(capacity_) * sizeof(Cell);
}

}  // namespace holdfast::internal
