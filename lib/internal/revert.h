// lib/internal/revert.h: test-only switches that undo one bug fix each.
//
// The deterministic explorer (tests/explore/) proves it has teeth by finding
// each of these defects again with its fix reverted. In a normal build
// HOLDFAST_REVERTED(n) is the constant false and the old code is dead and
// removed by the compiler; only the holdfast_det library can switch a fix off.
//
//   if (HOLDFAST_REVERTED(kRevertExtendHint)) { ...old code... } else { ...fix... }
#ifndef HOLDFAST_LIB_INTERNAL_REVERT_H_
#define HOLDFAST_LIB_INTERNAL_REVERT_H_

#include <cstdint>

namespace holdfast::internal {

// The fixes of issue 10's defects that can be switched off, by defect number
// (and its progress item).
enum RevertedFix : uint32_t {
  kRevertRetiredSlot = 1,    // a retired slot looks like an expiry in flight
  kRevertExtendHint = 3,     // Extend shortens a deadline behind a scan's back
  kRevertStaleNow = 4,       // Hold's retries scan with its first clock reading
  kRevertLoserResolves = 5,  // a loser of the end race resolves the handle again
  kRevertHintVersion = 12,   // a scan raises a hint with a stale (wrapped) version
  // Not a numbered defect: the progress item. A short Hold waits
  // without bound for a stopped thread's return of a dead hold's units.
  kRevertUnboundedWait = 30,
};

#ifdef HOLDFAST_DETERMINISTIC
// Bit n set: fix n is reverted. Set by a test before it starts threads.
extern uint64_t reverted_fixes;
// When non-zero, the generation the slots of the next sales start at (so a
// test can reach a slot's last generation in a few holds).
extern uint64_t first_generation_for_test;
#define HOLDFAST_REVERTED(n) ((::holdfast::internal::reverted_fixes >> (n)) & 1)
#else
#define HOLDFAST_REVERTED(n) false
#endif

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_REVERT_H_
