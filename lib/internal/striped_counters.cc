// Stripe assignment: round-robin over threads in the order they first count.
#include "lib/internal/striped_counters.h"

namespace holdfast::internal {
namespace {

// Relaxed: the counter only hands out distinct-ish stripe numbers.
std::atomic<size_t> next_stripe{0};

}  // namespace

StripedCounters::StripedCounters(size_t width)
    : lines_per_stripe_((width + kCellsPerLine - 1) / kCellsPerLine),
      lines_(new Line[kStripes * lines_per_stripe_]) {}

size_t StripedCounters::StripeOfThisThread() {
  thread_local const size_t stripe = next_stripe.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}

}  // namespace holdfast::internal
