// The end of a hold (SaleCore, see lib/internal/sale_core.h): Confirm,
// Release and Extend by its buyer, the one end point EndHeld (the exactly-once
// compare-and-swap, the return of units, the event), and expiry by sweeps and
// by Holds that need a dead hold's units (the expiry index's scans).
#include <algorithm>

#include "lib/internal/revert.h"
#include "lib/internal/sale_core.h"

namespace holdfast::internal {

SaleCore::Resolved SaleCore::Resolve(HoldId hold, BuyerId buyer) const {
  Resolved r;
  const uint32_t index = SlotOf(hold);
  if (hold.value == 0 || TagOf(hold) != tag_ || index >= slots_.size()) {
    r.error = Outcome::kUnknownHold;
    return r;
  }
  const Slot& slot = slots_.slot(index);
  for (;;) {
    // Acquire pairs with the release store of kHeld (and the final states'
    // compare-and-swaps): the fields read next are the hold's own.
    const uint64_t state = slot.state.load(std::memory_order_acquire);
    // Acquire loads pair with TakeSlot's release stores: if a value came from
    // a later hold in this slot, the re-read below sees that hold's kClaiming.
    r.owner = slot.buyer.load(std::memory_order_acquire);
    r.key = slot.idempotency_key.load(std::memory_order_acquire);
    r.created_ns = slot.created_ns.load(std::memory_order_acquire);
    if (slot.state.load(std::memory_order_relaxed) != state) continue;
    const SlotState s = StateOf(state);
    if (GenerationOf(state) != GenerationOf(hold) || s == SlotState::kFree) {
      r.error = Outcome::kUnknownHold;
    } else if (r.owner != buyer) {
      r.error = Outcome::kNotOwner;
    }
    r.index = index;
    r.state = state;
    return r;
  }
}

bool SaleCore::RecentlyConfirmed(BuyerId buyer, HoldId hold) const {
  if (hold.value == 0) return false;  // the ring's empty entries are 0
  const BuyerEntry* entry = buyers_.Find(buyer);
  if (entry == nullptr) return false;
  for (const Atomic<uint64_t>& recent : entry->recent_confirmed) {
    // Relaxed: a caller that found the hold's slot reused read the new
    // owner's kClaiming (or later) with acquire, and that store is a release
    // after the confirmer's store here (Free, Allocate, TakeSlot): the entry
    // happens-before this load (I9; issue 10 defect 9).
    if (recent.load(std::memory_order_relaxed) == hold.value) return true;
  }
  return false;
}

int64_t SaleCore::DeadlineNs(uint32_t index, uint64_t state) const {
  // Acquire pairs with TakeSlot's release store; a later hold in the slot
  // makes the caller's compare-and-swap on `state` fail, so a value of that
  // hold does no harm.
  return slots_.slot(index).created_ns.load(std::memory_order_acquire) +
         static_cast<int64_t>(OffsetOf(state)) * kNanosPerMicro;
}

Outcome SaleCore::Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode) {
  if (mode != ConfirmMode::kRetryIsOk && mode != ConfirmMode::kReportAlreadyConfirmed) {
    return Count(Outcome::kInvalidArgument);  // a value outside the enum
  }
  return EndByBuyer(hold, buyer, SlotState::kConfirmed,
                    mode == ConfirmMode::kRetryIsOk ? Outcome::kOk : Outcome::kAlreadyConfirmed);
}

Outcome SaleCore::Release(HoldId hold, BuyerId buyer) {
  return EndByBuyer(hold, buyer, SlotState::kReleased, Outcome::kAlreadyConfirmed);
}

