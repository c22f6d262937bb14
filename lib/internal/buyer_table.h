// lib/internal/buyer_table.h: per-buyer counters in a fixed open-addressing table.
//
// Buyers are never removed: their limits count over the whole sale. A buyer
// is admitted by one compare-and-swap of an entry's id word from 0 (empty)
// to the buyer id + 1, then counted; it is found again by linear probing.
// Lock-free: nothing waits on another thread's admission.
//
//   BuyerTable table(buyers_max);
//   BuyerEntry* entry = table.FindOrInsert(buyer);  // nullptr: table full
#ifndef HOLDFAST_LIB_INTERNAL_BUYER_TABLE_H_
#define HOLDFAST_LIB_INTERNAL_BUYER_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "holdfast/config.h"
#include "holdfast/types.h"
#include "lib/internal/atomic.h"

namespace holdfast::internal {

// How many of a buyer's latest confirmed holds are remembered, so a retried
// Confirm answers kOk even after the hold's slot was reused (I9). Three is
// what fits the entry's cache line.
inline constexpr int kRecentConfirmedMax = 3;

// Cycle-units word layout: [cycle index + 1: 16 | units: 48]. Units count
// only for the cycle named; a hold in a later cycle starts the count afresh.
constexpr uint64_t PackCycleUnits(int cycle, int64_t units) {
  return (static_cast<uint64_t>(cycle + 1) << 48) | static_cast<uint64_t>(units);
}
constexpr int CycleOf(uint64_t word) { return static_cast<int>(word >> 48) - 1; }
constexpr int64_t CycleUnitsOf(uint64_t word) {
  return static_cast<int64_t>(word & ((uint64_t{1} << 48) - 1));
}

// Claims word layout: [live holds: 25 | held + bought units: 39]. Live holds
// never pass kHoldsMax = 2^24 (there are no more slots); units are refused
// with kBuyerLimit before they would pass kClaimUnitsMax (5.5 * 10^11).
inline constexpr int kClaimUnitsBits = 39;
inline constexpr uint64_t kClaimUnitsMax = (uint64_t{1} << kClaimUnitsBits) - 1;
static_assert(kClaimUnitsMax == static_cast<uint64_t>(kPerBuyerUnitsMax), "config.h agrees");
inline constexpr uint64_t kClaimOneHold = uint64_t{1} << kClaimUnitsBits;
constexpr uint64_t PackClaims(int64_t holds, int64_t units) {
  return static_cast<uint64_t>(holds) << kClaimUnitsBits | static_cast<uint64_t>(units);
}
constexpr int64_t ClaimHoldsOf(uint64_t word) {
  return static_cast<int64_t>(word >> kClaimUnitsBits);
}
constexpr int64_t ClaimUnitsOf(uint64_t word) {
  return static_cast<int64_t>(word & kClaimUnitsMax);
}
static_assert(kHoldsMax < (int64_t{1} << (64 - kClaimUnitsBits)), "live holds fit their field");
// One buyer: one cache line.
struct alignas(64) BuyerEntry {
  // The buyer id + 1, so that 0 means empty (kReservedBuyer + 1 wraps to 0 and
  // is never stored). Acquire/release: whoever sees the id may use the
  // entry's counters (which start at zero and need no publication).
  Atomic<uint64_t> id_plus_one{0};
  // The per-buyer limit word, see PackClaims: live holds and held + bought
  // units in one word, so one compare-and-swap checks both limits.
  Atomic<uint64_t> claims{0};
  Atomic<int64_t> bought{0};
  Atomic<uint64_t> cycle_units{PackCycleUnits(-1, 0)};
  Atomic<uint32_t> recent_next{0};
  Atomic<uint64_t> recent_confirmed[kRecentConfirmedMax] = {};
};
static_assert(sizeof(BuyerEntry) == 64, "a buyer entry is one cache line");

class BuyerTable {
 public:
  explicit BuyerTable(int32_t buyers_max);

  // The buyer's entry, inserting it if new; nullptr when buyers_max distinct
  // buyers are tracked already (new buyers racing at that edge may pass it
  // by one each, see FindOrInsert). Lock-free.
  BuyerEntry* FindOrInsert(BuyerId buyer);
  // The buyer's admitted entry, or nullptr for a buyer never admitted.
  BuyerEntry* Find(BuyerId buyer) const;

  // The entry at `index` (from IndexOf), for a hold that stored it.
  BuyerEntry& at(uint32_t index) const { return entries_[index]; }
  uint32_t IndexOf(const BuyerEntry& entry) const {
    return static_cast<uint32_t>(&entry - entries_.get());
  }

  // At most 3 entries a buyer (a power of two at least 1.5 times buyers_max).
  size_t MemoryBytes() const { return (mask_ + 1) * sizeof(BuyerEntry); }
  // MemoryBytes of a table for `buyers_max` buyers, before it is made.
  static size_t PlannedBytes(int32_t buyers_max) {
    return (MaskFor(buyers_max) + 1) * sizeof(BuyerEntry);
  }

 private:
  static size_t MaskFor(int32_t buyers_max);

  const int64_t buyers_max_;
  const size_t mask_;
  std::unique_ptr<BuyerEntry[]> entries_;
  // Buyers admitted so far. Relaxed: a count (see FindOrInsert).
  alignas(64) Atomic<int64_t> admitted_{0};
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_BUYER_TABLE_H_
