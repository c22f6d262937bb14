// tests/explore/det_clock.h: the clock of the deterministic explorer.
//
// A holdfast::Clock whose every reading is a scheduling point of the calling
// logical thread (internal::det::Point), so the explorer chooses what happens
// between the moment an operation reads the clock and the moment it uses the
// reading. Time moves only through Advance()/SetWall(), which the explorer's
// "clock thread" calls as scheduled operations: the clock moves by itself,
// in the middle of other threads' operations.
//
//   DetClock clock(absl::FromUnixSeconds(1'800'000'000));
//   config.clock = &clock;
//   ThreadProgram ticker = {ClockAdvance(clock, absl::Minutes(2))};
//   int64_t seen = DetClock::LastMonotonicRead();  // what this thread last read
#ifndef HOLDFAST_TESTS_EXPLORE_DET_CLOCK_H_
#define HOLDFAST_TESTS_EXPLORE_DET_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "holdfast/clock.h"
#include "lib/internal/atomic.h"

namespace holdfast::explore {

class DetClock final : public Clock {
 public:
  // Monotonic time starts at 0, wall time at `wall`.
  explicit DetClock(absl::Time wall) : wall_ns_(absl::ToUnixNanos(wall)) {}

  // A scheduling point, then the reading. The calling thread remembers it
  // (LastMonotonicRead), so a scenario can tell which deadline an operation
  // computed.
  int64_t MonotonicNanos() const override {
    internal::det::Point();
    // Relaxed: the explorer runs one logical thread at a time and hands over
    // with acquire/release, which orders every reading after the last Advance.
    const int64_t now = monotonic_ns_.load(std::memory_order_relaxed);
    last_read_ = now;
    read_since_point_ = true;
    return now;
  }
  absl::Time WallNow() const override {
    internal::det::Point();
    read_since_point_ = true;
    // Relaxed: as above.
    return absl::FromUnixNanos(wall_ns_.load(std::memory_order_relaxed));
  }

  // Moves both readings forward by `d` (>= 0). Not a scheduling point itself:
  // a clock-thread operation makes one before it (ClockAdvance below).
  void Advance(absl::Duration d) {
    const int64_t ns = absl::ToInt64Nanoseconds(d);
    // Relaxed: see MonotonicNanos.
    monotonic_ns_.fetch_add(ns, std::memory_order_relaxed);
    wall_ns_.fetch_add(ns, std::memory_order_relaxed);
  }
  // Sets wall time alone (a wall-clock step), and counts it (WallSteps).
  void SetWall(absl::Time wall) {
    // Relaxed: see MonotonicNanos.
    wall_ns_.store(absl::ToUnixNanos(wall), std::memory_order_relaxed);
    wall_steps_.fetch_add(1, std::memory_order_relaxed);
  }
  // Not a scheduling point: a count, not a reading of time. Relaxed: see
  // MonotonicNanos.
  uint64_t WallSteps() const override { return wall_steps_.load(std::memory_order_relaxed); }

  // The readings without a scheduling point, for oracles and set-up.
  int64_t PeekMonotonic() const { return monotonic_ns_.load(std::memory_order_relaxed); }
  absl::Time PeekWall() const {
    return absl::FromUnixNanos(wall_ns_.load(std::memory_order_relaxed));
  }

  // The last MonotonicNanos() this thread read from any DetClock.
  static int64_t LastMonotonicRead() { return last_read_; }

  // Whether the step this thread made since its last scheduling point was a
  // clock reading (not an atomic operation of the core); clears the answer.
  // For Scenario::AtPoint.
  static bool TakeReadSincePoint() {
    const bool read = read_since_point_;
    read_since_point_ = false;
    return read;
  }

 private:
  // std::atomic, not internal::Atomic: the clock's own words are not
  // scheduling points (the reading is, once, above).
  std::atomic<int64_t> monotonic_ns_{0};
  std::atomic<int64_t> wall_ns_;
  std::atomic<uint64_t> wall_steps_{0};
  static inline thread_local int64_t last_read_ = 0;
  static inline thread_local bool read_since_point_ = false;
};

}  // namespace holdfast::explore

#endif  // HOLDFAST_TESTS_EXPLORE_DET_CLOCK_H_
