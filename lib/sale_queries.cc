// The queries of a sale (SaleCore, see lib/internal/sale_core.h): stock,
// cycles, buyers, statistics, seats and events. Queries write nothing.
#include <algorithm>

#include "lib/internal/sale_core.h"

namespace holdfast::internal {

int64_t SaleCore::TypeAvailable(TypeId type) const {
  return type < config_.types.size() ? stock_.TypeAvailable(type) : 0;
}

int64_t SaleCore::QuotaAvailable(int quota) const {
  return quota >= 0 && static_cast<size_t>(quota) < config_.quotas.size()
             ? stock_.QuotaAvailable(quota)
             : 0;
}

int64_t SaleCore::CycleAvailable(int cycle) const {
  if (cycle < 0 || static_cast<size_t>(cycle) >= config_.cycles.size()) return 0;
  return cycles_.Available(cycle, cycles_.Locate(clock_->WallNow()));
}

int SaleCore::CurrentCycle() const {
  if (config_.cycles.empty()) return -1;
  // The position Hold would act on, without sealing anything (a query
  // writes nothing): the same floors, so a wall clock stepped back tells
  // the same story here as in Hold (issue 10 defect 20).
  const CycleWindows::Position at = cycles_.Locate(clock_->WallNow());
  return at.open ? at.index : -1;
}

int64_t SaleCore::Available(TypeId type) const {
  if (type >= config_.types.size()) return 0;
  int64_t available = stock_.Available(type);
  if (!config_.cycles.empty()) {
    const CycleWindows::Position at = cycles_.Locate(clock_->WallNow());
    available = at.open ? std::min(available, cycles_.Available(at.index, at)) : 0;
  }
  return available;
}

BuyerCounts SaleCore::Buyer(BuyerId buyer) const {
  BuyerCounts counts;
  const BuyerEntry* entry = buyers_.Find(buyer);
  if (entry == nullptr) return counts;
  // Relaxed: a snapshot of statistics, exact when quiescent.
  counts.bought_units = entry->bought.load(std::memory_order_relaxed);
  const uint64_t claims = entry->claims.load(std::memory_order_relaxed);
  counts.held_units = ClaimUnitsOf(claims) - counts.bought_units;
  counts.live_holds = static_cast<int32_t>(ClaimHoldsOf(claims));
  return counts;
}

// Reads counters `order[0..n)` into `out` as one snapshot: collects twice
// and returns when both passes agree (the counters only grow, so two equal
// passes saw every value at one instant between them). Under constant churn
// it gives up after a few passes and keeps the last one, which is still
// ordered: every pass reads the counters of ends before those of
// creations, so no end is counted without its creation.
void SaleCore::Snapshot(const size_t* order, size_t n, int64_t* out) const {
  constexpr int kPasses = 4;
  for (size_t i = 0; i < n; ++i) out[i] = stats_.Sum(order[i]);
  for (int pass = 1; pass < kPasses; ++pass) {
    bool stable = true;
    for (size_t i = 0; i < n; ++i) {
      const int64_t again = stats_.Sum(order[i]);
      stable = stable && again == out[i];
      out[i] = again;
    }
    if (stable) return;
  }
}

TypeStats SaleCore::TypeStatsOf(TypeId type) const {
  TypeStats stats;
  if (type >= config_.types.size()) return stats;
  const size_t base = kStatTypeBase + kStatsPerType * type;
  const size_t order[] = {base + kTypeSold, base + kTypeReleased, base + kTypeExpired};
  int64_t values[3];
  Snapshot(order, 3, values);
  stats.capacity = config_.types[type].capacity;
  stats.sold_units = values[0];
  stats.released_units = values[1];
  stats.expired_units = values[2];
  // Sold is read before available, as in HeldUnits.
  stats.available = stock_.TypeAvailable(type);
  // Held is what the stock counter misses beyond the sold units: holds and
  // in-flight claims. Counting it from the counter, not from statistics,
  // keeps a hold's creation off the statistics entirely (one fewer atomic
  // on the hot path); the pair of counter and sold statistic still checks
  // I10 at every quiescent point (held == 0 means available + sold ==
  // capacity). The clamp keeps a snapshot under churn within an instant's
  // bounds.
  stats.held_units = std::clamp<int64_t>(stats.capacity - stats.available - stats.sold_units, 0,
                                         stats.capacity - stats.sold_units);
  return stats;
}

SaleStats SaleCore::Stats() const {
  SaleStats stats;
  // Ends first, creations last: see Snapshot.
  const size_t order[] = {kStatHoldsConfirmed, kStatHoldsReleased, kStatHoldsExpired,
                          kStatHoldsCreated};
  int64_t holds[4];
  Snapshot(order, 4, holds);
  for (TypeId t = 0; t < config_.types.size(); ++t) {
    const TypeStats type = TypeStatsOf(t);
    stats.held_units += type.held_units;
    stats.sold_units += type.sold_units;
    stats.released_units += type.released_units;
    stats.expired_units += type.expired_units;
  }
  stats.holds_confirmed = holds[0];
  stats.holds_released = holds[1];
  stats.holds_expired = holds[2];
  stats.holds_created = holds[3];
  stats.live_holds = std::clamp<int64_t>(holds[3] - holds[0] - holds[1] - holds[2], 0,
                                         static_cast<int64_t>(slots_.size()));
  for (int o = 0; o < kOutcomeCount; ++o) {
    stats.outcomes[o] = stats_.Sum(kStatOutcomeBase + static_cast<size_t>(o));
  }
  // The hot path's answers of kOk are counted once, as the holds they made
  // or ended; only repeats (keys, confirm retries) and Extend count here too.
  stats.outcomes[static_cast<int>(Outcome::kOk)] +=
      stats.holds_created + stats.holds_confirmed + stats.holds_released;
  stats.events_dropped = stats_.Sum(kStatEventsDropped);
  stats.slots_retired = stats_.Sum(kStatSlotsRetired);
  return stats;
}

bool SaleCore::ReadLines(const Slot& slot, uint64_t state, PackedLine* lines, int& count) const {
  // The reader's half of the seqlock (see TakeSlot): the relaxed reads of
  // the lines, an acquire fence, then the state word again. If a line came
  // from a later hold in this slot, the fence pairs with TakeSlot's release
  // fence and the re-read sees that hold's kClaiming, or later: the lines
  // are only used when the word is unchanged (issue 10 defect 9).
  count = std::min(slot.LineCount(), kLinesPerHoldMax);
  for (int i = 0; i < count; ++i) lines[i] = slot.Line(i);
  std::atomic_thread_fence(std::memory_order_acquire);
  return slot.state.load(std::memory_order_relaxed) == state;
}

Outcome SaleCore::Describe(HoldId hold, BuyerId buyer, HoldInfo& info) const {
  info = HoldInfo{};
  for (;;) {
    const Resolved r = Resolve(hold, buyer);
    if (r.error != Outcome::kOk) return r.error;
    PackedLine lines[kLinesPerHoldMax];
    int line_count = 0;
    // The lines as they were when the state word read r.state (a seqlock
    // read); a slot that moved on meanwhile is resolved again.
    if (!ReadLines(slots_.slot(r.index), r.state, lines, line_count)) continue;
    HoldInfo out;
    out.buyer = r.owner;
    switch (StateOf(r.state)) {
      case SlotState::kHeld:
      case SlotState::kExtending: {
        const int64_t now_ns = NowNs();
        out.state = now_ns < r.deadline_ns() ? HoldState::kHeld : HoldState::kExpired;
        out.expires_at = clock_->WallNow() + absl::Nanoseconds(r.deadline_ns() - now_ns);
        break;
      }
      case SlotState::kConfirmed:
        out.state = HoldState::kConfirmed;
        break;
      case SlotState::kReleased:
        out.state = HoldState::kReleased;
        break;
      case SlotState::kExpired:
        out.state = HoldState::kExpired;
        break;
      default:
        return Outcome::kUnknownHold;  // a hold in the making is nobody's yet
    }
    for (int i = 0; i < line_count; ++i) {
      const TypeUnits t = LineTypeUnits(lines[i]);
      if (IsSeatRun(lines[i])) out.seat_count += t.units;
      out.units += t.units;
      int at = 0;
      while (at < out.line_count && out.lines[at].type != t.type) ++at;
      if (at == out.line_count) out.lines[out.line_count++] = HoldLine{t.type, 0};
      out.lines[at].quantity += t.units;
    }
    info = out;
    return Outcome::kOk;
  }
}

Outcome SaleCore::SeatsOf(HoldId hold, BuyerId buyer, absl::Span<SeatId> out, int& count) const {
  count = 0;
  for (;;) {
    const Resolved r = Resolve(hold, buyer);
    if (r.error != Outcome::kOk) return r.error;
    const SlotState state = StateOf(r.state);
    if (!IsLive(state) && state != SlotState::kConfirmed) return Outcome::kUnknownHold;
    PackedLine lines[kLinesPerHoldMax];
    int line_count = 0;
    if (!ReadLines(slots_.slot(r.index), r.state, lines, line_count)) continue;
    int n = 0;
    for (int i = 0; i < line_count; ++i) {
      if (!IsSeatRun(lines[i])) continue;
      const SeatRun run = UnpackSeatRun(lines[i]);
      for (uint32_t b = 0; b < run.count; ++b) {
        if (static_cast<size_t>(n) < out.size()) out[n] = seats_->SeatAt(run.word, run.first + b);
        ++n;
      }
    }
    count = std::min<int>(n, static_cast<int>(out.size()));
    return Outcome::kOk;
  }
}

SeatState SaleCore::Seat(SeatId seat) const {
  SeatState result;
  SeatStatus status;
  uint32_t owner;
  uint32_t word, bit;
  if (seats_ == nullptr || !seats_->Read(seat, status, owner) || !seats_->Locate(seat, word, bit)) {
    return result;
  }
  result.status = status;
  if (status == SeatStatus::kSold && (owner & kOwnerSold) != 0) {
    // Acquire pairs with the buyer entry's inserting compare-and-swap.
    const uint64_t id =
        buyers_.at((owner & ~kOwnerSold) - 1).id_plus_one.load(std::memory_order_acquire);
    result.buyer = id - 1;
  } else if (status == SeatStatus::kHeld && owner != 0 && (owner & kOwnerSold) == 0) {
    const Slot& slot = slots_.slot(owner - 1);
    // Acquire pairs with the release of kHeld; the buyer is the hold's when
    // the state word reads the same before and after.
    const uint64_t state = slot.state.load(std::memory_order_acquire);
    const BuyerId holder = slot.buyer.load(std::memory_order_acquire);
    PackedLine lines[kLinesPerHoldMax];
    int line_count = 0;
    if (!IsLive(StateOf(state)) || !ReadLines(slot, state, lines, line_count)) return result;
    // The owner word may be stale (the slot moved on to a hold without this
    // seat): name the hold only if its own lines hold the seat (defect 11).
    for (int i = 0; i < line_count; ++i) {
      if (!IsSeatRun(lines[i])) continue;
      const SeatRun run = UnpackSeatRun(lines[i]);
      if (run.word == word && bit >= run.first && bit < run.first + run.count) {
        result.hold = MakeHoldId(tag_, GenerationOf(state), owner - 1);
        result.buyer = holder;
        break;
      }
    }
  }
  return result;
}

SeatId SaleCore::FindSeat(absl::string_view label) const {
  return seats_ ? seats_->Find(label, config_.seat_map) : kNoSeat;
}

std::string SaleCore::SeatLabel(SeatId seat) const {
  return seats_ ? seats_->Label(seat, config_.seat_map) : "";
}

bool SaleCore::SnapshotSeats(absl::Span<uint64_t> held, absl::Span<uint64_t> sold) const {
  const size_t words = (SeatCount() + 63) / 64;
  if (held.size() < words || sold.size() < words) return false;
  if (seats_ != nullptr) seats_->Snapshot(held.data(), sold.data());
  return true;
}

size_t SaleCore::MemoryBytes() const {
  const size_t counters = stock_.MemoryBytes() + cycles_.MemoryBytes();
  return sizeof(*this) + counters + slots_.MemoryBytes() + expiry_.MemoryBytes() +
         buyers_.MemoryBytes() + (seats_ ? seats_->MemoryBytes() : 0) + idempotency_.MemoryBytes() +
         (events_ ? events_->MemoryBytes() : 0) + stats_.MemoryBytes();
}

}  // namespace holdfast::internal
