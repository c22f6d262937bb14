// The optional background sweeper: one thread, a condition variable to stop it.
#include "holdfast/sweeper.h"

#include <algorithm>
#include <chrono>

namespace holdfast {

Sweeper::Sweeper(Sale* sale, absl::Duration interval)
    : sale_(sale), interval_(std::max(interval, absl::Milliseconds(1))) {
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
  const auto period = absl::ToChronoNanoseconds(interval_);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    const int64_t expired = sale_->Sweep();
    lock.lock();
    expired_ += expired;
    ++sweeps_;
    wake_.wait_for(lock, period, [this] { return stop_; });
  }
}

}  // namespace holdfast
