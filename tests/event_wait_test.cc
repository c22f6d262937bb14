// Sale::WaitForEvents (holdfast/sale.h): a waiter is woken by the operation that publishes the
// next event, not by a timeout; it returns false on a timeout with nothing published and at once
// for a sale without events; and, under producers racing a waiter that sleeps and drains in a
// loop, no wake-up is lost: a wait that times out never leaves an event behind it.
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
#include "holdfast/event.h"
#include "holdfast/sale.h"

namespace holdfast {
namespace {

std::unique_ptr<Sale> Make(int32_t events_max, Clock* clock) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 1'000'000}};
  config.units_per_hold_max = 1;
  config.holds_max = 1024;
  config.buyers_max = 64;
  config.events_max = events_max;
  config.clock = clock;
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  EXPECT_TRUE(sale.ok()) << sale.status();
  return sale.ok() ? *std::move(sale) : nullptr;
}

HoldId HoldOne(Sale& sale, BuyerId buyer) {
  const HoldLine line{.type = 0, .quantity = 1};
  const HoldResult r = sale.Hold(buyer, {&line, 1});
  EXPECT_TRUE(r.ok()) << OutcomeName(r.outcome);
  return r.id;
}

TEST(EventWaitTest, NoQueueAndNothingPublished) {
  ManualClock clock;
  std::unique_ptr<Sale> without = Make(0, &clock);
  ASSERT_NE(without, nullptr);
  EXPECT_FALSE(without->WaitForEvents(absl::Hours(1)));  // at once: no queue to wait on
  std::unique_ptr<Sale> sale = Make(64, &clock);
  ASSERT_NE(sale, nullptr);
  EXPECT_FALSE(sale->WaitForEvents(absl::Milliseconds(20)));
  EXPECT_FALSE(sale->WaitForEvents(absl::ZeroDuration()));
  EXPECT_FALSE(sale->WaitForEvents(-absl::InfiniteDuration()));
  (void)HoldOne(*sale, 1);
  EXPECT_TRUE(sale->WaitForEvents(absl::ZeroDuration()));  // waiting already
  Event events[4];
  EXPECT_EQ(sale->DrainEvents(events), 1u);
  EXPECT_FALSE(sale->WaitForEvents(absl::ZeroDuration()));
}

// The waiter's timeout is a minute; a waiter that was not woken would return only when it ends
// (and then true as well, since the event waits): it must return long before.
TEST(EventWaitTest, APublishingHoldWakesTheWaiter) {
  ManualClock clock;
  std::unique_ptr<Sale> sale = Make(64, &clock);
  ASSERT_NE(sale, nullptr);
  std::atomic<bool> woken{false};
  std::thread waiter([&] { woken.store(sale->WaitForEvents(absl::Minutes(1))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it fall asleep
  const absl::Time held = absl::Now();
  (void)HoldOne(*sale, 1);
  waiter.join();
  EXPECT_TRUE(woken.load());
  EXPECT_LT(absl::Now() - held, absl::Seconds(30)) << "the waiter slept until its timeout";
  Event events[4];
  EXPECT_EQ(sale->DrainEvents(events), 1u);
}

// Producers publish while one consumer waits and drains until it has every event. Each wait
// has a 2 s timeout; a wait that timed out while an event could be drained right after is a
// lost wake-up.
TEST(EventWaitTest, NoWakeUpIsLost) {
  SystemClock* clock = SystemClock::Get();
  std::unique_ptr<Sale> sale = Make(4096, clock);
  ASSERT_NE(sale, nullptr);
  constexpr int kProducers = 3;
  constexpr int kHoldsEach = 3000;
  std::atomic<int64_t> lost{0};
  std::atomic<int64_t> waits{0};
  std::thread consumer([&] {
    int64_t got = 0;
    Event events[256];
    while (got < 2 * kProducers * kHoldsEach) {
      const bool published = sale->WaitForEvents(absl::Seconds(2));
      waits.fetch_add(1, std::memory_order_relaxed);
      const size_t n = sale->DrainEvents(events);
      if (!published && n > 0) lost.fetch_add(1, std::memory_order_relaxed);
      got += static_cast<int64_t>(n);
      if (!published && n == 0) break;  // nothing for 2 s: the producers are done or stuck
    }
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      const BuyerId buyer = 10 + static_cast<BuyerId>(p);
      for (int i = 0; i < kHoldsEach; ++i) {
        const HoldId id = HoldOne(*sale, buyer);
        EXPECT_EQ(sale->Release(id, buyer), Outcome::kOk);
        // Now and then a pause, so that the consumer drains the queue dry and sleeps.
        if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
  }
  for (std::thread& t : producers) t.join();
  consumer.join();
  std::printf("%lld waits for %d events\n", static_cast<long long>(waits.load()),
              2 * kProducers * kHoldsEach);
  EXPECT_EQ(lost.load(), 0);
  EXPECT_EQ(sale->Stats().events_dropped, 0);
}

}  // namespace
}  // namespace holdfast
