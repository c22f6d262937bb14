// What a sale costs in memory (DESIGN P4): bytes per hold slot, per tracked
// buyer, and the whole footprint of a 1,000,000-ticket sale.
//
// Method: Sale::MemoryBytes() reports what Create allocated, and nothing
// grows afterwards. The cost of one hold slot is the difference between two
// sales that differ only in holds_max, divided by the difference; likewise
// for buyers and idempotency keys. A sale's capacity is a counter, so the
// footprint must not depend on it: the 1M-ticket and the 300-ticket sale are
// built with the same bounds and compared. The figures are counters of one
// iteration each (they are sizes, not speeds); the lock-based baseline's are
// beside them for scale.
#include <cstdint>

#include "bench/contenders.h"
#include "benchmark/benchmark.h"
#include "holdfast/holdfast.h"

namespace holdfast::bench {
namespace {

SaleConfig Config(int64_t tickets) {
  SaleConfig config;
  config.types = {{.name = "regular", .capacity = tickets}};
  config.cycles = {{.name = "noon", .allotment = tickets, .per_buyer_max = 10}};
  config.per_buyer_units_max = 10;
  config.per_buyer_holds_max = 2;
  return config;  // holds_max, buyers_max, idempotency_keys_max: 65536 each
}

template <typename S>
double Bytes(const SaleConfig& config) {
  return static_cast<double>(S::Create(config).value()->MemoryBytes());
}

// The growth of MemoryBytes per unit of one bound, from 2^16 to 2^17.
template <typename S, typename Field>
double BytesPer(Field field) {
  SaleConfig small = Config(1'000'000);
  SaleConfig large = small;
  small.*field = 1 << 16;
  large.*field = 1 << 17;
  return (Bytes<S>(large) - Bytes<S>(small)) / (1 << 16);
}

template <typename S>
void BM_Memory(benchmark::State& state) {
  for (auto _ : state) {
    state.counters["bytes_per_hold_slot"] = BytesPer<S>(&SaleConfig::holds_max);
    state.counters["bytes_per_buyer"] = BytesPer<S>(&SaleConfig::buyers_max);
    state.counters["sale_bytes_1M_tickets"] = Bytes<S>(Config(1'000'000));
    state.counters["sale_bytes_300_tickets"] = Bytes<S>(Config(300));
    // The smallest sale holdfast allows: 64 slots, one buyer, no keys.
    SaleConfig tiny = Config(1'000'000);
    tiny.holds_max = 64;
    tiny.buyers_max = 1;
    tiny.idempotency_keys_max = 0;
    state.counters["sale_bytes_minimal"] = Bytes<S>(tiny);
  }
}
BENCHMARK_TEMPLATE(BM_Memory, Holdfast)->Iterations(1);
BENCHMARK_TEMPLATE(BM_Memory, StdMutex)->Iterations(1);

// holdfast alone has idempotency keys.
void BM_MemoryIdempotencyKey(benchmark::State& state) {
  for (auto _ : state) {
    state.counters["bytes_per_idempotency_key"] =
        BytesPer<Holdfast>(&SaleConfig::idempotency_keys_max);
  }
}
BENCHMARK(BM_MemoryIdempotencyKey)->Iterations(1);

}  // namespace
}  // namespace holdfast::bench

BENCHMARK_MAIN();
