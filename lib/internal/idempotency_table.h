// lib/internal/idempotency_table.h: (buyer, key) -> the hold made with them.
//
// An entry's key is claimed once and kept for the sale's life; its hold word
// changes as holds made with that key come and go. The compare-and-swap of the
// hold word decides which of two concurrent holds with one key is the hold.
//
//   IdempotencyTable table(keys_max);
//   IdempotencyEntry* entry = table.FindOrInsert(buyer, key);  // nullptr: full
//   HoldId current{entry->hold.load(std::memory_order_acquire)};
#ifndef HOLDFAST_LIB_INTERNAL_IDEMPOTENCY_TABLE_H_
#define HOLDFAST_LIB_INTERNAL_IDEMPOTENCY_TABLE_H_

#include "lib/internal/atomic.h"
#include <cstddef>
#include <cstdint>
#include <memory>

#include "holdfast/types.h"

namespace holdfast::internal {

struct alignas(16) IdempotencyEntry {
  // Mix of (buyer, key), never 0 once claimed. Release/acquire publish it.
  Atomic<uint64_t> key_hash{0};
  // The HoldId value of the latest hold made with this key, 0 for none. It
  // may name a hold that has ended: readers check the slot.
  Atomic<uint64_t> hold{0};
};

class IdempotencyTable {
 public:
  // keys_max == 0 makes an empty table whose lookups find nothing.
  explicit IdempotencyTable(int32_t keys_max);

  // The entry of (buyer, key); nullptr if it was never inserted.
  IdempotencyEntry* Find(BuyerId buyer, uint64_t key) const;
  // The entry of (buyer, key), claimed if new; nullptr when keys_max keys
  // are remembered already. Lock-free.
  IdempotencyEntry* FindOrInsert(BuyerId buyer, uint64_t key);

  size_t MemoryBytes() const { return entries_ ? (mask_ + 1) * sizeof(IdempotencyEntry) : 0; }

 private:
  static uint64_t HashOf(BuyerId buyer, uint64_t key);

  const int64_t keys_max_;
  const size_t mask_;
  std::unique_ptr<IdempotencyEntry[]> entries_;
  // Keys remembered so far. Relaxed: a pure count; the key_hash
  // compare-and-swap publishes an entry.
  alignas(64) Atomic<int64_t> admitted_{0};
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_IDEMPOTENCY_TABLE_H_
