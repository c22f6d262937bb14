// The optional background sweeper: one thread, a condition variable to stop it.
#include "holdfast/sweeper.h"

#include <algorithm>
#include <chrono>

namespace holdfast {

Sweeper::Sweeper(Sale* sale, absl::Duration interval)
    : sale_(sale), interval_(interval > absl::ZeroDuration() ? interval : absl::Milliseconds(1)) {
  thread_ = std::thread([this] { Run(); });
}

Sweeper::~Sweeper() { Stop(); }

void Sweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  std::lock_guard<std::mutex> lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

int64_t Sweeper::expired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

int64_t Sweeper::sweeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sweeps_;
}

void Sweeper::Run() {
  using Steady = std::chrono::steady_clock;
  // Whole nanoseconds, at least 1 (a positive interval under 1 ns rounds up,
  // not down to a zero wait). InfiniteDuration saturates to the largest count.
  const absl::Duration rounded = absl::Ceil(interval_, absl::Nanoseconds(1));
  const Steady::duration period = std::chrono::duration_cast<Steady::duration>(
      std::max(absl::ToChronoNanoseconds(rounded), std::chrono::nanoseconds(1)));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    const int64_t expired = sale_->Sweep();
    lock.lock();
    expired_ += expired;
    ++sweeps_;
    // The next sweep is due at now + period, unless that instant is past what
    // the steady clock can name: then it is never due, and the thread sleeps
    // until Stop(). Checking before adding keeps the sum from overflowing
    // (wait_for would add it unchecked and time out at once, every time).
    const Steady::time_point now = Steady::now();
    if (period >= Steady::time_point::max() - now) {
      wake_.wait(lock, [this] { return stop_; });
    } else {
      wake_.wait_until(lock, now + period, [this] { return stop_; });
    }
  }
}

}  // namespace holdfast
