// Buyer lookup and admission.
#include "lib/internal/buyer_table.h"

#include <bit>

#include "lib/internal/hash.h"

namespace holdfast::internal {

BuyerTable::BuyerTable(int32_t buyers_max)
    : buyers_max_(buyers_max),
      mask_(std::bit_ceil(static_cast<size_t>(buyers_max) * 3 / 2 + 1) - 1),
      entries_(new BuyerEntry[mask_ + 1]) {}

BuyerEntry* BuyerTable::Find(BuyerId buyer) const {
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
  for (size_t i = Mix64(buyer) & mask_, probes = 0; probes <= mask_;
       i = (i + 1) & mask_, ++probes) {
    std::atomic<uint64_t>& slot = entries_[i].id_plus_one;
    // Acquire pairs with the release of the inserting compare-and-swap.
    uint64_t id = slot.load(std::memory_order_acquire);
    if (id == buyer + 1) return &entries_[i];
    if (id != 0) continue;
    // An empty entry ends the probe: admit the buyer, then claim the entry.
    if (admitted_.fetch_add(1, std::memory_order_relaxed) >= buyers_max_) {
      admitted_.fetch_sub(1, std::memory_order_relaxed);
      // Another thread may have inserted this buyer meanwhile.
      return Find(buyer);
    }
    // acq_rel: release publishes the entry to Find(); acquire on failure lets
    // us use an entry another thread just inserted for the same buyer.
    if (slot.compare_exchange_strong(id, buyer + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      return &entries_[i];
    }
    admitted_.fetch_sub(1, std::memory_order_relaxed);
    if (id == buyer + 1) return &entries_[i];
  }
  return nullptr;
}

}  // namespace holdfast::internal
