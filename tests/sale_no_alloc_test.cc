// Checks that a built Sale allocates nothing on its hot path (DESIGN §4): this binary replaces
// every global operator new and delete with counting versions, runs a burst of every hot
// operation, failing ones included, with counting on, and asserts the count stayed zero. Inside
// the measured region results go into plain arrays only; gtest runs after it.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/event.h"
#include "holdfast/outcome.h"
#include "holdfast/sale.h"
#include "holdfast/stats.h"
#include "holdfast/types.h"

namespace {

// Relaxed: the counters are read by the same thread after the measured region.
std::atomic<bool> counting{false};
std::atomic<int64_t> allocations{0};
std::atomic<int64_t> deallocations{0};

void CountAllocation() {
  if (counting.load(std::memory_order_relaxed)) {
    allocations.fetch_add(1, std::memory_order_relaxed);
  }
}

void CountDeallocation(void* p) {
  if (p != nullptr && counting.load(std::memory_order_relaxed)) {
    deallocations.fetch_add(1, std::memory_order_relaxed);
  }
}

void* Allocate(std::size_t size) noexcept {
  CountAllocation();
  return std::malloc(size == 0 ? 1 : size);
}

void* AllocateAligned(std::size_t size, std::align_val_t align) noexcept {
  CountAllocation();
  std::size_t alignment = static_cast<std::size_t>(align);
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  std::size_t rounded = (size + alignment - 1) / alignment * alignment;
  return std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
}

void* AllocateOrThrow(std::size_t size) {
  void* p = Allocate(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* AllocateAlignedOrThrow(std::size_t size, std::align_val_t align) {
  void* p = AllocateAligned(size, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void Free(void* p) noexcept {
  CountDeallocation(p);
  std::free(p);
}

}  // namespace

void* operator new(std::size_t size) { return AllocateOrThrow(size); }
void* operator new[](std::size_t size) { return AllocateOrThrow(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return Allocate(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return Allocate(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  return AllocateAlignedOrThrow(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return AllocateAlignedOrThrow(size, align);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return AllocateAligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return AllocateAligned(size, align);
}
void operator delete(void* p) noexcept { Free(p); }
void operator delete[](void* p) noexcept { Free(p); }
void operator delete(void* p, std::size_t) noexcept { Free(p); }
void operator delete[](void* p, std::size_t) noexcept { Free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p); }

namespace holdfast {
namespace {

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

// What the measured region saw, kept in plain arrays so that recording allocates nothing.
struct Journal {
  static constexpr int kMax = 512;
  Outcome got[kMax];
  Outcome want[kMax];
  int line[kMax];
  int outcomes = 0;
  bool checks[kMax];
  int check_line[kMax];
  int booleans = 0;

  void Expect(Outcome actual, Outcome expected, int at) {
    if (outcomes == kMax) return;
    got[outcomes] = actual;
    want[outcomes] = expected;
    line[outcomes] = at;
    ++outcomes;
  }
  void Check(bool ok, int at) {
    if (booleans == kMax) return;
    checks[booleans] = ok;
    check_line[booleans] = at;
    ++booleans;
  }
};

#define JOURNAL_EXPECT(actual, expected) journal.Expect((actual), (expected), __LINE__)
#define JOURNAL_CHECK(condition) journal.Check((condition), __LINE__)

TEST(SaleNoAllocTest, HotPathAllocatesNothing) {
  // Allocations are allowed from here to the measured region.
  ManualClock clock(kNoon);
  SaleConfig config;
  config.types = {{.name = "a", .capacity = 1000}, {.name = "b", .capacity = 2}};
  config.quotas = {{.name = "q", .capacity = 900, .types = {0}}};
  config.cycles = {{.name = "c", .opens_at = kNoon - absl::Hours(1), .allotment = 950}};
  config.per_buyer_units_max = 8;
  config.per_buyer_holds_max = 4;
  config.units_per_hold_max = 10;
  config.hold_ttl_default = absl::Minutes(10);
  config.hold_lifetime_max = absl::Minutes(30);
  config.holds_max = 64;
  config.buyers_max = 128;
  config.idempotency_keys_max = 64;
  config.events_max = 32;
  config.clock = &clock;
  absl::StatusOr<std::unique_ptr<Sale>> created = Sale::Create(config);
  ASSERT_TRUE(created.ok()) << created.status();
  Sale& sale = **created;
  auto journal_owner = std::make_unique<Journal>();
  Journal& journal = *journal_owner;
  Event events[16];
  int64_t sink = 0;  // Keeps query results alive.
  int64_t swept_early = -1;
  int64_t swept_all = -1;
  int buyers_admitted = 0;
  Outcome buyer_table_outcome = Outcome::kOk;
  size_t drained = 0;

  counting.store(true, std::memory_order_relaxed);
  // ---------------------------------------------------------------- measured region begins.
  const HoldLine a2[] = {{.type = 0, .quantity = 2}};
  const HoldLine a6[] = {{.type = 0, .quantity = 6}};
  const HoldLine a1[] = {{.type = 0, .quantity = 1}};
  const HoldLine a0[] = {{.type = 0, .quantity = 0}};
  const HoldLine b1[] = {{.type = 1, .quantity = 1}};
  const HoldLine b2[] = {{.type = 1, .quantity = 2}};
  const HoldLine unknown_type[] = {{.type = 9, .quantity = 1}};
  const HoldLine seven_lines[] = {{0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}};
  const HoldOptions keyed{.idempotency_key = 100};

  HoldResult h1 = sale.Hold(1, a2, keyed);
  JOURNAL_EXPECT(h1.outcome, Outcome::kOk);
  HoldResult h1_again = sale.Hold(1, a2, keyed);
  JOURNAL_EXPECT(h1_again.outcome, Outcome::kOk);
  JOURNAL_CHECK(h1_again.id == h1.id);
  HoldResult h2 = sale.Hold(1, a6);
  JOURNAL_EXPECT(h2.outcome, Outcome::kOk);
  JOURNAL_EXPECT(sale.Hold(1, a1).outcome, Outcome::kBuyerLimit);
  for (int i = 0; i < 4; ++i) JOURNAL_EXPECT(sale.Hold(2, a1).outcome, Outcome::kOk);
  JOURNAL_EXPECT(sale.Hold(2, a1).outcome, Outcome::kTooManyHolds);

  JOURNAL_EXPECT(sale.Hold(3, a0).outcome, Outcome::kInvalidArgument);
  JOURNAL_EXPECT(sale.Hold(3, unknown_type).outcome, Outcome::kInvalidArgument);
  JOURNAL_EXPECT(sale.Hold(3, a1, {.ttl = -absl::Seconds(1)}).outcome, Outcome::kInvalidArgument);
  JOURNAL_EXPECT(sale.Hold(3, a1, {.ttl = absl::Hours(1)}).outcome, Outcome::kInvalidArgument);
  JOURNAL_EXPECT(sale.Hold(kReservedBuyer, a1).outcome, Outcome::kInvalidArgument);
  JOURNAL_EXPECT(sale.Hold(3, absl::Span<const HoldLine>()).outcome, Outcome::kInvalidArgument);
  JOURNAL_EXPECT(sale.Hold(3, seven_lines).outcome, Outcome::kInvalidArgument);

  HoldResult dead = sale.Hold(4, b2, {.ttl = absl::Minutes(1)});
  JOURNAL_EXPECT(dead.outcome, Outcome::kOk);
  JOURNAL_EXPECT(sale.Hold(5, b1).outcome, Outcome::kSoldOut);

  JOURNAL_EXPECT(sale.Confirm(h1.id, 1), Outcome::kOk);
  JOURNAL_EXPECT(sale.Confirm(h1.id, 1), Outcome::kOk);
  JOURNAL_EXPECT(sale.Confirm(h1.id, 1, ConfirmMode::kReportAlreadyConfirmed),
                 Outcome::kAlreadyConfirmed);
  JOURNAL_EXPECT(sale.Release(h2.id, 1), Outcome::kOk);
  JOURNAL_EXPECT(sale.Release(h2.id, 1), Outcome::kUnknownHold);

  HoldResult h3 = sale.Hold(6, a1);
  JOURNAL_EXPECT(h3.outcome, Outcome::kOk);
  JOURNAL_EXPECT(sale.Extend(h3.id, 6, absl::Minutes(5)), Outcome::kOk);
  JOURNAL_EXPECT(sale.Extend(h3.id, 7, absl::Minutes(5)), Outcome::kNotOwner);
  JOURNAL_EXPECT(sale.Extend(h3.id, 6, absl::ZeroDuration()), Outcome::kInvalidArgument);
  const HoldId forged{h3.id.value ^ (uint64_t{1} << 40)};  // Another generation.
  JOURNAL_EXPECT(sale.Confirm(forged, 6), Outcome::kUnknownHold);
  HoldInfo info;
  JOURNAL_EXPECT(sale.Describe(h3.id, 6, info), Outcome::kOk);
  JOURNAL_EXPECT(sale.Describe(h1.id, 1, info), Outcome::kOk);
  JOURNAL_EXPECT(sale.Describe(forged, 6, info), Outcome::kUnknownHold);

  clock.Advance(absl::Minutes(1));
  JOURNAL_EXPECT(sale.Confirm(dead.id, 4), Outcome::kExpired);
  JOURNAL_EXPECT(sale.Hold(5, b2).outcome, Outcome::kOk);  // Expires the dead hold on the way.

  // Live now: buyer 2's four holds, h3 and buyer 5's hold. Fill the other 58 slots.
  for (BuyerId buyer = 10; buyer < 68; ++buyer) {
    JOURNAL_EXPECT(sale.Hold(buyer, a1).outcome, Outcome::kOk);
  }
  JOURNAL_EXPECT(sale.Hold(68, a1).outcome, Outcome::kHoldTableFull);
  JOURNAL_EXPECT(sale.Hold(6, a1).outcome, Outcome::kHoldTableFull);  // Within 6's limits.

  swept_early = sale.Sweep();
  clock.Advance(absl::Minutes(10));  // Every live hold is dead now.
  swept_all = sale.Sweep(clock.MonotonicNanos());

  // New buyers until the buyer table is full; each hold is released at once.
  for (BuyerId buyer = 1000; buyer < 1200; ++buyer) {
    HoldResult hold = sale.Hold(buyer, a1);
    if (hold.outcome != Outcome::kOk) {
      buyer_table_outcome = hold.outcome;
      break;
    }
    ++buyers_admitted;
    JOURNAL_EXPECT(sale.Release(hold.id, buyer), Outcome::kOk);
  }

  sink += sale.Available(0) + sale.Available(1) + sale.Available(77);
  sink += sale.TypeAvailable(0) + sale.TypeAvailable(1);
  sink += sale.QuotaAvailable(0) + sale.QuotaAvailable(5);
  sink += sale.CycleAvailable(0) + sale.CycleAvailable(3) + sale.CurrentCycle();
  BuyerCounts buyer = sale.Buyer(1);
  sink += buyer.bought_units + sale.Buyer(424242).held_units;
  SaleStats stats = sale.Stats();
  TypeStats type_stats = sale.TypeStatsOf(0);
  sink += sale.TypeStatsOf(99).capacity;
  for (size_t n = sale.DrainEvents(events); n > 0; n = sale.DrainEvents(events)) drained += n;
  // ---------------------------------------------------------------- measured region ends.
  counting.store(false, std::memory_order_relaxed);

  EXPECT_EQ(allocations.load(), 0) << "operator new was called on the hot path";
  EXPECT_EQ(deallocations.load(), 0) << "operator delete was called on the hot path";

  // The burst did what it was meant to do, so the zero above measured every path.
  for (int i = 0; i < journal.outcomes; ++i) {
    EXPECT_EQ(OutcomeName(journal.got[i]), OutcomeName(journal.want[i]))
        << "line " << journal.line[i];
  }
  for (int i = 0; i < journal.booleans; ++i) {
    EXPECT_TRUE(journal.checks[i]) << "line " << journal.check_line[i];
  }
  EXPECT_LT(journal.outcomes, Journal::kMax);
  EXPECT_EQ(swept_early, 0);
  EXPECT_EQ(swept_all, 64);
  EXPECT_EQ(buyer_table_outcome, Outcome::kBuyerTableFull);
  EXPECT_GT(buyers_admitted, 0);
  EXPECT_EQ(buyer.bought_units, 2);
  EXPECT_EQ(stats.holds_confirmed, 1);
  EXPECT_EQ(stats.live_holds, 0);
  EXPECT_GT(stats.events_dropped, 0);  // 32 events fit; far more happened.
  EXPECT_EQ(drained, 32u);
  EXPECT_EQ(type_stats.capacity, 1000);
  EXPECT_EQ(type_stats.sold_units, 2);
  EXPECT_NE(sink, -1);
}

}  // namespace
}  // namespace holdfast

namespace holdfast {
namespace {

// The seating hot path: specific seats (taken and free), best available
// (adjacent, split, nothing fits), confirm, release, expiry on demand, and the
// seat queries, all with counting on.
TEST(SaleNoAllocTest, SeatingAllocatesNothing) {
  ManualClock clock(absl::UnixEpoch());
  absl::StatusOr<SeatMapConfig> map = ParseSeatMap(
      "section S type=0\n"
      "row A seats=8\n"
      "row B seats=8\n");
  ASSERT_TRUE(map.ok()) << map.status();
  SaleConfig config;
  config.types = {{.name = "seats", .capacity = 16}, {.name = "ga", .capacity = 10}};
  config.seat_map = *map;
  config.holds_max = 64;
  config.units_per_hold_max = 16;
  config.events_max = 32;
  config.clock = &clock;
  absl::StatusOr<std::unique_ptr<Sale>> created = Sale::Create(config);
  ASSERT_TRUE(created.ok()) << created.status();
  Sale& sale = **created;
  const SeatId a1 = sale.FindSeat("S A-1");
  const SeatId a2 = sale.FindSeat("S A-2");
  Outcome got[12] = {};
  SeatId seats[16];
  uint64_t held[1], sold[1];
  int count = 0;
  int64_t sink = 0;
  BestAvailableRequest four, nine, nine_split;
  four.count = 4;
  nine.count = 9;
  nine_split.count = 9;
  nine_split.allow_split = true;

  counting.store(true, std::memory_order_relaxed);
  // ---------------------------------------------------------------- measured region begins.
  const SeatId pair[] = {a1, a2};
  const HoldLine ga[] = {{.type = 1, .quantity = 1}};
  const HoldResult first = sale.HoldSeats(1, pair, ga, {.ttl = absl::Minutes(1)});
  got[0] = first.outcome;
  got[1] = sale.HoldSeats(2, absl::MakeConstSpan(&a2, 1)).outcome;  // kSeatTaken
  const HoldResult best = sale.HoldBestAvailable(3, four, seats);
  got[2] = best.outcome;
  got[3] = sale.HoldBestAvailable(4, nine, seats).outcome;  // kNoAdjacentSeats
  got[4] = sale.HoldBestAvailable(4, nine_split, seats).outcome;
  got[5] = sale.Confirm(best.id, 3);
  got[6] = sale.SeatsOf(best.id, 3, seats, count);
  sink += static_cast<int64_t>(sale.Seat(a1).status) + static_cast<int64_t>(sale.Seat(a2).buyer);
  got[7] = sale.SnapshotSeats(held, sold) ? Outcome::kOk : Outcome::kInvalidArgument;
  clock.Advance(absl::Minutes(2));  // the first hold is dead: its seats come back on demand
  got[8] = sale.HoldSeats(5, pair).outcome;
  got[9] = sale.Release(first.id, 1);  // kExpired
  // ---------------------------------------------------------------- measured region ends.
  counting.store(false, std::memory_order_relaxed);

  EXPECT_EQ(allocations.load(), 0) << "operator new was called on the seating hot path";
  EXPECT_EQ(deallocations.load(), 0) << "operator delete was called on the seating hot path";
  const Outcome want[] = {
      Outcome::kOk, Outcome::kSeatTaken, Outcome::kOk, Outcome::kNoAdjacentSeats,
      Outcome::kOk, Outcome::kOk,        Outcome::kOk, Outcome::kOk,
      Outcome::kOk, Outcome::kExpired};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(OutcomeName(got[i]), OutcomeName(want[i])) << i;
  EXPECT_EQ(count, 4);
  EXPECT_NE(sold[0], 0u);
  EXPECT_GE(sink, 0);
}

}  // namespace
}  // namespace holdfast
