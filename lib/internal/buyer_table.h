// lib/internal/buyer_table.h: per-buyer counters in a fixed open-addressing table.
//
// Buyers are never removed: their limits count over the whole sale. A buyer
// takes an entry by one compare-and-swap of its id word from 0 (empty) to the
// buyer id + 1, pending; its admission is then settled exactly once, against
// buyers_max, through one admission word [admitted count | last admitted
// entry]. Every step is a compare-and-swap any thread can make for any
// pending entry (helping), so twin first requests of one buyer settle it
// together and nobody waits on another thread's admission: lock-free, and
// exact (never more than buyers_max admitted).
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
// Claims values no admitted buyer reaches (its live-hold field would exceed
// kHoldsMax): an entry whose admission is not settled yet, and one whose
// admission was refused (the table was full).
inline constexpr uint64_t kClaimsPending = ~uint64_t{0};
inline constexpr uint64_t kClaimsRefused = ~uint64_t{0} - 1;
// One buyer: one cache line.
struct alignas(64) BuyerEntry {
  // The buyer id + 1, so that 0 means empty (kReservedBuyer + 1 wraps to 0 and
  // is never stored). Acquire/release: whoever sees the id may use the
  // entry's counters (which start at zero and need no publication).
  Atomic<uint64_t> id_plus_one{0};
  // The per-buyer limit word, see PackClaims: live holds and held + bought
  // units in one word, so one compare-and-swap checks both limits. Starts
  // kClaimsPending until the buyer's admission is settled.
  Atomic<uint64_t> claims{kClaimsPending};
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
  // buyers are tracked already. Lock-free.
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
  // Admission word layout: [admitted count: 32 | last admitted entry + 1: 32].
  static constexpr uint64_t PackAdmission(uint64_t count, uint64_t last_plus_one) {
    return count << 32 | last_plus_one;
  }
  static constexpr int64_t CountOf(uint64_t word) { return static_cast<int64_t>(word >> 32); }
  static constexpr size_t LastOf(uint64_t word) { return static_cast<size_t>(word & 0xffffffffu); }
  // Settles the admission of the buyer in entry `index` (helping whatever
  // admission is in the way); its entry, or nullptr if refused.
  BuyerEntry* Settle(size_t index);
  // Writes `decision` (0: admitted, or kClaimsRefused) into a pending entry.
  void Decide(size_t index, uint64_t decision);

  const int64_t buyers_max_;
  const size_t mask_;
  std::unique_ptr<BuyerEntry[]> entries_;
  // The admission word (PackAdmission); its orderings are explained where
  // it is used (Settle).
  alignas(64) Atomic<uint64_t> admission_{0};
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_BUYER_TABLE_H_