Outcome SaleCore::EndByBuyer(HoldId hold, BuyerId buyer, SlotState to, Outcome if_confirmed) {
  const int64_t now_ns = NowNs();
  Resolved r = Resolve(hold, buyer);
  for (;;) {
    if (r.error == Outcome::kUnknownHold && RecentlyConfirmed(buyer, hold)) {
      return Count(if_confirmed);
    }
    if (r.error != Outcome::kOk) return Count(r.error);
    if (!IsLive(StateOf(r.state))) {
      return Count(EndedAnswer(hold, buyer, r.state, r.deadline_ns(), now_ns, if_confirmed));
    }
    const bool dead = now_ns >= r.deadline_ns();
    uint64_t state = r.state;
    if (EndHeld(r.index, state, dead ? SlotState::kExpired : to, now_ns)) {
      // kOk is counted as holds_confirmed or _released, see Stats().
      return dead ? Count(Outcome::kExpired) : Outcome::kOk;
    }
    // Lost a race: answer from the word that beat us (issue 10 defect 5).
    HOLDFAST_TRACE(det::TracePoint::kEndRaceLost);
    if (HOLDFAST_REVERTED(kRevertLoserResolves)) {
      r = Resolve(hold, buyer);  // the old way: the slot may be reused by now
    } else if (GenerationOf(state) == GenerationOf(hold)) {
      r.state = state;  // our hold still: ended, or extended (then try again)
    } else {
      return Count(EndedAnswer(hold, buyer, state, r.deadline_ns(), now_ns, if_confirmed));
    }
  }
}

Outcome SaleCore::EndedAnswer(HoldId hold, BuyerId buyer, uint64_t state, int64_t deadline_ns,
                              int64_t now_ns, Outcome if_confirmed) const {
  if (GenerationOf(state) == GenerationOf(hold)) {
    switch (StateOf(state)) {
      case SlotState::kConfirmed:
        return if_confirmed;
      case SlotState::kExpired:
        return Outcome::kExpired;
      default:
        return Outcome::kUnknownHold;  // released (or never made)
    }
  }
  // The slot was reused since our hold ended: confirmed (if the buyer's
  // ring remembers it), expired (if its deadline has passed), or released.
  if (RecentlyConfirmed(buyer, hold)) return if_confirmed;
  return std::max(now_ns, NowNs()) >= deadline_ns ? Outcome::kExpired : Outcome::kUnknownHold;
}

Outcome SaleCore::Extend(HoldId hold, BuyerId buyer, absl::Duration ttl) {
  if (ttl < absl::Microseconds(1) || ttl > config_.hold_lifetime_max) {
    return Count(Outcome::kInvalidArgument);
  }
  const int64_t now_ns = NowNs();
  const int64_t lifetime_us = absl::ToInt64Microseconds(config_.hold_lifetime_max);  // rounded down
  Resolved r = Resolve(hold, buyer);
  for (;;) {
    if (r.error == Outcome::kUnknownHold && RecentlyConfirmed(buyer, hold)) {
      return Count(Outcome::kAlreadyConfirmed);
    }
    if (r.error != Outcome::kOk) return Count(r.error);
    if (!IsLive(StateOf(r.state))) {
      return Count(
          EndedAnswer(hold, buyer, r.state, r.deadline_ns(), now_ns, Outcome::kAlreadyConfirmed));
    }
    uint64_t seen = r.state;
    if (now_ns >= r.deadline_ns()) {
      if (EndHeld(r.index, seen, SlotState::kExpired, now_ns)) return Count(Outcome::kExpired);
    } else if (ExtendLive(r, now_ns + absl::ToInt64Nanoseconds(ttl), lifetime_us, seen)) {
      return Count(Outcome::kOk);
    }
    // Lost a race: answer from the word that beat us (issue 10 defect 5).
    if (GenerationOf(seen) != GenerationOf(hold)) {
      return Count(
          EndedAnswer(hold, buyer, seen, r.deadline_ns(), now_ns, Outcome::kAlreadyConfirmed));
    }
    r.state = seen;
  }
}

