// Stripe leases: each thread takes a free stripe number from a process-wide
// bitmap the first time it counts and keeps it for life, so a stripe has one
// writer in every sale. Leases are not given back when a thread exits: a
// thread_local with a destructor makes glibc allocate on the thread's first
// count, and the hot path allocates nothing. A process that starts more than
// 64 counting threads over its life (thread churn) sends the later ones to
// the shared stripes, which stay correct with atomic adds.
#include "lib/internal/striped_counters.h"

#include <bit>

namespace holdfast::internal {
namespace {

static_assert(StripedCounters::kLeasedStripes == 64, "the lease bitmap is one word");

// Bit i set: stripe i is leased. Relaxed would do for the lease itself (a
// stripe is never handed out twice); acq_rel keeps the bitmap's history
// ordered for whoever reads it.
Atomic<uint64_t> leased{0};
// Hands out shared stripes once every stripe is leased. Relaxed: it only
// spreads threads.
Atomic<size_t> next_shared{0};

struct Lease {
  Lease() {
    uint64_t seen = leased.load(std::memory_order_relaxed);
    while (~seen != 0) {
      const uint64_t bit = uint64_t{1} << std::countr_zero(~seen);
      // acq_rel: see `leased`; the fetch_or decides who gets the stripe.
      seen = leased.fetch_or(bit, std::memory_order_acq_rel);
      if ((seen & bit) == 0) {
        index = static_cast<size_t>(std::countr_zero(bit));
        exclusive = true;
        return;
      }
    }
    // Relaxed: see next_shared.
    index = StripedCounters::kLeasedStripes +
            next_shared.fetch_add(1, std::memory_order_relaxed) % StripedCounters::kSharedStripes;
  }
  size_t index = 0;
  bool exclusive = false;
};

}  // namespace

StripedCounters::StripedCounters(size_t width)
    : lines_per_stripe_((width + kCellsPerLine - 1) / kCellsPerLine),
      lines_(new Line[kStripes * lines_per_stripe_]) {}

StripedCounters::Stripe StripedCounters::StripeOfThisThread() {
  thread_local const Lease lease;
  return Stripe{lease.index, lease.exclusive};
}

}  // namespace holdfast::internal
