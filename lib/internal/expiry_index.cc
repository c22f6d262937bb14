// The deadline bounds' protocol: see lib/internal/expiry_index.h.
#include "lib/internal/expiry_index.h"

#include <algorithm>

#include "lib/internal/revert.h"

namespace holdfast::internal {

// Every operation on a bound word is seq_cst: the argument in expiry_index.h
// orders a creator's occupied-bit fetch_or and its check of the bound against
// a scanner's token compare-and-swap and its loads of the occupied bits and
// states, which acquire/release alone does not give (store-load order).

void DeadlineBound::LowerFrom(uint64_t seen, uint64_t deadline_us) {
#ifdef HOLDFAST_DETERMINISTIC
  if (HOLDFAST_REVERTED(kRevertHintVersion)) {
    // The old protocol: every creation bumps a version, here two bits wide
    // (the bits `clean` and `raising` use), so it wraps after four creations
    // as the 16-bit one did after 65,536.
    while (!word_.compare_exchange_weak(
        seen, Pack(std::min(DeadlineOf(seen), deadline_us), (seen + 1) & 3),
        std::memory_order_seq_cst)) {
    }
    return;
  }
#endif
  for (;;) {
    const bool lower = deadline_us < DeadlineOf(seen);
    if (!lower && (seen & kClean) == 0) return;  // covered already (see the header)
    const uint64_t next = Pack(std::min(DeadlineOf(seen), deadline_us), seen & kRaising);
    if (word_.compare_exchange_weak(seen, next, std::memory_order_seq_cst)) return;
  }
}

bool DeadlineBound::MayBeDead(uint64_t now_us) const {
  return DeadlineOf(word_.load(std::memory_order_seq_cst)) <= now_us;
}

uint64_t DeadlineBound::Load() const { return DeadlineOf(word_.load(std::memory_order_seq_cst)); }

DeadlineBound::Raise DeadlineBound::BeginRaise() {
  Raise raise;
  uint64_t seen = word_.load(std::memory_order_seq_cst);
#ifdef HOLDFAST_DETERMINISTIC
  if (HOLDFAST_REVERTED(kRevertHintVersion)) return Raise{true, seen};
#endif
  do {
    if ((seen & kRaising) != 0) return raise;
  } while (!word_.compare_exchange_weak(seen, Pack(DeadlineOf(seen), kRaising | kClean),
                                        std::memory_order_seq_cst));
  raise.taken = true;
  return raise;
}

void DeadlineBound::EndRaise(const Raise& raise, uint64_t earliest_us, bool sure) {
  if (!raise.taken) return;
#ifdef HOLDFAST_DETERMINISTIC
  if (HOLDFAST_REVERTED(kRevertHintVersion)) {
    uint64_t start = raise.start;
    if (sure) {
      word_.compare_exchange_strong(start, Pack(earliest_us, start & 3), std::memory_order_seq_cst);
    }
    return;
  }
#endif
  uint64_t seen = word_.load(std::memory_order_seq_cst);
  for (;;) {
    // Only creators change the word while we hold the token, and only by
    // lowering it and clearing `clean`: with `clean` still set, the bound is
    // the one our scan started from and every hold is accounted for.
    const bool up = sure && (seen & kClean) != 0;
    const uint64_t next = Pack(up ? earliest_us : DeadlineOf(seen), 0);
    if (word_.compare_exchange_weak(seen, next, std::memory_order_seq_cst)) return;
  }
}

ExpiryIndex::ExpiryIndex(size_t group_count)
    : group_count_(group_count), groups_(new DeadlineBound[group_count]) {}

}  // namespace holdfast::internal
