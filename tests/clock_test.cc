// Checks the clocks of clock.h: ManualClock moves only when told to (Advance moves both
// readings, a negative Advance is ignored, SetWall moves wall time alone) and SystemClock's
// monotonic reading never goes backwards; every check compares exact readings.
#include "holdfast/clock.h"

#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace holdfast {
namespace {

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

TEST(ManualClockTest, StartsAtMonotonicZeroAndTheGivenWallTime) {
  ManualClock clock(kNoon);
  EXPECT_EQ(clock.MonotonicNanos(), 0);
  EXPECT_EQ(clock.WallNow(), kNoon);
}

TEST(ManualClockTest, DefaultWallTimeIsTheUnixEpoch) {
  ManualClock clock;
  EXPECT_EQ(clock.MonotonicNanos(), 0);
  EXPECT_EQ(clock.WallNow(), absl::UnixEpoch());
}

TEST(ManualClockTest, DoesNotMoveByItself) {
  ManualClock clock(kNoon);
  absl::SleepFor(absl::Milliseconds(2));  // Real time passes; the manual clock must not.
  EXPECT_EQ(clock.MonotonicNanos(), 0);
  EXPECT_EQ(clock.WallNow(), kNoon);
}

TEST(ManualClockTest, AdvanceMovesBothClocksByTheSameAmount) {
  ManualClock clock(kNoon);
  clock.Advance(absl::Seconds(90));
  EXPECT_EQ(clock.MonotonicNanos(), int64_t{90} * 1'000'000'000);
  EXPECT_EQ(clock.WallNow(), kNoon + absl::Seconds(90));
  clock.Advance(absl::Nanoseconds(7));
  EXPECT_EQ(clock.MonotonicNanos(), int64_t{90} * 1'000'000'000 + 7);
  EXPECT_EQ(clock.WallNow(), kNoon + absl::Seconds(90) + absl::Nanoseconds(7));
}

TEST(ManualClockTest, AdvanceByZeroChangesNothing) {
  ManualClock clock(kNoon);
  clock.Advance(absl::Seconds(1));
  clock.Advance(absl::ZeroDuration());
  EXPECT_EQ(clock.MonotonicNanos(), 1'000'000'000);
  EXPECT_EQ(clock.WallNow(), kNoon + absl::Seconds(1));
}

TEST(ManualClockTest, NegativeAdvanceIsIgnored) {
  ManualClock clock(kNoon);
  clock.Advance(absl::Minutes(5));
  clock.Advance(-absl::Minutes(1));
  EXPECT_EQ(clock.MonotonicNanos(), int64_t{300} * 1'000'000'000);
  EXPECT_EQ(clock.WallNow(), kNoon + absl::Minutes(5));
  clock.Advance(-absl::Nanoseconds(1));
  EXPECT_EQ(clock.MonotonicNanos(), int64_t{300} * 1'000'000'000);
  EXPECT_EQ(clock.WallNow(), kNoon + absl::Minutes(5));
}

TEST(ManualClockTest, SetWallForwardDoesNotMoveMonotonic) {
  ManualClock clock(kNoon);
  clock.Advance(absl::Seconds(3));
  clock.SetWall(kNoon + absl::Hours(6));
  EXPECT_EQ(clock.WallNow(), kNoon + absl::Hours(6));
  EXPECT_EQ(clock.MonotonicNanos(), 3'000'000'000);
}

TEST(ManualClockTest, SetWallBackwardDoesNotMoveMonotonic) {
  ManualClock clock(kNoon);
  clock.Advance(absl::Seconds(3));
  clock.SetWall(kNoon - absl::Hours(24));
  EXPECT_EQ(clock.WallNow(), kNoon - absl::Hours(24));
  EXPECT_EQ(clock.MonotonicNanos(), 3'000'000'000);
}

TEST(ManualClockTest, AdvanceAfterSetWallMovesFromTheNewWallTime) {
  ManualClock clock(kNoon);
  clock.SetWall(kNoon - absl::Hours(1));
  clock.Advance(absl::Minutes(10));
  EXPECT_EQ(clock.WallNow(), kNoon - absl::Minutes(50));
  EXPECT_EQ(clock.MonotonicNanos(), int64_t{600} * 1'000'000'000);
}

// Defect 18 of issue 10: Advance(InfiniteDuration) wrapped monotonic time to about -9.2e18.
TEST(ManualClockTest, InfiniteAdvanceSaturatesInsteadOfWrapping) {
  ManualClock clock(kNoon);
  clock.Advance(absl::Seconds(1));
  clock.Advance(absl::InfiniteDuration());
  EXPECT_EQ(clock.MonotonicNanos(), kManualClockNanosMax);
  EXPECT_EQ(clock.WallNow(), absl::FromUnixNanos(kManualClockNanosMax));
  // Further advances stay at the ceiling: time never goes back.
  clock.Advance(absl::Nanoseconds(1));
  clock.Advance(absl::InfiniteDuration());
  EXPECT_EQ(clock.MonotonicNanos(), kManualClockNanosMax);
  EXPECT_EQ(clock.WallNow(), absl::FromUnixNanos(kManualClockNanosMax));
}

TEST(ManualClockTest, TwoHugeAdvancesSaturate) {
  ManualClock clock(kNoon);
  const absl::Duration huge = absl::Hours(24 * 365 * 200);  // 200 years: 6.3e18 ns each
  clock.Advance(huge);
  const int64_t once = clock.MonotonicNanos();
  EXPECT_EQ(once, absl::ToInt64Nanoseconds(huge));
  clock.Advance(huge);
  EXPECT_EQ(clock.MonotonicNanos(), kManualClockNanosMax);
  EXPECT_GE(clock.MonotonicNanos(), once);
  EXPECT_EQ(clock.WallNow(), absl::FromUnixNanos(kManualClockNanosMax));

  ManualClock other(kNoon);
  other.Advance(absl::Hours(24 * 365 * 1000));  // finite, but past 2^63 ns
  EXPECT_EQ(other.MonotonicNanos(), kManualClockNanosMax);
}

TEST(ManualClockTest, SetWallClampsInfiniteTimes) {
  ManualClock clock(kNoon);
  clock.SetWall(absl::InfiniteFuture());
  EXPECT_EQ(clock.WallNow(), absl::FromUnixNanos(kManualClockNanosMax));
  clock.Advance(absl::Seconds(1));  // The wall reading saturates, it does not wrap.
  EXPECT_EQ(clock.WallNow(), absl::FromUnixNanos(kManualClockNanosMax));
  EXPECT_EQ(clock.MonotonicNanos(), 1'000'000'000);
  clock.SetWall(absl::InfinitePast());
  EXPECT_EQ(clock.WallNow(), absl::FromUnixNanos(kManualClockNanosMin));
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(clock.WallNow(), absl::FromUnixNanos(kManualClockNanosMin) + absl::Seconds(1));
}

TEST(ManualClockTest, UsableThroughTheClockInterface) {
  ManualClock manual(kNoon);
  const Clock& clock = manual;
  manual.Advance(absl::Milliseconds(1));
  EXPECT_EQ(clock.MonotonicNanos(), 1'000'000);
  EXPECT_EQ(clock.WallNow(), kNoon + absl::Milliseconds(1));
}

TEST(SystemClockTest, GetReturnsOneInstance) {
  EXPECT_NE(SystemClock::Get(), nullptr);
  EXPECT_EQ(SystemClock::Get(), SystemClock::Get());
}

TEST(SystemClockTest, MonotonicNeverGoesBackwards) {
  const SystemClock* clock = SystemClock::Get();
  int64_t previous = clock->MonotonicNanos();
  int backwards = 0;
  for (int i = 0; i < 100000; ++i) {
    int64_t now = clock->MonotonicNanos();
    if (now < previous) ++backwards;
    previous = now;
  }
  EXPECT_EQ(backwards, 0);
}

TEST(SystemClockTest, MonotonicMovesWithRealTime) {
  const SystemClock* clock = SystemClock::Get();
  int64_t before = clock->MonotonicNanos();
  absl::SleepFor(absl::Milliseconds(5));
  int64_t after = clock->MonotonicNanos();
  EXPECT_GE(after - before, 5'000'000);
}

TEST(SystemClockTest, WallNowIsTheRealWallTime) {
  absl::Time before = absl::Now();
  absl::Time wall = SystemClock::Get()->WallNow();
  absl::Time after = absl::Now();
  EXPECT_GE(wall, before);
  EXPECT_LE(wall, after);
}

}  // namespace
}  // namespace holdfast
