// Sales-cycle positions with monotonic floors, sealing and rollover.
#include "lib/internal/cycle_windows.h"

#include <algorithm>

namespace holdfast::internal {

CycleWindows::CycleWindows(const std::vector<CycleConfig>& cycles)
    : cycles_(cycles), counters_(new StockCounter[std::max<size_t>(cycles.size(), 1)]) {
  // Not shared until the sale is published.
  for (size_t c = 0; c < cycles.size(); ++c) counters_[c].Give(cycles[c].allotment);
}

CycleWindows::Position CycleWindows::FromWall(absl::Time wall) const {
  const auto after =
      std::upper_bound(cycles_.begin(), cycles_.end(), wall,
                       [](absl::Time t, const CycleConfig& c) { return t < c.opens_at; });
  Position at;
  at.index = static_cast<int>(after - cycles_.begin()) - 1;
  at.open = at.index >= 0 && wall < cycles_[at.index].closes_at;
  // Cycles before `index` ended when `index` opened; `index` itself has ended
  // once its closes_at has passed.
  at.ended = at.index < 0 ? 0 : (at.open ? at.index : at.index + 1);
  return at;
}

CycleWindows::Position CycleWindows::WithFloors(Position at, int sealed, int seen_open) {
  if (at.index < seen_open - 1) {
    // The wall clock is behind a cycle already seen open: that cycle is
    // where the sale stands (open unless it has ended since).
    at.index = seen_open - 1;
    at.open = true;
  }
  at.ended = std::max(at.ended, sealed);
  if (at.index < at.ended) at.open = false;
  if (at.index < at.ended - 1) at.index = at.ended - 1;
  return at;
}

CycleWindows::Position CycleWindows::Locate(absl::Time wall) const {
  // Acquire pairs with the release in Seal: the seals below it are visible.
  // Relaxed: see seen_open_.
  return WithFloors(FromWall(wall), sealed_.load(std::memory_order_acquire),
                    seen_open_.load(std::memory_order_relaxed));
}

CycleWindows::Position CycleWindows::Enter(absl::Time wall) {
  // Locate's steps with each floor read once (the hot path of every Hold).
  // Acquire pairs with the release in Seal; relaxed: see seen_open_.
  const int sealed = sealed_.load(std::memory_order_acquire);
  int seen = seen_open_.load(std::memory_order_relaxed);
  const Position at = WithFloors(FromWall(wall), sealed, seen);
  // Relaxed compare-and-swap: a monotonic maximum, see seen_open_.
  while (at.open && seen < at.index + 1 &&
         !seen_open_.compare_exchange_weak(seen, at.index + 1, std::memory_order_relaxed)) {
  }
  if (sealed < at.ended) Seal(at.ended);
  return at;
}

void CycleWindows::Remember(const Position& at, absl::Time wall, int64_t now_ns, uint64_t steps) {
  uint64_t word = 0;  // not open, or too far out to say: nothing cached
  if (at.open && now_ns >= 0) {
    // The position changes when the cycle closes or the next one opens.
    absl::Time boundary = cycles_[at.index].closes_at;
    if (static_cast<size_t>(at.index) + 1 < cycles_.size()) {
      boundary = std::min(boundary, cycles_[at.index + 1].opens_at);
    }
    const absl::Duration left = std::min(boundary - wall, kCacheWindow);
    const int64_t until = now_ns + absl::ToInt64Nanoseconds(left);
    // Rounded down to the unit: the cache ends early, never late.
    const uint64_t until_units = static_cast<uint64_t>(until) >> kCacheUnitBits;
    if (left > absl::ZeroDuration() && until > now_ns &&
        until_units < (uint64_t{1} << (64 - kCacheUntilShift))) {
      word = until_units << kCacheUntilShift | static_cast<uint64_t>(at.index) << kCacheStepsBits |
             (steps & kCacheStepsMask);
    }
  }
  // Release: pairs with CachedOpen's acquire. Concurrent refreshes race;
  // whichever lands, each is bounded by its own boundary and window.
  cache_.store(word, std::memory_order_release);
}

Outcome CycleWindows::OutcomeAt(const Position& at) const {
  if (at.open) return Outcome::kOk;
  if (at.index + 1 >= static_cast<int>(cycles_.size())) return Outcome::kClosed;
  return Outcome::kNotOpen;
}

void CycleWindows::Seal(int target) {
  // Acquire pairs with the release of the compare-and-swap below.
  int current = sealed_.load(std::memory_order_acquire);
  while (current < target) {
    // Exactly one thread's Seal gets the leftover and passes it on.
    const int64_t left = counters_[current].Seal();
    if (left != StockCounter::kSealed && left > 0 && cycles_[current].rollover) {
      Give(current + 1, left);
    }
    // acq_rel: release publishes the seal; on failure, acquire reads the
    // index another thread advanced to. Either way `current` moves forward.
    if (sealed_.compare_exchange_strong(current, current + 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      ++current;
    }
  }
}

int64_t CycleWindows::Available(int cycle, const Position& at) const {
  if (cycle < at.ended) return 0;
  int64_t available = counters_[cycle].Load();
  // Leftovers of ended cycles that nobody has sealed yet and that would roll
  // into `cycle`: an unbroken rollover chain ending just before it.
  for (int c = cycle - 1; c >= 0 && c < at.ended && cycles_[c].rollover; --c) {
    available += counters_[c].Load();  // 0 once sealed
  }
  return available;
}

void CycleWindows::Give(int cycle, int64_t units) {
  const int count = static_cast<int>(cycles_.size());
  for (; cycle >= 0 && cycle < count; ++cycle) {
    if (counters_[cycle].TryGive(units)) return;
    if (!cycles_[cycle].rollover) return;  // the cycle ended; the units stay unreleased
  }
}

}  // namespace holdfast::internal
