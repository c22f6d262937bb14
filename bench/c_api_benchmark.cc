// The per-call cost of the C ABI (holdfast/holdfast_c.h) against the C++ API
// (holdfast/sale.h), measured in one binary and one run (issue 16).
//
// Method: each scenario is written once as a template over the API and run on
// holdfast::Sale ("Holdfast") and on the C ABI ("CAbi": a thin class whose
// every method is one direct call of its hf_* function, as a C++ caller of
// holdfast_c.h would write it), on the same sale config as
// bench/sale_benchmark.cc (one hot ticket type, buyer limits checked on every
// hold, a cycle open), at 1 and 2 threads with real time. The C ABI's extra
// work is its own: argument checks, copying the lines into C++ HoldLines, the
// exception guard and translating the outcome. The ratio CAbi / Holdfast of
// wall_items_per_second is the report; run with
// --benchmark_enable_random_interleaving=true --benchmark_repetitions=N to
// interleave the two. Outcomes the scenario did not expect are counted in
// "failures", never asserted: speed is never a test.
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/contenders.h"
#include "benchmark/benchmark.h"
#include "holdfast/holdfast.h"
#include "holdfast/holdfast_c.h"

namespace holdfast::bench {
namespace {

// The C ABI behind the subset of Sale's interface the scenarios below use.
// Not thread-safe to create or destroy; its calls are as thread-safe as the
// hf_* functions (all of them are).
class CAbi {
 public:
  // Builds an hf_sale from `config`'s types, cycles, limits, TTLs and sizes.
  // A config with more (quotas, a seat map, a clock) is refused, so the two
  // contenders never run different sales.
  static absl::StatusOr<std::unique_ptr<CAbi>> Create(const SaleConfig& config) {
    if (!config.quotas.empty() || config.clock != nullptr || !config.seat_map.empty()) {
      return absl::InvalidArgumentError("CAbi: the bench sets types, cycles and limits only");
    }
    std::unique_ptr<hf_config, void (*)(hf_config*)> c(hf_config_create(), hf_config_destroy);
    bool ok = c != nullptr;
    for (const TicketTypeConfig& type : config.types) {
      ok = ok &&
           hf_config_add_type(c.get(), type.name.c_str(), type.capacity, nullptr) == HF_ERROR_OK;
    }
    for (const CycleConfig& cycle : config.cycles) {
      ok = ok && hf_config_add_cycle(c.get(), cycle.name.c_str(), UnixNs(cycle.opens_at),
                                     UnixNs(cycle.closes_at), cycle.allotment, cycle.per_buyer_max,
                                     cycle.rollover ? 1 : 0, nullptr) == HF_ERROR_OK;
    }
    ok = ok &&
         hf_config_set_per_buyer_units_max(c.get(), config.per_buyer_units_max) == HF_ERROR_OK &&
         hf_config_set_per_buyer_holds_max(c.get(), config.per_buyer_holds_max) == HF_ERROR_OK &&
         hf_config_set_units_per_hold_max(c.get(), config.units_per_hold_max) == HF_ERROR_OK &&
         hf_config_set_hold_ttl_default_ns(
             c.get(), absl::ToInt64Nanoseconds(config.hold_ttl_default)) == HF_ERROR_OK &&
         hf_config_set_hold_lifetime_max_ns(
             c.get(), absl::ToInt64Nanoseconds(config.hold_lifetime_max)) == HF_ERROR_OK &&
         hf_config_set_holds_max(c.get(), config.holds_max) == HF_ERROR_OK &&
         hf_config_set_buyers_max(c.get(), config.buyers_max) == HF_ERROR_OK &&
         hf_config_set_idempotency_keys_max(c.get(), config.idempotency_keys_max) == HF_ERROR_OK &&
         hf_config_set_events_max(c.get(), config.events_max) == HF_ERROR_OK;
    if (!ok) return absl::InternalError("CAbi: building the hf_config failed");
    char message[256];
    hf_sale* sale = nullptr;
    if (hf_sale_create(c.get(), &sale, message, sizeof message) != HF_ERROR_OK) {
      return absl::InvalidArgumentError(std::string("CAbi: ") + message);
    }
    return std::unique_ptr<CAbi>(new CAbi(sale));
  }

  ~CAbi() { hf_sale_destroy(sale_); }
  CAbi(const CAbi&) = delete;
  CAbi& operator=(const CAbi&) = delete;

