// lib/internal/expiry_index.h: lower bounds on the deadlines of live holds,
// so that finding the dead ones skips what cannot be dead.
//
// Each group of 64 hold slots has a bound word, and the sale has one more
// over every group. INVARIANT (I5 rests on it): while a hold is live in a
// group, its deadline is at or after the group's bound and the sale's bound.
// Creators keep it by lowering the bounds before a hold becomes visible;
// scanners raise a bound only when no hold can have slipped past their scan.
//
//   ExpiryIndex index(group_count);
//   index.Lower(group, deadline_us);           // before publishing the hold
//   if (!index.SaleMayBeDead(now_us)) return;  // nothing can be dead: no scan
//   DeadlineBound::Raise raise = index.group(g).BeginRaise();
//   ... scan the group's slots, note the earliest live deadline ...
//   index.group(g).EndRaise(raise, earliest_us, /*sure=*/true);
//
// Bound word layout (64 bits):
//
//   63                                  2     1          0
//   +-------------------------------------+----------+-------+
//   | deadline lower bound, microseconds  | raising  | clean |
//   | after the sale's epoch (62 bits)    |          |       |
//   +-------------------------------------+----------+-------+
//
// Raising is done under a token, not a version: a scanner takes the word's
// `raising` bit (and sets `clean`); only the token's holder ever sets either
// bit, and every creator that might not be covered by the scan clears
// `clean`. So the word cannot come back to the scanner's value behind its
// back (no ABA, whatever the number of creations: issue 10 defect 12), and
// the raise succeeds only if no creator intervened. A scanner that finds the
// token taken (another scan, perhaps of a thread that is frozen) still scans
// and expires; it only does not raise. A frozen holder therefore costs scans,
// never a wrong answer or a wait.
//
// Why a creator that writes nothing is still covered: a creator checks the
// bound after it has set its slot's occupied bit and before its hold is
// visible, with sequentially consistent operations on both sides. If its
// check came before a scanner took the token, the scanner sees its occupied
// bit (and then a state it treats as unsure, or the published deadline); if
// it came after, the creator sees `clean` and clears it.
#ifndef HOLDFAST_LIB_INTERNAL_EXPIRY_INDEX_H_
#define HOLDFAST_LIB_INTERNAL_EXPIRY_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "lib/internal/atomic.h"

namespace holdfast::internal {

inline constexpr uint64_t kNoDeadline = (uint64_t{1} << 62) - 1;

// One bound word and its protocol.
class DeadlineBound {
 public:
  // Lowers the bound to `deadline_us` (if lower) and clears `clean` (if set).
  // Call after the slot's occupied bit is set and before the hold (or its
  // shorter deadline) is visible. Writes only when it must: usually one load.
  void Lower(uint64_t deadline_us) {
    // The common case inline: the deadline is covered and no scan is under
    // way, so there is nothing to write. seq_cst: see expiry_index.cc.
    const uint64_t seen = word_.load(std::memory_order_seq_cst);
#ifdef HOLDFAST_DETERMINISTIC
    LowerFrom(seen, deadline_us);  // (the reverted protocol writes every time)
#else
    if (deadline_us < DeadlineOf(seen) || (seen & kClean) != 0) LowerFrom(seen, deadline_us);
#endif
  }
  // Whether a hold under this bound may be dead at `now_us`.
  bool MayBeDead(uint64_t now_us) const;
  uint64_t Load() const;

  // A scan's claim on raising the bound.
  struct Raise {
    bool taken = false;  // this scan holds the token and may raise
    uint64_t start = 0;  // the word when the scan began (the reverted protocol)
  };
  // Takes the raise token; `taken` is false if another scanner holds it.
  Raise BeginRaise();
  // With the token: raises the bound to `earliest_us` if `sure` and no
  // creator intervened since BeginRaise, and gives the token back. Nothing
  // without it.
  void EndRaise(const Raise& raise, uint64_t earliest_us, bool sure);

 private:
  // Lower's writing path, from the word `seen`.
  void LowerFrom(uint64_t seen, uint64_t deadline_us);

  static constexpr uint64_t kClean = 1;
  static constexpr uint64_t kRaising = 2;
  static constexpr uint64_t DeadlineOf(uint64_t word) { return word >> 2; }
  static constexpr uint64_t Pack(uint64_t deadline_us, uint64_t bits) {
    return deadline_us << 2 | bits;
  }

  Atomic<uint64_t> word_{Pack(kNoDeadline, 0)};
};

class ExpiryIndex {
 public:
  explicit ExpiryIndex(size_t group_count);

  // Before a hold with deadline `deadline_us` becomes visible in `group`
  // (creation, or an Extend that shortens): lowers the group's bound, then
  // the sale's. Lock-free.
  void Lower(size_t group, uint64_t deadline_us) {
    groups_[group].Lower(deadline_us);
    sale_.Lower(deadline_us);
  }

  // Whether any hold of the sale may be dead at `now_us`: one load, however
  // many slots the sale has (issue 10 defect 10).
  bool SaleMayBeDead(uint64_t now_us) const { return sale_.MayBeDead(now_us); }
  bool GroupMayBeDead(size_t group, uint64_t now_us) const {
    return groups_[group].MayBeDead(now_us);
  }
  uint64_t GroupBound(size_t group) const { return groups_[group].Load(); }

  DeadlineBound& group(size_t group) { return groups_[group]; }
  DeadlineBound& sale() { return sale_; }

  size_t MemoryBytes() const { return group_count_ * sizeof(DeadlineBound); }

 private:
  const size_t group_count_;
  std::unique_ptr<DeadlineBound[]> groups_;
  // Read by every creation (rarely written): on its own cache line.
  alignas(64) DeadlineBound sale_;
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_EXPIRY_INDEX_H_
