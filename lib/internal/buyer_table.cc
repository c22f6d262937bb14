// Buyer lookup and admission.
#include "lib/internal/buyer_table.h"

#include <bit>
#include <thread>

#include "lib/internal/hash.h"

namespace holdfast::internal {

BuyerTable::BuyerTable(int32_t buyers_max)
    : buyers_max_(buyers_max),
      mask_(std::bit_ceil(static_cast<size_t>(buyers_max) * 3 / 2 + 1) - 1),
      entries_(new BuyerEntry[mask_ + 1]) {}

BuyerEntry* BuyerTable::Settled(BuyerEntry& entry) {
  for (int spins = 0;; ++spins) {
    // Acquire pairs with the release that settles the entry in FindOrInsert.
    const uint64_t claims = entry.claims.load(std::memory_order_acquire);
    if (claims == kClaimsRefused) return nullptr;
    if (claims != kClaimsPending) return &entry;
    // The buyer's own first request is being admitted by another thread:
    // its answer is ours (a twin of one's own request is the only thing
    // this waits on).
    if (spins > 64) YieldThread();
  }
}

BuyerEntry* BuyerTable::Find(BuyerId buyer) const {
  if (buyer == kReservedBuyer) return nullptr;  // its id + 1 is the empty marker
  for (size_t i = Mix64(buyer) & mask_, probes = 0; probes <= mask_;
       i = (i + 1) & mask_, ++probes) {
    // Acquire pairs with the release of the inserting compare-and-swap.
    const uint64_t id = entries_[i].id_plus_one.load(std::memory_order_acquire);
    if (id == buyer + 1) return Settled(entries_[i]);
    if (id == 0) return nullptr;
  }
  return nullptr;
}

BuyerEntry* BuyerTable::FindOrInsert(BuyerId buyer) {
  if (buyer == kReservedBuyer) return nullptr;  // its id + 1 is the empty marker
  size_t i = Mix64(buyer) & mask_;
  for (size_t probes = 0; probes <= mask_;) {
    Atomic<uint64_t>& slot = entries_[i].id_plus_one;
    // Acquire pairs with the release of the inserting compare-and-swap.
    uint64_t id = slot.load(std::memory_order_acquire);
    if (id == buyer + 1) return Settled(entries_[i]);
    if (id != 0) {
      i = (i + 1) & mask_;
      ++probes;
      continue;
    }
    // An empty entry ends the probe. A full table refuses here, unless this
    // very buyer was admitted meanwhile: acquire pairs with the fetch_add's
    // release below, so if the count we read includes that admission, the
    // re-read sees its id.
    if (admitted_.load(std::memory_order_acquire) >= buyers_max_) {
      if (slot.load(std::memory_order_acquire) == 0) return nullptr;
      continue;  // the entry was just taken: examine it again
    }
    // Claim the entry for the buyer, pending (claims starts at
    // kClaimsPending), then admit it. acq_rel: release publishes the id;
    // acquire on failure reads the id another thread stored here, which the
    // loop examines again at this same entry.
    if (!slot.compare_exchange_strong(id, buyer + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue;
    }
    // acq_rel: release pairs with the acquire of a full table above (the id
    // stored before it is then visible); the count itself orders nothing else.
    const bool admitted = admitted_.fetch_add(1, std::memory_order_acq_rel) < buyers_max_;
    if (!admitted) admitted_.fetch_sub(1, std::memory_order_relaxed);
    // Release pairs with the acquire in Settled. A refused entry keeps the
    // buyer's id so that every later request of that buyer is refused too
    // (buyers never leave, so the table stays full).
    entries_[i].claims.store(admitted ? 0 : kClaimsRefused, std::memory_order_release);
    return admitted ? &entries_[i] : nullptr;
  }
  return nullptr;
}

}  // namespace holdfast::internal
