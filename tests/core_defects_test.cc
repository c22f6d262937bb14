// Regression tests for the defects of issue 10 ("trustworthy core") that a plain, sequential
// program on a hand-driven clock can show. Each test is the defect's own example, with the
// contract it broke; each failed on the library before its fix. The defects that live in a
// window between two atomic steps of concurrent calls (1, 3, 4, 5, 12) are shown by the
// deterministic explorer instead (tests/explore/explore_teeth_test.cc), and with the seams of
// the deterministic build in core_defects_det_test.cc (1, 10).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/sale.h"
#include "lib/internal/hash.h"

namespace holdfast {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'700'000'000);

SaleConfig OneType(int64_t capacity, ManualClock* clock) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = capacity}};
  config.holds_max = 64;
  config.buyers_max = 64;
  config.idempotency_keys_max = 64;
  config.events_max = 0;
  config.clock = clock;
  return config;
}

std::unique_ptr<Sale> Make(const SaleConfig& config) {
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  EXPECT_TRUE(sale.ok()) << sale.status();
  return std::move(*sale);
}

HoldResult HoldOne(Sale& sale, BuyerId buyer, HoldOptions options = {}) {
  const HoldLine line{.type = 0, .quantity = 1};
  return sale.Hold(buyer, absl::MakeConstSpan(&line, 1), options);
}

// A wall clock whose every reading is 1 ns later than the one before, as a real clock's are.
// SetWall counts its steps (WallSteps), so a sale reads the wall clock again after each.
class TickingClock : public Clock {
 public:
  explicit TickingClock(absl::Time wall) : wall_(wall) {}
  int64_t MonotonicNanos() const override { return 0; }
  absl::Time WallNow() const override {
    wall_ += absl::Nanoseconds(1);
    return wall_;
  }
  uint64_t WallSteps() const override { return steps_; }
  void SetWall(absl::Time wall) {
    wall_ = wall;
    ++steps_;
  }

 private:
  mutable absl::Time wall_;
  uint64_t steps_ = 0;
};

SaleConfig TwoCycles(Clock* clock) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 100}};
  config.holds_max = 64;
  config.buyers_max = 64;
  config.idempotency_keys_max = 0;
  config.events_max = 0;
  config.cycles = {
      {.name = "early", .opens_at = kNoon, .closes_at = kNoon + absl::Hours(1), .allotment = 10},
      {.name = "main", .opens_at = kNoon + absl::Hours(2), .allotment = 50},
  };
  config.clock = clock;
  return config;
}

// Defect 2: a wall clock stepped back 20 ms or more before the current cycle's opening made
// CycleFor call itself on every fresh reading (131,018 frames: SIGSEGV). A step back must not
// close the open cycle either: a cycle once seen open stays the floor.
TEST(CoreDefectsTest, Defect2WallClockSteppedBackNeitherCrashesNorClosesTheCycle) {
  TickingClock clock(kNoon + absl::Hours(2) + absl::Minutes(1));
  std::unique_ptr<Sale> sale = Make(TwoCycles(&clock));
  ASSERT_EQ(HoldOne(*sale, 1).outcome, Outcome::kOk);  // cycle "main" seen open
  // Back into "early"'s window, which has ended: the old code read the clock again and called
  // itself for every nanosecond of the step (here 1.5 h: the stack overflowed).
  clock.SetWall(kNoon + absl::Minutes(30));
  EXPECT_EQ(HoldOne(*sale, 1).outcome, Outcome::kOk);
  clock.SetWall(kNoon + absl::Hours(2) - absl::Milliseconds(20));
  EXPECT_EQ(HoldOne(*sale, 1).outcome, Outcome::kOk);
  clock.SetWall(kNoon - absl::Hours(5));  // before every window
  EXPECT_EQ(HoldOne(*sale, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CurrentCycle(), 1);
}

// Defect 20: after the wall clock stepped back into an ended cycle, CurrentCycle() answered 0
// while Hold answered kClosed. Queries tell the story Hold acts on, and write nothing.
TEST(CoreDefectsTest, Defect20QueriesAgreeWithHoldAfterAStepBack) {
  ManualClock clock(kNoon + absl::Hours(2) + absl::Minutes(1));
  std::unique_ptr<Sale> sale = Make(TwoCycles(&clock));
  ASSERT_EQ(HoldOne(*sale, 1).outcome, Outcome::kOk);
  clock.SetWall(kNoon + absl::Minutes(30));  // inside "early", which has ended
  const int current = sale->CurrentCycle();
  const HoldResult hold = HoldOne(*sale, 2);
  EXPECT_EQ(current, 1);
  EXPECT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(0), 0);
  EXPECT_EQ(sale->CycleAvailable(1), 50 - 2);
}

