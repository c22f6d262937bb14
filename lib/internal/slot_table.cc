// Slot allocation by occupancy bitmaps.
#include "lib/internal/slot_table.h"

#include <bit>

namespace holdfast::internal {
namespace {

// Each thread starts its search at its own group, so threads of a pool take
// slots from different cache lines, and after the bit it took last, so slots
// are reused round the group. The cursor is slot-granular: group * 64 + bit.
// The counter only spreads starting points; relaxed is enough.
Atomic<uint32_t> next_thread_seed{0};

uint32_t FirstCursor() {
  uint32_t seed = 0;
#ifdef HOLDFAST_DETERMINISTIC
  if (det::ThreadSeed(seed)) return seed * 0x9E3779B1u;
#endif
  seed = next_thread_seed.fetch_add(1, std::memory_order_relaxed);
  return seed * 0x9E3779B1u;
}

uint32_t& ThreadCursor() {
  thread_local uint32_t cursor = FirstCursor();
  return cursor;
}

}  // namespace

SlotTable::SlotTable(int32_t holds_max, uint64_t first_generation)
    : size_(static_cast<size_t>(holds_max)),
      group_count_((size_ + 63) / 64),
      slots_(new Slot[size_]),
      groups_(new SlotGroup[group_count_]) {
  if (first_generation != 1) {
    // Relaxed: the table is not shared yet.
    for (size_t i = 0; i < size_; ++i) {
      slots_[i].state.store(PackState(SlotState::kFree, first_generation),
                            std::memory_order_relaxed);
    }
  }
  const size_t tail = size_ % 64;
  if (tail != 0) {
    // Bits past the last slot are owned for ever. Relaxed: the table is not
    // shared yet; publishing the sale publishes it.
    groups_[group_count_ - 1].occupied.store(~uint64_t{0} << tail, std::memory_order_relaxed);
  }
}

int64_t SlotTable::Allocate() {
  uint32_t& cursor = ThreadCursor();
  const size_t start_group = (cursor / 64) % group_count_;
  const unsigned start_bit = (cursor + 1) % 64;
  for (size_t step = 0; step < group_count_; ++step) {
    const size_t g = (start_group + step) % group_count_;
    Atomic<uint64_t>& occupied = groups_[g].occupied;
    // Relaxed: this load only picks a candidate bit; the fetch_or decides.
    uint64_t bits = occupied.load(std::memory_order_relaxed);
    while (~bits != 0) {
      // The first free bit at or after start_bit, wrapping round the group.
      const uint64_t free_bits = ~bits;
      const uint64_t ahead = free_bits & (~uint64_t{0} << start_bit);
      const unsigned at = static_cast<unsigned>(std::countr_zero(ahead != 0 ? ahead : free_bits));
      const uint64_t bit = uint64_t{1} << at;
      // seq_cst: a creator's bit must be visible to a scanner that takes a
      // deadline bound's token after the creator checked that bound (see
      // lib/internal/expiry_index.h). It is also an acquire that pairs with
      // the release in Free(): we see the last owner's writes, including its
      // final state word.
      const uint64_t before = occupied.fetch_or(bit, std::memory_order_seq_cst);
      if ((before & bit) == 0) {
        const size_t index = g * 64 + at;
        cursor = static_cast<uint32_t>(index);
        return static_cast<int64_t>(index);
      }
      bits = before | bit;
    }
  }
  return -1;
}

uint32_t SlotTable::CursorOfThisThread() { return ThreadCursor(); }

void SlotTable::Free(size_t index) {
  const uint64_t bit = uint64_t{1} << (index % 64);
  // Release pairs with the acquire in Allocate(): the next owner sees this
  // owner's last writes to the slot.
  groups_[index / 64].occupied.fetch_and(~bit, std::memory_order_release);
}

size_t SlotTable::MemoryBytes() const {
  return size_ * sizeof(Slot) + group_count_ * sizeof(SlotGroup);
}

}  // namespace holdfast::internal
