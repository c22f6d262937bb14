// Unit tests of Sale: every Outcome that sale.h documents and every invariant I1-I10 of
// DESIGN.md, each driven from one thread on a ManualClock moved by hand (no test sleeps), with
// exact expected counters computed by hand from the operations each test performs.
#include "holdfast/sale.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/event.h"
#include "holdfast/outcome.h"
#include "holdfast/stats.h"
#include "holdfast/types.h"

namespace holdfast {

// Lets gtest print an Outcome by name when an expectation fails.
void PrintTo(Outcome outcome, std::ostream* os) { *os << OutcomeName(outcome); }

namespace {

using ::testing::AnyOf;
using ::testing::Eq;

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

constexpr BuyerId kAlice = 1;
constexpr BuyerId kBob = 2;
constexpr BuyerId kCarol = 3;
constexpr BuyerId kDave = 4;
constexpr BuyerId kErin = 5;

// One general-admission type "ga" of `capacity` units, small bounds, no limits, no cycles.
SaleConfig GaConfig(int64_t capacity) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = capacity}};
  config.units_per_hold_max = 10;
  config.hold_ttl_default = absl::Minutes(10);
  config.hold_lifetime_max = absl::Minutes(30);
  config.holds_max = 64;
  config.buyers_max = 64;
  config.idempotency_keys_max = 64;
  config.events_max = 0;
  return config;
}

// Two types, "a" (type 0) and "b" (type 1), and optionally a quota over both.
SaleConfig TwoTypeConfig(int64_t capacity_a, int64_t capacity_b) {
  SaleConfig config = GaConfig(0);
  config.types = {{.name = "a", .capacity = capacity_a}, {.name = "b", .capacity = capacity_b}};
  return config;
}

std::vector<HoldLine> Lines(std::initializer_list<HoldLine> lines) { return lines; }

HoldResult HoldUnits(Sale& sale, BuyerId buyer, int32_t quantity, TypeId type = 0,
                     const HoldOptions& options = {}) {
  HoldLine line{.type = type, .quantity = quantity};
  return sale.Hold(buyer, absl::MakeConstSpan(&line, 1), options);
}

HoldOptions Ttl(absl::Duration ttl) { return HoldOptions{.ttl = ttl}; }

HoldOptions Key(uint64_t key) { return HoldOptions{.idempotency_key = key}; }

// The counters of SaleStats except the outcome histogram, as one comparable line.
std::string Describe(const SaleStats& s) {
  std::ostringstream os;
  os << "held_units=" << s.held_units << " sold_units=" << s.sold_units
     << " released_units=" << s.released_units << " expired_units=" << s.expired_units
     << " live_holds=" << s.live_holds << " holds_created=" << s.holds_created
     << " holds_confirmed=" << s.holds_confirmed << " holds_released=" << s.holds_released
     << " holds_expired=" << s.holds_expired;
  return os.str();
}

std::string Describe(const TypeStats& t) {
  std::ostringstream os;
  os << "capacity=" << t.capacity << " available=" << t.available << " held_units=" << t.held_units
     << " sold_units=" << t.sold_units << " released_units=" << t.released_units
     << " expired_units=" << t.expired_units;
  return os.str();
}

std::string Describe(const BuyerCounts& b) {
  std::ostringstream os;
  os << "held_units=" << b.held_units << " bought_units=" << b.bought_units
     << " live_holds=" << b.live_holds;
  return os.str();
}

std::string Describe(const Event& e) {
  std::ostringstream os;
  os << EventKindName(e.kind) << " hold=" << e.hold.value << " buyer=" << e.buyer
     << " units=" << e.units;
  return os.str();
}

std::string EventOf(EventKind kind, HoldId hold, BuyerId buyer, int32_t units) {
  return Describe(Event{.kind = kind, .hold = hold, .buyer = buyer, .units = units});
}

int64_t Count(const SaleStats& stats, Outcome outcome) {
  return stats.outcomes[static_cast<int>(outcome)];
}

int64_t Nanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

class SaleTest : public ::testing::Test {
 protected:
  // Builds a sale on clock_; returns nullptr (and fails the test) if Create refuses.
  std::unique_ptr<Sale> Make(SaleConfig config) {
    config.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
    EXPECT_TRUE(sale.ok()) << sale.status();
    if (!sale.ok()) return nullptr;
    return std::move(*sale);
  }

  // One second after noon, so a cycle that opens at noon is open whichever way the window's
  // first instant is counted.
  ManualClock clock_{kNoon + absl::Seconds(1)};
};

// ---------------------------------------------------------------------------------------------
// Hold: kOk and the stock outcomes.

TEST_F(SaleTest, HoldClaimsUnits) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_TRUE(hold.ok());
  EXPECT_NE(hold.id, HoldId{});
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.held_units = 3, .live_holds = 1, .holds_created = 1}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 10, .available = 7, .held_units = 3}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.held_units = 3, .live_holds = 1}));
  EXPECT_EQ(sale->Available(0), 7);
  EXPECT_EQ(sale->TypeAvailable(0), 7);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kOk), 1);
}

TEST_F(SaleTest, HoldIdsAreDistinctAndNonZero) {
  std::unique_ptr<Sale> sale = Make(GaConfig(100));
  ASSERT_NE(sale, nullptr);
  std::set<uint64_t> ids;
  for (int i = 0; i < 20; ++i) {
    HoldResult hold = HoldUnits(*sale, kAlice + i % 3, 1);
    ASSERT_EQ(hold.outcome, Outcome::kOk);
    EXPECT_NE(hold.id.value, 0u);
    ids.insert(hold.id.value);
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(SaleTest, SoldOutWhenTypeIsShort) {
  std::unique_ptr<Sale> sale = Make(GaConfig(5));
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 3).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kBob, 3).outcome, Outcome::kSoldOut);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.held_units = 3, .live_holds = 1, .holds_created = 1}));
  EXPECT_EQ(Describe(sale->Buyer(kBob)), Describe(BuyerCounts{}));
  EXPECT_EQ(HoldUnits(*sale, kBob, 2).outcome, Outcome::kOk);
  EXPECT_EQ(sale->TypeAvailable(0), 0);
  EXPECT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kSoldOut);
  SaleStats stats = sale->Stats();
  EXPECT_EQ(Count(stats, Outcome::kSoldOut), 2);
  EXPECT_EQ(Count(stats, Outcome::kOk), 2);
  EXPECT_EQ(stats.held_units, 5);
}

TEST_F(SaleTest, SoldUnitsStayTaken) {
  std::unique_ptr<Sale> sale = Make(GaConfig(2));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 2);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kSoldOut);
  clock_.Advance(absl::Hours(3));  // Far past every deadline: sold units never come back.
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kSoldOut);
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 2, .available = 0, .sold_units = 2}));
}

TEST_F(SaleTest, ZeroCapacityTypeIsSoldOut) {
  std::unique_ptr<Sale> sale = Make(GaConfig(0));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->Available(0), 0);
}

TEST_F(SaleTest, LinesNamingTheSameTypeAddUp) {
  std::unique_ptr<Sale> sale = Make(GaConfig(3));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 2}, {0, 2}})).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->TypeAvailable(0), 3);
  HoldResult hold = sale->Hold(kAlice, Lines({{0, 1}, {0, 2}}));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 3, .available = 0, .held_units = 3}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.held_units = 3, .live_holds = 1}));
}

// ---------------------------------------------------------------------------------------------
// Buyer limits (I6).

TEST_F(SaleTest, BuyerLimitSaleWide) {
  SaleConfig config = GaConfig(100);
  config.per_buyer_units_max = 4;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult first = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(first.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 2).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.held_units = 3, .live_holds = 1}));
  HoldResult second = HoldUnits(*sale, kAlice, 1);
  ASSERT_EQ(second.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);

  // Bought units count as well as held ones.
  ASSERT_EQ(sale->Confirm(first.id, kAlice), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)),
            Describe(BuyerCounts{.held_units = 1, .bought_units = 3, .live_holds = 1}));

  // Released units no longer count.
  ASSERT_EQ(sale->Release(second.id, kAlice), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);

  // The limit is per buyer.
  EXPECT_EQ(HoldUnits(*sale, kBob, 4).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kBuyerLimit);

  SaleStats stats = sale->Stats();
  EXPECT_EQ(Count(stats, Outcome::kBuyerLimit), 5);
  EXPECT_EQ(stats.held_units, 1 + 4);
  EXPECT_EQ(stats.sold_units, 3);
}

TEST_F(SaleTest, BuyerLimitOnOneHoldAboveTheLimit) {
  SaleConfig config = GaConfig(100);
  config.per_buyer_units_max = 4;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 5).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 2}, {0, 3}})).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{}));
  EXPECT_EQ(sale->TypeAvailable(0), 100);
}

TEST_F(SaleTest, BuyerLimitPerCycle) {
  SaleConfig config = GaConfig(100);
  config.cycles = {
      {.name = "noon",
       .opens_at = kNoon,
       .closes_at = kNoon + absl::Hours(1),
       .allotment = 50,
       .per_buyer_max = 2},
      {.name = "evening", .opens_at = kNoon + absl::Hours(2), .allotment = 50, .per_buyer_max = 3}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  clock_.SetWall(kNoon + absl::Minutes(1));
  HoldResult hold = HoldUnits(*sale, kAlice, 2);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(HoldUnits(*sale, kBob, 2).outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);

  // The next cycle's limit counts that cycle's units only.
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  ASSERT_EQ(sale->CurrentCycle(), 1);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 3).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kBuyerLimit), 3);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)),
            Describe(BuyerCounts{.held_units = 3, .bought_units = 2, .live_holds = 1}));
}

TEST_F(SaleTest, SaleWideBuyerLimitSpansCycles) {
  SaleConfig config = GaConfig(100);
  config.per_buyer_units_max = 4;
  config.cycles = {
      {.name = "c0", .opens_at = kNoon, .allotment = 50, .per_buyer_max = 3},
      {.name = "c1", .opens_at = kNoon + absl::Hours(1), .allotment = 50, .per_buyer_max = 3}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(1) + absl::Minutes(1));
  ASSERT_EQ(sale->CurrentCycle(), 1);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 2).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);
}

