// Sale::Describe (holdfast/sale.h): one hold's state, deadline and units, as its buyer may see
// them. Each state of the life cycle on a ManualClock moved by hand (held, dead but not swept,
// swept, confirmed, released, extended), refusals (another buyer, forged, foreign, a slot reused
// since), merged lines and seats, that Describe writes nothing, and a race: Describe of holds
// that other threads confirm and release never tells a story the holds never had.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/sale.h"
#include "holdfast/seat_map.h"

namespace holdfast {
namespace {

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

// Types "ga" (10) and "vip" (5).
SaleConfig TwoTypes(Clock* clock) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 10}, {.name = "vip", .capacity = 5}};
  config.units_per_hold_max = 10;
  config.hold_ttl_default = absl::Minutes(10);
  config.hold_lifetime_max = absl::Minutes(30);
  config.holds_max = 64;
  config.buyers_max = 64;
  config.clock = clock;
  return config;
}

std::unique_ptr<Sale> Make(const SaleConfig& config) {
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  EXPECT_TRUE(sale.ok()) << sale.status();
  return sale.ok() ? *std::move(sale) : nullptr;
}

HoldInfo MustDescribe(const Sale& sale, HoldId id, BuyerId buyer) {
  HoldInfo info;
  EXPECT_EQ(sale.Describe(id, buyer, info), Outcome::kOk);
  return info;
}

TEST(DescribeTest, ALiveHoldAndItsDeadline) {
  ManualClock clock(kNoon);
  std::unique_ptr<Sale> sale = Make(TwoTypes(&clock));
  ASSERT_NE(sale, nullptr);
  // Two lines of one type merge; the order is the hold's.
  const HoldLine lines[] = {
      {.type = 1, .quantity = 2}, {.type = 0, .quantity = 3}, {.type = 1, .quantity = 1}};
  const HoldResult h = sale->Hold(7, lines, {.ttl = absl::Minutes(5)});
  ASSERT_TRUE(h.ok());
  clock.Advance(absl::Minutes(1));
  const HoldInfo info = MustDescribe(*sale, h.id, 7);
  EXPECT_EQ(info.state, HoldState::kHeld);
  EXPECT_EQ(info.buyer, 7u);
  EXPECT_EQ(info.expires_at, kNoon + absl::Minutes(5));
  ASSERT_EQ(info.line_count, 2);
  EXPECT_EQ(info.lines[0].type, 1u);
  EXPECT_EQ(info.lines[0].quantity, 3);
  EXPECT_EQ(info.lines[1].type, 0u);
  EXPECT_EQ(info.lines[1].quantity, 3);
  EXPECT_EQ(info.units, 6);
  EXPECT_EQ(info.seat_count, 0);

  // Extend moves the deadline Describe reports.
  ASSERT_EQ(sale->Extend(h.id, 7, absl::Minutes(20)), Outcome::kOk);
  EXPECT_EQ(MustDescribe(*sale, h.id, 7).expires_at, kNoon + absl::Minutes(21));
}

TEST(DescribeTest, EveryEnd) {
  ManualClock clock(kNoon);
  std::unique_ptr<Sale> sale = Make(TwoTypes(&clock));
  ASSERT_NE(sale, nullptr);
  const HoldLine one{.type = 0, .quantity = 1};
  const HoldResult confirmed = sale->Hold(1, {&one, 1});
  const HoldResult released = sale->Hold(2, {&one, 1});
  const HoldResult dead = sale->Hold(3, {&one, 1}, {.ttl = absl::Minutes(1)});
  ASSERT_TRUE(confirmed.ok() && released.ok() && dead.ok());
  ASSERT_EQ(sale->Confirm(confirmed.id, 1), Outcome::kOk);
  ASSERT_EQ(sale->Release(released.id, 2), Outcome::kOk);
  clock.Advance(absl::Minutes(2));

  HoldInfo info = MustDescribe(*sale, confirmed.id, 1);
  EXPECT_EQ(info.state, HoldState::kConfirmed);
  EXPECT_EQ(info.expires_at, absl::InfinitePast());
  EXPECT_EQ(info.units, 1);
  info = MustDescribe(*sale, released.id, 2);
  EXPECT_EQ(info.state, HoldState::kReleased);
  EXPECT_EQ(info.units, 1);

  // Dead, not swept: kExpired with the deadline it had, and Describe writes nothing.
  info = MustDescribe(*sale, dead.id, 3);
  EXPECT_EQ(info.state, HoldState::kExpired);
  EXPECT_EQ(info.expires_at, kNoon + absl::Minutes(1));
  EXPECT_EQ(sale->Stats().holds_expired, 0);
  EXPECT_EQ(sale->Stats().live_holds, 1);
  // Swept: kExpired, its deadline no longer kept.
  EXPECT_EQ(sale->Sweep(), 1);
  info = MustDescribe(*sale, dead.id, 3);
  EXPECT_EQ(info.state, HoldState::kExpired);
  EXPECT_EQ(info.expires_at, absl::InfinitePast());
  EXPECT_EQ(info.units, 1);
}

