// lib/internal/slot_table.h: the fixed array of hold slots, grouped by 64.
//
// Each group of 64 slots has an occupancy bitmap (a set bit means the slot is
// owned: Claiming, Held, being ended, or retired) and a deadline hint, a lower
// bound on the deadline of every hold in the group. Allocation finds a zero
// bit and sets it with fetch_or; expiry scans skip every group whose hint is
// in the future.
//
//   SlotTable table(holds_max);
//   int64_t index = table.Allocate();
//   ...
//   table.LowerHint(index, deadline_us);   // before the hold is published
//   ...
//   table.Free(index);                      // by whoever ended the hold
#ifndef HOLDFAST_LIB_INTERNAL_SLOT_TABLE_H_
#define HOLDFAST_LIB_INTERNAL_SLOT_TABLE_H_

#include "lib/internal/atomic.h"
#include <cstddef>
#include <cstdint>
#include <memory>

#include "lib/internal/hold_slot.h"

namespace holdfast::internal {

// Group hint layout: [deadline lower bound, microseconds after the epoch: 48 |
// version: 16]. Every hold creation in the group bumps the version, so a
// scanner's compare-and-swap that raises the bound fails if a hold appeared
// while it scanned (it then leaves the lower, still valid, bound).
inline constexpr int kHintVersionBits = 16;
inline constexpr uint64_t kHintNone = (uint64_t{1} << (64 - kHintVersionBits)) - 1;

constexpr uint64_t PackHint(uint64_t deadline_us, uint64_t version) {
  return (deadline_us << kHintVersionBits) | (version & ((1u << kHintVersionBits) - 1));
}
constexpr uint64_t HintDeadlineOf(uint64_t hint) { return hint >> kHintVersionBits; }
constexpr uint64_t HintVersionOf(uint64_t hint) { return hint & ((1u << kHintVersionBits) - 1); }

struct alignas(16) SlotGroup {
  // Acquire on the fetch_or that takes a bit pairs with the release in
  // Free(): the new owner sees everything the previous owner wrote.
  Atomic<uint64_t> occupied{0};
  Atomic<uint64_t> hint{PackHint(kHintNone, 0)};
};

class SlotTable {
 public:
  // `holds_max` slots; bits past the end of the last group start set so they
  // are never handed out.
  explicit SlotTable(int32_t holds_max);

  size_t size() const { return size_; }
  size_t group_count() const { return group_count_; }
  Slot& slot(size_t index) { return slots_[index]; }
  const Slot& slot(size_t index) const { return slots_[index]; }
  SlotGroup& group(size_t index) { return groups_[index]; }

  // Takes a free slot and returns its index, or -1 when every slot is owned.
  // The caller owns the slot until it calls Free or publishes a hold.
  // Lock-free: a failed fetch_or means another thread took that bit.
  int64_t Allocate();

  // Gives slot `index` back. Its state word must already say how the last
  // hold ended (or kFree). Release order: the next owner's acquire sees it.
  void Free(size_t index);

  // Lowers the hint of `index`'s group to `deadline_us` (if lower) and bumps
  // its version. Call before a hold with that deadline becomes visible.
  void LowerHint(size_t index, uint64_t deadline_us);

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