TEST_F(SaleTest, TooManyHolds) {
  SaleConfig config = GaConfig(100);
  config.per_buyer_holds_max = 2;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult h1 = HoldUnits(*sale, kAlice, 1);
  HoldResult h2 = HoldUnits(*sale, kAlice, 1);
  ASSERT_EQ(h1.outcome, Outcome::kOk);
  ASSERT_EQ(h2.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kTooManyHolds);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kOk);

  // A released hold and a confirmed hold are no longer live.
  ASSERT_EQ(sale->Release(h1.id, kAlice), Outcome::kOk);
  HoldResult h4 = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(h4.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kTooManyHolds);
  ASSERT_EQ(sale->Confirm(h2.id, kAlice), Outcome::kOk);
  HoldResult h5 = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(h5.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kTooManyHolds);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)),
            Describe(BuyerCounts{.held_units = 2, .bought_units = 1, .live_holds = 2}));

  // Nor is an expired one, once it has been expired.
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Sweep(), 2);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.bought_units = 1}));
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kTooManyHolds);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kTooManyHolds), 4);
}

// kTooManyHolds counts live holds (outcome.h); a dead one does not count even before a sweep.
TEST_F(SaleTest, DeadHoldDoesNotCountTowardsTooManyHolds) {
  SaleConfig config = GaConfig(100);
  config.per_buyer_holds_max = 1;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kTooManyHolds);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.held_units = 1, .live_holds = 1}));
  EXPECT_EQ(sale->Stats().holds_expired, 1);
}

TEST_F(SaleTest, CycleBuyerLimitCountsHeldAndBoughtOnly) {
  SaleConfig config = GaConfig(100);
  config.cycles = {{.name = "c0", .opens_at = kNoon, .allotment = 50, .per_buyer_max = 2}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 2, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Release(hold.id, kAlice), Outcome::kOk);
  HoldResult again = HoldUnits(*sale, kAlice, 2, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(again.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Sweep(), 1);
  HoldResult third = HoldUnits(*sale, kAlice, 2);
  ASSERT_EQ(third.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(third.id, kAlice), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(sale->CycleAvailable(0), 48);
}

// ---------------------------------------------------------------------------------------------
// Windows (I7): kNotOpen and kClosed.

TEST_F(SaleTest, CycleWindowsBySetWall) {
  SaleConfig config = GaConfig(100);
  config.cycles = {{.name = "c0",
                    .opens_at = kNoon + absl::Hours(1),
                    .closes_at = kNoon + absl::Hours(2),
                    .allotment = 10},
                   {.name = "c1",
                    .opens_at = kNoon + absl::Hours(3),
                    .closes_at = kNoon + absl::Hours(4),
                    .allotment = 10}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);

  EXPECT_EQ(sale->CurrentCycle(), -1);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kNotOpen);
  EXPECT_EQ(sale->Available(0), 0);

  clock_.SetWall(kNoon + absl::Hours(1) + absl::Minutes(1));
  EXPECT_EQ(sale->CurrentCycle(), 0);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->Available(0), 9);

  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));  // Between the windows.
  EXPECT_EQ(sale->CurrentCycle(), -1);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kNotOpen);
  EXPECT_EQ(sale->Available(0), 0);
  EXPECT_EQ(sale->CycleAvailable(0), 0);  // Cycle 0 has ended.

  clock_.SetWall(kNoon + absl::Hours(3) + absl::Minutes(30));
  EXPECT_EQ(sale->CurrentCycle(), 1);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 2).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 8);

  clock_.SetWall(kNoon + absl::Hours(5));  // After the last window.
  EXPECT_EQ(sale->CurrentCycle(), -1);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kClosed);
  EXPECT_EQ(sale->Available(0), 0);

  // A wall-clock step back before the first window: the sale's position
  // never goes back, so every window stays over (issue 10 defects 2, 20).
  clock_.SetWall(kNoon);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kClosed);
  EXPECT_EQ(sale->CurrentCycle(), -1);

  SaleStats stats = sale->Stats();
  EXPECT_EQ(stats.holds_created, 2);
  EXPECT_EQ(stats.held_units, 3);
  EXPECT_EQ(Count(stats, Outcome::kNotOpen), 2);
  EXPECT_EQ(Count(stats, Outcome::kClosed), 2);
  EXPECT_EQ(sale->TypeAvailable(0), 97);
}

TEST_F(SaleTest, CycleOpensByAdvance) {
  SaleConfig config = GaConfig(100);
  config.cycles = {{.name = "c0", .opens_at = kNoon + absl::Hours(1), .allotment = 10}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kNotOpen);
  clock_.Advance(absl::Hours(1) + absl::Seconds(1));
  EXPECT_EQ(sale->CurrentCycle(), 0);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  clock_.Advance(absl::Hours(1000));  // The last cycle never closes: no closes_at.
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
}

TEST_F(SaleTest, NextCycleEndsThePreviousOne) {
  SaleConfig config = GaConfig(100);
  config.cycles = {{.name = "c0", .opens_at = kNoon, .allotment = 10},
                   {.name = "c1", .opens_at = kNoon + absl::Hours(1), .allotment = 20}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  clock_.SetWall(kNoon + absl::Minutes(59));
  EXPECT_EQ(sale->CurrentCycle(), 0);
  EXPECT_EQ(sale->Available(0), 10);
  clock_.SetWall(kNoon + absl::Minutes(61));
  EXPECT_EQ(sale->CurrentCycle(), 1);
  EXPECT_EQ(sale->Available(0), 20);
}

TEST_F(SaleTest, NoCyclesIsAlwaysOpen) {
  std::unique_ptr<Sale> sale = Make(GaConfig(100));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->CurrentCycle(), -1);
  clock_.SetWall(absl::UnixEpoch());
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(24 * 365));
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->Available(0), 98);
}

TEST_F(SaleTest, WallClockStepDoesNotCutAHold) {
  std::unique_ptr<Sale> sale = Make(GaConfig(100));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(3));  // Hold deadlines run on the monotonic clock.
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
}

// ---------------------------------------------------------------------------------------------
// Bounds: kHoldTableFull and kBuyerTableFull.

TEST_F(SaleTest, HoldTableFull) {
  SaleConfig config = GaConfig(1000);
  config.holds_max = 64;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  std::vector<HoldId> holds;
  for (int i = 0; i < 64; ++i) {
    HoldResult hold = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
    ASSERT_EQ(hold.outcome, Outcome::kOk) << i;
    holds.push_back(hold.id);
  }
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kHoldTableFull);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kHoldTableFull);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.held_units = 64, .live_holds = 64, .holds_created = 64}));
  EXPECT_EQ(Count(sale->Stats(), Outcome::kHoldTableFull), 2);
  EXPECT_EQ(Describe(sale->Buyer(kBob)), Describe(BuyerCounts{}));

  // A released hold frees its slot.
  ASSERT_EQ(sale->Release(holds[10], kAlice), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kHoldTableFull);

  // Swept holds free theirs.
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Sweep(), 64);
  for (int i = 0; i < 64; ++i) {
    ASSERT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kOk) << i;
  }
  EXPECT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kHoldTableFull);
  EXPECT_EQ(sale->Stats().live_holds, 64);
}

// kHoldTableFull means "every hold slot is in use by a live hold" (outcome.h); a hold past its
// deadline is dead (I4), so its slot is taken back rather than answering kHoldTableFull.
TEST_F(SaleTest, DeadHoldsDoNotFillTheHoldTable) {
  SaleConfig config = GaConfig(1000);
  config.holds_max = 64;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  for (int i = 0; i < 64; ++i) {
    ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  }
  clock_.Advance(absl::Minutes(1));
  HoldResult hold = HoldUnits(*sale, kBob, 1);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_GE(sale->Stats().holds_expired, 1);
  sale->Sweep();
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 1,
                                                        .expired_units = 64,
                                                        .live_holds = 1,
                                                        .holds_created = 65,
                                                        .holds_expired = 64}));
}

TEST_F(SaleTest, BuyerTableFull) {
  SaleConfig config = GaConfig(100);
  config.buyers_max = 2;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult alice = HoldUnits(*sale, kAlice, 1);
  HoldResult bob = HoldUnits(*sale, kBob, 1);
  ASSERT_EQ(alice.outcome, Outcome::kOk);
  ASSERT_EQ(bob.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kBuyerTableFull);
  EXPECT_EQ(Describe(sale->Buyer(kCarol)), Describe(BuyerCounts{}));
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);  // Known buyers still hold.

  // Tracked buyers stay tracked (their limits are permanent), even with no holds left.
  ASSERT_EQ(sale->Release(alice.id, kAlice), Outcome::kOk);
  ASSERT_EQ(sale->Confirm(bob.id, kBob), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kBuyerTableFull);
  SaleStats stats = sale->Stats();
  EXPECT_EQ(Count(stats, Outcome::kBuyerTableFull), 2);
  EXPECT_EQ(stats.holds_created, 3);
  EXPECT_EQ(sale->TypeAvailable(0), 98);
}

// ---------------------------------------------------------------------------------------------
// kInvalidArgument, each documented cause; none leaves a trace.

