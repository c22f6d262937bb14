// lib/internal/atomic.h: the atomics of the core, replaceable for tests.
//
// Every shared word of the core is an internal::Atomic<T>. In a normal build
// that is std::atomic<T> itself: no wrapper, no cost. In the deterministic
// build (HOLDFAST_DETERMINISTIC, the holdfast_det library that only the
// explorer links, tests/explore/) it is DetAtomic<T>, which calls a
// scheduling point before each operation, so a test scheduler can choose
// which logical thread moves at every atomic step of the real code (folly's
// DeterministicSchedule, Rust's loom).
//
//   internal::Atomic<uint64_t> word{0};
//   word.compare_exchange_strong(seen, next, std::memory_order_acq_rel);
//
// SpinPause() and YieldThread() are the core's only ways to wait; they are
// scheduling points too, so an explorer sees every spin.
#ifndef HOLDFAST_LIB_INTERNAL_ATOMIC_H_
#define HOLDFAST_LIB_INTERNAL_ATOMIC_H_

#include <atomic>
#include <cstdint>
#include <thread>

namespace holdfast::internal {

#ifdef HOLDFAST_DETERMINISTIC

namespace det {

// The scheduling point of the calling thread: the explorer's hook when the
// thread runs under a test scheduler (see SetThreadHook), nothing otherwise.
using Hook = void (*)(void* context);
void SetThreadHook(Hook hook, void* context);
void Point();

// Named moments of an operation that an explorer's oracle needs to see
// (HOLDFAST_TRACE below); reported to the thread's trace hook, if any.
enum class TracePoint {
  kClaimFailed,  // a Hold's claim of stock or limits just failed (before its I5 scan)
  kYield,        // the thread gives the CPU away (YieldThread: sched_yield)
  kEndRaceLost,  // a Confirm, Release or Extend lost the end race of its hold
  kReturnBegin,  // this thread expired a hold and starts giving its units back
  kReturnEnd,    // ... and they are all back (where a short Hold waits, bounded)
};
using TraceHook = void (*)(void* context, TracePoint point);
void SetThreadTraceHook(TraceHook hook, void* context);
void Trace(TracePoint point);

// The seed of the calling thread's slot cursor (lib/internal/slot_table.cc),
// so that a schedule replays the same slot choices in a fresh process: set it
// before the thread's first allocation. Without it the cursor is seeded from
// a process-wide counter, as in the normal build.
void SetThreadSeed(uint32_t seed);
// The seed set for this thread; false if none.
bool ThreadSeed(uint32_t& seed);

}  // namespace det

// std::atomic<T> with a scheduling point before every operation. Same size
// and alignment as std::atomic<T>, so layouts (64-byte slots) are unchanged.
template <class T>
class DetAtomic {
 public:
  constexpr DetAtomic() noexcept : value_() {}
  constexpr DetAtomic(T value) noexcept : value_(value) {}  // NOLINT: like std::atomic
  DetAtomic(const DetAtomic&) = delete;
  DetAtomic& operator=(const DetAtomic&) = delete;

  T load(std::memory_order order = std::memory_order_seq_cst) const noexcept {
    det::Point();
    return value_.load(order);
  }
  void store(T value, std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    value_.store(value, order);
  }
  T exchange(T value, std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    return value_.exchange(value, order);
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    return value_.compare_exchange_weak(expected, desired, order);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure) noexcept {
    det::Point();
    return value_.compare_exchange_weak(expected, desired, success, failure);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    return value_.compare_exchange_strong(expected, desired, order);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure) noexcept {
    det::Point();
    return value_.compare_exchange_strong(expected, desired, success, failure);
  }
  T fetch_add(T delta, std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    return value_.fetch_add(delta, order);
  }
  T fetch_sub(T delta, std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    return value_.fetch_sub(delta, order);
  }
  T fetch_or(T bits, std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    return value_.fetch_or(bits, order);
  }
  T fetch_and(T bits, std::memory_order order = std::memory_order_seq_cst) noexcept {
    det::Point();
    return value_.fetch_and(bits, order);
  }

 private:
  std::atomic<T> value_;
};

template <class T>
using Atomic = DetAtomic<T>;

inline void SpinPause() { det::Point(); }
inline void YieldThread() {
  det::Trace(det::TracePoint::kYield);
  det::Point();
}

#define HOLDFAST_TRACE(point) ::holdfast::internal::det::Trace(point)

#else  // !HOLDFAST_DETERMINISTIC

template <class T>
using Atomic = std::atomic<T>;

// A short pause in a spin: a CPU hint, never a system call.
inline void SpinPause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

// Gives the CPU away (sched_yield): only on rare paths, see holdfast/sale.h.
inline void YieldThread() { std::this_thread::yield(); }

#define HOLDFAST_TRACE(point) ((void)0)

#endif  // HOLDFAST_DETERMINISTIC

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_ATOMIC_H_
