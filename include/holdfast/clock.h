// holdfast/clock.h: the injectable clock (DESIGN §5).
//
// Hold deadlines run on a monotonic clock, so a wall-clock step never cuts a
// hold short; sales-cycle windows are wall-clock instants (noon is noon).
// Production code uses SystemClock; tests drive a ManualClock by hand and
// never sleep to make a hold expire:
//
//   holdfast::ManualClock clock(absl::FromCivil(absl::CivilSecond(2026, 11, 27, 11, 59, 0),
//                                                absl::UTCTimeZone()));
//   config.clock = &clock;
//   ...
//   clock.Advance(absl::Minutes(10));  // every 10-minute hold is now dead
#ifndef HOLDFAST_CLOCK_H_
#define HOLDFAST_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace holdfast {

// The time source of a Sale. Implementations must be thread-safe, must not
// block, and MonotonicNanos() must never go backwards.
class Clock {
 public:
  virtual ~Clock() = default;

  // Nanoseconds on a monotonic time line with an arbitrary origin. Hold
  // deadlines are measured on it. Thread-safe. Must not allocate or block.
  virtual int64_t MonotonicNanos() const = 0;

  // The wall-clock instant, used for sales-cycle windows only.
  // Thread-safe. Must not allocate or block.
  virtual absl::Time WallNow() const = 0;

  // How many times the wall clock has been set apart from the monotonic one
  // (a step, as ManualClock::SetWall makes), or 0 for a clock that cannot
  // tell. A sale does not read the wall clock on every Hold: while a cycle
  // is open it keeps the position it read, for at most 1 ms of monotonic
  // time and never past the next window boundary (as the monotonic clock
  // measures the way there), and reads the wall clock again at once when
  // this count changes. So a clock that moves wall time alone must count
  // its moves here; one that does not (the system's, whose steps come from
  // NTP or `date -s`) has its steps seen within 1 ms. Its value is read
  // before WallNow(), and a step must be counted after its new wall time is
  // readable (release; see ManualClock). Thread-safe. Must not allocate or
  // block.
  virtual uint64_t WallSteps() const { return 0; }
};

// The real clocks: CLOCK_MONOTONIC and CLOCK_REALTIME. Both are vDSO reads
// on Linux, not system calls.
class SystemClock final : public Clock {
 public:
  // The process-wide instance; it lives forever. Thread-safe.
  static SystemClock* Get();

  int64_t MonotonicNanos() const override;
  absl::Time WallNow() const override;
};

// ManualClock keeps both readings as int64 nanoseconds (monotonic: since its
// start; wall: since the Unix epoch), so each lies in [kManualClockNanosMin,
// kManualClockNanosMax]: about 292 years either way, wall time 1677-09-21 to
// 2262-04-11. Advance() saturates at the top rather than wrapping.
inline constexpr int64_t kManualClockNanosMax = INT64_MAX;
inline constexpr int64_t kManualClockNanosMin = INT64_MIN;

// A clock that moves only when told to. Monotonic and wall time advance
// together on Advance(); SetWall() moves wall time alone (a wall-clock step,
// which must not affect hold deadlines). Thread-safe: the readings are atomics.
class ManualClock final : public Clock {
 public:
  // Starts at monotonic time 0 and wall time `wall`.
  explicit ManualClock(absl::Time wall = absl::UnixEpoch());

  int64_t MonotonicNanos() const override;
  absl::Time WallNow() const override;
  // The number of SetWall() calls so far.
  uint64_t WallSteps() const override;

  // Moves both clocks forward by `d`. A negative `d` is ignored (monotonic
  // time never goes back). Each reading saturates at kManualClockNanosMax:
  // Advance(absl::InfiniteDuration()), or advances adding up past it, leave
  // the clock there for good; it never wraps. Thread-safe.
  void Advance(absl::Duration d);

  // Sets wall time alone, forwards or backwards, and counts the step
  // (WallSteps): a sale sees the new wall time on its next Hold. A time
  // outside the range above (absl::InfiniteFuture(), absl::InfinitePast())
  // is clamped to its nearer end. Thread-safe.
  void SetWall(absl::Time wall);

 private:
  // Relaxed is enough for both: a reading carries no other data with it, and
  // each is a single word that is read and written whole.
  std::atomic<int64_t> monotonic_ns_{0};
  std::atomic<int64_t> wall_ns_since_epoch_{0};
  // SetWall calls. Release increment after the wall store, acquire load in
  // WallSteps: a reader that sees a step reads its wall time (Clock's rule).
  std::atomic<uint64_t> wall_steps_{0};
};

}  // namespace holdfast

#endif  // HOLDFAST_CLOCK_H_