TEST_F(SaleTest, InvalidArgumentForEachCause) {
  SaleConfig config = TwoTypeConfig(100, 100);
  config.units_per_hold_max = 10;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  SaleConfig keys_off_config = TwoTypeConfig(100, 100);
  keys_off_config.idempotency_keys_max = 0;
  std::unique_ptr<Sale> keys_off = Make(keys_off_config);
  ASSERT_NE(keys_off, nullptr);

  std::vector<std::pair<std::string, HoldResult>> cases;
  cases.emplace_back("no lines", sale->Hold(kAlice, {}));
  cases.emplace_back(
      "7 lines",
      sale->Hold(kAlice, Lines({{0, 1}, {1, 1}, {0, 1}, {1, 1}, {0, 1}, {1, 1}, {0, 1}})));
  cases.emplace_back("quantity 0", HoldUnits(*sale, kAlice, 0));
  cases.emplace_back("quantity -1", sale->Hold(kAlice, Lines({{0, 2}, {1, -1}})));
  cases.emplace_back("11 units", HoldUnits(*sale, kAlice, 11));
  cases.emplace_back("11 units in 2 lines", sale->Hold(kAlice, Lines({{0, 6}, {1, 5}})));
  cases.emplace_back("unknown type", sale->Hold(kAlice, Lines({{0, 1}, {2, 1}})));
  cases.emplace_back("huge type", HoldUnits(*sale, kAlice, 1, 0xFFFFFFFFu));
  cases.emplace_back("ttl < 0", HoldUnits(*sale, kAlice, 1, 0, Ttl(-absl::Seconds(1))));
  cases.emplace_back("ttl > lifetime",
                     HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(30) + absl::Seconds(1))));
  cases.emplace_back("reserved buyer", HoldUnits(*sale, kReservedBuyer, 1));
  cases.emplace_back("key with keys off", HoldUnits(*keys_off, kAlice, 1, 0, Key(7)));
  for (const auto& [name, result] : cases) {
    EXPECT_EQ(result.outcome, Outcome::kInvalidArgument) << name;
  }

  SaleStats stats = sale->Stats();
  EXPECT_EQ(Describe(stats), Describe(SaleStats{}));
  EXPECT_EQ(Count(stats, Outcome::kInvalidArgument), static_cast<int64_t>(cases.size()) - 1);
  EXPECT_EQ(Count(stats, Outcome::kOk), 0);
  EXPECT_EQ(Describe(keys_off->Stats()), Describe(SaleStats{}));
  EXPECT_EQ(sale->TypeAvailable(0), 100);
  EXPECT_EQ(sale->TypeAvailable(1), 100);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{}));
  EXPECT_EQ(Describe(sale->Buyer(kReservedBuyer)), Describe(BuyerCounts{}));
}

TEST_F(SaleTest, ArgumentsOnTheBoundsAreAccepted) {
  std::unique_ptr<Sale> sale = Make(TwoTypeConfig(100, 100));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 1}, {1, 1}, {0, 1}, {1, 1}, {0, 1}, {1, 1}})).outcome,
            Outcome::kOk);  // kLinesPerHoldMax lines.
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 4}, {1, 6}})).outcome, Outcome::kOk);  // 10 units.
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1, 1, Ttl(absl::Minutes(30))).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kReservedBuyer - 1, 1).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, 0, 1).outcome, Outcome::kOk);  // Buyer 0 is an ordinary id.
  EXPECT_EQ(sale->Stats().held_units, 6 + 10 + 1 + 1 + 1);
}

TEST_F(SaleTest, ZeroTtlMeansTheDefault) {
  std::unique_ptr<Sale> sale = Make(GaConfig(100));  // hold_ttl_default = 10 min
  ASSERT_NE(sale, nullptr);
  HoldResult a = HoldUnits(*sale, kAlice, 1);
  HoldResult b = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::ZeroDuration()));
  ASSERT_EQ(a.outcome, Outcome::kOk);
  ASSERT_EQ(b.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(10) - absl::Microseconds(1));
  EXPECT_EQ(sale->Confirm(a.id, kAlice), Outcome::kOk);
  clock_.Advance(absl::Microseconds(1));
  EXPECT_EQ(sale->Confirm(b.id, kAlice), Outcome::kExpired);
}

// ---------------------------------------------------------------------------------------------
// All or nothing (I2).

TEST_F(SaleTest, MultiLineHoldFailingOnSharedQuotaClaimsNothing) {
  SaleConfig config = TwoTypeConfig(10, 10);
  config.quotas = {{.name = "hall", .capacity = 5, .types = {0, 1}}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 3}, {1, 3}})).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->TypeAvailable(0), 10);
  EXPECT_EQ(sale->TypeAvailable(1), 10);
  EXPECT_EQ(sale->QuotaAvailable(0), 5);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{}));

  HoldResult hold = sale->Hold(kAlice, Lines({{0, 2}, {1, 3}}));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->QuotaAvailable(0), 0);
  EXPECT_EQ(sale->TypeAvailable(0), 8);
  EXPECT_EQ(sale->TypeAvailable(1), 7);
  EXPECT_EQ(sale->Available(0), 0);
  EXPECT_EQ(sale->Available(1), 0);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1, 1).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->Stats().held_units, 5);
}

TEST_F(SaleTest, MultiLineHoldFailingOnSecondTypeClaimsNothing) {
  std::unique_ptr<Sale> sale = Make(TwoTypeConfig(10, 1));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 2}, {1, 2}})).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{1, 2}, {0, 2}})).outcome, Outcome::kSoldOut);
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)), Describe(TypeStats{.capacity = 10, .available = 10}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(1)), Describe(TypeStats{.capacity = 1, .available = 1}));
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{}));
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 9}, {1, 1}})).outcome, Outcome::kOk);
}

TEST_F(SaleTest, MultiLineHoldFailingOnCycleAllotmentClaimsNothing) {
  SaleConfig config = TwoTypeConfig(10, 10);
  config.cycles = {{.name = "c0", .opens_at = kNoon, .allotment = 3}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 2}, {1, 2}})).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->CycleAvailable(0), 3);
  EXPECT_EQ(sale->TypeAvailable(0), 10);
  EXPECT_EQ(sale->TypeAvailable(1), 10);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{}));
}

TEST_F(SaleTest, MultiLineHoldFailingOnBuyerLimitClaimsNothing) {
  SaleConfig config = TwoTypeConfig(10, 10);
  config.per_buyer_units_max = 3;
  config.quotas = {{.name = "hall", .capacity = 15, .types = {0, 1}}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 2}, {1, 2}})).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(sale->TypeAvailable(0), 10);
  EXPECT_EQ(sale->TypeAvailable(1), 10);
  EXPECT_EQ(sale->QuotaAvailable(0), 15);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{}));
  EXPECT_EQ(sale->Hold(kAlice, Lines({{0, 2}, {1, 1}})).outcome, Outcome::kOk);
}

// ---------------------------------------------------------------------------------------------
// Confirm (I4, I9), Release, NotOwner and stale handles (I8).

TEST_F(SaleTest, ConfirmSells) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.sold_units = 3, .holds_created = 1, .holds_confirmed = 1}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 10, .available = 7, .sold_units = 3}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.bought_units = 3}));
}

TEST_F(SaleTest, ConfirmRetryIsOkAndSellsNothingTwice) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice, ConfirmMode::kRetryIsOk), Outcome::kOk);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.sold_units = 3, .holds_created = 1, .holds_confirmed = 1}));
  EXPECT_EQ(sale->TypeAvailable(0), 7);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.bought_units = 3}));
  EXPECT_EQ(Count(sale->Stats(), Outcome::kOk), 4);
}

// sale.h promises kOk for "a hold this buyer already confirmed" with no time limit, and lists
// only released, stale, forged or foreign ids under kUnknownHold: a retry still answers kOk
// after the confirmed hold's slot has been reused by another hold.
TEST_F(SaleTest, ConfirmRetryIsOkAfterTheSlotIsReused) {
  SaleConfig config = GaConfig(1000);
  config.holds_max = 64;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  for (int i = 0; i < 64; ++i) {  // Every slot, the confirmed hold's one included.
    ASSERT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kOk) << i;
  }
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice, ConfirmMode::kReportAlreadyConfirmed),
            Outcome::kAlreadyConfirmed);
  EXPECT_EQ(sale->Release(hold.id, kAlice), Outcome::kAlreadyConfirmed);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::Minutes(1)), Outcome::kAlreadyConfirmed);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 64,
                                                        .sold_units = 3,
                                                        .live_holds = 64,
                                                        .holds_created = 65,
                                                        .holds_confirmed = 1}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.bought_units = 3}));
}

TEST_F(SaleTest, ConfirmReportsAlreadyConfirmedWhenAsked) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice, ConfirmMode::kReportAlreadyConfirmed), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice, ConfirmMode::kReportAlreadyConfirmed),
            Outcome::kAlreadyConfirmed);
  EXPECT_EQ(sale->Release(hold.id, kAlice), Outcome::kAlreadyConfirmed);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::Minutes(1)), Outcome::kAlreadyConfirmed);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.sold_units = 3, .holds_created = 1, .holds_confirmed = 1}));
  EXPECT_EQ(Count(sale->Stats(), Outcome::kAlreadyConfirmed), 3);
}

TEST_F(SaleTest, ExpiredHoldCannotBeConfirmedWithoutASweep) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult early = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  HoldResult late = HoldUnits(*sale, kAlice, 2, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(early.outcome, Outcome::kOk);
  ASSERT_EQ(late.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1) - absl::Microseconds(1));
  EXPECT_EQ(sale->Confirm(early.id, kAlice), Outcome::kOk);
  clock_.Advance(absl::Microseconds(1));  // Exactly at the deadline: dead.
  EXPECT_EQ(sale->Confirm(late.id, kAlice), Outcome::kExpired);
  EXPECT_EQ(sale->Release(late.id, kAlice), Outcome::kExpired);
  EXPECT_EQ(sale->Extend(late.id, kAlice, absl::Minutes(5)), Outcome::kExpired);
  EXPECT_EQ(sale->Confirm(late.id, kAlice), Outcome::kExpired);
  SaleStats stats = sale->Stats();
  EXPECT_EQ(stats.sold_units, 1);
  EXPECT_EQ(stats.holds_confirmed, 1);
  EXPECT_EQ(Count(stats, Outcome::kExpired), 4);
  EXPECT_EQ(sale->Buyer(kAlice).bought_units, 1);
}

TEST_F(SaleTest, ReleaseReturnsUnits) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 4);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Release(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.released_units = 4, .holds_created = 1, .holds_released = 1}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 10, .available = 10, .released_units = 4}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{}));
}

