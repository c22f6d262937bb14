// lib/internal/slot_table.h: the fixed array of hold slots, grouped by 64.
//
// Each group of 64 slots has an occupancy bitmap: a set bit means the slot
// is owned (Claiming, Held, being ended, or retired). Allocation finds a zero
// bit and sets it with fetch_or. The deadline bounds that let expiry skip
// groups live beside it, in lib/internal/expiry_index.h.
//
//   SlotTable table(holds_max);
//   int64_t index = table.Allocate();
//   ...
//   table.Free(index);                      // by whoever ended the hold
#ifndef HOLDFAST_LIB_INTERNAL_SLOT_TABLE_H_
#define HOLDFAST_LIB_INTERNAL_SLOT_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "lib/internal/atomic.h"
#include "lib/internal/hold_slot.h"

namespace holdfast::internal {

struct SlotGroup {
  // seq_cst on the fetch_or that takes a bit (see Allocate) and acquire on
  // it pairs with the release in Free(): the new owner sees everything the
  // previous owner wrote.
  Atomic<uint64_t> occupied{0};
};

class SlotTable {
 public:
  // `holds_max` slots, free, whose first holds get generation
  // `first_generation`; bits past the end of the last group start set so
  // they are never handed out.
  SlotTable(int32_t holds_max, uint64_t first_generation);

  size_t size() const { return size_; }
  size_t group_count() const { return group_count_; }
  Slot& slot(size_t index) { return slots_[index]; }
  const Slot& slot(size_t index) const { return slots_[index]; }
  SlotGroup& group(size_t index) { return groups_[index]; }

  // Takes a free slot and returns its index, or -1 when every slot is owned.
  // The caller owns the slot until it calls Free or publishes a hold. Each
  // thread moves on through its group after every allocation instead of
  // taking the lowest free bit, so a freed slot is reused late: its
  // generation wears slowly and a stale HoldId meets its own ended hold
  // (kExpired, kAlreadyConfirmed) rather than a newer one for longer.
  // Lock-free: a failed fetch_or means another thread took that bit.
  int64_t Allocate();

  // The calling thread's allocation cursor (group * 64 + bit of the slot it
  // took last, in any sale): for a single-threaded test that predicts
  // HoldIds (tests/fuzz/).
  static uint32_t CursorOfThisThread();

  // Gives slot `index` back. Its state word must already say how the last
  // hold ended (or kFree). Release order: the next owner's acquire sees it.
  void Free(size_t index);

  // Bytes allocated for slots and groups.
  size_t MemoryBytes() const;

 private:
  const size_t size_;
  const size_t group_count_;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<SlotGroup[]> groups_;
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_SLOT_TABLE_H_
