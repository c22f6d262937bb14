// The sales-cycle windows (lib/internal/cycle_windows.h) on their own: single-threaded tests of
// where an instant falls (before, inside, between and after windows), of the floors that keep a
// stepped-back wall clock from reopening or closing a cycle, of Locate writing nothing, and of
// sealing, rollover and Available; then a stress run where threads Enter with walls that jump
// back and forth and take units, ending with a conservation check (every unit of every
// allotment is taken or still available: rollover passed on exactly once).
#include "lib/internal/cycle_windows.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace holdfast::internal {
namespace {

absl::Time At(int64_t seconds) { return absl::FromUnixSeconds(seconds); }

CycleConfig Cycle(int64_t opens, int64_t closes, int64_t allotment, bool rollover) {
  CycleConfig cycle;
  cycle.name = "c" + std::to_string(opens);
  cycle.opens_at = At(opens);
  cycle.closes_at = At(closes);
  cycle.allotment = allotment;
  cycle.rollover = rollover;
  return cycle;
}

// c0 [100, 200), a gap, c1 [300, 400), c2 [400, 500) right after it.
std::vector<CycleConfig> ThreeCycles(bool rollover) {
  return {Cycle(100, 200, 10, rollover), Cycle(300, 400, 5, rollover),
          Cycle(400, 500, 7, rollover)};
}

void ExpectPosition(const CycleWindows::Position& at, int index, bool open, int ended) {
  EXPECT_EQ(at.index, index);
  EXPECT_EQ(at.open, open);
  EXPECT_EQ(at.ended, ended);
}

TEST(CycleWindowsTest, PositionsFollowTheWall) {
  const std::vector<CycleConfig> cycles = ThreeCycles(false);
  const CycleWindows windows(cycles);
  EXPECT_FALSE(windows.empty());
  ExpectPosition(windows.Locate(At(50)), -1, false, 0);  // before every window
  ExpectPosition(windows.Locate(At(100)), 0, true, 0);   // opens_at is inside
  ExpectPosition(windows.Locate(At(150)), 0, true, 0);
  ExpectPosition(windows.Locate(At(200)), 0, false, 1);  // closes_at is outside
  ExpectPosition(windows.Locate(At(250)), 0, false, 1);  // between windows
  ExpectPosition(windows.Locate(At(300)), 1, true, 1);
  ExpectPosition(windows.Locate(At(400)), 2, true, 2);   // c1 closes as c2 opens
  ExpectPosition(windows.Locate(At(500)), 2, false, 3);  // after the last window
  EXPECT_EQ(windows.OutcomeAt(windows.Locate(At(50))), Outcome::kNotOpen);
  EXPECT_EQ(windows.OutcomeAt(windows.Locate(At(150))), Outcome::kOk);
  EXPECT_EQ(windows.OutcomeAt(windows.Locate(At(250))), Outcome::kNotOpen);
  EXPECT_EQ(windows.OutcomeAt(windows.Locate(At(450))), Outcome::kOk);
  EXPECT_EQ(windows.OutcomeAt(windows.Locate(At(600))), Outcome::kClosed);
}

TEST(CycleWindowsTest, NoCyclesIsEmpty) {
  const std::vector<CycleConfig> cycles;
  const CycleWindows windows(cycles);
  EXPECT_TRUE(windows.empty());
  EXPECT_EQ(windows.MemoryBytes(), 0u);
}

TEST(CycleWindowsTest, SteppedBackWallNeverReopensAnEndedCycle) {
  const std::vector<CycleConfig> cycles = ThreeCycles(false);
  CycleWindows windows(cycles);
  windows.Enter(At(150));
  ExpectPosition(windows.Enter(At(250)), 0, false, 1);  // c0 has ended and is sealed
  EXPECT_TRUE(windows.counter(0).sealed());
  ExpectPosition(windows.Locate(At(150)), 0, false, 1);
  ExpectPosition(windows.Enter(At(150)), 0, false, 1);
  ExpectPosition(windows.Locate(At(50)), 0, false, 1);
  EXPECT_EQ(windows.OutcomeAt(windows.Locate(At(150))), Outcome::kNotOpen);
}

TEST(CycleWindowsTest, SteppedBackWallNeverClosesACycleSeenOpen) {
  const std::vector<CycleConfig> cycles = ThreeCycles(false);
  CycleWindows windows(cycles);
  ExpectPosition(windows.Enter(At(150)), 0, true, 0);
  ExpectPosition(windows.Locate(At(50)), 0, true, 0);
  ExpectPosition(windows.Enter(At(50)), 0, true, 0);
  ExpectPosition(windows.Enter(At(350)), 1, true, 1);
  ExpectPosition(windows.Locate(At(150)), 1, true, 1);
  ExpectPosition(windows.Locate(At(250)), 1, true, 1);
  // A cycle seen open still ends when the wall passes its closes_at.
  ExpectPosition(windows.Locate(At(450)), 2, true, 2);
  ExpectPosition(windows.Locate(At(600)), 2, false, 3);
}

TEST(CycleWindowsTest, LocateWritesNothing) {
  const std::vector<CycleConfig> cycles = ThreeCycles(true);
  CycleWindows windows(cycles);
  ExpectPosition(windows.Locate(At(250)), 0, false, 1);
  EXPECT_FALSE(windows.counter(0).sealed());  // no seal, no rollover
  EXPECT_EQ(windows.counter(1).Load(), 5);
  // Before any Enter, a stepped-back wall is followed as it is.
  ExpectPosition(windows.Locate(At(150)), 0, true, 0);
  ExpectPosition(windows.Locate(At(50)), -1, false, 0);
  ExpectPosition(windows.Locate(At(600)), 2, false, 3);
  ExpectPosition(windows.Locate(At(50)), -1, false, 0);
  for (int c = 0; c < 3; ++c) EXPECT_FALSE(windows.counter(c).sealed());
}

TEST(CycleWindowsTest, SealingPassesRolloverOnOnce) {
  const std::vector<CycleConfig> cycles = ThreeCycles(true);
  CycleWindows windows(cycles);
  ASSERT_TRUE(windows.Enter(At(150)).open);
  ASSERT_TRUE(windows.counter(0).TryTake(3));
  const CycleWindows::Position at = windows.Enter(At(250));
  EXPECT_TRUE(windows.counter(0).sealed());
  EXPECT_EQ(windows.counter(1).Load(), 5 + 7);
  windows.Enter(At(250));
  windows.Enter(At(260));
  EXPECT_EQ(windows.counter(1).Load(), 5 + 7);
  EXPECT_EQ(windows.Available(0, at), 0);
  EXPECT_EQ(windows.Available(1, at), 12);
  // Past the last window everything is sealed; the last cycle's leftover has nowhere to go.
  const CycleWindows::Position end = windows.Enter(At(600));
  for (int c = 0; c < 3; ++c) {
    EXPECT_TRUE(windows.counter(c).sealed());
    EXPECT_EQ(windows.Available(c, end), 0);
  }
}

TEST(CycleWindowsTest, SealingWithoutRolloverDropsTheLeftover) {
  const std::vector<CycleConfig> cycles = ThreeCycles(false);
  CycleWindows windows(cycles);
  windows.Enter(At(350));
  EXPECT_TRUE(windows.counter(0).sealed());
  EXPECT_EQ(windows.counter(1).Load(), 5);
}

TEST(CycleWindowsTest, AvailableCountsUnsealedRollover) {
  const std::vector<CycleConfig> cycles = ThreeCycles(true);
  CycleWindows windows(cycles);
  ASSERT_TRUE(windows.Enter(At(150)).open);
  ASSERT_TRUE(windows.counter(0).TryTake(4));
  // A query between the windows: c0 is over but not sealed yet.
  const CycleWindows::Position gap = windows.Locate(At(250));
  EXPECT_EQ(windows.Available(0, gap), 0);
  EXPECT_EQ(windows.Available(1, gap), 6 + 5);
  EXPECT_EQ(windows.counter(1).Load(), 5);
  // Two unsealed cycles chain into c2.
  const CycleWindows::Position late = windows.Locate(At(450));
  EXPECT_EQ(windows.Available(2, late), 6 + 5 + 7);
  EXPECT_EQ(windows.Available(1, late), 0);
  // What the query announced is what Enter finds.
  const CycleWindows::Position entered = windows.Enter(At(450));
  EXPECT_EQ(windows.counter(2).Load(), 6 + 5 + 7);
  EXPECT_EQ(windows.Available(2, entered), 6 + 5 + 7);
}

TEST(CycleWindowsTest, AvailableStopsAtABrokenRolloverChain) {
  std::vector<CycleConfig> cycles = ThreeCycles(true);
  cycles[1].rollover = false;
  const CycleWindows windows(cycles);
  const CycleWindows::Position late = windows.Locate(At(450));
  EXPECT_EQ(windows.Available(2, late), 7);
  const CycleWindows::Position mid = windows.Locate(At(350));
  EXPECT_EQ(windows.Available(1, mid), 10 + 5);
}

TEST(CycleWindowsTest, GiveReturnsToTheCycleOrRollsOn) {
  const std::vector<CycleConfig> cycles = ThreeCycles(true);
  CycleWindows windows(cycles);
  ASSERT_TRUE(windows.counter(0).TryTake(2));
  windows.Give(0, 2);  // c0 not sealed: back to c0
  EXPECT_EQ(windows.counter(0).Load(), 10);
  windows.Enter(At(350));  // c0 sealed, its 10 rolled into c1
  EXPECT_EQ(windows.counter(1).Load(), 15);
  windows.Give(0, 3);  // c0 ended and rolls over: into c1
  EXPECT_EQ(windows.counter(1).Load(), 18);

  const std::vector<CycleConfig> plain = ThreeCycles(false);
  CycleWindows dropping(plain);
  dropping.Enter(At(350));
  dropping.Give(0, 3);  // c0 ended without rollover: dropped
  EXPECT_EQ(dropping.counter(1).Load(), 5);
}

// The open-cycle cache (CachedOpen/Remember): an open position is answered until the next
// boundary as the monotonic clock measures the way there, at most kCacheWindow, and only while
// the clock's step count is the one it was read with; a closed position is never cached.
TEST(CycleWindowsTest, CacheAnswersAnOpenCycleUntilTheNextBoundary) {
  const std::vector<CycleConfig> cycles = ThreeCycles(false);  // c1 [300, 400), c2 [400, 500)
  CycleWindows windows(cycles);
  int cycle = -7;
  EXPECT_FALSE(windows.CachedOpen(0, 0, cycle));  // nothing remembered yet
  const int64_t ms = 1'000'000;
  // At wall 399.9995 s (0.5 ms before c1 closes and c2 opens), monotonic 10 ms.
  const absl::Time wall = At(400) - absl::Microseconds(500);
  CycleWindows::Position at = windows.Enter(wall);
  ASSERT_TRUE(at.open);
  windows.Remember(at, wall, 10 * ms, 3);
  EXPECT_TRUE(windows.CachedOpen(10 * ms, 3, cycle));
  EXPECT_EQ(cycle, 1);
  // Up to the boundary (ending early by less than the word's 4.096 us unit), never at it.
  EXPECT_TRUE(windows.CachedOpen(10 * ms + 490'000, 3, cycle));
  EXPECT_FALSE(windows.CachedOpen(10 * ms + 500'000, 3, cycle));
  // A step of the wall clock since: not answered.
  EXPECT_FALSE(windows.CachedOpen(10 * ms, 4, cycle));
  // Far from a boundary: at most kCacheWindow.
  const absl::Time mid = At(450);
  at = windows.Enter(mid);
  windows.Remember(at, mid, 20 * ms, 4);
  EXPECT_TRUE(windows.CachedOpen(20 * ms + ms - 5000, 4, cycle));
  EXPECT_EQ(cycle, 2);
  EXPECT_FALSE(windows.CachedOpen(21 * ms, 4, cycle));
  // A position that is not open clears the cache.
  at = windows.Enter(At(600));
  EXPECT_FALSE(at.open);
  windows.Remember(at, At(600), 30 * ms, 4);
  EXPECT_FALSE(windows.CachedOpen(30 * ms, 4, cycle));
}

TEST(CycleWindowsTest, CacheOfAWindowWithoutEndLastsTheWindowAndSaturates) {
  std::vector<CycleConfig> cycles = {Cycle(100, 200, 10, false)};
  cycles[0].closes_at = absl::InfiniteFuture();
  CycleWindows windows(cycles);
  int cycle = -1;
  CycleWindows::Position at = windows.Enter(At(150));
  windows.Remember(at, At(150), 0, 0);
  EXPECT_TRUE(windows.CachedOpen(999'000, 0, cycle));
  EXPECT_FALSE(windows.CachedOpen(1'000'000, 0, cycle));
  // Sale time past what the word can hold (2^54 ns, 208 days): nothing is cached.
  windows.Remember(at, At(150), int64_t{1} << 55, 0);
  EXPECT_FALSE(windows.CachedOpen(int64_t{1} << 55, 0, cycle));
  // Steps are compared on their low 12 bits; the count itself may be any value.
  windows.Remember(at, At(150), 0, ~uint64_t{0});
  EXPECT_TRUE(windows.CachedOpen(0, ~uint64_t{0}, cycle));
}

// Threads walk the wall through eight back-to-back cycles, each Enter at an instant a little
// before or after their own clock (a wall that steps back), taking one unit where the position
// is open. Each thread's positions never move backward; at the end, with the last cycle still
// open, taken + available over all counters equals the sum of the allotments.
TEST(CycleWindowsStressTest, ConcurrentEnterConservesAllotments) {
  constexpr int kCycles = 8;
  constexpr int kThreads = 4;
  constexpr int kEntersPerCycle = 400;
  std::vector<CycleConfig> cycles;
  int64_t total = 0;
  for (int c = 0; c < kCycles; ++c) {
    // Windows [1000 c, 1000 c + 800), gaps of 200, every one rolls over.
    cycles.push_back(Cycle(1000 * c, 1000 * c + 800, 100 + c, true));
    total += 100 + c;
  }
  CycleWindows windows(cycles);
  std::atomic<int64_t> taken{0};
  std::atomic<int64_t> backward{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(77 + t);
      CycleWindows::Position last;
      for (int c = 0; c < kCycles; ++c) {
        for (int e = 0; e < kEntersPerCycle; ++e) {
          // Up to one window back, never past the last window's end.
          const int64_t jitter = static_cast<int64_t>(random() % 1600) - 1000;
          int64_t wall = 1000 * c + e * 2 + jitter;
          if (c == kCycles - 1) wall = std::min<int64_t>(wall, 1000 * c + 700);
          const CycleWindows::Position at = windows.Enter(At(wall));
          if (at.index < last.index || at.ended < last.ended) {
            // Relaxed: counts read after join.
            backward.fetch_add(1, std::memory_order_relaxed);
          }
          last = at;
          if (at.open && windows.counter(at.index).TryTake(1)) {
            taken.fetch_add(1, std::memory_order_relaxed);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(backward.load(), 0);
  const CycleWindows::Position end = windows.Enter(At(1000 * (kCycles - 1) + 700));
  ASSERT_TRUE(end.open);
  ASSERT_EQ(end.index, kCycles - 1);
  int64_t available = 0;
  for (int c = 0; c < kCycles; ++c) {
    if (c < kCycles - 1) {
      EXPECT_TRUE(windows.counter(c).sealed()) << c;
    }
    available += windows.counter(c).Load();
  }
  EXPECT_EQ(taken.load() + available, total);
  EXPECT_EQ(windows.Available(kCycles - 1, end), available);
}

}  // namespace
}  // namespace holdfast::internal
