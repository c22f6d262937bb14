// idempotency_keys.h: the Idempotency-Keys each buyer has used, bounded per buyer.
//
// holdfast remembers every (buyer, key) pair that made a hold for the sale's life, in a table
// of SaleConfig::idempotency_keys_max entries shared by all buyers. Without a bound per buyer,
// one token could use the whole table and every other buyer's keyed hold would then answer
// 503 for good (issue 14, defect 1). This table admits at most `keys_per_buyer_max` distinct
// keys per buyer (a key is counted once it made a hold; one that never did is forgotten), and
// remembers a fingerprint of the request that first used each key, so that the same key with
// a different request answers 422 instead of silently answering the first hold (as Stripe's
// API does).
//
//   IdempotencyKeys keys(/*keys_per_buyer_max=*/32);
//   switch (keys.Begin(buyer, key, fingerprint)) { ... }   // before Sale::Hold
//   keys.End(buyer, key, hold.ok());  // after it, if admitted, whatever happened
//
// Memory: one small map per buyer that used a key, at most keys_per_buyer_max entries each
// (buyers are the token file's, so bounded too). Thread-safe: every method locks one of
// kShards mutexes (chosen by buyer) for one hash-map operation; never across a holdfast call.
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_IDEMPOTENCY_KEYS_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_IDEMPOTENCY_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "holdfast/types.h"

namespace box_office {

// What Begin decided.
enum class KeyAdmission : uint8_t {
  kKnown,        // a key the buyer used before (or has in flight): Sale::Hold, then End
  kNew,          // a new key, now reserved: Sale::Hold, then End
  kMismatch,     // the key was used with another request: 422, End must not be called
  kTooManyKeys,  // a new key past the buyer's bound: refuse, End must not be called
};

class IdempotencyKeys {
 public:
  // `keys_per_buyer_max` >= 1. Allocates nothing until keys are used.
  explicit IdempotencyKeys(size_t keys_per_buyer_max);

  // Admits `key` (non-zero) of `buyer` with a request whose fingerprint is `fingerprint`:
  // a key the buyer already used with the same fingerprint, or a new key within the bound.
  // A new key is reserved while its request is in flight. Thread-safe. May allocate.
  KeyAdmission Begin(holdfast::BuyerId buyer, uint64_t key, uint64_t fingerprint);

  // Ends an admitted request: `made_hold` says whether Sale::Hold answered kOk (holdfast then
  // remembers the key for good, and so does this table); a key that never made a hold is
  // forgotten once no request of it is in flight. Thread-safe.
  void End(holdfast::BuyerId buyer, uint64_t key, bool made_hold);

 private:
  struct Entry {
    uint64_t fingerprint = 0;
    int32_t in_flight = 0;  // admitted requests not yet ended
    bool kept = false;      // made a hold: holdfast remembers the key
  };
  using Keys = absl::flat_hash_map<uint64_t, Entry>;
  static constexpr size_t kShards = 16;
  struct alignas(64) Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<holdfast::BuyerId, Keys> buyers;  // guarded by mu
  };

  Shard& ShardOf(holdfast::BuyerId buyer) const { return shards_[buyer % kShards]; }

  const size_t keys_per_buyer_max_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_IDEMPOTENCY_KEYS_H_
