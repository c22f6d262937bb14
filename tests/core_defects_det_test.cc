// Regression tests for defects 1 and 10 of issue 10, on the deterministic build (holdfast_det):
// its seams let a plain program reach a slot's last generation in a few holds, and count the
// atomic steps an operation takes. No test scheduler runs here: every call runs straight
// through, on one thread, with a hand-driven clock.
//
// Defect 1 (a hang): a slot whose 27-bit generation is spent is retired, but kept its occupied
// bit and its last state; if that state was Expired, every expiry scan counted it as "being
// expired by another thread", and a Hold that should answer kSoldOut waited for ever.
//
// Defect 10 (cost): a kSoldOut answer scanned the whole slot table, twice: 3.8 us at 64 Ki
// slots, 56 us at 1 Mi. When no hold can be dead it must not depend on holds_max at all; here
// that is shown by counting atomic steps (a timed test would be noise).
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/sale.h"
#include "lib/internal/atomic.h"
#include "lib/internal/hold_slot.h"
#include "lib/internal/revert.h"

namespace holdfast {
namespace {

SaleConfig OneUnit(int32_t holds_max, ManualClock* clock) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 1}};
  config.holds_max = holds_max;
  config.buyers_max = 8;
  config.idempotency_keys_max = 0;
  config.events_max = 0;
  config.clock = clock;
  return config;
}

HoldResult HoldOne(Sale& sale, BuyerId buyer, absl::Duration ttl = absl::Minutes(1)) {
  const HoldLine line{.type = 0, .quantity = 1};
  return sale.Hold(buyer, absl::MakeConstSpan(&line, 1), {.ttl = ttl});
}

// Runs `call` on its own thread; fails the whole run if it has not returned in 20 s (a hang
// can't be unwound, so the process ends with the message).
template <class F>
auto WithinSeconds(F call) {
  std::packaged_task<decltype(call())()> task(call);
  auto answer = task.get_future();
  std::thread thread(std::move(task));
  if (answer.wait_for(std::chrono::seconds(20)) == std::future_status::timeout) {
    std::fprintf(stderr, "FATAL: the call did not return within 20 s (a hang)\n");
    std::_Exit(1);
  }
  thread.join();
  return answer.get();
}

TEST(CoreDefectsDetTest, Defect1ARetiredSlotNeverLooksLikeAnExpiryInFlight) {
  internal::first_generation_for_test = internal::kGenerationMax - 1;
  ManualClock clock;
  std::unique_ptr<Sale> sale = std::move(*Sale::Create(OneUnit(64, &clock)));
  internal::first_generation_for_test = 0;
  // 64 holds released use every slot's next-to-last generation; the 65th hold reuses a slot
  // with its last generation, and expires: that slot is retired with its state Expired.
  for (int i = 0; i < 64; ++i) {
    const HoldResult hold = HoldOne(*sale, 1);
    ASSERT_TRUE(hold.ok());
    ASSERT_EQ(sale->Release(hold.id, 1), Outcome::kOk);
  }
  ASSERT_TRUE(HoldOne(*sale, 1).ok());
  clock.Advance(absl::Minutes(2));
  ASSERT_EQ(sale->Sweep(), 1);
  ASSERT_EQ(sale->Stats().slots_retired, 1);
  // A later scan meets the retired slot: a hold that dies and is swept.
  ASSERT_TRUE(HoldOne(*sale, 2).ok());
  clock.Advance(absl::Minutes(2));
  ASSERT_EQ(sale->Sweep(), 1);
  // A live hold takes the only unit; another buyer's Hold must answer kSoldOut, not wait.
  ASSERT_TRUE(HoldOne(*sale, 4, absl::Minutes(20)).ok());
  const Outcome outcome = WithinSeconds([&] { return HoldOne(*sale, 3).outcome; });
  EXPECT_EQ(outcome, Outcome::kSoldOut);
}

// Counts the atomic steps of the calling thread while it is installed.
struct StepCounter {
  int64_t steps = 0;
  static void Count(void* self) { ++static_cast<StepCounter*>(self)->steps; }
};

int64_t StepsOfASoldOutHold(int32_t holds_max) {
  ManualClock clock;
  std::unique_ptr<Sale> sale = std::move(*Sale::Create(OneUnit(holds_max, &clock)));
  EXPECT_TRUE(HoldOne(*sale, 1, absl::Minutes(10)).ok());  // live: nothing can be dead
  clock.Advance(absl::Minutes(1));
  StepCounter counter;
  internal::det::SetThreadHook(&StepCounter::Count, &counter);
  const Outcome outcome = HoldOne(*sale, 2).outcome;
  internal::det::SetThreadHook(nullptr, nullptr);
  EXPECT_EQ(outcome, Outcome::kSoldOut);
  return counter.steps;
}

TEST(CoreDefectsDetTest, Defect10SoldOutCostDoesNotGrowWithHoldsMax) {
  const int64_t small = StepsOfASoldOutHold(1 << 16);
  const int64_t large = StepsOfASoldOutHold(1 << 20);
  std::printf("atomic steps of a sold-out Hold: %lld at 64 Ki slots, %lld at 1 Mi\n",
              static_cast<long long>(small), static_cast<long long>(large));
  EXPECT_EQ(small, large);
  EXPECT_LT(small, 200);  // before the fix: two scans of 1,024 and 16,384 groups
}

