// Checks the background Sweeper on a Sale with a ManualClock: holds die only when the test
// advances the clock, and the test then polls (bounded, 5 s) until the sweeper thread, which
// runs in real time, has expired them; Stop() is idempotent and the destructor joins.
#include "holdfast/sweeper.h"

#include <cstdint>
#include <memory>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/outcome.h"
#include "holdfast/sale.h"
#include "holdfast/types.h"

namespace holdfast {
namespace {

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

// Polls `condition` every millisecond for up to 5 s of real time; returns its last value.
template <typename Condition>
bool WaitFor(Condition condition) {
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!condition()) {
    if (absl::Now() > give_up) return condition();
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

class SweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SaleConfig config;
    config.types = {{.name = "ga", .capacity = 100}};
    config.holds_max = 64;
    config.buyers_max = 64;
    config.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
    ASSERT_TRUE(sale.ok()) << sale.status();
    sale_ = std::move(*sale);
  }

  HoldId HoldFor(BuyerId buyer, absl::Duration ttl) {
    const HoldLine line{.type = 0, .quantity = 1};
    HoldResult hold = sale_->Hold(buyer, absl::MakeConstSpan(&line, 1), {.ttl = ttl});
    EXPECT_EQ(hold.outcome, Outcome::kOk);
    return hold.id;
  }

  ManualClock clock_{kNoon};
  std::unique_ptr<Sale> sale_;
};

TEST_F(SweeperTest, ExpiresDeadHoldsWithoutASweepCall) {
  for (BuyerId buyer = 1; buyer <= 5; ++buyer) HoldFor(buyer, absl::Minutes(1));
  HoldId survivor = HoldFor(6, absl::Minutes(10));
  Sweeper sweeper(sale_.get(), absl::Milliseconds(1));

  // Several sweeps run while every hold is alive: nothing expires.
  ASSERT_TRUE(WaitFor([&] { return sweeper.sweeps() >= 3; }));
  EXPECT_EQ(sale_->Stats().holds_expired, 0);
  EXPECT_EQ(sweeper.expired(), 0);

  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(WaitFor([&] { return sweeper.expired() == 5; })) << sweeper.expired();
  EXPECT_EQ(sale_->Stats().holds_expired, 5);
  EXPECT_EQ(sale_->Stats().expired_units, 5);
  EXPECT_EQ(sale_->Stats().live_holds, 1);
  EXPECT_EQ(sale_->TypeAvailable(0), 99);
  EXPECT_EQ(sale_->Confirm(survivor, 6), Outcome::kOk);

  // A second wave.
  HoldFor(7, absl::Minutes(1));
  HoldFor(8, absl::Minutes(1));
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(WaitFor([&] { return sweeper.expired() == 7; })) << sweeper.expired();
  EXPECT_EQ(sale_->Stats().holds_expired, 7);
  EXPECT_EQ(sale_->Sweep(), 0);
}

TEST_F(SweeperTest, SweepsCountUp) {
  Sweeper sweeper(sale_.get(), absl::Milliseconds(1));
  ASSERT_TRUE(WaitFor([&] { return sweeper.sweeps() >= 1; }));
  int64_t first = sweeper.sweeps();
  ASSERT_TRUE(WaitFor([&] { return sweeper.sweeps() > first; }));
  EXPECT_EQ(sweeper.expired(), 0);
}

TEST_F(SweeperTest, NonPositiveIntervalStillSweeps) {
  HoldFor(1, absl::Minutes(1));
  Sweeper zero(sale_.get(), absl::ZeroDuration());
  Sweeper negative(sale_.get(), -absl::Seconds(1));
  ASSERT_TRUE(WaitFor([&] { return zero.sweeps() >= 2 && negative.sweeps() >= 2; }));
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(WaitFor([&] { return sale_->Stats().holds_expired == 1; }));
  // Concurrent sweeps share the work: the hold was expired by exactly one of them (I3).
  ASSERT_TRUE(WaitFor([&] { return zero.expired() + negative.expired() == 1; }));
  zero.Stop();
  negative.Stop();
  EXPECT_EQ(zero.expired() + negative.expired(), 1);
  EXPECT_EQ(sale_->Stats().holds_expired, 1);
}

// Defect 18 of issue 10: a positive interval under 1 ms was silently raised to 1 ms.
TEST_F(SweeperTest, SubMillisecondIntervalIsHonoured) {
  Sweeper sweeper(sale_.get(), absl::Microseconds(1));
  EXPECT_EQ(sweeper.interval(), absl::Microseconds(1));
  // With a 1 ms floor, 200 sweeps take at least 199 ms of real time, since every wait
  // lasts at least its interval; at 1 us they take a few ms (generous margin for a busy
  // machine, and WaitFor gives up after 5 s anyway).
  const absl::Time start = absl::Now();
  ASSERT_TRUE(WaitFor([&] { return sweeper.sweeps() >= 200; }));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(180));
}