TEST_F(SaleTest, UnknownHoldForIdZero) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->Confirm(HoldId{0}, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Release(HoldId{0}, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Extend(HoldId{0}, kAlice, absl::Minutes(1)), Outcome::kUnknownHold);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kUnknownHold), 3);
  EXPECT_EQ(sale->Stats().held_units, 1);
}

TEST_F(SaleTest, UnknownHoldForReleasedHold) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 2);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Release(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Release(hold.id, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::Minutes(1)), Outcome::kUnknownHold);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.released_units = 2, .holds_created = 1, .holds_released = 1}));
  EXPECT_EQ(sale->TypeAvailable(0), 10);
}

// Every single-bit change of a live hold's id is a forged id: it must not reach the hold.
TEST_F(SaleTest, UnknownHoldForForgedIds) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 2);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  int unknown = 0;
  for (int bit = 0; bit < 64; ++bit) {
    HoldId forged{hold.id.value ^ (uint64_t{1} << bit)};
    if (forged.value == 0) continue;
    Outcome confirm = sale->Confirm(forged, kAlice);
    Outcome release = sale->Release(forged, kAlice);
    Outcome extend = sale->Extend(forged, kAlice, absl::Minutes(1));
    EXPECT_EQ(confirm, Outcome::kUnknownHold) << "bit " << bit;
    EXPECT_EQ(release, Outcome::kUnknownHold) << "bit " << bit;
    EXPECT_EQ(extend, Outcome::kUnknownHold) << "bit " << bit;
    unknown += 3;
  }
  for (uint64_t value : {~uint64_t{0}, hold.id.value + 1, uint64_t{1}, uint64_t{1} << 63}) {
    if (value == hold.id.value) continue;
    EXPECT_EQ(sale->Confirm(HoldId{value}, kAlice), Outcome::kUnknownHold) << value;
    ++unknown;
  }
  EXPECT_EQ(Count(sale->Stats(), Outcome::kUnknownHold), unknown);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.held_units = 2, .live_holds = 1, .holds_created = 1}));
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
}

TEST_F(SaleTest, UnknownHoldForAnotherSalesId) {
  std::unique_ptr<Sale> first = Make(GaConfig(10));
  std::unique_ptr<Sale> second = Make(GaConfig(10));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  HoldResult mine = HoldUnits(*first, kAlice, 2);
  HoldResult theirs = HoldUnits(*second, kAlice, 3);  // Same slot, most likely.
  ASSERT_EQ(mine.outcome, Outcome::kOk);
  ASSERT_EQ(theirs.outcome, Outcome::kOk);
  EXPECT_NE(mine.id, theirs.id);
  EXPECT_EQ(second->Confirm(mine.id, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(second->Release(mine.id, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(second->Extend(mine.id, kAlice, absl::Minutes(1)), Outcome::kUnknownHold);
  EXPECT_EQ(Describe(second->Stats()),
            Describe(SaleStats{.held_units = 3, .live_holds = 1, .holds_created = 1}));
  EXPECT_EQ(Describe(first->Stats()),
            Describe(SaleStats{.held_units = 2, .live_holds = 1, .holds_created = 1}));
  EXPECT_EQ(second->Confirm(theirs.id, kAlice), Outcome::kOk);
  EXPECT_EQ(first->Confirm(mine.id, kAlice), Outcome::kOk);
  EXPECT_EQ(first->TypeAvailable(0), 8);
  EXPECT_EQ(second->TypeAvailable(0), 7);
}

// kUnknownHold covers every id "from another sale" (outcome.h) and I8 says a foreign id changes
// nothing: that must hold for any number of sales alive in the process, not only for two.
TEST_F(SaleTest, UnknownHoldForIdsOfManyOtherSales) {
  constexpr int kSales = 40;
  std::vector<std::unique_ptr<Sale>> sales;
  std::vector<HoldId> ids;
  for (int i = 0; i < kSales; ++i) {
    sales.push_back(Make(GaConfig(10)));
    ASSERT_NE(sales.back(), nullptr);
    HoldResult hold = HoldUnits(*sales.back(), kAlice, 1);
    ASSERT_EQ(hold.outcome, Outcome::kOk);
    ids.push_back(hold.id);
  }
  std::set<uint64_t> distinct;
  for (HoldId id : ids) distinct.insert(id.value);
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kSales));
  for (int j = 1; j < kSales; ++j) {
    EXPECT_EQ(sales[j]->Release(ids[0], kAlice), Outcome::kUnknownHold) << "sale " << j;
    EXPECT_EQ(sales[j]->Stats().live_holds, 1) << "sale " << j;
  }
}

TEST_F(SaleTest, StaleIdDoesNotReachTheSlotsNextHold) {
  SaleConfig config = GaConfig(1000);
  config.holds_max = 64;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult old = HoldUnits(*sale, kAlice, 1);
  ASSERT_EQ(old.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Release(old.id, kAlice), Outcome::kOk);
  // Fill every slot, so one of the new holds, same buyer, reuses the old hold's slot.
  std::vector<HoldId> holds;
  for (int i = 0; i < 64; ++i) {
    HoldResult hold = HoldUnits(*sale, kAlice, 2);
    ASSERT_EQ(hold.outcome, Outcome::kOk) << i;
    EXPECT_NE(hold.id, old.id);
    holds.push_back(hold.id);
  }
  EXPECT_EQ(sale->Confirm(old.id, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Release(old.id, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Extend(old.id, kAlice, absl::Minutes(20)), Outcome::kUnknownHold);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 128,
                                                        .released_units = 1,
                                                        .live_holds = 64,
                                                        .holds_created = 65,
                                                        .holds_released = 1}));
  for (HoldId id : holds) EXPECT_EQ(sale->Confirm(id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Stats().sold_units, 128);
}

TEST_F(SaleTest, NotOwnerChangesNothing) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 2, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  std::string before = Describe(sale->Stats());
  EXPECT_EQ(sale->Confirm(hold.id, kBob), Outcome::kNotOwner);
  EXPECT_EQ(sale->Release(hold.id, kBob), Outcome::kNotOwner);
  EXPECT_EQ(sale->Extend(hold.id, kBob, absl::Minutes(10)), Outcome::kNotOwner);
  EXPECT_EQ(sale->Confirm(hold.id, kBob, ConfirmMode::kReportAlreadyConfirmed), Outcome::kNotOwner);
  EXPECT_EQ(Describe(sale->Stats()), before);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kNotOwner), 4);
  EXPECT_EQ(Describe(sale->Buyer(kBob)), Describe(BuyerCounts{}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.held_units = 2, .live_holds = 1}));
  // Bob's Extend did not move the deadline: at one minute the hold is dead.
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kExpired);
}

TEST_F(SaleTest, NotOwnerThenOwnerConfirms) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 2);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Release(hold.id, kBob), Outcome::kNotOwner);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Stats().sold_units, 2);
}

// ---------------------------------------------------------------------------------------------
// Extend.

TEST_F(SaleTest, ExtendMovesTheDeadline) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult a = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(5)));
  HoldResult b = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(5)));
  HoldResult c = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(5)));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  clock_.Advance(absl::Minutes(4));
  EXPECT_EQ(sale->Extend(a.id, kAlice, absl::Minutes(10)), Outcome::kOk);  // To 14 min.
  EXPECT_EQ(sale->Extend(b.id, kAlice, absl::Minutes(10)), Outcome::kOk);
  clock_.Advance(absl::Minutes(1));  // 5 min: c is dead, a and b are not.
  EXPECT_EQ(sale->Confirm(c.id, kAlice), Outcome::kExpired);
  EXPECT_THAT(sale->Sweep(), AnyOf(Eq(0), Eq(1)));  // Confirm may have expired it already.
  EXPECT_EQ(sale->Stats().holds_expired, 1);
  clock_.Advance(absl::Minutes(9) - absl::Microseconds(1));
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_EQ(sale->Confirm(a.id, kAlice), Outcome::kOk);
  clock_.Advance(absl::Microseconds(1));  // 14 min.
  EXPECT_EQ(sale->Confirm(b.id, kAlice), Outcome::kExpired);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kOk), 3 + 2 + 1);
}

TEST_F(SaleTest, ExtendCanShortenTheDeadline) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(10)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::Minutes(1)), Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kExpired);
}

TEST_F(SaleTest, ExtendIsCappedAtTheHoldLifetime) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));  // hold_lifetime_max = 30 min
  ASSERT_NE(sale, nullptr);
  HoldResult a = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(10)));
  HoldResult b = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(10)));
  ASSERT_TRUE(a.ok() && b.ok());
  clock_.Advance(absl::Minutes(8));
  EXPECT_EQ(sale->Extend(a.id, kAlice, absl::Minutes(10)), Outcome::kOk);  // To 18 min.
  EXPECT_EQ(sale->Extend(b.id, kAlice, absl::Minutes(10)), Outcome::kOk);
  clock_.Advance(absl::Minutes(9));                                        // 17 min.
  EXPECT_EQ(sale->Extend(a.id, kAlice, absl::Minutes(30)), Outcome::kOk);  // Cut to 30 min.
  EXPECT_EQ(sale->Extend(b.id, kAlice, absl::Minutes(20)), Outcome::kOk);  // Cut to 30 min.
  clock_.Advance(absl::Minutes(12));                                       // 29 min.
  EXPECT_EQ(sale->Extend(a.id, kAlice, absl::Minutes(10)), Outcome::kOk);  // Still 30 min.
  EXPECT_EQ(sale->Extend(b.id, kAlice, absl::Minutes(10)), Outcome::kOk);
  clock_.Advance(absl::Minutes(1) - absl::Microseconds(1));
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_EQ(sale->Confirm(a.id, kAlice), Outcome::kOk);
  clock_.Advance(absl::Microseconds(2));  // Just past creation + hold_lifetime_max.
  EXPECT_EQ(sale->Confirm(b.id, kAlice), Outcome::kExpired);
  EXPECT_EQ(sale->Extend(b.id, kAlice, absl::Minutes(1)), Outcome::kExpired);
}

