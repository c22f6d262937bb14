// Idempotency-key lookup and insertion. Two different (buyer, key) pairs
// whose 64-bit mixes collide share an entry; the caller checks the hold's
// slot for the real buyer and key, so a collision costs idempotency for those
// two pairs (a fresh hold is made), never a wrong answer.
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

IdempotencyEntry* IdempotencyTable::Find(BuyerId buyer, uint64_t key) const {
  if (!entries_) return nullptr;
  const uint64_t hash = HashOf(buyer, key);
  for (size_t i = hash & mask_, probes = 0; probes <= mask_; i = (i + 1) & mask_, ++probes) {
    // Acquire pairs with the release of the claiming compare-and-swap.
    const uint64_t seen = entries_[i].key_hash.load(std::memory_order_acquire);
    if (seen == hash) return &entries_[i];
    if (seen == 0) return nullptr;
  }
  return nullptr;
}

IdempotencyEntry* IdempotencyTable::FindOrInsert(BuyerId buyer, uint64_t key) {
  if (!entries_) return nullptr;
  const uint64_t hash = HashOf(buyer, key);
  for (size_t i = hash & mask_, probes = 0; probes <= mask_; i = (i + 1) & mask_, ++probes) {
    Atomic<uint64_t>& slot = entries_[i].key_hash;
    // Acquire pairs with the release of the claiming compare-and-swap.
    uint64_t seen = slot.load(std::memory_order_acquire);
    if (seen == hash) return &entries_[i];
    if (seen != 0) continue;
    // Relaxed: a pure count, see admitted_.
    if (admitted_.fetch_add(1, std::memory_order_relaxed) >= keys_max_) {
      admitted_.fetch_sub(1, std::memory_order_relaxed);
      return Find(buyer, key);
    }
    // acq_rel: release publishes the key; acquire on failure lets us use an
    // entry another thread just claimed for the same key.
    if (slot.compare_exchange_strong(seen, hash, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      return &entries_[i];
    }
    admitted_.fetch_sub(1, std::memory_order_relaxed);
    if (seen == hash) return &entries_[i];
  }
  return nullptr;
}

}  // namespace holdfast::internal
