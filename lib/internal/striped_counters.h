// lib/internal/striped_counters.h: statistics counters split into per-thread
// stripes, so counting a hold never makes threads fight over a cache line.
//
//   StripedCounters counters(/*width=*/12);
//   counters.Add(kHoldsCreated, 1);       // on the hot path: the thread's stripe
//   int64_t total = counters.Sum(kHoldsCreated);  // on a query: every stripe
#ifndef HOLDFAST_LIB_INTERNAL_STRIPED_COUNTERS_H_
#define HOLDFAST_LIB_INTERNAL_STRIPED_COUNTERS_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "lib/internal/atomic.h"

namespace holdfast::internal {

class StripedCounters {
 public:
  // Stripes a process leases to threads: a thread holds its stripe for its
  // life (see striped_counters.cc). Threads past the 64th share the
  // kSharedStripes after them, with atomic adds (a leased stripe is never
  // shared).
  static constexpr size_t kLeasedStripes = 64;
  static constexpr size_t kSharedStripes = 8;
  static constexpr size_t kStripes = kLeasedStripes + kSharedStripes;

  // `width` counters, all zero.
  explicit StripedCounters(size_t width);

  // Adds `delta` to counter `index` in this thread's stripe. A leased stripe
  // has one writer, so the add is a plain load and store (no locked
  // instruction); a shared one uses fetch_add. Release pairs with the
  // acquire in Sum: a reader that sees this add also sees every add that
  // happened before it, e.g. a hold's creation before its end, so a reader
  // that sums "ended" before "created" never sees more ends than creations.
  void Add(size_t index, int64_t delta) {
    const Stripe stripe = StripeOfThisThread();
    Atomic<int64_t>& cell = Cell(stripe.index, index);
    if (stripe.exclusive) {
      cell.store(cell.load(std::memory_order_relaxed) + delta, std::memory_order_release);
    } else {
      // A shared stripe has several writers: an atomic add, release as above.
      cell.fetch_add(delta, std::memory_order_release);
    }
  }

  // The sum of counter `index` over every stripe: exact at a quiescent point.
  int64_t Sum(size_t index) const {
    int64_t total = 0;
    for (size_t s = 0; s < kStripes; ++s) {
      total += Cell(s, index).load(std::memory_order_acquire);
    }
    return total;
  }

  size_t MemoryBytes() const { return kStripes * lines_per_stripe_ * sizeof(Line); }

 private:
  static constexpr size_t kCellsPerLine = 8;
  struct alignas(64) Line {
    Atomic<int64_t> cells[kCellsPerLine] = {};
  };
  struct Stripe {
    size_t index;
    bool exclusive;  // leased to this thread alone
  };

  static Stripe StripeOfThisThread();

  Atomic<int64_t>& Cell(size_t stripe, size_t index) const {
    return lines_[stripe * lines_per_stripe_ + index / kCellsPerLine].cells[index % kCellsPerLine];
  }

  // A stripe is whole cache lines, so two stripes never share a line.
  const size_t lines_per_stripe_;
  std::unique_ptr<Line[]> lines_;
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_STRIPED_COUNTERS_H_
