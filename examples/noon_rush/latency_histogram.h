// latency_histogram.h: a fixed-size log-linear histogram of latencies in nanoseconds, private
// to the noon_rush example.
//
// Each buyer thread records every Hold call into its own histogram (no sharing, no atomics,
// no allocation while the sale runs); the main thread merges them after joining the threads
// and reads the percentiles. 16 buckets per power of two keep every bucket within 1/16 of
// its value, which is plenty for p50/p99/p999 and costs 8 KiB a thread.
//
//   LatencyHistogram histogram;
//   histogram.Record(elapsed_ns);
//   ...
//   total.Merge(histogram);
//   int64_t p99_ns = total.Percentile(0.99);
#ifndef HOLDFAST_EXAMPLES_NOON_RUSH_LATENCY_HISTOGRAM_H_
#define HOLDFAST_EXAMPLES_NOON_RUSH_LATENCY_HISTOGRAM_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace noon_rush {

// Not thread-safe: one writer, read after that writer is joined.
class LatencyHistogram {
 public:
  // Adds one sample; a negative one (a clock that misbehaved) counts as 0.
  void Record(int64_t ns) {
    const uint64_t value = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    ++counts_[BucketOf(value)];
    ++count_;
    max_ns_ = std::max(max_ns_, static_cast<int64_t>(value));
  }

  // Adds every sample of `other` to this histogram.
  void Merge(const LatencyHistogram& other) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    max_ns_ = std::max(max_ns_, other.max_ns_);
  }

  int64_t count() const { return count_; }
  int64_t max_ns() const { return max_ns_; }

  // The smallest bucket bound that at least `quantile` (0 < quantile <= 1) of the samples are
  // at or below, so the answer errs high by at most 1/16, never low. 0 when empty.
  int64_t Percentile(double quantile) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<int64_t>(std::ceil(quantile * static_cast<double>(count_)));
    int64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= std::max<int64_t>(rank, 1)) {
        // Compared unsigned: the top bucket's bound wraps to the largest uint64_t.
        return static_cast<int64_t>(std::min(UpperBoundOf(i), static_cast<uint64_t>(max_ns_)));
      }
    }
    return max_ns_;
  }

 private:
  // Values below kSub get a bucket each; above, a value's top kSubBits + 1 bits pick the
  // bucket: `shift` is how many low bits are dropped, `mantissa` is in [kSub, 2 * kSub).
  static constexpr int kSubBits = 4;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  static int BucketOf(uint64_t value) {
    if (value < kSub) return static_cast<int>(value);
    const int shift = std::bit_width(value) - 1 - kSubBits;
    const auto mantissa = static_cast<int>(value >> shift);
    return (shift + 1) * kSub + (mantissa - kSub);
  }

  static uint64_t UpperBoundOf(int bucket) {
    if (bucket < kSub) return static_cast<uint64_t>(bucket);
    const int shift = bucket / kSub - 1;
    const auto mantissa = static_cast<uint64_t>(bucket % kSub + kSub);
    return ((mantissa + 1) << shift) - 1;
  }

  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t max_ns_ = 0;
};

}  // namespace noon_rush

#endif  // HOLDFAST_EXAMPLES_NOON_RUSH_LATENCY_HISTOGRAM_H_
