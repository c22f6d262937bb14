// lib/internal/stock_counter.h: a units-available counter that never goes
// below zero, alone on its cache line.
//
//   StockCounter regular{300};
//   if (!regular.TryTake(2)) return Outcome::kSoldOut;
//   ...
//   regular.Give(2);
//
// A cycle's counter can also be sealed when the cycle ends: Seal() takes what
// is left and every later TryTake fails, every later TryGive refuses, so the
// caller passes units on to the next cycle (rollover) or drops them.
#ifndef HOLDFAST_LIB_INTERNAL_STOCK_COUNTER_H_
#define HOLDFAST_LIB_INTERNAL_STOCK_COUNTER_H_

#include <cstdint>
#include <limits>

#include "lib/internal/atomic.h"

namespace holdfast::internal {

class alignas(64) StockCounter {
 public:
  // The sealed marker: far below any value a live counter reaches.
  static constexpr int64_t kSealed = std::numeric_limits<int64_t>::min();

  explicit StockCounter(int64_t available = 0) : available_(available) {}

  // Takes `units` if at least that many are available. Returns false when
  // short or sealed. Lock-free: a failed compare-and-swap means another
  // thread changed the counter.
  bool TryTake(int64_t units) {
    // Relaxed load: the compare-and-swap validates it.
    int64_t seen = available_.load(std::memory_order_relaxed);
    while (seen >= units) {
      // acq_rel: the counter orders the claims and returns of one stock; a
      // thread that takes units returned by another sees that return's
      // history (its slot was freed after the Give).
      if (available_.compare_exchange_weak(seen, seen - units, std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // Returns `units` to a counter that is never sealed.
  void Give(int64_t units) {
    // acq_rel: pairs with TryTake, see there.
    available_.fetch_add(units, std::memory_order_acq_rel);
  }

  // Returns `units` unless the counter is sealed; false if it is.
  bool TryGive(int64_t units) {
    int64_t seen = available_.load(std::memory_order_relaxed);
    while (seen != kSealed) {
      // acq_rel: pairs with TryTake and with Seal's exchange.
      if (available_.compare_exchange_weak(seen, seen + units, std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // Seals the counter and returns what was left, or kSealed if another thread
  // sealed it first (exactly one caller gets the leftover).
  int64_t Seal() { return available_.exchange(kSealed, std::memory_order_acq_rel); }

  // The units available now (0 once sealed). Acquire: a reader that sees a
  // value sees the claims and returns that led to it.
  int64_t Load() const {
    const int64_t value = available_.load(std::memory_order_acquire);
    return value == kSealed ? 0 : value;
  }
  bool sealed() const { return available_.load(std::memory_order_acquire) == kSealed; }

 private:
  Atomic<int64_t> available_;
};
static_assert(sizeof(StockCounter) == 64, "a hot counter owns its cache line");

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_STOCK_COUNTER_H_
