// Buyer lookup and admission.
#include "lib/internal/buyer_table.h"

#include <bit>

#include "lib/internal/hash.h"

namespace holdfast::internal {

size_t BuyerTable::MaskFor(int32_t buyers_max) {
  return std::bit_ceil(static_cast<size_t>(buyers_max) * 3 / 2 + 1) - 1;
}

BuyerTable::BuyerTable(int32_t buyers_max)
    : buyers_max_(buyers_max), mask_(MaskFor(buyers_max)), entries_(new BuyerEntry[mask_ + 1]) {}

BuyerEntry* BuyerTable::Find(BuyerId buyer) const {
  if (buyer == kReservedBuyer) return nullptr;  // its id + 1 is the empty marker
  for (size_t i = Mix64(buyer) & mask_, probes = 0; probes <= mask_;
       i = (i + 1) & mask_, ++probes) {
    // Acquire pairs with the release of the inserting compare-and-swap.
    const uint64_t id = entries_[i].id_plus_one.load(std::memory_order_acquire);
    if (id == buyer + 1) return &entries_[i];
    if (id == 0) return nullptr;
  }
  return nullptr;
}

BuyerEntry* BuyerTable::FindOrInsert(BuyerId buyer) {
  if (buyer == kReservedBuyer) return nullptr;  // its id + 1 is the empty marker
  // The entry's compare-and-swap is the admission, and it is counted after:
  // an entry is usable the moment it is visible, so nobody ever waits for
  // another thread's admission (issue 10, progress), and twin first
  // requests of one buyer meet at its entry and are both admitted. The
  // price: new buyers whose first requests race at the very edge may all be
  // admitted, at most one per request in flight past buyers_max (never past
  // the table's room, which is at least 1.5 times buyers_max).
  size_t i = Mix64(buyer) & mask_;
  for (size_t probes = 0; probes <= mask_;) {
    Atomic<uint64_t>& slot = entries_[i].id_plus_one;
    // Acquire pairs with the release of the inserting compare-and-swap.
    uint64_t id = slot.load(std::memory_order_acquire);
    if (id == buyer + 1) return &entries_[i];
    if (id != 0) {
      i = (i + 1) & mask_;
      ++probes;
      continue;
    }
    // Relaxed: a count, read on its own.
    if (admitted_.load(std::memory_order_relaxed) >= buyers_max_) return nullptr;
    // acq_rel: release publishes the id (the counters start at zero and need
    // no other publication); acquire on failure reads the id another thread
    // stored here, which the loop examines again at this same entry.
    if (slot.compare_exchange_strong(id, buyer + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      // Relaxed: a pure count, see above.
      admitted_.fetch_add(1, std::memory_order_relaxed);
      return &entries_[i];
    }
  }
  return nullptr;
}

}  // namespace holdfast::internal
