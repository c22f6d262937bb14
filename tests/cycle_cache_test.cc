// The open-cycle cache seen from Sale (holdfast/clock.h, Clock::WallSteps): Holds in an open
// cycle read the wall clock at most once per millisecond of monotonic time, windows still open
// and close at their exact instants, a counted wall-clock step is seen by the next Hold, and an
// uncounted one within 1 ms of monotonic time (the promise clock.h makes).
#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/sale.h"

namespace holdfast {
namespace {

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

// A hand-driven clock that counts its wall-clock readings; `counts_steps` says whether SetWall
// is reported through WallSteps (ManualClock's way) or not (a clock that cannot tell).
class CountingClock final : public Clock {
 public:
  CountingClock(absl::Time wall, bool counts_steps) : wall_(wall), counts_steps_(counts_steps) {}
  int64_t MonotonicNanos() const override { return monotonic_ns_; }
  absl::Time WallNow() const override {
    ++wall_reads_;
    return wall_;
  }
  uint64_t WallSteps() const override { return counts_steps_ ? steps_ : 0; }
  void Advance(absl::Duration d) {
    monotonic_ns_ += absl::ToInt64Nanoseconds(d);
    wall_ += d;
  }
  void SetWall(absl::Time wall) {
    wall_ = wall;
    ++steps_;
  }
  int64_t wall_reads() const { return wall_reads_; }

 private:
  int64_t monotonic_ns_ = 0;
  absl::Time wall_;
  mutable int64_t wall_reads_ = 0;
  uint64_t steps_ = 0;
  bool counts_steps_;
};

// "noon" [12:00, 13:00), then "late" [14:00, forever).
SaleConfig Windows(Clock* clock) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 100'000}};
  config.cycles = {
      {.name = "noon", .opens_at = kNoon, .closes_at = kNoon + absl::Hours(1), .allotment = 50'000},
      {.name = "late", .opens_at = kNoon + absl::Hours(2), .allotment = 50'000},
  };
  config.holds_max = 64;
  config.buyers_max = 64;
  config.idempotency_keys_max = 0;
  config.clock = clock;
  return config;
}

std::unique_ptr<Sale> Make(const SaleConfig& config) {
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  EXPECT_TRUE(sale.ok()) << sale.status();
  return sale.ok() ? *std::move(sale) : nullptr;
}

// A hold of one unit, released at once (so the slots never run out): its outcome.
Outcome HoldAndRelease(Sale& sale) {
  const HoldLine line{.type = 0, .quantity = 1};
  const HoldResult r = sale.Hold(1, {&line, 1});
  if (r.ok()) {
    EXPECT_EQ(sale.Release(r.id, 1), Outcome::kOk);
  }
  return r.outcome;
}

TEST(CycleCacheTest, HoldsInAnOpenCycleReadTheWallClockOncePerMillisecond) {
  CountingClock clock(kNoon + absl::Minutes(1), /*counts_steps=*/true);
  std::unique_ptr<Sale> sale = Make(Windows(&clock));
  ASSERT_NE(sale, nullptr);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(HoldAndRelease(*sale), Outcome::kOk);
    clock.Advance(absl::Nanoseconds(900));  // 1000 Holds over 0.9 ms
  }
  EXPECT_EQ(clock.wall_reads(), 1);
  clock.Advance(absl::Microseconds(200));  // past the millisecond: read again
  ASSERT_EQ(HoldAndRelease(*sale), Outcome::kOk);
  EXPECT_EQ(clock.wall_reads(), 2);
}

TEST(CycleCacheTest, WindowsOpenAndCloseAtTheirInstants) {
  ManualClock clock(kNoon - absl::Nanoseconds(1));
  std::unique_ptr<Sale> sale = Make(Windows(&clock));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kNotOpen);
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kOk);
  // 300 us before "noon" closes: the cache reaches up to the close, never past it.
  clock.Advance(absl::Hours(1) - absl::Microseconds(300));
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kOk);
  clock.Advance(absl::Microseconds(300) - absl::Nanoseconds(1));
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kOk);  // 1 ns before the close
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kNotOpen);  // closed; "late" opens at 14:00
  clock.Advance(absl::Hours(1));
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kOk);
  EXPECT_EQ(sale->CurrentCycle(), 1);
}

TEST(CycleCacheTest, ACountedStepIsSeenByTheNextHold) {
  ManualClock clock(kNoon + absl::Minutes(59));
  std::unique_ptr<Sale> sale = Make(Windows(&clock));
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldAndRelease(*sale), Outcome::kOk);  // "noon" open, remembered
  clock.SetWall(kNoon + absl::Minutes(61));        // a step past its close
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kNotOpen);
  clock.SetWall(kNoon + absl::Hours(3));  // a step into "late"
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kOk);
  EXPECT_EQ(sale->CurrentCycle(), 1);
}

TEST(CycleCacheTest, AnUncountedStepIsSeenWithinAMillisecond) {
  CountingClock clock(kNoon + absl::Minutes(59), /*counts_steps=*/false);
  std::unique_ptr<Sale> sale = Make(Windows(&clock));
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldAndRelease(*sale), Outcome::kOk);
  clock.SetWall(kNoon + absl::Minutes(61));  // past the close, and the clock does not say so
  // The cached position may stand for at most 1 ms of monotonic time (clock.h).
  clock.Advance(absl::Microseconds(500));
  const Outcome within = HoldAndRelease(*sale);
  EXPECT_TRUE(within == Outcome::kOk || within == Outcome::kNotOpen) << OutcomeName(within);
  clock.Advance(absl::Microseconds(500));
  EXPECT_EQ(HoldAndRelease(*sale), Outcome::kNotOpen);
}

}  // namespace
}  // namespace holdfast