TEST_F(SaleTest, ExtendRefusesABadTtl) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(2)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::ZeroDuration()), Outcome::kInvalidArgument);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, -absl::Minutes(1)), Outcome::kInvalidArgument);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::Minutes(30) + absl::Microseconds(1)),
            Outcome::kInvalidArgument);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::InfiniteDuration()), Outcome::kInvalidArgument);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kInvalidArgument), 4);
  // The deadline did not move: the hold still dies at 2 minutes.
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kExpired);
}

TEST_F(SaleTest, ExtendByTheLifetimeIsAccepted) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(2)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Extend(hold.id, kAlice, absl::Minutes(30)), Outcome::kOk);
  clock_.Advance(absl::Minutes(30) - absl::Microseconds(1));
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
}

// ---------------------------------------------------------------------------------------------
// No false sold-out (I5): dead holds are expired on the way.

TEST_F(SaleTest, DeadHoldDoesNotCauseSoldOut) {
  std::unique_ptr<Sale> sale = Make(GaConfig(1));
  ASSERT_NE(sale, nullptr);
  HoldResult dead = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(dead.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  // Not swept: it still counts as held until something expires it.
  EXPECT_EQ(sale->TypeAvailable(0), 0);
  EXPECT_EQ(sale->Available(0), 0);
  HoldResult hold = HoldUnits(*sale, kBob, 1);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 1,
                                                        .expired_units = 1,
                                                        .live_holds = 1,
                                                        .holds_created = 2,
                                                        .holds_expired = 1}));
  EXPECT_EQ(
      Describe(sale->TypeStatsOf(0)),
      Describe(TypeStats{.capacity = 1, .available = 0, .held_units = 1, .expired_units = 1}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{}));
  EXPECT_EQ(Describe(sale->Buyer(kBob)), Describe(BuyerCounts{.held_units = 1, .live_holds = 1}));
  EXPECT_THAT(sale->Confirm(dead.id, kAlice),
              AnyOf(Eq(Outcome::kExpired), Eq(Outcome::kUnknownHold)));
  EXPECT_EQ(sale->Sweep(), 0);  // Already expired, exactly once (I3).
  EXPECT_EQ(sale->Stats().holds_expired, 1);
  EXPECT_EQ(Count(sale->Stats(), Outcome::kSoldOut), 0);
}

TEST_F(SaleTest, ManyDeadHoldsDoNotCauseSoldOut) {
  std::unique_ptr<Sale> sale = Make(GaConfig(5));
  ASSERT_NE(sale, nullptr);
  for (BuyerId buyer = 10; buyer < 15; ++buyer) {
    ASSERT_EQ(HoldUnits(*sale, buyer, 1, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  }
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(HoldUnits(*sale, kAlice, 5).outcome, Outcome::kOk);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 5,
                                                        .expired_units = 5,
                                                        .live_holds = 1,
                                                        .holds_created = 6,
                                                        .holds_expired = 5}));
}

TEST_F(SaleTest, DeadHoldDoesNotCauseSoldOutOnAQuota) {
  SaleConfig config = TwoTypeConfig(10, 10);
  config.quotas = {{.name = "hall", .capacity = 1, .types = {0, 1}}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(HoldUnits(*sale, kBob, 1, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->QuotaAvailable(0), 0);
  EXPECT_EQ(sale->TypeAvailable(0), 10);
  EXPECT_EQ(sale->TypeAvailable(1), 9);
  EXPECT_EQ(sale->Stats().holds_expired, 1);
}

TEST_F(SaleTest, DeadHoldDoesNotCauseSoldOutOnACycle) {
  SaleConfig config = GaConfig(100);
  config.cycles = {{.name = "c0", .opens_at = kNoon, .allotment = 1}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(0), 0);
  EXPECT_EQ(sale->Stats().holds_expired, 1);
}

TEST_F(SaleTest, LiveHoldStillCausesSoldOut) {
  std::unique_ptr<Sale> sale = Make(GaConfig(1));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1) - absl::Microseconds(1));
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->Stats().holds_expired, 0);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
}

// ---------------------------------------------------------------------------------------------
// Exactly once (I3).

TEST_F(SaleTest, ReleasedHoldEndsOnce) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Release(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Release(hold.id, kAlice), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kUnknownHold);
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.released_units = 3, .holds_created = 1, .holds_released = 1}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 10, .available = 10, .released_units = 3}));
}

TEST_F(SaleTest, ConfirmedHoldEndsOnce) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Release(hold.id, kAlice), Outcome::kAlreadyConfirmed);
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(sale->Sweep(), 0);  // A confirmed hold never expires.
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.sold_units = 3, .holds_created = 1, .holds_confirmed = 1}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 10, .available = 7, .sold_units = 3}));
}

TEST_F(SaleTest, ExpiredHoldEndsOnce) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Release(hold.id, kAlice), Outcome::kExpired);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kExpired);
  int64_t swept = sale->Sweep();
  EXPECT_THAT(swept, AnyOf(Eq(0), Eq(1)));  // Confirm or Release may have expired it already.
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_THAT(sale->Confirm(hold.id, kAlice),
              AnyOf(Eq(Outcome::kExpired), Eq(Outcome::kUnknownHold)));
  EXPECT_THAT(sale->Release(hold.id, kAlice),
              AnyOf(Eq(Outcome::kExpired), Eq(Outcome::kUnknownHold)));
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.expired_units = 3, .holds_created = 1, .holds_expired = 1}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(0)),
            Describe(TypeStats{.capacity = 10, .available = 10, .expired_units = 3}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{}));
}

// ---------------------------------------------------------------------------------------------
// Cycle allotments and rollover (I7).

SaleConfig TwoCycleConfig(bool rollover) {
  SaleConfig config = GaConfig(100);
  config.cycles = {{.name = "c0",
                    .opens_at = kNoon,
                    .closes_at = kNoon + absl::Hours(1),
                    .allotment = 5,
                    .rollover = rollover},
                   {.name = "c1", .opens_at = kNoon + absl::Hours(2), .allotment = 5}};
  return config;
}

TEST_F(SaleTest, CycleReleasesNoMoreThanItsAllotment) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(false));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->CycleAvailable(0), 5);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 3).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kBob, 3).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kBob, 2).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(0), 0);
  EXPECT_EQ(sale->Available(0), 0);
  EXPECT_EQ(sale->TypeAvailable(0), 95);
  EXPECT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kSoldOut);
}

// Rollover seen through Hold: the units a new cycle can release are what its holds can take.
TEST_F(SaleTest, UnsoldAllotmentRollsOver) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(true));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(0), 2);
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  ASSERT_EQ(sale->CurrentCycle(), 1);
  EXPECT_EQ(HoldUnits(*sale, kBob, 8).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kBob, 7).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 0);
  EXPECT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kSoldOut);
}

TEST_F(SaleTest, WithoutRolloverUnsoldAllotmentIsLost) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(false));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  ASSERT_EQ(sale->CurrentCycle(), 1);
  EXPECT_EQ(sale->CycleAvailable(1), 5);
  EXPECT_EQ(sale->Available(0), 5);
  EXPECT_EQ(HoldUnits(*sale, kBob, 6).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kBob, 5).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 0);
}

// The queries follow the wall clock on their own: CycleAvailable counts the rollover and an
// ended cycle has 0 left, before any Hold has run in the new cycle (sale.h, CycleAvailable).
TEST_F(SaleTest, CycleQueriesCountRolloverBeforeAnyHold) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(true));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 3);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  ASSERT_EQ(sale->CurrentCycle(), 1);
  EXPECT_EQ(sale->CycleAvailable(1), 7);
  EXPECT_EQ(sale->CycleAvailable(0), 0);
  EXPECT_EQ(sale->Available(0), 7);
}

TEST_F(SaleTest, CycleQueriesOfAnEndedCycleWithoutRolloverBeforeAnyHold) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(false));
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 3).outcome, Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  EXPECT_EQ(sale->CycleAvailable(0), 0);
  EXPECT_EQ(sale->CycleAvailable(1), 5);
}

// A cycle-0 hold released after a hold was made in cycle 1: its unit goes to cycle 1.
TEST_F(SaleTest, ReleasedUnitsOfAnEndedCycleRollOver) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(true));
  ASSERT_NE(sale, nullptr);
  HoldResult sold = HoldUnits(*sale, kAlice, 3);
  HoldResult held = HoldUnits(*sale, kBob, 1);  // SetWall moves no deadline.
  ASSERT_TRUE(sold.ok() && held.ok());
  ASSERT_EQ(sale->Confirm(sold.id, kAlice), Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  ASSERT_EQ(sale->CurrentCycle(), 1);
  ASSERT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 5);  // 5 + (5 - 3 sold - 1 still held) - 1.
  ASSERT_EQ(sale->Release(held.id, kBob), Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 6);
  EXPECT_EQ(sale->CycleAvailable(0), 0);
  EXPECT_EQ(sale->TypeAvailable(0), 96);
  EXPECT_EQ(HoldUnits(*sale, kDave, 7).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kDave, 6).outcome, Outcome::kOk);
}

TEST_F(SaleTest, ExpiredUnitsOfAnEndedCycleRollOver) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(true));
  ASSERT_NE(sale, nullptr);
  HoldResult held = HoldUnits(*sale, kBob, 2, 0, Ttl(absl::Minutes(5)));
  ASSERT_EQ(held.outcome, Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  ASSERT_EQ(sale->CurrentCycle(), 1);
  ASSERT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 7);  // 5 + (5 - 2 held) - 1.
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(sale->Sweep(), 1);
  EXPECT_EQ(sale->CycleAvailable(1), 9);
  EXPECT_EQ(HoldUnits(*sale, kDave, 10).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kDave, 9).outcome, Outcome::kOk);
}