// Defect 11: Seat() could name a hold that never held the seat. It reads the seat's owner word
// (a slot), then that slot's state: if the seat's hold ended and a new hold took the slot in
// between, it named the new hold. Here every point of a Seat() call is tried as the moment
// where, on the same thread, the seat's hold is released and the only free slot goes to a hold
// of another seat; whatever Seat() answers, it never names that hold.
struct Interfere {
  int64_t at = 0;     // the point of the Seat() call to interfere at
  int64_t steps = 0;  // points so far
  std::function<void()> act;
  static void Hook(void* self) {
    Interfere* i = static_cast<Interfere*>(self);
    if (++i->steps != i->at) return;
    internal::det::SetThreadHook(nullptr, nullptr);  // one shot, and the act runs unhooked
    i->act();
  }
};

TEST(CoreDefectsDetTest, Defect11SeatNeverNamesAHoldThatNeverHeldIt) {
  for (int64_t at = 1; at < 200; ++at) {
    ManualClock clock;
    SaleConfig config;
    config.types = {{.name = "ga", .capacity = 100}, {.name = "stalls", .capacity = 2}};
    config.seat_map.sections = {
        {.name = "Stalls",
         .type = 1,
         .rows = {{.label = "A", .seat_count = 2, .accessible = {}, .restricted = {}}}}};
    config.holds_max = 64;
    config.buyers_max = 8;
    config.idempotency_keys_max = 0;
    config.clock = &clock;
    std::unique_ptr<Sale> sale = std::move(*Sale::Create(config));
    const SeatId seat_a = sale->FindSeat("Stalls A-1"), seat_b = sale->FindSeat("Stalls A-2");
    const HoldResult first = sale->HoldSeats(1, absl::MakeConstSpan(&seat_a, 1));
    ASSERT_TRUE(first.ok());
    const HoldLine line{.type = 0, .quantity = 1};
    for (int i = 0; i < 63; ++i) ASSERT_TRUE(sale->Hold(3, absl::MakeConstSpan(&line, 1)).ok());
    HoldId other;
    Interfere interfere{.at = at, .act = [&] {
                          ASSERT_EQ(sale->Release(first.id, 1), Outcome::kOk);
                          const HoldResult b = sale->HoldSeats(2, absl::MakeConstSpan(&seat_b, 1));
                          ASSERT_TRUE(b.ok());  // in the slot the first hold left
                          other = b.id;
                        }};
    internal::det::SetThreadHook(&Interfere::Hook, &interfere);
    const SeatState state = sale->Seat(seat_a);
    internal::det::SetThreadHook(nullptr, nullptr);
    if (interfere.steps < at) break;  // the call ended before this point: every point was tried
    ASSERT_NE(other.value, 0u);
    EXPECT_NE(state.hold.value, other.value) << "Seat(A-1) named the hold of A-2, at point " << at;
    EXPECT_NE(state.buyer, BuyerId{2}) << "at point " << at;
  }
}

// Defect 20: Buyer() counted the claims of Holds still in flight that would fail, and was seen
// above the cycle's per-buyer limit: the buyer's sale-wide claims word was taken before the
// cycle's limit was checked. A Buyer() query at every point of such a Hold must tell the story
// Hold ends with: never more units than the cycle allows.
struct Probe {
  std::function<void()> look;
  static void Hook(void* self) {
    internal::det::SetThreadHook(nullptr, nullptr);
    static_cast<Probe*>(self)->look();
    internal::det::SetThreadHook(&Hook, self);
  }
};

TEST(CoreDefectsDetTest, Defect20BuyerNeverShowsUnitsTheCycleLimitRefuses) {
  ManualClock clock(absl::FromUnixSeconds(1'700'000'000));
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 100}};
  config.cycles = {{.name = "noon",
                    .opens_at = absl::FromUnixSeconds(1'700'000'000),
                    .allotment = 100,
                    .per_buyer_max = 2}};
  config.holds_max = 64;
  config.buyers_max = 8;
  config.idempotency_keys_max = 0;
  config.clock = &clock;
  std::unique_ptr<Sale> sale = std::move(*Sale::Create(config));
  const HoldLine two{.type = 0, .quantity = 2}, one{.type = 0, .quantity = 1};
  ASSERT_TRUE(sale->Hold(1, absl::MakeConstSpan(&two, 1)).ok());
  int64_t most = 0;
  Probe probe{.look = [&] {
    const BuyerCounts counts = sale->Buyer(1);
    most = std::max(most, counts.held_units + counts.bought_units);
  }};
  internal::det::SetThreadHook(&Probe::Hook, &probe);
  const Outcome outcome = sale->Hold(1, absl::MakeConstSpan(&one, 1)).outcome;
  internal::det::SetThreadHook(nullptr, nullptr);
  EXPECT_EQ(outcome, Outcome::kBuyerLimit);
  EXPECT_LE(most, 2) << "Buyer() showed units the cycle's per-buyer limit refuses";
}

}  // namespace
}  // namespace holdfast
