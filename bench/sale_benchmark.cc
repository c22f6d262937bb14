// Throughput of the sale's hot path under contention, against the lock-based
// baselines and the hardware's floor (DESIGN P1, P2).
//
// Method: each scenario is written once as a template and run on holdfast,
// on the std::mutex baseline and on the absl::Mutex baseline
// (bench/baselines/locked_sale.h), at 1, 2, 8 and 64 threads with real time,
// so the 64-thread runs oversubscribe a small machine the way a web server's
// pool does. Every thread is its own buyer unless the scenario says
// otherwise. items_per_second counts operations as each scenario defines
// them (a hold+confirm pair, a hold attempt); the report reads the
// "wall_items_per_second" counter (see WallRate in bench/contenders.h).
// BM_CasDecrement is the least
// any oversell-safe hold must do, a "decrement if > 0" compare-and-swap loop
// on one shared atomic; P1 asks BM_HoldConfirm<Holdfast> for at least 0.25 of
// its rate at 2 threads. Outcomes the scenario did not expect are counted in
// a "failures" counter, never asserted: speed is never a test.
#include <atomic>
#include <cstdint>

#include "bench/contenders.h"
#include "benchmark/benchmark.h"
#include "holdfast/holdfast.h"

namespace holdfast::bench {
namespace {

constexpr int64_t kUnlimited = kCapacityMax;

// P1, P2: hold one ticket and confirm it; one item is one pair.
template <typename S>
void BM_HoldConfirm(benchmark::State& state) {
  SharedSale<S> shared(state, HotTypeConfig());
  const BuyerId buyer = ThreadBuyer(state);
  const HoldLine lines[] = {{.type = 0, .quantity = 1}};
  int64_t failures = 0;
  for (auto _ : state) {
    shared.Tick();
    const HoldResult hold = shared.sale().Hold(buyer, lines);
    if (!hold.ok() || shared.sale().Confirm(hold.id, buyer) != Outcome::kOk) ++failures;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failures"] = static_cast<double>(failures);
}
HOLDFAST_CONTENDERS(BM_HoldConfirm);

// Hold one ticket and release it; one item is one pair.
template <typename S>
void BM_HoldRelease(benchmark::State& state) {
  SharedSale<S> shared(state, HotTypeConfig());
  const BuyerId buyer = ThreadBuyer(state);
  const HoldLine lines[] = {{.type = 0, .quantity = 1}};
  int64_t failures = 0;
  for (auto _ : state) {
    shared.Tick();
    const HoldResult hold = shared.sale().Hold(buyer, lines);
    if (!hold.ok() || shared.sale().Release(hold.id, buyer) != Outcome::kOk) ++failures;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failures"] = static_cast<double>(failures);
}
HOLDFAST_CONTENDERS(BM_HoldRelease);

// Clock-driven churn: holds of 1 ms are left to expire while the threads
// advance a ManualClock (each thread by 1 ms every 32 of its holds) and sweep
// (every 256 of its holds). Stock is small, so holds also meet SoldOut and
// must expire dead holds themselves (I5). One item is one hold attempt;
// "granted" is the fraction answered kOk.
template <typename S>
void BM_HoldExpire(benchmark::State& state) {
  SaleConfig config = HotTypeConfig();
  config.types[0].capacity = 4096;
  config.per_buyer_holds_max = 0;
  SharedSale<S> shared(state, config, Noon());
  const BuyerId buyer = ThreadBuyer(state);
  const HoldLine lines[] = {{.type = 0, .quantity = 1}};
  const HoldOptions options{.ttl = absl::Milliseconds(1)};
  int64_t granted = 0;
  uint32_t n = 0;
  for (auto _ : state) {
    shared.Tick();
    granted += shared.sale().Hold(buyer, lines, options).ok() ? 1 : 0;
    if ((++n & 31) == 0) shared.clock().Advance(absl::Milliseconds(1));
    if ((n & 255) == 0) benchmark::DoNotOptimize(shared.sale().Sweep());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["granted"] =
      benchmark::Counter(static_cast<double>(granted), benchmark::Counter::kAvgIterations);
}
HOLDFAST_CONTENDERS(BM_HoldExpire);

// Multi-line holds over shared quotas: regular + student + parking, one each,
// where a "hall" quota caps regular + student and a "site" quota caps all
// three; then confirm. Nine counters claimed per hold. One item is one pair.
template <typename S>
void BM_MultiLineQuota(benchmark::State& state) {
  SaleConfig config = HotTypeConfig();
  config.types = {{.name = "regular", .capacity = kUnlimited},
                  {.name = "student", .capacity = kUnlimited},
                  {.name = "parking", .capacity = kUnlimited}};
  config.quotas = {{.name = "hall", .capacity = kUnlimited, .types = {0, 1}},
                   {.name = "site", .capacity = kUnlimited, .types = {0, 1, 2}}};
  SharedSale<S> shared(state, config);
  const BuyerId buyer = ThreadBuyer(state);
  const HoldLine lines[] = {
      {.type = 0, .quantity = 1}, {.type = 1, .quantity = 1}, {.type = 2, .quantity = 1}};
  int64_t failures = 0;
  for (auto _ : state) {
    shared.Tick();
    const HoldResult hold = shared.sale().Hold(buyer, lines);
    if (!hold.ok() || shared.sale().Confirm(hold.id, buyer) != Outcome::kOk) ++failures;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failures"] = static_cast<double>(failures);
}
HOLDFAST_CONTENDERS(BM_MultiLineQuota);

// One hot buyer at its limit: every thread acts for the same buyer (a user
// hammering F5 in many tabs), whose limit is 4 units in 2 live holds; each
// attempt holds 2 units and releases them when granted. Most attempts are
// refused (kBuyerLimit, kTooManyHolds), which is the path measured. One item
// is one attempt; "granted" is the fraction answered kOk.
template <typename S>
void BM_HotBuyerAtLimit(benchmark::State& state) {
  SaleConfig config = HotTypeConfig();
  config.per_buyer_units_max = 4;
  config.per_buyer_holds_max = 2;
  SharedSale<S> shared(state, config);
  const BuyerId buyer = 7;
  const HoldLine lines[] = {{.type = 0, .quantity = 2}};
  int64_t granted = 0;
  for (auto _ : state) {
    shared.Tick();
    const HoldResult hold = shared.sale().Hold(buyer, lines);
    if (hold.ok()) {
      ++granted;
      benchmark::DoNotOptimize(shared.sale().Release(hold.id, buyer));
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["granted"] =
      benchmark::Counter(static_cast<double>(granted), benchmark::Counter::kAvgIterations);
}
HOLDFAST_CONTENDERS(BM_HotBuyerAtLimit);

// A sale whose cycles open mid-run: the wall clock (ManualClock) starts an
// hour before the presale; thread 0 moves it to the presale's opening a third
// of the way through its iterations and to the main cycle's (presale sealed,
// its leftover rolled over) at two thirds. Every thread keeps trying
// hold+confirm throughout, so the run mixes kNotOpen answers, the opening
// and the sealing under contention. One item is one attempt.
template <typename S>
void BM_CycleOpensMidRun(benchmark::State& state) {
  SaleConfig config = HotTypeConfig();
  config.cycles = {{.name = "presale",
                    .opens_at = Noon(),
                    .allotment = kUnlimited / 2,
                    .per_buyer_max = kUnlimited,
                    .rollover = true},
                   {.name = "main",
                    .opens_at = Noon() + absl::Hours(1),
                    .allotment = kUnlimited / 2,
                    .per_buyer_max = kUnlimited}};
  SharedSale<S> shared(state, config, Noon() - absl::Hours(1));
  const BuyerId buyer = ThreadBuyer(state);
  const HoldLine lines[] = {{.type = 0, .quantity = 1}};
  const bool driver = state.thread_index() == 0;
  const benchmark::IterationCount presale_at = state.max_iterations / 3;
  const benchmark::IterationCount main_at = 2 * state.max_iterations / 3;
  benchmark::IterationCount n = 0;
  int64_t sold = 0;
  for (auto _ : state) {
    shared.Tick();
    if (driver && ++n == presale_at) shared.clock().SetWall(Noon());
    if (driver && n == main_at) shared.clock().SetWall(Noon() + absl::Hours(1));
    const HoldResult hold = shared.sale().Hold(buyer, lines);
    if (hold.ok() && shared.sale().Confirm(hold.id, buyer) == Outcome::kOk) ++sold;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["sold"] =
      benchmark::Counter(static_cast<double>(sold), benchmark::Counter::kAvgIterations);
}
HOLDFAST_CONTENDERS(BM_CycleOpensMidRun);

// ---------------------------------------------------------------------------
// The hardware's floor, at the same thread counts.

// Alone on its cache line, so nothing else in the binary contends with it.
struct alignas(64) SharedStock {
  std::atomic<int64_t> units{0};
};
SharedStock shared_stock;

// "Decrement if > 0" on one shared atomic, once per iteration: the least an
// oversell-safe hold must do (P1's denominator).
void BM_CasDecrement(benchmark::State& state) {
  if (state.thread_index() == 0) {
    shared_stock.units.store(int64_t{1} << 62, std::memory_order_relaxed);
  }
  WallRate rate(state);
  for (auto _ : state) {
    rate.Tick();
    int64_t seen = shared_stock.units.load(std::memory_order_relaxed);
    // acq_rel, as holdfast's StockCounter::TryTake uses.
    while (seen > 0 && !shared_stock.units.compare_exchange_weak(
                           seen, seen - 1, std::memory_order_acq_rel, std::memory_order_relaxed)) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CasDecrement)->Apply(ContentionThreads);

// For reference: an unconditional fetch_add, the cheapest shared write.
void BM_FetchAdd(benchmark::State& state) {
  WallRate rate(state);
  for (auto _ : state) {
    rate.Tick();
    shared_stock.units.fetch_add(1, std::memory_order_acq_rel);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FetchAdd)->Apply(ContentionThreads);

}  // namespace
}  // namespace holdfast::bench

BENCHMARK_MAIN();