bool SaleCore::ExtendLive(const Resolved& r, int64_t deadline_ns, int64_t lifetime_us,
                          uint64_t& seen) {
  Slot& slot = slots_.slot(r.index);
  // Whole microseconds after creation, rounded down (a hold may end up to
  // 1 µs early, never late: I4), at least 1, at most the lifetime.
  const int64_t offset_us =
      std::clamp<int64_t>((deadline_ns - r.created_ns) / kNanosPerMicro, 1, lifetime_us);
  const uint64_t generation = GenerationOf(r.state);
  const uint64_t next = PackState(SlotState::kHeld, generation, static_cast<uint64_t>(offset_us));
  const uint64_t bound_us =
      static_cast<uint64_t>((r.created_ns + offset_us * kNanosPerMicro) / kNanosPerMicro);
  if (static_cast<uint64_t>(offset_us) >= OffsetOf(r.state)) {
    // A later deadline: the bounds are lower bounds already. acq_rel:
    // acquire as in Resolve; release so a reader of the new deadline reads
    // a consistent word (the fields are unchanged).
    return slot.state.compare_exchange_strong(seen, next, std::memory_order_acq_rel,
                                              std::memory_order_acquire);
  }
  if (HOLDFAST_REVERTED(kRevertExtendHint)) {
    // The old way: lower, then write the shorter deadline. A scan between
    // the two raises the bound back from the old deadline (defect 3).
    expiry_.Lower(r.index / 64, bound_us);
    return slot.state.compare_exchange_strong(seen, next, std::memory_order_acq_rel,
                                              std::memory_order_acquire);
  }
  // A shorter deadline, in three steps, so that no scan can raise a bound
  // past it: mark the hold kExtending (a scan that sees the mark never
  // raises the group's bound), lower the bounds, then write the deadline.
  // Each step is a compare-and-swap on the state word: a hold ended or
  // extended meanwhile makes it fail and the caller answers from `seen`. A
  // thread stopped in between leaves the mark: the hold stays live with its
  // old deadline and the group's bound stays low (more scans, no harm).
  const uint64_t marked = PackState(SlotState::kExtending, generation, OffsetOf(r.state));
  if (seen != marked) {
    // seq_cst: the mark must be visible to a scanner that takes the bound's
    // token after our check of the bound below (lib/internal/expiry_index.h).
    if (!slot.state.compare_exchange_strong(seen, marked, std::memory_order_seq_cst)) {
      return false;
    }
  }
  expiry_.Lower(r.index / 64, bound_us);
  // acq_rel as above.
  return slot.state.compare_exchange_strong(seen, next, std::memory_order_acq_rel,
                                            std::memory_order_acquire);
}

