// The noon rush end to end (DESIGN P3): 1,000,000 tickets sold out by 64
// buyer threads, then every invariant checked.
//
// Method: each thread acts for its own 4096 buyers in turn (a limit of 10
// units each, 2 live holds) and takes holds of 1-4 tickets (a fixed
// pseudo-random sequence per thread) with a 10 s TTL on a ManualClock; of
// every 20 holds it confirms 18, releases 1 and abandons 1 to expiry. Every
// 64 holds a thread advances the clock by 100 ms, so abandoned holds die
// while the sale goes on and come back through lazy expiry (I5) and sweeps.
// A thread stops when a 1-ticket hold is answered kSoldOut right after it
// moved the clock past every deadline, i.e. when everything is sold or in
// another thread's hands. "sell_out_ms" is the wall time from the first
// thread's start to the last thread's end (not Google Benchmark's mean of the
// threads' times). After the timed part thread 0 sweeps and checks I1, I3,
// I6 and I10 against the threads' own tallies; a failed check is reported as
// the benchmark's error. The lock-based baselines run the same program.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/contenders.h"
#include "benchmark/benchmark.h"
#include "holdfast/holdfast.h"

namespace holdfast::bench {
namespace {

constexpr int64_t kTickets = 1'000'000;
constexpr int kThreads = 64;
constexpr uint64_t kBuyersPerThread = 4096;
constexpr int64_t kUnitsPerBuyer = 10;
constexpr absl::Duration kTtl = absl::Seconds(10);

SaleConfig SellOutConfig() {
  SaleConfig config;
  config.types = {{.name = "regular", .capacity = kTickets}};
  config.cycles = {
      {.name = "noon", .opens_at = Noon(), .allotment = kTickets, .per_buyer_max = kUnitsPerBuyer}};
  config.per_buyer_units_max = kUnitsPerBuyer;
  config.per_buyer_holds_max = 2;
  config.holds_max = 1 << 14;
  config.buyers_max = static_cast<int32_t>(kThreads * kBuyersPerThread);
  config.idempotency_keys_max = 0;
  return config;
}

// What one thread did, for the checks after the timed part.
struct alignas(64) Tally {
  int64_t holds = 0;
  int64_t sold_units = 0;      // confirmed with kOk
  int64_t released_units = 0;  // released with kOk
  // Confirm or Release answered kExpired, or kUnknownHold: another thread's
  // clock step killed the hold and its slot was reused before we came.
  int64_t ends_expired = 0;
  int64_t abandoned = 0;
};
std::array<Tally, kThreads> tallies;

// Takes one hold and ends it the way the 20-hold pattern says. Returns the
// hold's outcome.
template <typename S>
Outcome HoldAndEnd(S& sale, BuyerId buyer, int32_t quantity, uint64_t n, Tally& tally) {
  const HoldLine lines[] = {{.type = 0, .quantity = quantity}};
  const HoldResult hold = sale.Hold(buyer, lines, {.ttl = kTtl});
  if (!hold.ok()) return hold.outcome;
  ++tally.holds;
  if (n % 20 == 19) {
    ++tally.abandoned;
  } else if (n % 20 == 18) {
    const Outcome released = sale.Release(hold.id, buyer);
    if (released == Outcome::kOk) tally.released_units += quantity;
    if (released == Outcome::kExpired || released == Outcome::kUnknownHold) ++tally.ends_expired;
  } else {
    const Outcome sold = sale.Confirm(hold.id, buyer);
    if (sold == Outcome::kOk) tally.sold_units += quantity;
    if (sold == Outcome::kExpired || sold == Outcome::kUnknownHold) ++tally.ends_expired;
  }
  return Outcome::kOk;
}

// One thread's share of the rush, until the stock is gone.
template <typename S>
void Rush(S& sale, ManualClock& clock, int thread, Tally& tally) {
  uint64_t random = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(thread + 1);
  uint64_t n = 0;
  uint64_t buyer_turn = 0;
  uint64_t refused_in_a_row = 0;
  const BuyerId first_buyer = static_cast<BuyerId>(thread) * kBuyersPerThread + 1;
  while (refused_in_a_row < kBuyersPerThread) {
    random ^= random << 13, random ^= random >> 7, random ^= random << 17;  // xorshift64
    const BuyerId buyer = first_buyer + buyer_turn % kBuyersPerThread;
    const Outcome outcome = HoldAndEnd(sale, buyer, static_cast<int32_t>(random % 4) + 1, n, tally);
    if (outcome == Outcome::kOk) {
      refused_in_a_row = 0;
      if (++n % 64 == 0) clock.Advance(absl::Milliseconds(100));
    } else if (outcome == Outcome::kSoldOut) {
      // Everything past its deadline comes back, then a last 1-ticket try.
      clock.Advance(kTtl);
      if (HoldAndEnd(sale, buyer, 1, n++, tally) == Outcome::kSoldOut) return;
    } else if (outcome == Outcome::kTryAgain) {
      continue;  // units on their way back from a preempted thread: retry
    } else {
      ++refused_in_a_row;  // this buyer is at a limit: the next one buys
      ++buyer_turn;
    }
  }
}

// I1, I3, I6, I10 after the rush; an empty string when all hold.
template <typename S>
std::string CheckInvariants(S& sale, ManualClock& clock) {
  clock.Advance(kTtl);
  sale.Sweep();
  Tally sum;
  for (const Tally& t : tallies) {
    sum.holds += t.holds, sum.sold_units += t.sold_units;
    sum.released_units += t.released_units, sum.abandoned += t.abandoned;
    sum.ends_expired += t.ends_expired;
  }
  const TypeStats type = sale.TypeStatsOf(0);
  const SaleStats stats = sale.Stats();
  if (type.available + type.sold_units != kTickets || type.held_units != 0) {
    return absl::StrCat("I1/I10: available ", type.available, " + sold ", type.sold_units,
                        " != ", kTickets, " or held ", type.held_units, " != 0");
  }
  if (type.sold_units != kTickets) return absl::StrCat("not sold out: ", type.sold_units);
  if (stats.sold_units != sum.sold_units || stats.released_units != sum.released_units ||
      stats.holds_created != sum.holds || stats.holds_expired != sum.abandoned + sum.ends_expired ||
      stats.live_holds != 0) {
    return absl::StrCat("I3/I10: stats disagree with the threads' tallies: sold ", stats.sold_units,
                        "/", sum.sold_units, ", holds ", stats.holds_created, "/", sum.holds,
                        ", expired ", stats.holds_expired, "/", sum.abandoned + sum.ends_expired);
  }
  int64_t bought = 0;
  for (BuyerId b = 1; b <= kThreads * kBuyersPerThread; ++b) {
    const BuyerCounts counts = sale.Buyer(b);
    if (counts.held_units != 0 || counts.live_holds != 0 || counts.bought_units > kUnitsPerBuyer) {
      return absl::StrCat("I6: buyer ", b, " bought ", counts.bought_units, ", holds ",
                          counts.held_units, " units in ", counts.live_holds, " holds");
    }
    bought += counts.bought_units;
  }
  if (bought != kTickets) return absl::StrCat("I10: buyers bought ", bought);
  return "";
}

template <typename S>
void BM_SellOut(benchmark::State& state) {
  SharedSale<S> shared(state, SellOutConfig(), Noon());
  const int thread = state.thread_index();
  tallies[static_cast<size_t>(thread)] = Tally{};
  for (auto _ : state) {
    shared.Tick();
    Rush(shared.sale(), shared.clock(), thread, tallies[static_cast<size_t>(thread)]);
  }
  if (thread != 0) return;
  // The WallRate's counter is tickets per second; this one is the P3 figure.
  const double seconds = shared.WallSeconds();
  state.counters["sell_out_ms"] = 1e3 * seconds;
  state.counters["tickets_per_second"] = static_cast<double>(kTickets) / seconds;
  if (const std::string error = CheckInvariants(shared.sale(), shared.clock()); !error.empty()) {
    state.SkipWithError(error.c_str());
  }
}
BENCHMARK_TEMPLATE(BM_SellOut, Holdfast)
    ->Threads(kThreads)
    ->Iterations(1)
    ->Repetitions(5)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_SellOut, StdMutex)
    ->Threads(kThreads)
    ->Iterations(1)
    ->Repetitions(5)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_SellOut, AbslMutex)
    ->Threads(kThreads)
    ->Iterations(1)
    ->Repetitions(5)
    ->UseRealTime();

}  // namespace
}  // namespace holdfast::bench

BENCHMARK_MAIN();
