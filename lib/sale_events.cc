// A sale's events (SaleCore, see lib/internal/sale_core.h): publishing,
// draining, and waiting for them. A waiter sleeps on a futex and is woken by
// the operation that publishes the next event (an eventcount: Dekker's
// pattern with a sequentially consistent fence on each side).
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <ctime>

#include "lib/internal/sale_core.h"

namespace holdfast::internal {
namespace {

// Sleeps while `*word` == `expected`, at most `timeout`; returns on a wake,
// a changed word, a signal or the timeout (the caller checks which).
void FutexWait(std::atomic<uint32_t>& word, uint32_t expected, std::chrono::nanoseconds timeout) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
  // The kernel compares the word with `expected` atomically with going to
  // sleep: a publisher's change between our check and here wakes us at once.
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &ts, nullptr,
          0);
}

void FutexWakeAll(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

}  // namespace

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "the futex word is a plain 32-bit word");

void SaleCore::Publish(EventKind kind, HoldId hold, BuyerId buyer, int32_t units, int64_t now_ns) {
  if (events_ == nullptr) return;
  const Event event{kind, hold, buyer, units, now_ns + epoch_ns_};
  if (!events_->TryPush(event)) {
    stats_.Add(kStatEventsDropped, 1);
    return;
  }
  // A thread in WaitForEvents may be going to sleep. seq_cst fence: our push
  // comes before our check of the sleeper flag, as the waiter's fence puts
  // its flag before its check of the queue: of the two checks, at least one
  // sees the other side (no lost wake-up). Relaxed load: ordered by the fence.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (event_wake_.sleepers.load(std::memory_order_relaxed) != 0) WakeEventWaiters();
}

void SaleCore::WakeEventWaiters() {
  // acq_rel: of a burst of publishers, the one that clears the flag wakes
  // every sleeper; the others make no system call.
  if (event_wake_.sleepers.exchange(0, std::memory_order_acq_rel) == 0) return;
  // Release: a sleeper that reads the new epoch (in the kernel's compare or
  // after it wakes) reads it after our push.
  event_wake_.epoch.fetch_add(1, std::memory_order_release);
  FutexWakeAll(event_wake_.epoch);
}

bool SaleCore::WaitForEvents(absl::Duration timeout) {
  if (events_ == nullptr) return false;
  if (events_->HasPublished()) return true;
  using Steady = std::chrono::steady_clock;
  // Real time, whatever the sale's clock: a wait is not sale time.
  const Steady::time_point deadline =
      Steady::now() + std::chrono::nanoseconds(absl::ToInt64Nanoseconds(
                          std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365))));
  for (;;) {
    // Relaxed store, then seq_cst fence: the flag comes before our check of
    // the queue below (see Publish).
    event_wake_.sleepers.store(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // Acquire pairs with WakeEventWaiters' release; read before the check,
    // so a wake between the check and the sleep makes the sleep return.
    const uint32_t epoch = event_wake_.epoch.load(std::memory_order_acquire);
    if (events_->HasPublished()) return true;
    const auto left = deadline - Steady::now();
    if (left <= Steady::duration::zero()) return false;
    FutexWait(event_wake_.epoch, epoch, std::chrono::duration_cast<std::chrono::nanoseconds>(left));
  }
}

size_t SaleCore::DrainEvents(absl::Span<Event> out) {
  return events_ != nullptr ? events_->Drain(out) : 0;
}

}  // namespace holdfast::internal