bool SaleCore::EndHeld(uint32_t index, uint64_t& state, SlotState to, int64_t now_ns) {
  Slot& slot = slots_.slot(index);
  const uint64_t generation = GenerationOf(state);
  const uint64_t final_state = PackState(to, generation);
  // acq_rel: acquire so the winner reads the plain fields the creator wrote
  // before its release store of kHeld (INVARIANT3); release so a later
  // reader of the final state sees everything before it. The one
  // compare-and-swap that leaves the live state makes confirm, release and
  // expiry exclusive (I3). Acquire on failure: the loser answers from the
  // word it saw (see EndByBuyer), and may read that hold's fields.
  if (!slot.state.compare_exchange_strong(state, final_state, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
    return false;
  }
  // A short Hold that needs these units waits for them from here on (a
  // bounded wait: see ClaimWithRetries).
  if (to == SlotState::kExpired) HOLDFAST_TRACE(det::TracePoint::kReturnBegin);
  BuyerEntry& entry = buyers_.at(slot.buyer_index);
  const BuyerId buyer = slot.buyer.load(std::memory_order_relaxed);
  int32_t units = 0;
  for (int i = 0; i < slot.LineCount(); ++i) units += LineUnits(slot.Line(i));
  const HoldId id = MakeHoldId(tag_, generation, index);
  size_t type_stat = kTypeSold;
  EventKind kind = EventKind::kConfirmed;
  if (to == SlotState::kConfirmed) {
    // Relaxed: counts of one buyer, see ClaimStock.
    entry.bought.fetch_add(units, std::memory_order_relaxed);
    entry.claims.fetch_sub(kClaimOneHold, std::memory_order_relaxed);
    const uint32_t at = entry.recent_next.fetch_add(1, std::memory_order_relaxed);
    entry.recent_confirmed[at % kRecentConfirmedMax].store(id.value, std::memory_order_relaxed);
    for (int i = 0; i < slot.LineCount(); ++i) {
      if (IsSeatRun(slot.Line(i))) seats_->MarkSold(UnpackSeatRun(slot.Line(i)), slot.buyer_index);
    }
    stats_.Add(kStatHoldsConfirmed, 1);
  } else {
    ReturnUnits(slot, entry);
    const bool expired = to == SlotState::kExpired;
    if (expired && !HOLDFAST_REVERTED(kRevertRetiredSlot)) {
      // Every unit is back: say so at once, so that a short Hold waiting for
      // them stops waiting here, before the statistics and the event (the
      // window of that wait ends with ReturnUnits; INVARIANT1's marks).
      // Only an expiry is waited for, so only it is marked (no store on the
      // Release path). Release order: pairs with the scans' acquire loads;
      // we alone write the word now (INVARIANT3).
      slot.state.store(PackState(to, generation, kEndedMark), std::memory_order_release);
    }
    if (expired) HOLDFAST_TRACE(det::TracePoint::kReturnEnd);
    stats_.Add(expired ? kStatHoldsExpired : kStatHoldsReleased, 1);
    type_stat = expired ? kTypeExpired : kTypeReleased;
    kind = expired ? EventKind::kExpired : EventKind::kReleased;
  }
  for (int i = 0; i < slot.LineCount(); ++i) {
    const TypeUnits t = LineTypeUnits(slot.Line(i));
    stats_.Add(kStatTypeBase + kStatsPerType * t.type + type_stat, t.units);
  }
  Publish(kind, id, buyer, units, now_ns);
  FreeSlot(index, final_state);
  return true;
}

void SaleCore::ReturnUnits(const Slot& slot, BuyerEntry& entry) {
  // In the reverse of the claim order (see ClaimStock): counters before
  // seats, so a Hold that finds a seat free also finds its unit returned.
  int32_t units = 0;
  for (int i = 0; i < slot.LineCount(); ++i) {
    const TypeUnits t = LineTypeUnits(slot.Line(i));
    stock_.GiveLine(t);
    units += t.units;
  }
  stock_.GiveCycle(slot.cycle, units);
  for (int i = 0; i < slot.LineCount(); ++i) {
    if (IsSeatRun(slot.Line(i))) seats_->Give(UnpackSeatRun(slot.Line(i)));
  }
  if (slot.cycle >= 0) {
    if (config_.cycles[slot.cycle].per_buyer_max > 0) {
      // Relaxed: one buyer's count, see ClaimStock. Units of an older cycle
      // no longer count once the buyer's word has moved on.
      uint64_t word = entry.cycle_units.load(std::memory_order_relaxed);
      while (CycleOf(word) == slot.cycle &&
             !entry.cycle_units.compare_exchange_weak(
                 word, PackCycleUnits(slot.cycle, CycleUnitsOf(word) - units),
                 std::memory_order_relaxed)) {
      }
    }
  }
  // Relaxed: one buyer's count, see ClaimBuyer.
  entry.claims.fetch_sub(kClaimOneHold + static_cast<uint64_t>(units), std::memory_order_relaxed);
}

void SaleCore::FreeSlot(uint32_t index, uint64_t final_state) {
  const bool retire = GenerationOf(final_state) >= kGenerationMax;
  if (retire && !HOLDFAST_REVERTED(kRevertRetiredSlot)) {
    // A retired slot says so in its word (INVARIANT1's marks): every scan
    // passes over it for good, never taking it for an expiry whose units are
    // still on their way (issue 10 defect 1). Release: pairs with the scans'
    // acquire loads; we alone write the word now (INVARIANT3).
    slots_.slot(index).state.store(
        PackState(StateOf(final_state), GenerationOf(final_state), kRetiredMark),
        std::memory_order_release);
  }
  if (retire) {
    // Reusing the slot would wrap its generation and let an old HoldId name
    // a new hold (I8): retire it instead, its occupied bit stays set.
    stats_.Add(kStatSlotsRetired, 1);
    return;
  }
  slots_.Free(index);
}

int64_t SaleCore::Sweep(int64_t monotonic_now_ns) {
  // Never ahead of the clock (no hold expires early), and never before the
  // sale's epoch (no overflow for any argument: issue 10 defect 11).
  const int64_t clock_ns = clock_->MonotonicNanos();
  const int64_t now = std::min(monotonic_now_ns, clock_ns);
  if (now <= epoch_ns_) return 0;
  return ReclaimExpired(now - epoch_ns_).expired;
}

SaleCore::Reclaimed SaleCore::ReclaimExpired(int64_t now_ns) {
  Reclaimed reclaimed;
  const uint64_t now_us = static_cast<uint64_t>(std::max<int64_t>(now_ns, 0) / kNanosPerMicro);
  // Nothing can be dead: one load, whatever holds_max (defect 10).
  if (!expiry_.SaleMayBeDead(now_us)) return reclaimed;
  DeadlineBound& sale_bound = expiry_.sale();
  const DeadlineBound::Raise raise = sale_bound.BeginRaise();
  uint64_t earliest_us = kNoDeadline;
  for (size_t g = 0; g < slots_.group_count(); ++g) {
    const uint64_t bound = expiry_.GroupBound(g);
    earliest_us =
        std::min(earliest_us, bound > now_us ? bound : ReclaimGroup(g, now_ns, reclaimed));
  }
  // Every group's bound is a lower bound of its holds' deadlines, so their
  // minimum is one for the sale (a hold made since the token was taken
  // clears `clean` and the raise does not happen).
  sale_bound.EndRaise(raise, earliest_us, /*sure=*/true);
  return reclaimed;
}

uint64_t SaleCore::ReclaimGroup(size_t group, int64_t now_ns, Reclaimed& reclaimed) {
  DeadlineBound& bound = expiry_.group(group);
  const DeadlineBound::Raise raise = bound.BeginRaise();
  // seq_cst, after the token: see lib/internal/expiry_index.h (a creator
  // that checked the bound before we took the token has its bit visible).
  uint64_t occupied = slots_.group(group).occupied.load(std::memory_order_seq_cst);
  uint64_t earliest_us = kNoDeadline;
  bool sure = true;  // every occupied slot accounted for: the bound may rise
  while (occupied != 0) {
    const auto bit = static_cast<uint32_t>(std::countr_zero(occupied));
    occupied &= occupied - 1;
    const uint32_t index = static_cast<uint32_t>(group * 64 + bit);
    if (index >= slots_.size()) break;
    // seq_cst as above; it is also an acquire that pairs with the release
    // store of kHeld: created_ns is the hold's.
    uint64_t state = slots_.slot(index).state.load(std::memory_order_seq_cst);
    const SlotState s = StateOf(state);
    if (IsLive(s)) {
      const int64_t deadline_ns = DeadlineNs(index, state);
      if (now_ns < deadline_ns) {
        earliest_us = std::min(earliest_us, static_cast<uint64_t>(deadline_ns / kNanosPerMicro));
        // A shorter deadline may be on its way in (Extend): keep the bound.
        if (s == SlotState::kExtending) sure = false;
        continue;
      }
      if (EndHeld(index, state, SlotState::kExpired, now_ns)) {
        ++reclaimed.expired;
        continue;
      }
      // Another thread ended (or extended) it first; if it expired it, its
      // units are on their way back.
      sure = false;
      if (IsEnding(state)) ++reclaimed.expiring;
    } else if (IsEnding(state)) {
      // Expired by another thread that has not given all units back yet.
      // (With defect 1's fix reverted, a retired slot's word looks so too.)
      ++reclaimed.expiring;
      sure = false;
    } else if (!IsRetired(state)) {
      // Claiming, an end completing, or a new owner that has not written
      // kClaiming yet: a hold may appear here that this scan did not see.
      sure = false;
    }
  }
  bound.EndRaise(raise, earliest_us, sure);
  return bound.Load();
}

}  // namespace holdfast::internal
