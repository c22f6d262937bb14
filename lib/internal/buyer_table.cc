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
    if (id == buyer + 1) {
      // A query never decides an admission: pending reads as not admitted.
      // Acquire pairs with the release of the deciding compare-and-swap.
      const uint64_t claims = entries_[i].claims.load(std::memory_order_acquire);
      return claims == kClaimsPending || claims == kClaimsRefused ? nullptr : &entries_[i];
    }
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
    if (id == buyer + 1) return Settle(i);
    if (id != 0) {
      i = (i + 1) & mask_;
      ++probes;
      continue;
    }
    // A full table refuses new buyers without taking an entry (the count
    // never goes down). Acquire pairs with the admissions' release.
    if (CountOf(admission_.load(std::memory_order_acquire)) >= buyers_max_) {
      // Unless this very buyer's twin took this entry meanwhile.
      return slot.load(std::memory_order_acquire) == buyer + 1 ? Settle(i) : nullptr;
    }
    // Claim the entry, pending (claims starts kClaimsPending), then settle
    // its admission. acq_rel: release publishes the id; acquire on failure
    // reads the id another thread stored here, examined again at this entry.
    if (slot.compare_exchange_strong(id, buyer + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      return Settle(i);
    }
  }
  return nullptr;
}

BuyerEntry* BuyerTable::Settle(size_t index) {
  BuyerEntry& entry = entries_[index];
  for (;;) {
    // The word first, then the entry: if an admission of this entry was
    // overwritten in the word we read, whoever overwrote it decided the entry
    // before its compare-and-swap, which happens before our acquire load of
    // the word, so the entry's load below sees the decision. (The other order
    // could see the entry pending, then a later word, and admit it twice.)
    // Acquire pairs with the release of the admitting compare-and-swap.
    uint64_t word = admission_.load(std::memory_order_acquire);
    // Acquire pairs with the release of the deciding compare-and-swap.
    const uint64_t claims = entry.claims.load(std::memory_order_acquire);
    if (claims == kClaimsRefused) return nullptr;
    if (claims != kClaimsPending) return &entry;
    if (LastOf(word) == index + 1) {
      Decide(index, 0);  // admitted, by us or by a helper
      continue;
    }
    // Whoever admits next first writes the last admission's decision into
    // its entry: so an entry still pending that the word does not name was
    // never admitted, and any thread may decide it (helping).
    if (LastOf(word) != 0) Decide(LastOf(word) - 1, 0);
    if (CountOf(word) >= buyers_max_) {
      Decide(index, kClaimsRefused);  // the table is full: refused for good
      continue;
    }
    // acq_rel: release publishes the decision written above; acquire on
    // failure re-reads the word another admission changed. Either way the
    // loop reads the entry's decision again.
    admission_.compare_exchange_strong(word, PackAdmission(CountOf(word) + 1, index + 1),
                                       std::memory_order_acq_rel, std::memory_order_acquire);
  }
}

void BuyerTable::Decide(size_t index, uint64_t decision) {
  uint64_t pending = kClaimsPending;
  // acq_rel: release pairs with the acquire loads in Settle and Find (whoever
  // sees the decision sees the entry's id); acquire on failure: another
  // thread decided first, the same way (each entry is decided once).
  entries_[index].claims.compare_exchange_strong(pending, decision, std::memory_order_acq_rel,
                                                 std::memory_order_acquire);
}

}  // namespace holdfast::internal