TEST(DescribeTest, RefusesOthersForgedForeignAndReused) {
  ManualClock clock(kNoon);
  SaleConfig config = TwoTypes(&clock);
  config.types[0].capacity = 100;
  std::unique_ptr<Sale> sale = Make(config);
  std::unique_ptr<Sale> other = Make(config);
  ASSERT_NE(sale, nullptr);
  ASSERT_NE(other, nullptr);
  const HoldLine one{.type = 0, .quantity = 1};
  const HoldResult h = sale->Hold(1, {&one, 1});
  ASSERT_TRUE(h.ok());
  HoldInfo info;
  info.units = 99;
  EXPECT_EQ(sale->Describe(h.id, 2, info), Outcome::kNotOwner);
  EXPECT_EQ(info.units, 0);  // reset to the defaults
  EXPECT_EQ(sale->Describe(HoldId{}, 1, info), Outcome::kUnknownHold);
  EXPECT_EQ(sale->Describe(HoldId{h.id.value ^ 0xFFFF}, 1, info), Outcome::kUnknownHold);
  EXPECT_EQ(other->Describe(h.id, 1, info), Outcome::kUnknownHold);  // another sale's id
  // Released, then its slot taken by a later hold (every other slot is in use, so the next
  // hold gets that one): the old id is unknown.
  for (int i = 1; i < config.holds_max; ++i) ASSERT_TRUE(sale->Hold(3, {&one, 1}).ok());
  ASSERT_EQ(sale->Release(h.id, 1), Outcome::kOk);
  EXPECT_EQ(MustDescribe(*sale, h.id, 1).state, HoldState::kReleased);
  const HoldResult later = sale->Hold(2, {&one, 1});
  ASSERT_TRUE(later.ok()) << OutcomeName(later.outcome);
  EXPECT_EQ(sale->Describe(h.id, 1, info), Outcome::kUnknownHold);
  EXPECT_EQ(MustDescribe(*sale, later.id, 2).buyer, 2u);
}

TEST(DescribeTest, SeatsCountAsTheirSectionsType) {
  ManualClock clock(kNoon);
  absl::StatusOr<SeatMapConfig> map = ParseSeatMap(
      "section Stalls type=0\n"
      "row A seats=10\n");
  ASSERT_TRUE(map.ok()) << map.status();
  SaleConfig config = TwoTypes(&clock);
  config.types[0].capacity = 10;
  config.seat_map = *map;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  const SeatId seats[] = {sale->FindSeat("Stalls A-3"), sale->FindSeat("Stalls A-4")};
  const HoldLine vip{.type = 1, .quantity = 2};
  const HoldResult h = sale->HoldSeats(4, seats, {&vip, 1});
  ASSERT_TRUE(h.ok()) << OutcomeName(h.outcome);
  const HoldInfo info = MustDescribe(*sale, h.id, 4);
  EXPECT_EQ(info.units, 4);
  EXPECT_EQ(info.seat_count, 2);
  ASSERT_EQ(info.line_count, 2);
  EXPECT_EQ(info.lines[0].type, 1u);  // the general-admission line comes first in the slot
  EXPECT_EQ(info.lines[0].quantity, 2);
  EXPECT_EQ(info.lines[1].type, 0u);
  EXPECT_EQ(info.lines[1].quantity, 2);
}

// Threads make holds of 1 or 2 units and confirm or release them while a reader describes
// the latest hold of each. A description is a moment of the hold's own life: its buyer and
// units are the hold's, and its state never goes back (held -> confirmed or released).
TEST(DescribeTest, ConcurrentEndsNeverShowAStoryTheHoldDidNotHave) {
  SaleConfig config = TwoTypes(SystemClock::Get());
  config.types[0].capacity = 1'000'000;
  config.units_per_hold_max = 2;
  config.holds_max = 256;
  std::unique_ptr<Sale> sale = Make(config);
  ASSERT_NE(sale, nullptr);
  constexpr int kWriters = 2;
  constexpr int kHolds = 20'000;
  // Per writer: the holds it made, in order; entries below `published` never change again.
  struct Made {
    std::vector<HoldId> ids = std::vector<HoldId>(kHolds);
    std::vector<int32_t> units = std::vector<int32_t>(kHolds);
    std::atomic<int> published{0};
  };
  std::vector<Made> made(kWriters);
  std::atomic<bool> done{false};
  std::atomic<int64_t> bad{0};
  std::atomic<int64_t> described{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const BuyerId buyer = 100 + static_cast<BuyerId>(w);
      for (int i = 0; i < kHolds; ++i) {
        const HoldLine line{.type = 0, .quantity = 1 + i % 2};
        const HoldResult h = sale->Hold(buyer, {&line, 1});
        if (!h.ok()) continue;
        const int n = made[w].published.load(std::memory_order_relaxed);
        made[w].ids[n] = h.id;
        made[w].units[n] = line.quantity;
        // Release: the entry is written before the reader, acquiring the count, reads it.
        made[w].published.store(n + 1, std::memory_order_release);
        if (i % 3 == 0) {
          (void)sale->Release(h.id, buyer);
        } else {
          (void)sale->Confirm(h.id, buyer);
        }
      }
    });
  }
  std::thread reader([&] {
    while (!done.load(std::memory_order_acquire)) {
      for (int w = 0; w < kWriters; ++w) {
        // Acquire pairs with the writer's release store of the count.
        const int n = made[w].published.load(std::memory_order_acquire);
        if (n == 0) continue;
        const HoldId id = made[w].ids[n - 1];
        const int32_t units = made[w].units[n - 1];
        const BuyerId buyer = 100 + static_cast<BuyerId>(w);
        HoldInfo first, second;
        if (sale->Describe(id, buyer, first) != Outcome::kOk) continue;
        described.fetch_add(1, std::memory_order_relaxed);
        if (first.units != units || first.line_count != 1 || first.lines[0].type != 0 ||
            first.lines[0].quantity != units || first.buyer != buyer) {
          bad.fetch_add(1, std::memory_order_relaxed);
        }
        if (sale->Describe(id, buyer, second) == Outcome::kOk) {
          const bool went_back = first.state != HoldState::kHeld && second.state != first.state;
          if (went_back || second.units != units) bad.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
  });
  for (std::thread& t : writers) t.join();
  done.store(true, std::memory_order_release);
  reader.join();
  std::printf("%lld descriptions raced with their holds' ends\n",
              static_cast<long long>(described.load()));
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace holdfast