TEST_F(SaleTest, ReleasedUnitsOfAnEndedCycleWithoutRolloverGoNowhere) {
  std::unique_ptr<Sale> sale = Make(TwoCycleConfig(false));
  ASSERT_NE(sale, nullptr);
  HoldResult sold = HoldUnits(*sale, kAlice, 3);
  HoldResult held = HoldUnits(*sale, kBob, 1);  // SetWall moves no deadline.
  ASSERT_TRUE(sold.ok() && held.ok());
  ASSERT_EQ(sale->Confirm(sold.id, kAlice), Outcome::kOk);
  clock_.SetWall(kNoon + absl::Hours(2) + absl::Minutes(1));
  ASSERT_EQ(HoldUnits(*sale, kCarol, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 4);
  ASSERT_EQ(sale->Release(held.id, kBob), Outcome::kOk);
  EXPECT_EQ(sale->CycleAvailable(1), 4);
  EXPECT_EQ(sale->CycleAvailable(0), 0);
  EXPECT_EQ(sale->TypeAvailable(0), 96);  // The type gets its unit back all the same.
  EXPECT_EQ(HoldUnits(*sale, kDave, 5).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kDave, 4).outcome, Outcome::kOk);
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys.

TEST_F(SaleTest, SameKeyWhileLiveReturnsTheSameHold) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult first = HoldUnits(*sale, kAlice, 2, 0, Key(42));
  ASSERT_EQ(first.outcome, Outcome::kOk);
  HoldResult again = HoldUnits(*sale, kAlice, 2, 0, Key(42));
  EXPECT_EQ(again.outcome, Outcome::kOk);
  EXPECT_EQ(again.id, first.id);
  HoldResult other_lines = HoldUnits(*sale, kAlice, 5, 0, Key(42));  // Lines are not compared.
  EXPECT_EQ(other_lines.outcome, Outcome::kOk);
  EXPECT_EQ(other_lines.id, first.id);
  EXPECT_EQ(Describe(sale->Stats()),
            Describe(SaleStats{.held_units = 2, .live_holds = 1, .holds_created = 1}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.held_units = 2, .live_holds = 1}));
  EXPECT_EQ(sale->TypeAvailable(0), 8);
}

TEST_F(SaleTest, SameKeyDoesNotCountAgainstHoldLimit) {
  SaleConfig config = GaConfig(10);
  config.per_buyer_holds_max = 1;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult first = HoldUnits(*sale, kAlice, 1, 0, Key(9));
  ASSERT_EQ(first.outcome, Outcome::kOk);
  HoldResult again = HoldUnits(*sale, kAlice, 1, 0, Key(9));
  EXPECT_EQ(again.outcome, Outcome::kOk);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kTooManyHolds);
}

TEST_F(SaleTest, SameKeyAfterTheHoldEndsMakesANewHold) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult first = HoldUnits(*sale, kAlice, 2, 0, Key(42));
  ASSERT_EQ(first.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Release(first.id, kAlice), Outcome::kOk);
  HoldResult second = HoldUnits(*sale, kAlice, 3, 0, Key(42));
  ASSERT_EQ(second.outcome, Outcome::kOk);
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(sale->TypeAvailable(0), 7);

  // A confirmed hold still answers its key (sale.h: "live, or confirmed"):
  // a client retrying the whole purchase gets the same hold, nothing more.
  ASSERT_EQ(sale->Confirm(second.id, kAlice), Outcome::kOk);
  HoldResult again = HoldUnits(*sale, kAlice, 1, 0, Key(42));
  ASSERT_EQ(again.outcome, Outcome::kOk);
  EXPECT_EQ(again.id, second.id);
  EXPECT_EQ(sale->TypeAvailable(0), 7);

  HoldResult third =
      HoldUnits(*sale, kAlice, 1, 0, {.ttl = absl::Minutes(1), .idempotency_key = 43});
  ASSERT_EQ(third.outcome, Outcome::kOk);
  EXPECT_NE(third.id, second.id);
  EXPECT_NE(third.id, first.id);

  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Sweep(), 1);
  HoldResult fourth = HoldUnits(*sale, kAlice, 1, 0, Key(43));
  ASSERT_EQ(fourth.outcome, Outcome::kOk);
  EXPECT_NE(fourth.id, third.id);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 1,
                                                        .sold_units = 3,
                                                        .released_units = 2,
                                                        .expired_units = 1,
                                                        .live_holds = 1,
                                                        .holds_created = 4,
                                                        .holds_confirmed = 1,
                                                        .holds_released = 1,
                                                        .holds_expired = 1}));
}

TEST_F(SaleTest, SameKeyOfAnotherBuyerMakesItsOwnHold) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult alice = HoldUnits(*sale, kAlice, 2, 0, Key(42));
  HoldResult bob = HoldUnits(*sale, kBob, 3, 0, Key(42));
  ASSERT_EQ(alice.outcome, Outcome::kOk);
  ASSERT_EQ(bob.outcome, Outcome::kOk);
  EXPECT_NE(alice.id, bob.id);
  EXPECT_EQ(sale->Stats().holds_created, 2);
  EXPECT_EQ(sale->TypeAvailable(0), 5);
  EXPECT_EQ(sale->Confirm(bob.id, kBob), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(alice.id, kAlice), Outcome::kOk);
}

TEST_F(SaleTest, DifferentKeysMakeDifferentHolds) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult a = HoldUnits(*sale, kAlice, 1, 0, Key(1));
  HoldResult b = HoldUnits(*sale, kAlice, 1, 0, Key(2));
  HoldResult none = HoldUnits(*sale, kAlice, 1);
  ASSERT_TRUE(a.ok() && b.ok() && none.ok());
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(sale->Stats().holds_created, 3);
}

TEST_F(SaleTest, KeyWithKeysOffIsInvalid) {
  SaleConfig config = GaConfig(10);
  config.idempotency_keys_max = 0;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1, 0, Key(1)).outcome, Outcome::kInvalidArgument);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1).outcome, Outcome::kOk);  // No key: fine.
  EXPECT_EQ(sale->Stats().holds_created, 1);
}

TEST_F(SaleTest, KeyTableFull) {
  SaleConfig config = GaConfig(10);
  config.idempotency_keys_max = 2;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult k1 = HoldUnits(*sale, kAlice, 1, 0, Key(1));
  ASSERT_EQ(k1.outcome, Outcome::kOk);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 0, Key(2)).outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 1, 0, Key(3)).outcome, Outcome::kHoldTableFull);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1, 0, Key(1)).outcome, Outcome::kHoldTableFull);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1).outcome, Outcome::kOk);  // Holds without a key go on.
  // A remembered pair is not new: its key works again once its hold has ended.
  ASSERT_EQ(sale->Release(k1.id, kAlice), Outcome::kOk);
  HoldResult again = HoldUnits(*sale, kAlice, 1, 0, Key(1));
  EXPECT_EQ(again.outcome, Outcome::kOk);
  EXPECT_NE(again.id, k1.id);
  EXPECT_EQ(sale->Stats().holds_created, 4);
  EXPECT_EQ(sale->TypeAvailable(0), 7);
}

// ---------------------------------------------------------------------------------------------
// Events.

TEST_F(SaleTest, EventsTellTheLifeOfEachHold) {
  SaleConfig config = GaConfig(10);
  config.events_max = 16;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult h1 = HoldUnits(*sale, kAlice, 2);
  ASSERT_EQ(h1.outcome, Outcome::kOk);
  clock_.Advance(absl::Seconds(1));
  ASSERT_EQ(sale->Confirm(h1.id, kAlice), Outcome::kOk);
  ASSERT_EQ(sale->Confirm(h1.id, kAlice), Outcome::kOk);  // A retry is no new event.
  HoldResult h2 = HoldUnits(*sale, kBob, 3);
  ASSERT_EQ(h2.outcome, Outcome::kOk);
  ASSERT_EQ(HoldUnits(*sale, kCarol, 9).outcome, Outcome::kSoldOut);  // No hold, no event.
  clock_.Advance(absl::Seconds(1));
  ASSERT_EQ(sale->Release(h2.id, kBob), Outcome::kOk);
  HoldResult h3 = HoldUnits(*sale, kCarol, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(h3.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  ASSERT_EQ(sale->Sweep(), 1);

  Event events[16];
  size_t n = sale->DrainEvents(events);
  ASSERT_EQ(n, 6u);
  EXPECT_EQ(Describe(events[0]), EventOf(EventKind::kHeld, h1.id, kAlice, 2));
  EXPECT_EQ(Describe(events[1]), EventOf(EventKind::kConfirmed, h1.id, kAlice, 2));
  EXPECT_EQ(Describe(events[2]), EventOf(EventKind::kHeld, h2.id, kBob, 3));
  EXPECT_EQ(Describe(events[3]), EventOf(EventKind::kReleased, h2.id, kBob, 3));
  EXPECT_EQ(Describe(events[4]), EventOf(EventKind::kHeld, h3.id, kCarol, 1));
  EXPECT_EQ(Describe(events[5]), EventOf(EventKind::kExpired, h3.id, kCarol, 1));
  EXPECT_EQ(events[0].monotonic_ns, 0);
  EXPECT_EQ(events[1].monotonic_ns, Nanos(absl::Seconds(1)));
  EXPECT_EQ(events[2].monotonic_ns, Nanos(absl::Seconds(1)));
  EXPECT_EQ(events[3].monotonic_ns, Nanos(absl::Seconds(2)));
  EXPECT_EQ(events[4].monotonic_ns, Nanos(absl::Seconds(2)));
  EXPECT_GE(events[5].monotonic_ns, Nanos(absl::Seconds(2) + absl::Minutes(1)));
  EXPECT_LE(events[5].monotonic_ns, clock_.MonotonicNanos());
  EXPECT_EQ(sale->DrainEvents(events), 0u);
  EXPECT_EQ(sale->Stats().events_dropped, 0);
}

TEST_F(SaleTest, DrainEventsTakesNoMoreThanItsSpanOldestFirst) {
  SaleConfig config = GaConfig(10);
  config.events_max = 16;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult h1 = HoldUnits(*sale, kAlice, 1);
  HoldResult h2 = HoldUnits(*sale, kBob, 2);
  HoldResult h3 = HoldUnits(*sale, kCarol, 3);
  ASSERT_TRUE(h1.ok() && h2.ok() && h3.ok());
  Event events[2];
  ASSERT_EQ(sale->DrainEvents(events), 2u);
  EXPECT_EQ(Describe(events[0]), EventOf(EventKind::kHeld, h1.id, kAlice, 1));
  EXPECT_EQ(Describe(events[1]), EventOf(EventKind::kHeld, h2.id, kBob, 2));
  ASSERT_EQ(sale->DrainEvents(events), 1u);
  EXPECT_EQ(Describe(events[0]), EventOf(EventKind::kHeld, h3.id, kCarol, 3));
  EXPECT_EQ(sale->DrainEvents(absl::Span<Event>()), 0u);
}

TEST_F(SaleTest, EventsOfAnExpiryOnTheWay) {
  SaleConfig config = GaConfig(1);
  config.events_max = 16;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult dead = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(dead.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  HoldResult hold = HoldUnits(*sale, kBob, 1);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  Event events[8];
  ASSERT_EQ(sale->DrainEvents(events), 3u);
  EXPECT_EQ(Describe(events[0]), EventOf(EventKind::kHeld, dead.id, kAlice, 1));
  EXPECT_EQ(Describe(events[1]), EventOf(EventKind::kExpired, dead.id, kAlice, 1));
  EXPECT_EQ(Describe(events[2]), EventOf(EventKind::kHeld, hold.id, kBob, 1));
}

TEST_F(SaleTest, FullEventQueueDropsAndCountsButHoldSucceeds) {
  SaleConfig config = GaConfig(10);
  config.events_max = 2;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  HoldResult h1 = HoldUnits(*sale, kAlice, 1);
  HoldResult h2 = HoldUnits(*sale, kAlice, 1);
  HoldResult h3 = HoldUnits(*sale, kAlice, 1);
  EXPECT_EQ(h1.outcome, Outcome::kOk);
  EXPECT_EQ(h2.outcome, Outcome::kOk);
  EXPECT_EQ(h3.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Stats().events_dropped, 1);
  EXPECT_EQ(sale->Confirm(h3.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Stats().events_dropped, 2);
  EXPECT_EQ(sale->Stats().holds_created, 3);

  Event events[8];
  ASSERT_EQ(sale->DrainEvents(events), 2u);
  EXPECT_EQ(Describe(events[0]), EventOf(EventKind::kHeld, h1.id, kAlice, 1));
  EXPECT_EQ(Describe(events[1]), EventOf(EventKind::kHeld, h2.id, kAlice, 1));
  // Drained, the queue takes events again.
  ASSERT_EQ(sale->Release(h1.id, kAlice), Outcome::kOk);
  ASSERT_EQ(sale->DrainEvents(events), 1u);
  EXPECT_EQ(Describe(events[0]), EventOf(EventKind::kReleased, h1.id, kAlice, 1));
  EXPECT_EQ(sale->Stats().events_dropped, 2);
}

TEST_F(SaleTest, NoEventsWhenEventsAreOff) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));  // events_max = 0
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 1);
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  ASSERT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
  Event events[4];
  EXPECT_EQ(sale->DrainEvents(events), 0u);
}

