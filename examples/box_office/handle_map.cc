// handle_map.cc: the sharded handle table; see handle_map.h.
#include "handle_map.h"

#include <cstring>
#include <utility>

#include "secure_random.h"

namespace box_office {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendHex(uint64_t value, int digits, std::string* out) {
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHexDigits[(value >> (4 * i)) & 0xF]);
}

std::optional<uint64_t> ParseHex(std::string_view text) {
  uint64_t value = 0;
  for (const char c : text) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;  // uppercase too: one spelling per handle
    }
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  return value;
}

}  // namespace

std::string FormatHoldHandle(const HoldHandle& handle) {
  std::string text;
  text.reserve(kHoldHandleChars);
  AppendHex(handle.high, 16, &text);
  AppendHex(handle.low, 16, &text);
  AppendHex(handle.shard, 2, &text);
  return text;
}

std::optional<HoldHandle> ParseHoldHandle(std::string_view text) {
  if (text.size() != kHoldHandleChars) return std::nullopt;
  const std::optional<uint64_t> high = ParseHex(text.substr(0, 16));
  const std::optional<uint64_t> low = ParseHex(text.substr(16, 16));
  const std::optional<uint64_t> shard = ParseHex(text.substr(32, 2));
  if (!high || !low || !shard || *shard >= kHandleShards) return std::nullopt;
  return HoldHandle{.high = *high, .low = *low, .shard = static_cast<uint32_t>(*shard)};
}

HandleMap::HandleMap(size_t capacity)
    : shard_capacity_((capacity + kHandleShards - 1) / kHandleShards),
      shards_(new Shard[kHandleShards]) {
  for (uint32_t i = 0; i < kHandleShards; ++i) {
    shards_[i].by_handle.reserve(shard_capacity_);
    shards_[i].by_hold.reserve(shard_capacity_);
  }
}

uint32_t HandleMap::ShardOf(holdfast::HoldId hold) {
  // The HoldId's low bits are its slot; a multiplicative mix spreads neighbouring slots.
  return static_cast<uint32_t>((hold.value * 0x9E3779B97F4A7C15ull) >> 58) % kHandleShards;
}

void HandleMap::EraseLocked(Shard& shard, const HoldHandle& handle) {
  const auto it = shard.by_handle.find(handle);
  if (it == shard.by_handle.end()) return;
  shard.by_hold.erase(it->second.hold.value);
  shard.by_handle.erase(it);
}

bool HandleMap::MakeRoom(Shard& shard, int64_t now_ns) {
  if (shard.by_handle.size() < shard_capacity_) return true;
  const HoldHandle* oldest_ended = nullptr;  // of the entries whose hold ended or expired
  int64_t oldest_keep_until = 0;
  for (auto it = shard.by_handle.begin(); it != shard.by_handle.end();) {
    if (it->second.keep_until_ns <= now_ns) {
      shard.by_hold.erase(it->second.hold.value);
      shard.by_handle.erase(it++);
      continue;
    }
    if ((it->second.ended || it->second.deadline_ns <= now_ns) &&
        (oldest_ended == nullptr || it->second.keep_until_ns < oldest_keep_until)) {
      oldest_ended = &it->first;
      oldest_keep_until = it->second.keep_until_ns;
    }
    ++it;
  }
  if (shard.by_handle.size() < shard_capacity_) return true;
  if (oldest_ended == nullptr) return false;
  // Only a late client of that hold loses: a retried confirm, or an action on an expired
  // hold, answers 404 instead of 200 or 410.
  EraseLocked(shard, HoldHandle(*oldest_ended));
  return true;
}

PutResult HandleMap::Put(holdfast::HoldId hold, holdfast::BuyerId buyer, int64_t deadline_ns,
                         int64_t keep_until_ns, int64_t now_ns, HoldHandle* out) {
  const uint32_t index = ShardOf(hold);
  Shard& shard = shards_[index];
  std::lock_guard<std::mutex> lock(shard.mu);
  if (const auto it = shard.by_hold.find(hold.value); it != shard.by_hold.end()) {
    *out = it->second;
    return PutResult::kExisting;
  }
  if (!MakeRoom(shard, now_ns)) return PutResult::kFull;
  HoldHandle handle{.shard = index};
  do {
    // A repeat of 128 random bits would be a broken random source; checking costs nothing.
    uint8_t bytes[16];
    FillSecureRandom(bytes, sizeof(bytes));
    std::memcpy(&handle.high, bytes, 8);
    std::memcpy(&handle.low, bytes + 8, 8);
  } while (shard.by_handle.contains(handle));
  shard.by_handle.emplace(handle, HandleEntry{.hold = hold,
                                              .buyer = buyer,
                                              .deadline_ns = deadline_ns,
                                              .keep_until_ns = keep_until_ns,
                                              .ended = false});
  shard.by_hold.emplace(hold.value, handle);
  *out = handle;
  return PutResult::kNew;
}

std::optional<HandleEntry> HandleMap::Find(const HoldHandle& handle) const {
  const Shard& shard = shards_[handle.shard % kHandleShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  const auto it = shard.by_handle.find(handle);
  if (it == shard.by_handle.end()) return std::nullopt;
  return it->second;
}

void HandleMap::Update(const HoldHandle& handle, int64_t deadline_ns, int64_t keep_until_ns,
                       bool ended) {
  Shard& shard = shards_[handle.shard % kHandleShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  const auto it = shard.by_handle.find(handle);
  if (it == shard.by_handle.end()) return;
  it->second.deadline_ns = deadline_ns;
  it->second.keep_until_ns = keep_until_ns;
  it->second.ended = ended;
}

void HandleMap::Erase(const HoldHandle& handle) {
  Shard& shard = shards_[handle.shard % kHandleShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  EraseLocked(shard, handle);
}

size_t HandleMap::Purge(int64_t now_ns) {
  size_t purged = 0;
  for (uint32_t i = 0; i < kHandleShards; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    for (auto it = shard.by_handle.begin(); it != shard.by_handle.end();) {
      if (it->second.keep_until_ns <= now_ns) {
        shard.by_hold.erase(it->second.hold.value);
        shard.by_handle.erase(it++);
        ++purged;
      } else {
        ++it;
      }
    }
  }
  return purged;
}

size_t HandleMap::size() const {
  size_t total = 0;
  for (uint32_t i = 0; i < kHandleShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    total += shards_[i].by_handle.size();
  }
  return total;
}

}  // namespace box_office
