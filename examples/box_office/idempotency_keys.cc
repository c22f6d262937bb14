// idempotency_keys.cc: the per-buyer key bound; see idempotency_keys.h.
#include "idempotency_keys.h"

namespace box_office {

IdempotencyKeys::IdempotencyKeys(size_t keys_per_buyer_max)
    : keys_per_buyer_max_(keys_per_buyer_max), shards_(new Shard[kShards]) {}

KeyAdmission IdempotencyKeys::Begin(holdfast::BuyerId buyer, uint64_t key, uint64_t fingerprint) {
  Shard& shard = ShardOf(buyer);
  std::lock_guard<std::mutex> lock(shard.mu);
  Keys& keys = shard.buyers[buyer];
  if (const auto it = keys.find(key); it != keys.end()) {
    if (it->second.fingerprint != fingerprint) return KeyAdmission::kMismatch;
    ++it->second.in_flight;
    return KeyAdmission::kKnown;
  }
  if (keys.size() >= keys_per_buyer_max_) {
    if (keys.empty()) shard.buyers.erase(buyer);  // keys_per_buyer_max_ == 0: keep nothing
    return KeyAdmission::kTooManyKeys;
  }
  keys.emplace(key, Entry{.fingerprint = fingerprint, .in_flight = 1, .kept = false});
  return KeyAdmission::kNew;
}

void IdempotencyKeys::End(holdfast::BuyerId buyer, uint64_t key, bool made_hold) {
  Shard& shard = ShardOf(buyer);
  std::lock_guard<std::mutex> lock(shard.mu);
  const auto buyer_it = shard.buyers.find(buyer);
  if (buyer_it == shard.buyers.end()) return;
  Keys& keys = buyer_it->second;
  const auto it = keys.find(key);
  if (it == keys.end()) return;
  --it->second.in_flight;
  if (made_hold) it->second.kept = true;
  if (!it->second.kept && it->second.in_flight == 0) {
    keys.erase(it);
    if (keys.empty()) shard.buyers.erase(buyer_it);
  }
}

}  // namespace box_office