// ---------------------------------------------------------------------------------------------
// Sweep.

TEST_F(SaleTest, SweepExpiresDeadHoldsAndCountsThem) {
  std::unique_ptr<Sale> sale = Make(GaConfig(20));
  ASSERT_NE(sale, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(HoldUnits(*sale, kAlice, 2, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  }
  HoldResult long_hold = HoldUnits(*sale, kBob, 1, 0, Ttl(absl::Minutes(10)));
  ASSERT_EQ(long_hold.outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(1) - absl::Microseconds(1));
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_EQ(sale->TypeAvailable(0), 13);
  clock_.Advance(absl::Microseconds(1));
  EXPECT_EQ(sale->Sweep(), 3);
  EXPECT_EQ(sale->Sweep(), 0);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 1,
                                                        .expired_units = 6,
                                                        .live_holds = 1,
                                                        .holds_created = 4,
                                                        .holds_expired = 3}));
  EXPECT_EQ(
      Describe(sale->TypeStatsOf(0)),
      Describe(TypeStats{.capacity = 20, .available = 19, .held_units = 1, .expired_units = 6}));
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{}));
  EXPECT_EQ(sale->Confirm(long_hold.id, kBob), Outcome::kOk);
}

TEST_F(SaleTest, SweepWithNowAheadOfTheClockExpiresNothingEarly) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  HoldResult hold = HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1)));
  ASSERT_EQ(hold.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Sweep(clock_.MonotonicNanos() + Nanos(absl::Minutes(2))), 0);
  EXPECT_EQ(sale->Sweep(INT64_MAX), 0);
  EXPECT_EQ(sale->Stats().holds_expired, 0);
  EXPECT_EQ(sale->Confirm(hold.id, kAlice), Outcome::kOk);
}

TEST_F(SaleTest, SweepWithNowBehindTheClockUsesThatNow) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 0, Ttl(absl::Minutes(5))).outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(10));
  EXPECT_EQ(sale->Sweep(Nanos(absl::Minutes(2))), 1);
  EXPECT_EQ(sale->Sweep(), 1);
  EXPECT_EQ(sale->Stats().holds_expired, 2);
}

TEST_F(SaleTest, SweepOnAnEmptySaleIsZero) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Sweep(), 0);
  clock_.Advance(absl::Hours(5));
  EXPECT_EQ(sale->Sweep(), 0);
}

// ---------------------------------------------------------------------------------------------
// Availability queries.

TEST_F(SaleTest, AvailableIsTheMinimumOverTypeQuotasAndCycle) {
  SaleConfig config = TwoTypeConfig(10, 10);
  config.quotas = {{.name = "hall", .capacity = 7, .types = {0, 1}}};
  config.cycles = {{.name = "c0", .opens_at = kNoon, .allotment = 5}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Available(0), 5);  // The cycle is the least.
  ASSERT_EQ(HoldUnits(*sale, kAlice, 1, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->TypeAvailable(0), 10);
  EXPECT_EQ(sale->TypeAvailable(1), 9);
  EXPECT_EQ(sale->QuotaAvailable(0), 6);
  EXPECT_EQ(sale->CycleAvailable(0), 4);
  EXPECT_EQ(sale->Available(0), 4);
  EXPECT_EQ(sale->Available(1), 4);
}

TEST_F(SaleTest, AvailableWithoutACycle) {
  SaleConfig config = TwoTypeConfig(10, 3);
  config.quotas = {{.name = "hall", .capacity = 7, .types = {0, 1}}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Available(0), 7);  // The quota is the least.
  EXPECT_EQ(sale->Available(1), 3);  // The type is the least.
  ASSERT_EQ(sale->Hold(kAlice, Lines({{0, 2}, {1, 2}})).outcome, Outcome::kOk);
  EXPECT_EQ(sale->Available(0), 3);
  EXPECT_EQ(sale->Available(1), 1);
  EXPECT_EQ(sale->QuotaAvailable(0), 3);
}

TEST_F(SaleTest, TypeOutsideEveryQuotaIgnoresThem) {
  SaleConfig config = TwoTypeConfig(10, 10);
  config.quotas = {{.name = "only_a", .capacity = 2, .types = {0}}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Available(0), 2);
  EXPECT_EQ(sale->Available(1), 10);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 3, 0).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 3, 1).outcome, Outcome::kOk);
}

TEST_F(SaleTest, TypeInSeveralQuotasTakesTheLeast) {
  SaleConfig config = TwoTypeConfig(10, 10);
  config.quotas = {{.name = "q0", .capacity = 8, .types = {0}},
                   {.name = "q1", .capacity = 6, .types = {0, 1}},
                   {.name = "q2", .capacity = 9, .types = {1}}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Available(0), 6);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 5, 1).outcome, Outcome::kOk);
  EXPECT_EQ(sale->Available(0), 1);
  EXPECT_EQ(sale->QuotaAvailable(0), 8);
  EXPECT_EQ(sale->QuotaAvailable(1), 1);
  EXPECT_EQ(sale->QuotaAvailable(2), 4);
  EXPECT_EQ(HoldUnits(*sale, kBob, 2, 0).outcome, Outcome::kSoldOut);
  EXPECT_EQ(HoldUnits(*sale, kBob, 1, 0).outcome, Outcome::kOk);
  EXPECT_EQ(sale->QuotaAvailable(0), 7);
  EXPECT_EQ(sale->QuotaAvailable(1), 0);
}

TEST_F(SaleTest, UnknownIndicesAreZero) {
  SaleConfig config = GaConfig(10);
  config.quotas = {{.name = "q", .capacity = 5, .types = {0}}};
  config.cycles = {{.name = "c0", .opens_at = kNoon, .allotment = 4}};
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  EXPECT_EQ(sale->Available(1), 0);
  EXPECT_EQ(sale->Available(0xFFFFFFFFu), 0);
  EXPECT_EQ(sale->TypeAvailable(1), 0);
  EXPECT_EQ(sale->QuotaAvailable(-1), 0);
  EXPECT_EQ(sale->QuotaAvailable(1), 0);
  EXPECT_EQ(sale->CycleAvailable(-1), 0);
  EXPECT_EQ(sale->CycleAvailable(1), 0);
  EXPECT_EQ(Describe(sale->TypeStatsOf(1)), Describe(TypeStats{}));
  EXPECT_EQ(Describe(sale->Buyer(777)), Describe(BuyerCounts{}));
  EXPECT_EQ(sale->Available(0), 4);
  EXPECT_EQ(sale->QuotaAvailable(0), 5);
  EXPECT_EQ(sale->CycleAvailable(0), 4);
}

TEST_F(SaleTest, DeadHoldsCountAsTakenUntilExpired) {
  std::unique_ptr<Sale> sale = Make(GaConfig(10));
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(HoldUnits(*sale, kAlice, 3, 0, Ttl(absl::Minutes(1))).outcome, Outcome::kOk);
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(sale->Available(0), 7);
  EXPECT_EQ(sale->TypeAvailable(0), 7);
  EXPECT_EQ(sale->Stats().held_units, 3);
  EXPECT_EQ(sale->Sweep(), 1);
  EXPECT_EQ(sale->Available(0), 10);
  EXPECT_EQ(sale->TypeAvailable(0), 10);
}

