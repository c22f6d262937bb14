// holdfast/sweeper.h: an optional background thread that expires dead holds.
//
// holdfast needs no thread of its own: dead holds are dead at once (I4) and
// their units come back when a Hold needs them (I5). A Sweeper only makes the
// counters and events timely for a server that does not call Sale::Sweep
// from its own loop.
//
//   holdfast::Sweeper sweeper(sale.get(), absl::Milliseconds(100));
//   ...                 // the thread sweeps every 100 ms
//   sweeper.Stop();     // or let the destructor stop it
#ifndef HOLDFAST_SWEEPER_H_
#define HOLDFAST_SWEEPER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "holdfast/sale.h"

namespace holdfast {

// Owns one thread that calls sale->Sweep() every `interval` until stopped.
// The sweeper's own stop signal uses a mutex and a condition variable; that
// is off the buyers' hot path, which stays lock-free.
class Sweeper {
 public:
  // Starts the thread, which sweeps at once and then every `interval` (the
  // wait runs from the end of one sweep to the start of the next).
  // `sale` must outlive the sweeper. Any positive interval is honoured as
  // given, however short (at some microseconds the thread mostly sweeps) or
  // long: an interval too long for the steady clock to reach its end
  // (absl::InfiniteDuration(), or hundreds of years) means one sweep, then
  // sleep until Stop(). A non-positive interval means 1 ms. Allocates (the
  // thread).
  Sweeper(Sale* sale, absl::Duration interval);

  // Stops and joins the thread.
  ~Sweeper();
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  // Asks the thread to stop and waits until it has; a sweep in progress
  // finishes first. Idempotent. Thread-safe.
  void Stop();

  // Holds expired by this sweeper so far. Thread-safe.
  int64_t expired() const;

  // Sweeps run so far. Thread-safe.
  int64_t sweeps() const;

  // The interval the thread waits between sweeps: the one given, or 1 ms
  // for a non-positive one. Thread-safe.
  absl::Duration interval() const { return interval_; }

 private:
  void Run();

  Sale* const sale_;
  const absl::Duration interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::mutex join_mu_;   // lets two threads call Stop(): only the first joins
  bool stop_ = false;    // guarded by mu_
  int64_t expired_ = 0;  // guarded by mu_
  int64_t sweeps_ = 0;   // guarded by mu_
  std::thread thread_;
};

}  // namespace holdfast

#endif  // HOLDFAST_SWEEPER_H_
