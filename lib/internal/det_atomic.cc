// The scheduling-point hook of the deterministic build (lib/internal/atomic.h).
// Compiled into holdfast_det only.
#include "lib/internal/atomic.h"

#ifndef HOLDFAST_DETERMINISTIC
#error "det_atomic.cc belongs to the deterministic build (HOLDFAST_DETERMINISTIC)"
#endif

namespace holdfast::internal::det {
namespace {

struct ThreadHook {
  Hook hook = nullptr;
  void* context = nullptr;
  TraceHook trace = nullptr;
  void* trace_context = nullptr;
  bool seeded = false;
  uint32_t seed = 0;
};

// Per thread: a thread the explorer does not run (set-up, checks) has none
// and its atomic operations run straight through.
thread_local ThreadHook current;

}  // namespace

void SetThreadHook(Hook hook, void* context) {
  current.hook = hook;
  current.context = context;
}

void SetThreadTraceHook(TraceHook hook, void* context) {
  current.trace = hook;
  current.trace_context = context;
}

void Trace(TracePoint point) {
  if (current.trace != nullptr) current.trace(current.trace_context, point);
}

void SetThreadSeed(uint32_t seed) {
  current.seeded = true;
  current.seed = seed;
}

bool ThreadSeed(uint32_t& seed) {
  seed = current.seed;
  return current.seeded;
}

void Point() {
  if (current.hook != nullptr) current.hook(current.context);
}

}  // namespace holdfast::internal::det

#include "lib/internal/revert.h"

namespace holdfast::internal {
uint64_t reverted_fixes = 0;
uint64_t first_generation_for_test = 0;
}  // namespace holdfast::internal
