// lib/internal/cycle_windows.h: where the wall clock stands among a sale's
// sales cycles, and each cycle's allotment counter.
//
// A cycle is on sale from opens_at to closes_at (wall-clock instants). When a
// cycle is over its counter is sealed (StockCounter::Seal): exactly one thread
// takes the leftover and passes it on when the cycle rolls over. The position
// only moves forward: a wall clock stepped back (NTP, `date -s`) never reopens
// a cycle that has ended and never closes one that was seen open. The floors
// that keep it so are two monotonic words: how many cycles are sealed, and
// how many were seen open.
//
//   CycleWindows windows(config.cycles);
//   CycleWindows::Position at = windows.Enter(clock.WallNow());  // a Hold
//   if (!at.open) return at.index < 0 ? kNotOpen : ...;
//   windows.counter(at.index).TryTake(units);
//   CycleWindows::Position now = windows.Locate(clock.WallNow());  // a query: writes nothing
#ifndef HOLDFAST_LIB_INTERNAL_CYCLE_WINDOWS_H_
#define HOLDFAST_LIB_INTERNAL_CYCLE_WINDOWS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "holdfast/config.h"
#include "holdfast/outcome.h"
#include "lib/internal/atomic.h"
#include "lib/internal/stock_counter.h"

namespace holdfast::internal {

class CycleWindows {
 public:
  // Where an instant falls, after the floors.
  struct Position {
    int index = -1;     // the last cycle opened, -1 for none
    bool open = false;  // `index` is on sale
    int ended = 0;      // cycles 0 .. ended - 1 are over
  };

  explicit CycleWindows(const std::vector<CycleConfig>& cycles);

  bool empty() const { return cycles_.empty(); }

  // The position at `wall`, raised to the floors. Writes nothing (queries
  // use it). Lock-free.
  Position Locate(absl::Time wall) const;
  // As Locate, and records it: raises the floors and seals every cycle that
  // is over, passing rollover on. For Hold. Lock-free.
  Position Enter(absl::Time wall);

  // The Outcome of holding at `at`: kOk when open, else kNotOpen (before a
  // window) or kClosed (after the last one).
  Outcome OutcomeAt(const Position& at) const;

  StockCounter& counter(int cycle) { return counters_[cycle]; }
  // Units cycle `cycle` can still release at `at`: 0 once it has ended, and
  // with the leftovers of ended cycles that roll over into it but are not
  // passed on yet (a query tells what the next Hold will find).
  int64_t Available(int cycle, const Position& at) const;
  // Returns `units` to cycle `cycle`, or to the first later cycle that is
  // still selling when it has ended and rolls over; dropped otherwise.
  void Give(int cycle, int64_t units);

  // The open-cycle cache: lets a Hold skip reading the wall clock. Remember
  // keeps an open position, read from `wall` at monotonic `now_ns` (sale
  // time) with the clock's WallSteps() `steps` read before `wall`, until the
  // next window boundary as the monotonic clock measures the way there, and
  // for at most kCacheWindow; CachedOpen answers it (the open cycle in
  // `cycle`) while `now_ns` is before that and the clock has made no step
  // since. A stale answer is refused later by the cycle's sealed counter;
  // what caching gives up is said in holdfast/clock.h (WallSteps). Both are
  // lock-free and wait-free (one load; one store).
  static constexpr absl::Duration kCacheWindow = absl::Milliseconds(1);
  bool CachedOpen(int64_t now_ns, uint64_t steps, int& cycle) const {
    // Acquire pairs with Remember's release: a Hold that uses the cached
    // cycle sees the seals and floors that the Enter behind it made.
    const uint64_t word = cache_.load(std::memory_order_acquire);
    if ((word & kCacheStepsMask) != (steps & kCacheStepsMask) || now_ns < 0) return false;
    if (static_cast<uint64_t>(now_ns) >> kCacheUnitBits >= word >> kCacheUntilShift) return false;
    cycle = static_cast<int>((word >> kCacheStepsBits) & kCacheIndexMask);
    return true;
  }
  void Remember(const Position& at, absl::Time wall, int64_t now_ns, uint64_t steps);

  const CycleConfig& config(int cycle) const { return cycles_[cycle]; }
  size_t MemoryBytes() const { return cycles_.size() * sizeof(StockCounter); }

 private:
  Position FromWall(absl::Time wall) const;
  // `at` raised to the floors `sealed` and `seen_open` (read by the caller).
  static Position WithFloors(Position at, int sealed, int seen_open);
  void Seal(int target);

  const std::vector<CycleConfig>& cycles_;
  std::unique_ptr<StockCounter[]> counters_;
  // Cycles 0 .. sealed_ - 1 are sealed; moves forward only. Acquire/release:
  // a thread that sees k sees the seals (and rollovers) of cycles below k.
  alignas(64) Atomic<int32_t> sealed_{0};
  // One more than the highest cycle index seen open; moves forward only.
  // Relaxed: a floor read on its own, no data travels with it.
  Atomic<int32_t> seen_open_{0};

  // The cache word: [valid until: 42 bits, in units of 2^12 ns of sale time
  // (208 days), exclusive | open cycle index: 10 | WallSteps() low 12 bits].
  // 0 is never valid. Its own cache line: every Hold reads it, a refresh
  // writes it at most once a millisecond.
  static constexpr int kCacheStepsBits = 12;
  static constexpr int kCacheIndexBits = 10;
  static constexpr int kCacheUnitBits = 12;
  static constexpr int kCacheUntilShift = kCacheStepsBits + kCacheIndexBits;
  static constexpr uint64_t kCacheStepsMask = (uint64_t{1} << kCacheStepsBits) - 1;
  static constexpr uint64_t kCacheIndexMask = (uint64_t{1} << kCacheIndexBits) - 1;
  static_assert(kCyclesMax <= (1 << kCacheIndexBits), "a cycle index fits the cache word");
  alignas(64) Atomic<uint64_t> cache_{0};
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_CYCLE_WINDOWS_H_