  HoldResult Hold(BuyerId buyer, absl::Span<const hf_hold_line> lines) {
    HoldResult result;
    result.outcome = static_cast<Outcome>(
        hf_sale_hold(sale_, buyer, lines.data(), lines.size(), 0, 0, &result.id.value));
    return result;
  }
  Outcome Confirm(HoldId hold, BuyerId buyer) {
    return static_cast<Outcome>(hf_sale_confirm(sale_, hold.value, buyer, HF_CONFIRM_RETRY_IS_OK));
  }
  Outcome Release(HoldId hold, BuyerId buyer) {
    return static_cast<Outcome>(hf_sale_release(sale_, hold.value, buyer));
  }
  int64_t Available(TypeId type) const { return hf_sale_available(sale_, type); }

 private:
  explicit CAbi(hf_sale* sale) : sale_(sale) {}

  static int64_t UnixNs(absl::Time t) {
    if (t == absl::InfinitePast()) return HF_TIME_INFINITE_PAST;
    if (t == absl::InfiniteFuture()) return HF_TIME_INFINITE_FUTURE;
    return absl::ToUnixNanos(t);
  }

  hf_sale* const sale_;
};

// The hold line each API takes: the same fields, `type` and `quantity`.
template <typename S>
struct LineOf {
  using type = HoldLine;
};
template <>
struct LineOf<CAbi> {
  using type = hf_hold_line;
};

// 1 and 2 threads against the wall clock (2 is DESIGN's machine).
void OneAndTwoThreads(benchmark::internal::Benchmark* b) {
  b->UseRealTime()->Threads(1)->Threads(2);
}

// How a pair ends: the hold is confirmed or released.
enum class End { kConfirm, kRelease };

// Hold one ticket on a sale of `config` and end the hold; one item is one
// pair (two calls).
template <typename S>
void HoldThenEnd(benchmark::State& state, const SaleConfig& config, End end) {
  SharedSale<S> shared(state, config);
  const BuyerId buyer = ThreadBuyer(state);
  const typename LineOf<S>::type lines[] = {{.type = 0, .quantity = 1}};
  int64_t failures = 0;
  for (auto _ : state) {
    shared.Tick();
    const HoldResult hold = shared.sale().Hold(buyer, lines);
    if (!hold.ok()) {
      ++failures;
      continue;
    }
    const Outcome ended = end == End::kConfirm ? shared.sale().Confirm(hold.id, buyer)
                                               : shared.sale().Release(hold.id, buyer);
    if (ended != Outcome::kOk) ++failures;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failures"] = static_cast<double>(failures);
}

// Hold one ticket and confirm it, on the hot type's config.
template <typename S>
void BM_HoldConfirm(benchmark::State& state) {
  HoldThenEnd<S>(state, HotTypeConfig(), End::kConfirm);
}
BENCHMARK_TEMPLATE(BM_HoldConfirm, Holdfast)->Apply(OneAndTwoThreads);
BENCHMARK_TEMPLATE(BM_HoldConfirm, CAbi)->Apply(OneAndTwoThreads);

// Hold one ticket and release it, on the config without its cycle and with the
// default idempotency key table: the sale examples/rust/examples/overhead.rs
// builds (its Config sets neither), so its figure from Rust has a C++ and a C
// figure beside it. One thread only.
template <typename S>
void BM_HoldRelease(benchmark::State& state) {
  SaleConfig config = HotTypeConfig();
  config.cycles.clear();
  config.idempotency_keys_max = SaleConfig{}.idempotency_keys_max;  // Rust's Config can't set it
  HoldThenEnd<S>(state, config, End::kRelease);
}
BENCHMARK_TEMPLATE(BM_HoldRelease, Holdfast)->UseRealTime()->Threads(1);
BENCHMARK_TEMPLATE(BM_HoldRelease, CAbi)->UseRealTime()->Threads(1);

// The cheapest query, Available(type), while nothing else runs; one item is
// one call. The sale's counters are only read, so threads do not contend.
template <typename S>
void BM_Available(benchmark::State& state) {
  SharedSale<S> shared(state, HotTypeConfig());
  for (auto _ : state) {
    shared.Tick();
    benchmark::DoNotOptimize(shared.sale().Available(0));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_TEMPLATE(BM_Available, Holdfast)->Apply(OneAndTwoThreads);
BENCHMARK_TEMPLATE(BM_Available, CAbi)->Apply(OneAndTwoThreads);

}  // namespace
}  // namespace holdfast::bench

BENCHMARK_MAIN();