// ---------------------------------------------------------------------------------------------
// Accounts add up (I10): a scripted history and its hand-computed counters.

TEST_F(SaleTest, CountersAgreeWithAScriptedHistory) {
  SaleConfig config = GaConfig(0);
  config.types = {{.name = "regular", .capacity = 10}, {.name = "student", .capacity = 5}};
  config.quotas = {{.name = "hall", .capacity = 12, .types = {0, 1}}};
  config.per_buyer_units_max = 6;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  constexpr TypeId kRegular = 0;
  constexpr TypeId kStudent = 1;

  HoldResult h1 = HoldUnits(*sale, kAlice, 3, kRegular, Ttl(absl::Minutes(5)));
  ASSERT_EQ(h1.outcome, Outcome::kOk);
  HoldResult h2 = sale->Hold(kBob, Lines({{kRegular, 2}, {kStudent, 2}}));
  ASSERT_EQ(h2.outcome, Outcome::kOk);
  HoldResult h3 = HoldUnits(*sale, kCarol, 3, kStudent);
  ASSERT_EQ(h3.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kCarol, 1, kStudent).outcome, Outcome::kSoldOut);
  EXPECT_EQ(sale->Confirm(h1.id, kAlice), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(h1.id, kAlice), Outcome::kOk);  // Retry.
  EXPECT_EQ(sale->Release(h2.id, kBob), Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kAlice, 4, kRegular).outcome, Outcome::kBuyerLimit);  // 3 + 4 > 6
  HoldResult h4 = sale->Hold(kDave, Lines({{kRegular, 4}, {kStudent, 1}}), Ttl(absl::Minutes(1)));
  ASSERT_EQ(h4.outcome, Outcome::kOk);
  EXPECT_EQ(HoldUnits(*sale, kErin, 2, kRegular).outcome, Outcome::kSoldOut);  // Hall: 1 left.
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale->Confirm(h4.id, kDave), Outcome::kExpired);
  HoldResult h5 = HoldUnits(*sale, kErin, 2, kRegular);  // Needs h4's units back.
  ASSERT_EQ(h5.outcome, Outcome::kOk);
  EXPECT_EQ(sale->Confirm(h3.id, kCarol), Outcome::kOk);
  EXPECT_EQ(sale->Confirm(h2.id, kBob), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Extend(h5.id, kErin, absl::Minutes(2)), Outcome::kOk);

  SaleStats stats = sale->Stats();
  EXPECT_EQ(Describe(stats), Describe(SaleStats{.held_units = 2,
                                                .sold_units = 6,
                                                .released_units = 4,
                                                .expired_units = 5,
                                                .live_holds = 1,
                                                .holds_created = 5,
                                                .holds_confirmed = 2,
                                                .holds_released = 1,
                                                .holds_expired = 1}));
  std::array<int64_t, kOutcomeCount> outcomes{};
  outcomes[static_cast<int>(Outcome::kOk)] = 10;
  outcomes[static_cast<int>(Outcome::kSoldOut)] = 2;
  outcomes[static_cast<int>(Outcome::kBuyerLimit)] = 1;
  outcomes[static_cast<int>(Outcome::kExpired)] = 1;
  outcomes[static_cast<int>(Outcome::kUnknownHold)] = 1;
  EXPECT_EQ(stats.outcomes, outcomes);
  EXPECT_EQ(stats.events_dropped, 0);
  EXPECT_EQ(stats.slots_retired, 0);

  EXPECT_EQ(Describe(sale->TypeStatsOf(kRegular)), Describe(TypeStats{.capacity = 10,
                                                                      .available = 5,
                                                                      .held_units = 2,
                                                                      .sold_units = 3,
                                                                      .released_units = 2,
                                                                      .expired_units = 4}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(kStudent)), Describe(TypeStats{.capacity = 5,
                                                                      .available = 2,
                                                                      .held_units = 0,
                                                                      .sold_units = 3,
                                                                      .released_units = 2,
                                                                      .expired_units = 1}));
  EXPECT_EQ(sale->QuotaAvailable(0), 4);
  EXPECT_EQ(sale->Available(kRegular), 4);
  EXPECT_EQ(sale->Available(kStudent), 2);
  EXPECT_EQ(Describe(sale->Buyer(kAlice)), Describe(BuyerCounts{.bought_units = 3}));
  EXPECT_EQ(Describe(sale->Buyer(kBob)), Describe(BuyerCounts{}));
  EXPECT_EQ(Describe(sale->Buyer(kCarol)), Describe(BuyerCounts{.bought_units = 3}));
  EXPECT_EQ(Describe(sale->Buyer(kDave)), Describe(BuyerCounts{}));
  EXPECT_EQ(Describe(sale->Buyer(kErin)), Describe(BuyerCounts{.held_units = 2, .live_holds = 1}));

  // Let the last hold die (extended to 1 + 2 minutes) and check again.
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(sale->Sweep(), 1);
  EXPECT_EQ(Describe(sale->Stats()), Describe(SaleStats{.held_units = 0,
                                                        .sold_units = 6,
                                                        .released_units = 4,
                                                        .expired_units = 7,
                                                        .live_holds = 0,
                                                        .holds_created = 5,
                                                        .holds_confirmed = 2,
                                                        .holds_released = 1,
                                                        .holds_expired = 2}));
  EXPECT_EQ(Describe(sale->TypeStatsOf(kRegular)), Describe(TypeStats{.capacity = 10,
                                                                      .available = 7,
                                                                      .held_units = 0,
                                                                      .sold_units = 3,
                                                                      .released_units = 2,
                                                                      .expired_units = 6}));
  EXPECT_EQ(Describe(sale->Buyer(kErin)), Describe(BuyerCounts{}));
  EXPECT_EQ(sale->QuotaAvailable(0), 6);
}

// ---------------------------------------------------------------------------------------------
// Memory (P4) and config().

SaleConfig MemoryConfig(int32_t holds_max) {
  SaleConfig config = GaConfig(1000);
  config.holds_max = holds_max;
  config.buyers_max = 64;
  config.idempotency_keys_max = 64;
  config.events_max = 0;
  return config;
}

TEST_F(SaleTest, MemoryBytesIsPositiveAndBounded) {
  std::unique_ptr<Sale> small = Make(MemoryConfig(64));
  ASSERT_NE(small, nullptr);
  EXPECT_GT(small->MemoryBytes(), 0u);
  EXPECT_LE(small->MemoryBytes(), size_t{1} << 20);  // 64 slots, 64 buyers, 64 keys: < 1 MiB.

  SaleConfig config = GaConfig(1000);
  config.holds_max = 1 << 16;
  config.buyers_max = 1 << 16;
  config.idempotency_keys_max = 1 << 16;
  config.events_max = 1024;
  std::unique_ptr<Sale> big = Make(config);
  ASSERT_NE(big, nullptr);
  // 64 B a slot, 64 B a buyer and 16 B a key make 9 MiB; allow table slack up to 32 MiB.
  EXPECT_GE(big->MemoryBytes(), size_t{64} << 16);
  EXPECT_LE(big->MemoryBytes(), size_t{32} << 20);
}

TEST_F(SaleTest, MemoryBytesGrowsByAtMost64BytesPerHoldSlot) {
  constexpr int64_t kHolds1 = 1024;
  constexpr int64_t kHolds2 = 1 << 18;
  std::unique_ptr<Sale> one = Make(MemoryConfig(kHolds1));
  std::unique_ptr<Sale> two = Make(MemoryConfig(kHolds2));
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  int64_t m1 = static_cast<int64_t>(one->MemoryBytes());
  int64_t m2 = static_cast<int64_t>(two->MemoryBytes());
  ASSERT_GT(m2, m1);
  double per_slot = static_cast<double>(m2 - m1) / static_cast<double>(kHolds2 - kHolds1);
  EXPECT_LE((m2 - m1) / (kHolds2 - kHolds1), 64) << per_slot << " bytes per slot";
  EXPECT_GE(per_slot, 8.0) << "a slot needs at least its state word";
}

TEST_F(SaleTest, MemoryBytesNeverChanges) {
  std::unique_ptr<Sale> sale = Make(MemoryConfig(64));
  ASSERT_NE(sale, nullptr);
  size_t before = sale->MemoryBytes();
  for (BuyerId buyer = 1; buyer <= 40; ++buyer) {
    HoldResult hold = HoldUnits(*sale, buyer, 1, 0, Key(buyer));
    ASSERT_EQ(hold.outcome, Outcome::kOk);
    if (buyer % 2 == 0) {
      ASSERT_EQ(sale->Confirm(hold.id, buyer), Outcome::kOk);
    }
  }
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(sale->Sweep(), 20);
  EXPECT_EQ(sale->MemoryBytes(), before);
}

TEST_F(SaleTest, ConfigIsTheOneGiven) {
  SaleConfig config = TwoTypeConfig(10, 20);
  config.per_buyer_units_max = 7;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  ASSERT_EQ(sale->config().types.size(), 2u);
  EXPECT_EQ(sale->config().types[1].name, "b");
  EXPECT_EQ(sale->config().types[1].capacity, 20);
  EXPECT_EQ(sale->config().per_buyer_units_max, 7);
  EXPECT_EQ(sale->config().clock, &clock_);
}

TEST_F(SaleTest, SalesShareNothing) {
  std::unique_ptr<Sale> first = Make(GaConfig(10));
  std::unique_ptr<Sale> second = Make(GaConfig(10));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(HoldUnits(*first, kAlice, 4).outcome, Outcome::kOk);
  EXPECT_EQ(second->TypeAvailable(0), 10);
  EXPECT_EQ(Describe(second->Buyer(kAlice)), Describe(BuyerCounts{}));
  EXPECT_EQ(Describe(second->Stats()), Describe(SaleStats{}));
}

}  // namespace
}  // namespace holdfast
