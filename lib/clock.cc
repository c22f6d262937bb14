// The real clocks and the hand-driven one.
#include "holdfast/clock.h"

#include <time.h>

#include "absl/time/clock.h"

namespace holdfast {

SystemClock* SystemClock::Get() {
  static SystemClock* const clock = new SystemClock();
  return clock;
}

int64_t SystemClock::MonotonicNanos() const {
  timespec ts;
  // CLOCK_MONOTONIC is a vDSO read on Linux: no system call on the hot path.
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

absl::Time SystemClock::WallNow() const {
  timespec ts;
  // CLOCK_REALTIME through the vDSO: on the machines measured it costs a
  // third of absl::Now(), which samples and scales a cycle counter.
  clock_gettime(CLOCK_REALTIME, &ts);
  return absl::TimeFromTimespec(ts);
}

ManualClock::ManualClock(absl::Time wall) : wall_ns_since_epoch_(absl::ToUnixNanos(wall)) {}

int64_t ManualClock::MonotonicNanos() const {
  // Relaxed: see the member comment; the value is all that is read.
  return monotonic_ns_.load(std::memory_order_relaxed);
}

absl::Time ManualClock::WallNow() const {
  return absl::FromUnixNanos(wall_ns_since_epoch_.load(std::memory_order_relaxed));
}

uint64_t ManualClock::WallSteps() const {
  // Acquire pairs with SetWall's release increment (see wall_steps_).
  return wall_steps_.load(std::memory_order_acquire);
}

namespace {

// `reading` + `ns` (ns > 0), saturated at kManualClockNanosMax. Relaxed: each
// reading is one word and carries no other data (see clock.h); the loop makes
// the saturating add one atomic step, so concurrent Advances never lose time
// or wrap.
void SaturatingAdd(std::atomic<int64_t>& reading, int64_t ns) {
  int64_t now = reading.load(std::memory_order_relaxed);
  int64_t next;
  do {
    next = now > kManualClockNanosMax - ns ? kManualClockNanosMax : now + ns;
  } while (next != now && !reading.compare_exchange_weak(now, next, std::memory_order_relaxed));
}

}  // namespace

void ManualClock::Advance(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return;
  // Saturates: InfiniteDuration and anything past 2^63 - 1 ns is INT64_MAX.
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  if (ns <= 0) return;  // under a nanosecond
  SaturatingAdd(monotonic_ns_, ns);
  SaturatingAdd(wall_ns_since_epoch_, ns);
}

void ManualClock::SetWall(absl::Time wall) {
  // absl::ToUnixNanos saturates, which is the clamp clock.h promises.
  // Relaxed: one word, no other data.
  wall_ns_since_epoch_.store(absl::ToUnixNanos(wall), std::memory_order_relaxed);
  // Release: the new wall time is readable by whoever sees this step.
  wall_steps_.fetch_add(1, std::memory_order_release);
}

}  // namespace holdfast
