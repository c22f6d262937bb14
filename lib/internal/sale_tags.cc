// Leasing of HoldId sale tags with per-tag generation floors.
#include "lib/internal/sale_tags.h"

#include <algorithm>
#include <array>
#include <mutex>

#include "lib/internal/hold_slot.h"
#include "lib/internal/revert.h"

namespace holdfast::internal {
namespace {

constexpr uint32_t kTagCount = uint32_t{1} << kSaleTagBits;
// A tag is leased only while this many generations are left above its
// floor, so every sale gets at least that many holds per slot.
constexpr uint64_t kGenerationsPerSaleMin = kGenerationMax / 2;

struct TagTable {
  std::mutex mu;
  uint32_t next = 0;  // where the search for a free tag starts (round robin)
  std::array<bool, kTagCount> live{};
  std::array<uint64_t, kTagCount> floor{};  // 0 means 1: no generation issued yet
};

TagTable& Table() {
  static TagTable* table = new TagTable;  // never destroyed: sales may outlive statics
  return *table;
}

// The lease Acquire would make; the caller holds table.mu.
std::optional<SaleTags::Lease> NextLease(const TagTable& table) {
  for (uint32_t step = 0; step < kTagCount; ++step) {
    const uint32_t tag = (table.next + step) % kTagCount;
    const uint64_t first = std::max<uint64_t>(table.floor[tag], 1);
    if (table.live[tag] || first > kGenerationMax - kGenerationsPerSaleMin) continue;
    SaleTags::Lease lease{tag, first};
#ifdef HOLDFAST_DETERMINISTIC
    if (first_generation_for_test != 0) {
      lease.first_generation = std::max(first, first_generation_for_test);
    }
#endif
    return lease;
  }
  return std::nullopt;
}

}  // namespace

std::optional<SaleTags::Lease> SaleTags::Acquire() {
  TagTable& table = Table();
  std::lock_guard<std::mutex> lock(table.mu);
  const std::optional<Lease> lease = NextLease(table);
  if (lease) {
    table.live[lease->tag] = true;
    table.next = (lease->tag + 1) % kTagCount;
  }
  return lease;
}

std::optional<SaleTags::Lease> SaleTags::PeekNext() {
  TagTable& table = Table();
  std::lock_guard<std::mutex> lock(table.mu);
  return NextLease(table);
}

void SaleTags::Release(uint32_t tag, uint64_t next_generation) {
  TagTable& table = Table();
  std::lock_guard<std::mutex> lock(table.mu);
  table.live[tag] = false;
  table.floor[tag] = std::max(table.floor[tag], next_generation);
}

}  // namespace holdfast::internal