// Defect 6 (I2): failed Holds used up idempotency entries. One buyer at its hold limit sending
// 100 keyed Holds filled a 100-key table, and the next buyer got kHoldTableFull with 999 units
// left. A failed Hold leaves no trace, not even a remembered key.
TEST(CoreDefectsTest, Defect6FailedHoldsTakeNoIdempotencyEntries) {
  ManualClock clock;
  SaleConfig config = OneType(1000, &clock);
  config.per_buyer_holds_max = 1;
  config.idempotency_keys_max = 100;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_EQ(HoldOne(*sale, 1, {.idempotency_key = 1}).outcome, Outcome::kOk);
  for (uint64_t key = 2; key <= 150; ++key) {
    ASSERT_EQ(HoldOne(*sale, 1, {.idempotency_key = key}).outcome, Outcome::kTooManyHolds);
  }
  EXPECT_EQ(HoldOne(*sale, 2, {.idempotency_key = 7}).outcome, Outcome::kOk);
}

// Defect 11: Sweep(INT64_MIN) overflowed (undefined behaviour, caught by UBSan).
TEST(CoreDefectsTest, Defect11SweepOfAnyInstantIsDefined) {
  ManualClock clock;
  std::unique_ptr<Sale> sale = Make(OneType(1, &clock));
  ASSERT_TRUE(HoldOne(*sale, 1, {.ttl = absl::Seconds(1)}).ok());
  EXPECT_EQ(sale->Sweep(INT64_MIN), 0);
  EXPECT_EQ(sale->Sweep(INT64_MAX), 0);  // cut to the clock's now: nothing is dead yet
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(sale->Sweep(INT64_MAX), 1);
}

