// lib/internal/idempotency_table.h: (buyer, key) -> the hold made with them.
//
// An entry's key is claimed once and kept for the sale's life; its hold word
// changes as holds made with that key come and go. The compare-and-swap of the
// hold word decides which of two concurrent holds with one key is the hold.
//
// Two (buyer, key) pairs whose 64-bit hashes collide (an attacker can choose
// a key that does) meet at entries of one hash; the caller tells them apart
// by the hold's slot, which stores the exact buyer and key, and walks on to
// the next entry of that hash when one belongs to the other pair.
//
//   IdempotencyTable table(keys_max);
//   IdempotencyTable::Probe probe = table.Start(buyer, key);
//   IdempotencyEntry* entry = table.NextOrInsert(probe);  // nullptr: full
//   HoldId current{entry->hold.load(std::memory_order_acquire)};
#ifndef HOLDFAST_LIB_INTERNAL_IDEMPOTENCY_TABLE_H_
#define HOLDFAST_LIB_INTERNAL_IDEMPOTENCY_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "holdfast/types.h"
#include "lib/internal/atomic.h"
#include "lib/internal/hash.h"

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

  // A walk over the entries of one (buyer, key) hash, in probe order.
  struct Probe {
    uint64_t hash = 0;
    size_t index = 0;
    size_t probes = 0;
  };
  Probe Start(BuyerId buyer, uint64_t key) const;

  // The next entry of the probe's hash; nullptr at the first empty entry
  // (there are no more). Lock-free.
  IdempotencyEntry* Next(Probe& probe) const;
  // As Next, but claims the first empty entry for the hash instead of
  // stopping there; nullptr when keys_max keys are remembered already (new
  // keys racing at that edge may pass it by one each; twins of one key both
  // get its entry). Lock-free.
  IdempotencyEntry* NextOrInsert(Probe& probe);

  size_t MemoryBytes() const { return entries_ ? (mask_ + 1) * sizeof(IdempotencyEntry) : 0; }
  // MemoryBytes of a table for `keys_max` keys, before it is made.
  static size_t PlannedBytes(int32_t keys_max) {
    return keys_max > 0 ? TableSizeFor(keys_max) * sizeof(IdempotencyEntry) : 0;
  }

 private:
  static uint64_t HashOf(BuyerId buyer, uint64_t key);

  const int64_t keys_max_;
  const size_t mask_;
  std::unique_ptr<IdempotencyEntry[]> entries_;
  // Keys remembered so far, counted after their entry is claimed.
  // Release/acquire: a reader of the count sees the claims it counts
  // (NextOrInsert).
  alignas(64) Atomic<int64_t> admitted_{0};
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_IDEMPOTENCY_TABLE_H_
