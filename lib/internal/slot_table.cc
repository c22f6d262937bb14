// Slot allocation by occupancy bitmaps, and the per-group deadline hints.
#include "lib/internal/slot_table.h"

#include <bit>

namespace holdfast::internal {
namespace {

// Each thread starts its search at its own group, so threads of a pool take
// slots from different cache lines. The counter only spreads starting points;
// relaxed is enough.
Atomic<uint32_t> next_thread_seed{0};

uint32_t& ThreadCursor() {
  thread_local uint32_t cursor =
      next_thread_seed.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B1u;
  return cursor;
}

}  // namespace

SlotTable::SlotTable(int32_t holds_max)
    : size_(static_cast<size_t>(holds_max)),
      group_count_((size_ + 63) / 64),
      slots_(new Slot[size_]),
      groups_(new SlotGroup[group_count_]) {
  const size_t tail = size_ % 64;
  if (tail != 0) {
    // Bits past the last slot are owned for ever. Relaxed: the table is not
    // shared yet; publishing the sale publishes it.
    groups_[group_count_ - 1].occupied.store(~uint64_t{0} << tail, std::memory_order_relaxed);
  }
}

int64_t SlotTable::Allocate() {
  uint32_t& cursor = ThreadCursor();
  const size_t start = cursor % group_count_;
  for (size_t step = 0; step < group_count_; ++step) {
    const size_t g = (start + step) % group_count_;
    Atomic<uint64_t>& occupied = groups_[g].occupied;
    // Relaxed: this load only picks a candidate bit; the fetch_or decides.
    uint64_t bits = occupied.load(std::memory_order_relaxed);
    while (~bits != 0) {
      const uint64_t bit = uint64_t{1} << std::countr_zero(~bits);
      // Acquire pairs with the release in Free(): we see the last owner's
      // writes, including its final state word.
      const uint64_t before = occupied.fetch_or(bit, std::memory_order_acquire);
      if ((before & bit) == 0) {
        cursor = static_cast<uint32_t>(g);
        return static_cast<int64_t>(g * 64 + static_cast<size_t>(std::countr_zero(bit)));
      }
      bits = before | bit;
    }
  }
  return -1;
}

void SlotTable::Free(size_t index) {
  const uint64_t bit = uint64_t{1} << (index % 64);
  // Release pairs with the acquire in Allocate(): the next owner sees this
  // owner's last writes to the slot.
  groups_[index / 64].occupied.fetch_and(~bit, std::memory_order_release);
}

void SlotTable::LowerHint(size_t index, uint64_t deadline_us) {
  Atomic<uint64_t>& hint = groups_[index / 64].hint;
  // Relaxed load: the compare-and-swap below validates it.
  uint64_t old_hint = hint.load(std::memory_order_relaxed);
  uint64_t new_hint;
  do {
    const uint64_t bound = std::min(HintDeadlineOf(old_hint), deadline_us);
    new_hint = PackHint(bound, HintVersionOf(old_hint) + 1);
    // seq_cst: this store must be ordered before the release store that
    // publishes the hold, and a scanner's hint load must not miss it when it
    // sees the hold's occupied bit. The version bump makes a concurrent
    // scanner's raise fail.
  } while (!hint.compare_exchange_weak(old_hint, new_hint, std::memory_order_seq_cst,
                                       std::memory_order_relaxed));
}

size_t SlotTable::MemoryBytes() const {
  return size_ * sizeof(Slot) + group_count_ * sizeof(SlotGroup);
}

}  // namespace holdfast::internal