// Defect 11: HoldBestAvailable could answer kOk with no seat written: a repeated key that names
// a hold without seats.
TEST(CoreDefectsTest, Defect11BestAvailableNeverAnswersOkWithoutSeats) {
  ManualClock clock;
  SaleConfig config = OneType(10, &clock);
  config.types.push_back({.name = "stalls", .capacity = 4});
  config.seat_map.sections = {
      {.name = "Stalls",
       .type = 1,
       .rows = {{.label = "A", .seat_count = 4, .accessible = {}, .restricted = {}}}}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_TRUE(HoldOne(*sale, 1, {.idempotency_key = 9}).ok());  // a plain hold with key 9
  std::vector<SeatId> seats(2, 12345);
  BestAvailableRequest two;
  two.count = 2;
  const HoldResult best =
      sale->HoldBestAvailable(1, two, absl::MakeSpan(seats), {.idempotency_key = 9});
  if (best.ok()) {
    EXPECT_NE(seats[0], kNoSeat);
    EXPECT_NE(seats[1], kNoSeat);
  } else {
    EXPECT_EQ(best.outcome, Outcome::kInvalidArgument);
  }
  // A fresh request writes the seats it holds.
  const HoldResult fresh = sale->HoldBestAvailable(2, two, absl::MakeSpan(seats));
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(seats[0], kNoSeat);
  EXPECT_NE(seats[1], kNoSeat);
}

// Defect 11: Create at the maximum sizes was killed by the OOM killer instead of answering
// ResourceExhausted (Linux hands out memory it does not have; the constructors touch it). In a
// child process limited to 1 GiB of address space, Create must answer, not die. (Skipped under
// sanitizers: their shadow memory needs the address space the limit takes away.)
TEST(CoreDefectsTest, Defect11CreateBeyondTheProcesssMemoryAnswersResourceExhausted) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "address-space limits and sanitizer shadow memory do not mix";
#else
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const rlimit limit{.rlim_cur = rlim_t{1} << 30, .rlim_max = rlim_t{1} << 30};
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(3);
    SaleConfig config;
    config.types = {{.name = "ga", .capacity = 10}};
    config.holds_max = kHoldsMax;
    config.buyers_max = kBuyersMax;
    config.idempotency_keys_max = kIdempotencyKeysMax;
    config.events_max = kEventsMax;
    const absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
    _exit(!sale.ok() && absl::IsResourceExhausted(sale.status()) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "Create did not answer ResourceExhausted";
#endif
}

// Defect 18 (the core's part): ConfirmMode(7) was accepted.
TEST(CoreDefectsTest, Defect18ConfirmModeOutsideTheEnumIsInvalid) {
  ManualClock clock;
  std::unique_ptr<Sale> sale = Make(OneType(1, &clock));
  const HoldResult hold = HoldOne(*sale, 1);
  ASSERT_TRUE(hold.ok());
  EXPECT_EQ(sale->Confirm(hold.id, 1, static_cast<ConfirmMode>(7)), Outcome::kInvalidArgument);
  EXPECT_EQ(sale->Buyer(1).live_holds, 1);  // nothing changed
  EXPECT_EQ(sale->Confirm(hold.id, 1), Outcome::kOk);
}

// Defect 13 (I4): deadlines were rounded up to a whole microsecond, so a hold was confirmable
// at and after its deadline. They are rounded down now: a hold may end up to 1 us early.
TEST(CoreDefectsTest, Defect13NeverConfirmableAtOrAfterTheDeadline) {
  ManualClock clock;
  SaleConfig config = OneType(3, &clock);
  config.hold_lifetime_max = absl::Nanoseconds(1500);
  config.hold_ttl_default = absl::Nanoseconds(1500);
  std::unique_ptr<Sale> sale = Make(config);

  const HoldResult a = HoldOne(*sale, 1, {.ttl = absl::Nanoseconds(1001)});
  const HoldResult b = HoldOne(*sale, 2);  // ttl 1500 ns == hold_lifetime_max
  ASSERT_TRUE(a.ok() && b.ok());
  clock.Advance(absl::Nanoseconds(1));
  const HoldResult c = HoldOne(*sale, 3, {.ttl = absl::Nanoseconds(1400)});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(sale->Extend(c.id, 3, absl::Microseconds(1)), Outcome::kOk);  // at t = 1 ns
  clock.Advance(absl::Nanoseconds(1000));                                 // t = 1001 ns
  EXPECT_EQ(sale->Confirm(a.id, 1), Outcome::kExpired);
  clock.Advance(absl::Nanoseconds(499));  // t = 1500 ns
  EXPECT_EQ(sale->Confirm(b.id, 2), Outcome::kExpired);
  EXPECT_EQ(sale->Confirm(c.id, 3), Outcome::kExpired);  // deadline was at most 1001 ns

  // A ttl under a microsecond cannot be kept: refused, not dead on arrival.
  EXPECT_EQ(HoldOne(*sale, 4, {.ttl = absl::Nanoseconds(999)}).outcome, Outcome::kInvalidArgument);
}

// Defect 14 (I9, I8): idempotency entries collided across buyers. A key of buyer 2222 chosen to
// hash like buyer 1111's made buyer 1111's retry create a second live hold. One hold per
// (buyer, key), whatever the hashes.
TEST(CoreDefectsTest, Defect14CollidingKeysOfAnotherBuyerNeverBreakIdempotency) {
  ManualClock clock;
  SaleConfig config = OneType(10, &clock);
  std::unique_ptr<Sale> sale = Make(config);
  const uint64_t key_1111 = 42;
  // The table hashes Mix64(Mix64(buyer) ^ key): this key of 2222 hashes like 1111's.
  const uint64_t key_2222 = key_1111 ^ internal::Mix64(1111) ^ internal::Mix64(2222);
  const HoldResult first = HoldOne(*sale, 1111, {.idempotency_key = key_1111});
  ASSERT_TRUE(first.ok());
  const HoldResult other = HoldOne(*sale, 2222, {.idempotency_key = key_2222});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other.id.value, first.id.value);
  const HoldResult retry = HoldOne(*sale, 1111, {.idempotency_key = key_1111});
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry.id.value, first.id.value);
  EXPECT_EQ(sale->Buyer(1111).live_holds, 1);
  const HoldResult other_retry = HoldOne(*sale, 2222, {.idempotency_key = key_2222});
  EXPECT_EQ(other_retry.id.value, other.id.value);
  EXPECT_EQ(sale->Buyer(2222).live_holds, 1);
}

// Defect 15 (I8): the sale tag in a HoldId had 13 bits, so a HoldId of sale #0 confirmed the
// same buyer's hold in sale #8192. A HoldId of one sale never addresses a hold of another,
// however many sales the process made.
TEST(CoreDefectsTest, Defect15HoldIdsOfEndedSalesNeverReachLaterSales) {
  ManualClock clock;
  const SaleConfig config = OneType(64, &clock);
  std::vector<HoldId> old_ids;
  {
    std::unique_ptr<Sale> first = Make(config);
    for (int i = 0; i < 64; ++i) old_ids.push_back(HoldOne(*first, 7).id);
  }
  for (int i = 0; i < 8200; ++i) {
    std::unique_ptr<Sale> sale = Make(config);
    // Fill every slot of each later sale, then try every old id on it.
    for (int h = 0; h < 64; ++h) ASSERT_TRUE(HoldOne(*sale, 7).ok());
    for (const HoldId id : old_ids) {
      ASSERT_EQ(sale->Confirm(id, 7), Outcome::kUnknownHold) << "sale " << i;
    }
    EXPECT_EQ(sale->Stats().holds_confirmed, 0);
  }
}

}  // namespace
}  // namespace holdfast