TEST_F(SweeperTest, NonPositiveIntervalIsOneMillisecond) {
  Sweeper zero(sale_.get(), absl::ZeroDuration());
  Sweeper negative(sale_.get(), -absl::InfiniteDuration());
  EXPECT_EQ(zero.interval(), absl::Milliseconds(1));
  EXPECT_EQ(negative.interval(), absl::Milliseconds(1));
}

// Defect 18 of issue 10: absl::InfiniteDuration (and any interval whose end overflows the
// steady clock) busy-looped: wait_for overflowed and returned at once, every time. A huge
// interval sleeps after the first sweep until Stop().
TEST_F(SweeperTest, HugeIntervalSleepsUntilStop) {
  for (const absl::Duration interval :
       {absl::InfiniteDuration(), absl::Nanoseconds(INT64_MAX), absl::Nanoseconds(INT64_MAX - 1),
        absl::Hours(24 * 365 * 250)}) {
    Sweeper sweeper(sale_.get(), interval);
    EXPECT_EQ(sweeper.interval(), interval);
    ASSERT_TRUE(WaitFor([&] { return sweeper.sweeps() >= 1; }));
    // Not waiting for anything: giving a spinning thread the chance to sweep again.
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_EQ(sweeper.sweeps(), 1) << interval;
    const absl::Time start = absl::Now();
    sweeper.Stop();
    EXPECT_LT(absl::Now() - start, absl::Seconds(4)) << interval;
    EXPECT_EQ(sweeper.sweeps(), 1) << interval;
  }
}

TEST_F(SweeperTest, StopIsIdempotentAndStopsSweeping) {
  Sweeper sweeper(sale_.get(), absl::Milliseconds(1));
  ASSERT_TRUE(WaitFor([&] { return sweeper.sweeps() >= 1; }));
  sweeper.Stop();
  sweeper.Stop();
  int64_t sweeps = sweeper.sweeps();
  HoldId hold = HoldFor(1, absl::Minutes(1));
  clock_.Advance(absl::Minutes(1));
  // Not waiting for expiry: giving a stopped thread the chance to sweep anyway.
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(sweeper.sweeps(), sweeps);
  EXPECT_EQ(sweeper.expired(), 0);
  EXPECT_EQ(sale_->Stats().holds_expired, 0);
  EXPECT_EQ(sale_->Confirm(hold, 1), Outcome::kExpired);  // Dead all the same (I4).
  sweeper.Stop();
}

TEST_F(SweeperTest, StopFromTwoThreads) {
  Sweeper sweeper(sale_.get(), absl::Milliseconds(1));
  std::thread other([&] { sweeper.Stop(); });
  sweeper.Stop();
  other.join();
  int64_t sweeps = sweeper.sweeps();
  absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(sweeper.sweeps(), sweeps);
}

TEST_F(SweeperTest, StopDoesNotWaitForTheInterval) {
  Sweeper sweeper(sale_.get(), absl::Hours(1));
  absl::Time start = absl::Now();
  sweeper.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));  // Far less than the hour.
}

TEST_F(SweeperTest, DestructorStopsAndJoins) {
  HoldId hold = HoldFor(1, absl::Minutes(1));
  {
    Sweeper sweeper(sale_.get(), absl::Milliseconds(1));
    ASSERT_TRUE(WaitFor([&] { return sweeper.sweeps() >= 1; }));
  }  // Joined here; no thread is left to sweep.
  clock_.Advance(absl::Minutes(1));
  absl::SleepFor(absl::Milliseconds(30));  // Not waiting for expiry: see above.
  EXPECT_EQ(sale_->Stats().holds_expired, 0);
  EXPECT_EQ(sale_->Confirm(hold, 1), Outcome::kExpired);  // Dead all the same (I4).
}

TEST_F(SweeperTest, DestructorAfterStop) {
  {
    Sweeper sweeper(sale_.get(), absl::Milliseconds(1));
    sweeper.Stop();
  }
  {
    Sweeper sweeper(sale_.get(), absl::Hours(1));  // Destroyed while waiting out its interval.
  }
  SUCCEED();
}

}  // namespace
}  // namespace holdfast
