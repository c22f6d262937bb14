// Idempotency-key lookup and insertion, by linear probing over a 64-bit
// hash of (buyer, key); see the header for collisions.
#include "lib/internal/idempotency_table.h"

#include "lib/internal/hash.h"

namespace holdfast::internal {

IdempotencyTable::IdempotencyTable(int32_t keys_max)
    : keys_max_(keys_max),
      mask_(keys_max > 0 ? TableSizeFor(keys_max) - 1 : 0),
      entries_(keys_max > 0 ? new IdempotencyEntry[mask_ + 1] : nullptr) {}

uint64_t IdempotencyTable::HashOf(BuyerId buyer, uint64_t key) {
  const uint64_t hash = Mix64(Mix64(buyer) ^ key);
  return hash == 0 ? 1 : hash;
}

IdempotencyTable::Probe IdempotencyTable::Start(BuyerId buyer, uint64_t key) const {
  Probe probe;
  probe.hash = HashOf(buyer, key);
  probe.index = probe.hash & mask_;
  return probe;
}

IdempotencyEntry* IdempotencyTable::Next(Probe& probe) const {
  if (!entries_) return nullptr;
  for (; probe.probes <= mask_; probe.index = (probe.index + 1) & mask_, ++probe.probes) {
    // Acquire pairs with the release of the claiming compare-and-swap.
    const uint64_t seen = entries_[probe.index].key_hash.load(std::memory_order_acquire);
    if (seen == 0) return nullptr;
    if (seen == probe.hash) {
      IdempotencyEntry* entry = &entries_[probe.index];
      probe.index = (probe.index + 1) & mask_;
      ++probe.probes;
      return entry;
    }
  }
  return nullptr;
}

IdempotencyEntry* IdempotencyTable::NextOrInsert(Probe& probe) {
  if (!entries_) return nullptr;
  for (; probe.probes <= mask_; probe.index = (probe.index + 1) & mask_, ++probe.probes) {
    IdempotencyEntry& entry = entries_[probe.index];
    // Acquire pairs with the release of the claiming compare-and-swap.
    uint64_t seen = entry.key_hash.load(std::memory_order_acquire);
    if (seen == 0) {
      // The claim is counted after it is made, so twins of one key racing
      // for the last place both get its entry. The price: new keys racing at
      // the very edge may pass keys_max by one each. Acquire pairs with the
      // release of the count's increment below: a count that includes a
      // twin's claim comes with that claim's key_hash, re-read here.
      if (admitted_.load(std::memory_order_acquire) >= keys_max_) {
        seen = entry.key_hash.load(std::memory_order_acquire);
        if (seen != probe.hash) return nullptr;
      } else if (entry.key_hash.compare_exchange_strong(seen, probe.hash, std::memory_order_acq_rel,
                                                        std::memory_order_acquire)) {
        // acq_rel above: release publishes the key; acquire on failure lets
        // us use an entry another thread just claimed for the same hash.
        // Release: see the acquire load of the count above.
        admitted_.fetch_add(1, std::memory_order_release);
        seen = probe.hash;
      }
    }
    if (seen == probe.hash) {
      probe.index = (probe.index + 1) & mask_;
      ++probe.probes;
      return &entry;
    }
  }
  return nullptr;
}

}  // namespace holdfast::internal
