// bench/contenders.h: what every holdfast benchmark runs against what, and how.
//
// Goal: one scenario is written once and measured on holdfast and on each
// lock-based baseline in the same binary, same run, so the report's ratios
// compare like with like. Method: scenarios are function templates over the
// sale type; HOLDFAST_CONTENDERS registers one for each contender, named
// BM_Scenario<Contender>/real_time/threads:N (bench/report.py parses
// these names). Thread 0 builds the shared sale before the timed loop (the
// other threads wait at the loop's starting barrier) and drops it after the
// ending barrier, so building and checking are never timed.
#ifndef HOLDFAST_BENCH_CONTENDERS_H_
#define HOLDFAST_BENCH_CONTENDERS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "bench/baselines/locked_sale.h"
#include "benchmark/benchmark.h"
#include "holdfast/holdfast.h"

namespace holdfast::bench {

// The contenders, named as they appear in benchmark names.
using Holdfast = Sale;
using StdMutex = baselines::LockedSale<std::mutex>;
using AbslMutex = baselines::LockedSale<absl::Mutex>;

// 1, 2, 8 and 64 threads against the wall clock: 2 is DESIGN's machine, 64 a
// web server's pool oversubscribing it (P2).
inline void ContentionThreads(benchmark::internal::Benchmark* b) {
  b->UseRealTime()->Threads(1)->Threads(2)->Threads(8)->Threads(64);
}

// Use inside namespace holdfast::bench, so the names stay short.
#define HOLDFAST_CONTENDERS(bm)                               \
  BENCHMARK_TEMPLATE(bm, Holdfast)->Apply(ContentionThreads); \
  BENCHMARK_TEMPLATE(bm, StdMutex)->Apply(ContentionThreads); \
  BENCHMARK_TEMPLATE(bm, AbslMutex)->Apply(ContentionThreads)

// Throughput over the wall time of the whole run, from the first thread's
// first iteration to the end barrier, as the counter "wall_items_per_second".
// Why: Google Benchmark 1.7 divides the items of all threads by the *mean* of
// the threads' real times, and with 64 threads on 2 cores the threads do not
// run side by side (a thread may finish its share within a few time slices),
// so the mean is well below the run's wall time and items_per_second comes
// out up to ~2x too high. This counter is what the report's ratios use.
// Every thread calls Tick() once per iteration; each thread runs
// max_iterations iterations (Google Benchmark gives all threads the same).
class WallRate {
 public:
  explicit WallRate(benchmark::State& state) : state_(state) {
    // Before the starting barrier, so every thread's Tick sees the reset.
    if (state.thread_index() == 0) start_ns_.store(kNotStarted, std::memory_order_relaxed);
  }
  ~WallRate() {
    if (state_.thread_index() != 0 || state_.iterations() == 0) return;
    const double items = static_cast<double>(state_.iterations()) * state_.threads();
    state_.counters["wall_items_per_second"] = items / Seconds();
  }
  WallRate(const WallRate&) = delete;
  WallRate& operator=(const WallRate&) = delete;

  // The run's wall time. On thread 0 after the loop (after the ending
  // barrier, so every thread has finished); the first call fixes the end.
  double Seconds() {
    if (end_ns_ == 0) end_ns_ = NowNs();
    return static_cast<double>(end_ns_ - start_ns_.load()) * 1e-9;
  }

  void Tick() {
    if (started_) [[likely]]
      return;
    started_ = true;
    // The earliest first iteration of any thread; seq_cst, it is 1 per thread.
    const int64_t now = NowNs();
    int64_t seen = start_ns_.load();
    while (now < seen && !start_ns_.compare_exchange_weak(seen, now)) {
    }
  }

 private:
  static constexpr int64_t kNotStarted = INT64_MAX;
  static int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  benchmark::State& state_;
  bool started_ = false;
  int64_t end_ns_ = 0;
  static inline std::atomic<int64_t> start_ns_{kNotStarted};
};

// The sale (and its hand-driven clock, if any) that the threads of one run
// share. On its own cache line: the pointer is read on every iteration and
// must not share a line with anything that is written.
template <typename S>
struct alignas(64) Shared {
  static inline std::unique_ptr<ManualClock> clock;
  static inline std::unique_ptr<S> sale;
};

// Builds the shared sale on thread 0 when constructed and drops it on thread
// 0 when destroyed (after the loop's ending barrier). A config the sale
// refuses is a bug in the benchmark and stops the program.
template <typename S>
class SharedSale {
 public:
  // `clock_wall`: when set, the sale runs on a ManualClock starting there.
  SharedSale(benchmark::State& state, SaleConfig config,
             absl::Time clock_wall = absl::InfinitePast())
      : state_(state), rate_(state) {
    if (state.thread_index() != 0) return;
    Shared<S>::clock.reset();
    if (clock_wall != absl::InfinitePast()) {
      Shared<S>::clock = std::make_unique<ManualClock>(clock_wall);
      config.clock = Shared<S>::clock.get();
    }
    absl::StatusOr<std::unique_ptr<S>> sale = S::Create(config);
    if (!sale.ok()) {
      // Other threads are about to use the sale: stop loudly instead.
      std::fprintf(stderr, "bench: bad config: %s\n", sale.status().ToString().c_str());
      std::abort();
    }
    Shared<S>::sale = std::move(*sale);
  }
  ~SharedSale() {
    if (state_.thread_index() != 0) return;
    Shared<S>::sale.reset();
    Shared<S>::clock.reset();
  }
  SharedSale(const SharedSale&) = delete;
  SharedSale& operator=(const SharedSale&) = delete;

  // Call once per iteration of the timed loop.
  void Tick() { rate_.Tick(); }
  // The run's wall time, see WallRate::Seconds.
  double WallSeconds() { return rate_.Seconds(); }

  // Valid inside the timed loop and, on thread 0, after it.
  S& sale() const { return *Shared<S>::sale; }
  ManualClock& clock() const { return *Shared<S>::clock; }

 private:
  benchmark::State& state_;
  WallRate rate_;
};

// A noon in the benchmarks' hand-driven time.
inline absl::Time Noon() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());
}

// One hot ticket type with buyer limits and a cycle active, as P1 asks; the
// limits never bind (each thread is a buyer that can't reach them in a run).
// Shared by sale_benchmark and c_api_benchmark, so both measure one sale.
inline SaleConfig HotTypeConfig() {
  SaleConfig config;
  config.types = {{.name = "regular", .capacity = kCapacityMax}};
  config.cycles = {{.name = "noon",
                    .opens_at = absl::InfinitePast(),
                    .allotment = kCapacityMax,
                    .per_buyer_max = kCapacityMax}};
  config.per_buyer_units_max = kPerBuyerUnitsMax;  // the limit is checked on every hold
  config.per_buyer_holds_max = 4;
  config.idempotency_keys_max = 0;
  return config;  // holds_max and buyers_max: the defaults, 65536 each
}

// The buyer of a benchmark thread: one per thread, 1-based.
inline BuyerId ThreadBuyer(const benchmark::State& state) {
  return static_cast<BuyerId>(state.thread_index()) + 1;
}

}  // namespace holdfast::bench

#endif  // HOLDFAST_BENCH_CONTENDERS_H_
