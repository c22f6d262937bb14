// The sale: lock-free holds over bounded counters (see lib/internal/sale_core.h
// for the algorithm and holdfast/sale.h for the contract).
#include "holdfast/sale.h"

#include <algorithm>
#include <new>
#include <optional>

#include "absl/strings/str_cat.h"
#include "lib/internal/memory_budget.h"
#include "lib/internal/revert.h"
#include "lib/internal/sale_core.h"
#include "lib/internal/sale_tags.h"

namespace holdfast {
namespace internal {
namespace {

// How long a short Hold waits for the units of a dead hold that another
// thread is expiring: this many pauses, then this many yields of the CPU to
// that thread; after that it answers kTryAgain (the thread is stopped).
constexpr int kEndingPausesMax = 16;
constexpr int kEndingYieldsMax = 16;

// A pause between such checks: a CPU hint, never a system call.
void CpuRelax() {
  for (int i = 0; i < 64; ++i) SpinPause();
}

}  // namespace

SaleCore::SaleCore(const SaleConfig& config, uint32_t tag, uint64_t first_generation)
    : config_(config),
      clock_(config.clock != nullptr ? config.clock : SystemClock::Get()),
      epoch_ns_(clock_->MonotonicNanos()),
      tag_(tag),
      cycles_(config_.cycles),
      stock_(config_, cycles_),
      slots_(config.holds_max, first_generation),
      expiry_(slots_.group_count()),
      buyers_(config.buyers_max),
      idempotency_(config.idempotency_keys_max),
      seats_(config.seat_map.empty() ? nullptr : new SeatTable(config.seat_map)),
      seated_(config.types.size(), false),
      events_(config.events_max > 0 ? new EventQueue(config.events_max) : nullptr),
      stats_(kStatTypeBase + kStatsPerType * config.types.size()) {
  for (const SectionConfig& section : config.seat_map.sections) seated_[section.type] = true;
}

namespace {

// Seat state and the row index, over-estimated (see SeatTable::MemoryBytes).
size_t SeatBytesPlanned(const SeatMapConfig& map) {
  size_t bytes = 0;
  for (const SectionConfig& section : map.sections) {
    for (const RowConfig& row : section.rows) {
      const size_t seats = static_cast<size_t>(std::max(row.seat_count, 0));
      bytes += 256 + seats * sizeof(uint32_t) + (seats + 63) / 64 * 64;
    }
  }
  return bytes;
}

}  // namespace

SaleCore::~SaleCore() {
  // The tag goes back with the generations it used, so that a later sale
  // with this tag starts above them (lib/internal/sale_tags.h). Relaxed: no
  // other thread uses the sale any more.
  uint64_t next_generation = 1;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const uint64_t word = slots_.slot(i).state.load(std::memory_order_relaxed);
    next_generation = std::max(next_generation, GenerationOf(word) + 1);
  }
  SaleTags::Release(tag_, next_generation);
}

size_t SaleCore::PlannedBytes(const SaleConfig& config) {
  const size_t groups = (static_cast<size_t>(config.holds_max) + 63) / 64;
  const size_t counters = (config.types.size() + config.quotas.size() + config.cycles.size() + 3) *
                          sizeof(StockCounter);
  return sizeof(SaleCore) + counters + static_cast<size_t>(config.holds_max) * sizeof(Slot) +
         groups * (sizeof(SlotGroup) + sizeof(DeadlineBound)) +
         BuyerTable::PlannedBytes(config.buyers_max) +
         IdempotencyTable::PlannedBytes(config.idempotency_keys_max) +
         static_cast<size_t>(config.events_max) * 9 * 48 + 4096 +
         StripedCounters::kStripes * (kStatTypeBase + kStatsPerType * config.types.size()) * 8 +
         SeatBytesPlanned(config.seat_map);
}

Outcome SaleCore::Count(Outcome outcome) {
  stats_.Add(kStatOutcomeBase + static_cast<size_t>(outcome), 1);
  return outcome;
}

// ---------------------------------------------------------------------------
// Hold

Outcome SaleCore::PlanHold(BuyerId buyer, absl::Span<const HoldLine> lines,
                           const HoldOptions& options, HoldPlan& plan) const {
  if (buyer == kReservedBuyer || lines.size() > kLinesPerHoldMax) return Outcome::kInvalidArgument;
  int64_t units = 0;
  for (const HoldLine& line : lines) {
    if (line.quantity <= 0 || line.type >= config_.types.size() || seated_[line.type]) {
      return Outcome::kInvalidArgument;  // a seated type is held seat by seat
    }
    units += line.quantity;
    if (units > config_.units_per_hold_max) return Outcome::kInvalidArgument;
    int merged = 0;
    while (merged < plan.line_count && plan.lines[merged].type != line.type) ++merged;
    if (merged == plan.line_count) {
      plan.lines[plan.line_count++] = PackedLine{static_cast<uint16_t>(line.type), 0};
    }
    plan.lines[merged].quantity =
        static_cast<uint16_t>(plan.lines[merged].quantity + line.quantity);
    plan.AddTypeUnits(line.type, line.quantity);
  }
  plan.ga_lines = plan.line_count;
  plan.units = static_cast<int32_t>(units);
  const absl::Duration ttl =
      options.ttl == absl::ZeroDuration() ? config_.hold_ttl_default : options.ttl;
  // Deadlines are kept in whole microseconds (rounded down): a ttl under
  // 1 µs would make a hold dead on arrival.
  if (ttl < absl::Microseconds(1) || ttl > config_.hold_lifetime_max) {
    return Outcome::kInvalidArgument;
  }
  plan.ttl_ns = absl::ToInt64Nanoseconds(ttl);
  if (options.idempotency_key != 0 && config_.idempotency_keys_max == 0) {
    return Outcome::kInvalidArgument;
  }
  return Outcome::kOk;
}

Outcome SaleCore::PlanSeats(absl::Span<const SeatId> seats, HoldPlan& plan) const {
  if (seats_ == nullptr || seats.empty() || seats.size() > kSeatsPerHoldMax ||
      plan.units + static_cast<int64_t>(seats.size()) > config_.units_per_hold_max) {
    return Outcome::kInvalidArgument;
  }
  SeatId sorted[kSeatsPerHoldMax];
  std::copy(seats.begin(), seats.end(), sorted);
  std::sort(sorted, sorted + seats.size());
  SeatRun run;
  for (size_t i = 0; i < seats.size(); ++i) {
    uint32_t word, bit;
    if (!seats_->Locate(sorted[i], word, bit) || (i > 0 && sorted[i] == sorted[i - 1])) {
      return Outcome::kInvalidArgument;  // unknown or repeated seat
    }
    if (run.count > 0 && word == run.word && bit == run.first + run.count) {
      ++run.count;
      continue;
    }
    if (run.count > 0) {
      if (plan.line_count == kLinesPerHoldMax) return Outcome::kInvalidArgument;
      plan.lines[plan.line_count++] = PackSeatRun(run);
      plan.AddTypeUnits(seats_->TypeOfWord(run.word), static_cast<int32_t>(run.count));
    }
    run = SeatRun{word, bit, 1};
  }
  if (plan.line_count == kLinesPerHoldMax) return Outcome::kInvalidArgument;
  plan.lines[plan.line_count++] = PackSeatRun(run);
  plan.AddTypeUnits(seats_->TypeOfWord(run.word), static_cast<int32_t>(run.count));
  plan.units += static_cast<int32_t>(seats.size());
  return Outcome::kOk;
}

TypeUnits SaleCore::LineTypeUnits(PackedLine line) const {
  if (!IsSeatRun(line)) return TypeUnits{line.type, line.quantity};
  return TypeUnits{seats_->TypeOfWord(UnpackSeatRun(line).word), LineUnits(line)};
}

Outcome SaleCore::CycleAt(int64_t now_ns, int& cycle) {
  // The open cycle a Hold a moment ago found, while the monotonic clock says
  // no boundary has come and the wall clock has not been stepped (see
  // CycleWindows::CachedOpen): no wall-clock read (issue 11).
  const uint64_t steps = clock_->WallSteps();
  if (cycles_.CachedOpen(now_ns, steps, cycle)) return Outcome::kOk;
  const absl::Time wall = clock_->WallNow();
  const CycleWindows::Position at = cycles_.Enter(wall);
  cycles_.Remember(at, wall, now_ns, steps);
  cycle = at.open ? at.index : -1;
  return cycles_.OutcomeAt(at);
}

Outcome SaleCore::CycleFor(absl::Time wall, int& cycle) {
  const CycleWindows::Position at = cycles_.Enter(wall);
  cycle = at.open ? at.index : -1;
  return cycles_.OutcomeAt(at);
}

HoldResult SaleCore::Hold(BuyerId buyer, absl::Span<const HoldLine> lines,
                          const HoldOptions& options) {
  HoldPlan plan;
  Outcome o = PlanHold(buyer, lines, options, plan);
  if (o == Outcome::kOk && lines.empty()) o = Outcome::kInvalidArgument;
  if (o != Outcome::kOk) return {Count(o), {}};
  return HoldPlanned(buyer, plan, options.idempotency_key);
}

HoldResult SaleCore::HoldSeats(BuyerId buyer, absl::Span<const SeatId> seats,
                               absl::Span<const HoldLine> lines, const HoldOptions& options) {
  HoldPlan plan;
  Outcome o = PlanHold(buyer, lines, options, plan);
  if (o == Outcome::kOk) o = PlanSeats(seats, plan);
  if (o != Outcome::kOk) return {Count(o), {}};
  return HoldPlanned(buyer, plan, options.idempotency_key);
}

HoldResult SaleCore::HoldBestAvailable(BuyerId buyer, const BestAvailableRequest& request,
                                       absl::Span<SeatId> seats_out, const HoldOptions& options) {
  HoldPlan plan;
  Outcome o = PlanHold(buyer, {}, options, plan);
  const bool valid_request =
      seats_ != nullptr && request.count >= 1 && request.count <= kSeatsPerHoldMax &&
      request.count <= config_.units_per_hold_max &&
      seats_out.size() >= static_cast<size_t>(request.count) &&
      std::all_of(request.sections.begin(), request.sections.end(), [this](int s) {
        return s >= 0 && static_cast<size_t>(s) < config_.seat_map.sections.size();
      });
  if (o == Outcome::kOk && !valid_request) o = Outcome::kInvalidArgument;
  if (o != Outcome::kOk) return {Count(o), {}};
  plan.best = &request;
  plan.units = request.count;
  HoldResult result = HoldPlanned(buyer, plan, options.idempotency_key);
  if (!result.ok()) return result;
  int count = 0;
  if (plan.made) {
    // The seats this call chose, from its own plan (the hold may already
    // have ended in another thread's hands; its seats were these).
    for (int i = plan.ga_lines; i < plan.line_count; ++i) {
      const SeatRun run = UnpackSeatRun(plan.lines[i]);
      for (uint32_t b = 0; b < run.count; ++b)
        seats_out[count++] = seats_->SeatAt(run.word, run.first + b);
    }
  } else {
    // A repeated key: the first request's hold and its seats. Never kOk
    // with no seat written (issue 10 defect 11): a keyed hold without seats
    // (made by Hold) is a misuse of the key, and one that ended since
    // answers how.
    const Outcome seats_outcome = SeatsOf(result.id, buyer, seats_out, count);
    // The repeated key was counted as kOk; if this call answers otherwise,
    // that count is taken back: one call, one outcome (stats.h).
    if (seats_outcome != Outcome::kOk || count == 0) {
      stats_.Add(kStatOutcomeBase + static_cast<size_t>(Outcome::kOk), -1);
    }
    if (seats_outcome != Outcome::kOk) {
      return {Count(seats_outcome == Outcome::kNotOwner ? Outcome::kUnknownHold : seats_outcome),
              {}};
    }
    if (count == 0) return {Count(Outcome::kInvalidArgument), {}};
  }
  std::fill(seats_out.begin() + count, seats_out.end(), kNoSeat);
  return result;
}

HoldResult SaleCore::HoldPlanned(BuyerId buyer, HoldPlan& plan, uint64_t key) {
  const int64_t now_ns = NowNs();
  HoldId existing;
  if (key != 0 && FindKeyedHold(buyer, key, now_ns, existing)) {
    return {Count(Outcome::kOk), existing};
  }
  // The window first: a crowd pressing F5 before noon takes no buyer entries.
  // A sale without cycles never reads the wall clock.
  if (!config_.cycles.empty()) {
    if (Outcome o = CycleAt(now_ns, plan.cycle); o != Outcome::kOk) return {Count(o), {}};
  }
  BuyerEntry* entry = buyers_.FindOrInsert(buyer);
  if (entry == nullptr) return {Count(Outcome::kBuyerTableFull), {}};
  return HoldWithSlot(buyer, *entry, plan, key, now_ns);
}

HoldResult SaleCore::HoldWithSlot(BuyerId buyer, BuyerEntry& entry, HoldPlan& plan, uint64_t key,
                                  int64_t now_ns) {
  int64_t index = slots_.Allocate();
  if (index < 0 && ReclaimExpired(NowNs()).expired > 0) index = slots_.Allocate();
  if (index < 0) return {Count(Outcome::kHoldTableFull), {}};
  uint64_t generation = 0;
  const uint32_t slot =
      TakeSlot(index, buyer, buyers_.IndexOf(entry), key, plan, now_ns, generation);
  const HoldId id = MakeHoldId(tag_, generation, slot);

  ClaimProgress progress;
  Outcome outcome = ClaimWithRetries(plan, entry, slot, progress);
  // The key is taken only once the stock is: a Hold that fails leaves no
  // trace, not even an idempotency entry (I2; issue 10 defect 6).
  if (outcome == Outcome::kOk && key != 0) {
    HoldId twin;
    IdempotencyEntry* key_entry = nullptr;
    const KeyClaim claim = ClaimKey(buyer, key, id, now_ns, twin, key_entry);
    if (claim != KeyClaim::kTaken) {
      UndoClaims(plan, entry, progress);
      DropClaimingSlot(slot, generation);
      if (claim == KeyClaim::kTwinStands) return {Count(Outcome::kOk), twin};
      return {
          Count(claim == KeyClaim::kTwinClaiming ? Outcome::kKeyInUse : Outcome::kHoldTableFull),
          {}};
    }
  }
  if (outcome != Outcome::kOk) {
    DropClaimingSlot(slot, generation);
    HoldResult failed{Count(outcome), {}};
    if (outcome == Outcome::kSeatTaken) failed.taken_seat = plan.taken_seat;
    return failed;
  }
  PublishHold(slot, generation, buyer, plan, now_ns);
  plan.made = true;
  return {Outcome::kOk, id};  // counted as holds_created, see Stats()
}

Outcome SaleCore::ClaimWithRetries(HoldPlan& plan, BuyerEntry& entry, uint32_t slot,
                                   ClaimProgress& progress) {
  // Why this loop ends. Each pass claims once; it goes round again only
  //  (a) after its scan expired a dead hold (a step of progress: that
  //      hold's units are back, and lock-freedom only asks that some thread
  //      progress);
  //  (b) while a dead hold's units are on their way back from the thread
  //      that expired it, a bounded number of times (kEndingPausesMax +
  //      kEndingYieldsMax); then the answer is kTryAgain, so a thread stopped
  //      there never stops this one (see holdfast/sale.h, "Progress");
  //  (c) once more after a scan that found nothing dead, for units another
  //      thread returned between the failed claim and the scan;
  //  (d) when its cycle was sealed under it and the wall clock is in the
  //      next window (at most once per cycle).
  // Every other outcome is the answer.
  int ending_waits = 0;
  bool claimed_again = false;
  for (;;) {
    progress = ClaimProgress{};
    const Outcome outcome = ClaimStock(plan, entry, slot, progress);
    if (outcome == Outcome::kOk) return outcome;
    UndoClaims(plan, entry, progress);
    HOLDFAST_TRACE(det::TracePoint::kClaimFailed);
    const bool reclaimable = outcome == Outcome::kSoldOut || outcome == Outcome::kBuyerLimit ||
                             outcome == Outcome::kTooManyHolds || outcome == Outcome::kSeatTaken ||
                             outcome == Outcome::kNoAdjacentSeats;
    if (reclaimable) {
      // I5: a dead hold must not make a buyer lose. The scan reads the clock
      // anew: a hold that died while this call was delayed is dead now
      // (issue 10 defect 4).
      if (DeadHoldsMayMatter(outcome, plan, entry, progress)) {
        // (Reverted: the Hold's first reading, kept in the slot as created_ns.
        // Relaxed: our own slot.)
        const int64_t scan_now = HOLDFAST_REVERTED(kRevertStaleNow)
                                     ? slots_.slot(slot).created_ns.load(std::memory_order_relaxed)
                                     : NowNs();
        const Reclaimed reclaimed = ReclaimExpired(scan_now);
        if (reclaimed.expired > 0) continue;  // (a)
        if (reclaimed.expiring > 0) {         // (b)
          // CPU pauses first; after that the ending thread is likely
          // preempted, so give it the CPU (sched_yield); after that it is
          // stopped, and we do not wait for it. Nothing is claimed now.
          if (ending_waits >= kEndingPausesMax + kEndingYieldsMax &&
              !HOLDFAST_REVERTED(kRevertUnboundedWait)) {
            return Outcome::kTryAgain;
          }
          if (ending_waits++ < kEndingPausesMax) {
            CpuRelax();
          } else {
            YieldThread();
          }
          continue;
        }
      }
      if (!claimed_again) {  // (c)
        claimed_again = true;
        continue;
      }
      return outcome;
    }
    if (outcome == Outcome::kClosed) {  // (d)
      const int sealed = plan.cycle;
      Outcome moved = CycleFor(clock_->WallNow(), plan.cycle);
      if (moved == Outcome::kOk && plan.cycle <= sealed) moved = Outcome::kClosed;
      if (moved != Outcome::kOk) return moved;
      slots_.slot(slot).cycle = static_cast<int16_t>(plan.cycle);
      continue;
    }
    return outcome;
  }
}

bool SaleCore::DeadHoldsMayMatter(Outcome outcome, const HoldPlan& plan, const BuyerEntry& entry,
                                  const ClaimProgress& progress) const {
  switch (outcome) {
    case Outcome::kBuyerLimit:
    case Outcome::kTooManyHolds:
      // Only the buyer's own holds count against its limits; with none live,
      // bought units made the limit. Relaxed: a count, see ClaimBuyer.
      return ClaimHoldsOf(entry.claims.load(std::memory_order_relaxed)) > 0;
    case Outcome::kSoldOut:
      // A ticket type was short (the claim got past the cycle but not past
      // every type): a dead hold can matter only if the type has held units.
      if ((plan.cycle < 0 || progress.stock.cycle) && progress.stock.types < plan.type_count) {
        return HeldUnits(plan.types[progress.stock.types].type) > 0;
      }
      return true;
    default:
      return true;
  }
}

int64_t SaleCore::HeldUnits(TypeId type) const {
  // Sold before available: a unit sold after the first read and still
  // counted available by the second cannot exist, so the result never reads
  // below the units really held (a dead hold's units included).
  const int64_t sold = stats_.Sum(kStatTypeBase + kStatsPerType * type + kTypeSold);
  return config_.types[type].capacity - stock_.TypeAvailable(type) - sold;
}

void SaleCore::PublishHold(uint32_t index, uint64_t generation, BuyerId buyer, const HoldPlan& plan,
                           int64_t now_ns) {
  Slot& slot = slots_.slot(index);
  // Relaxed: the release store of kHeld below publishes the lines.
  for (int i = 0; i < plan.line_count; ++i) {
    slot.lines[i].store(ToWord(plan.lines[i]), std::memory_order_relaxed);
  }
  slot.line_count.store(static_cast<uint8_t>(plan.line_count), std::memory_order_relaxed);
  // Counted and announced before it is visible, so no end of it can be
  // counted or announced before its creation.
  stats_.Add(kStatHoldsCreated, 1);
  Publish(EventKind::kHeld, MakeHoldId(tag_, generation, index), buyer, plan.units, now_ns);
  // The deadline in whole microseconds after creation, rounded down: a hold
  // may end up to 1 µs early, never late (I4; issue 10 defect 13).
  const uint64_t offset_us = static_cast<uint64_t>(plan.ttl_ns / kNanosPerMicro);
  const int64_t deadline_ns = now_ns + static_cast<int64_t>(offset_us) * kNanosPerMicro;
  // The expiry bounds cover the deadline before the hold is visible.
  expiry_.Lower(index / 64, static_cast<uint64_t>(deadline_ns / kNanosPerMicro));
  // Release pairs with the acquire loads in Resolve, ReclaimGroup and
  // KeyedHoldStands: whoever sees kHeld sees the slot's fields and claims.
  slot.state.store(PackState(SlotState::kHeld, generation, offset_us), std::memory_order_release);
}

uint32_t SaleCore::TakeSlot(int64_t index, BuyerId buyer, uint32_t buyer_index, uint64_t key,
                            const HoldPlan& plan, int64_t now_ns, uint64_t& generation) {
  const auto i = static_cast<uint32_t>(index);
  Slot& slot = slots_.slot(i);
  // Relaxed: the acquire in Allocate() ordered us after the previous owner.
  const uint64_t last = slot.state.load(std::memory_order_relaxed);
  generation = StateOf(last) == SlotState::kFree ? GenerationOf(last) : GenerationOf(last) + 1;
  // Release: a reader whose acquire load sees kClaiming of the new
  // generation also sees what the last owner did before freeing the slot (a
  // confirmation's entry in the buyer's recent ring, read by
  // RecentlyConfirmed: I9; issue 10 defect 9).
  slot.state.store(PackState(SlotState::kClaiming, generation), std::memory_order_release);
  // The writer's half of the seqlock on the slot's fields: every store after
  // this fence (buyer, key, created_ns, cycle, lines) is ordered after
  // kClaiming for a reader that reads one of them, then issues an acquire
  // fence and re-reads the state word (SeatsOf, Seat, Resolve).
  std::atomic_thread_fence(std::memory_order_release);
  // Release stores as well: Resolve pairs them with acquire loads, which
  // orders its re-read of the state word without a fence.
  slot.buyer.store(buyer, std::memory_order_release);
  slot.idempotency_key.store(key, std::memory_order_release);
  slot.created_ns.store(now_ns, std::memory_order_release);
  slot.cycle = static_cast<int16_t>(plan.cycle);
  slot.buyer_index = buyer_index;
  return i;
}

void SaleCore::DropClaimingSlot(uint32_t index, uint64_t generation) {
  // The generation is spent even though no hold was made (simplest: a
  // generation is never handed out twice, whoever saw it).
  const uint64_t final_state = PackState(SlotState::kReleased, generation);
  // Release: a reader that sees the word sees the slot's last writes.
  slots_.slot(index).state.store(final_state, std::memory_order_release);
  FreeSlot(index, final_state);
}

Outcome SaleCore::ClaimStock(HoldPlan& plan, BuyerEntry& entry, uint32_t slot,
                             ClaimProgress& progress) {
  progress.line_count = plan.line_count;
  progress.type_count = plan.type_count;
  // The buyer's cycle limit before its sale-wide claims word, so that the
  // word (which Buyer() reports) never counts units the cycle limit refuses
  // (issue 10 defect 20).
  if (Outcome o = ClaimCycleUnits(plan, entry, progress); o != Outcome::kOk) return o;
  if (Outcome o = ClaimBuyer(plan, entry, progress); o != Outcome::kOk) return o;
  // Seats before the shared counters: a fight over the front row is settled
  // on the row's own word, without touching the type's counter.
  if (Outcome o = ClaimSeats(plan, slot, progress); o != Outcome::kOk) return o;
  // Then the cycle, the types and the quotas (lib/internal/stock_ledger.h).
  return stock_.Take(plan.cycle, plan.units, {plan.types, static_cast<size_t>(plan.type_count)},
                     progress.stock);
}

Outcome SaleCore::ClaimBuyer(const HoldPlan& plan, BuyerEntry& entry, ClaimProgress& progress) {
  // The buyer's claims word: relaxed is enough, both limits are kept by the
  // compare-and-swap's atomicity and no other data travels with the count.
  const int64_t holds_max = config_.per_buyer_holds_max;
  const int64_t units_max = config_.per_buyer_units_max > 0
                                ? std::min<int64_t>(config_.per_buyer_units_max, kClaimUnitsMax)
                                : static_cast<int64_t>(kClaimUnitsMax);
  uint64_t claims = entry.claims.load(std::memory_order_relaxed);
  do {
    if (holds_max > 0 && ClaimHoldsOf(claims) >= holds_max) return Outcome::kTooManyHolds;
    if (ClaimUnitsOf(claims) + plan.units > units_max) return Outcome::kBuyerLimit;
  } while (!entry.claims.compare_exchange_weak(claims, claims + kClaimOneHold + plan.units,
                                               std::memory_order_relaxed));
  progress.buyer = true;
  return Outcome::kOk;
}

Outcome SaleCore::ClaimSeats(HoldPlan& plan, uint32_t slot, ClaimProgress& progress) {
  if (plan.best != nullptr) {
    SeatRun runs[kLinesPerHoldMax];
    int taken = 0;
    const Outcome o = seats_->TakeBest(*plan.best, runs, kLinesPerHoldMax - plan.line_count, taken);
    if (o != Outcome::kOk) return o;
    for (int i = 0; i < taken; ++i) {
      plan.lines[plan.line_count++] = PackSeatRun(runs[i]);
      plan.AddTypeUnits(seats_->TypeOfWord(runs[i].word), static_cast<int32_t>(runs[i].count));
    }
    progress.seats = taken;
  } else {
    for (int i = plan.ga_lines + progress.seats; i < plan.line_count; ++i, ++progress.seats) {
      if (!seats_->TryTake(UnpackSeatRun(plan.lines[i]), plan.taken_seat)) {
        return Outcome::kSeatTaken;
      }
    }
  }
  for (int i = plan.ga_lines; i < plan.line_count; ++i) {
    seats_->SetHolder(UnpackSeatRun(plan.lines[i]), slot);
  }
  return Outcome::kOk;
}

Outcome SaleCore::ClaimCycleUnits(const HoldPlan& plan, BuyerEntry& entry,
                                  ClaimProgress& progress) {
  if (plan.cycle < 0) return Outcome::kOk;
  const int64_t cycle_max = config_.cycles[plan.cycle].per_buyer_max;
  if (cycle_max > 0) {
    // Relaxed: one buyer's count, as the claims word.
    uint64_t word = entry.cycle_units.load(std::memory_order_relaxed);
    uint64_t next;
    do {
      if (CycleOf(word) > plan.cycle) return Outcome::kClosed;  // the buyer is in a later cycle
      const int64_t base = CycleOf(word) == plan.cycle ? CycleUnitsOf(word) : 0;
      if (base + plan.units > cycle_max) return Outcome::kBuyerLimit;
      next = PackCycleUnits(plan.cycle, base + plan.units);
    } while (!entry.cycle_units.compare_exchange_weak(word, next, std::memory_order_relaxed));
    progress.cycle_units = true;
  }
  return Outcome::kOk;
}

void SaleCore::UndoClaims(HoldPlan& plan, BuyerEntry& entry, const ClaimProgress& progress) {
  stock_.Untake(plan.cycle, plan.units, {plan.types, static_cast<size_t>(plan.type_count)},
                progress.stock);
  if (progress.cycle_units) {
    // Relaxed: one buyer's count, as in ClaimCycle.
    uint64_t word = entry.cycle_units.load(std::memory_order_relaxed);
    while (CycleOf(word) == plan.cycle &&
           !entry.cycle_units.compare_exchange_weak(
               word, PackCycleUnits(plan.cycle, CycleUnitsOf(word) - plan.units),
               std::memory_order_relaxed)) {
    }
  }
  for (int i = 0; i < progress.seats; ++i) {
    seats_->Give(UnpackSeatRun(plan.lines[plan.ga_lines + i]));
  }
  // Best available chose its runs in this claim; the next try chooses anew.
  plan.line_count = progress.line_count;
  plan.type_count = progress.type_count;
  if (progress.buyer) {
    entry.claims.fetch_sub(kClaimOneHold + static_cast<uint64_t>(plan.units),
                           std::memory_order_relaxed);
  }
}

// ---------------------------------------------------------------------------
// Idempotency keys

bool SaleCore::KeyedHoldStands(BuyerId buyer, uint64_t key, HoldId id, int64_t now_ns,
                               bool& claiming, bool& foreign) {
  claiming = false;
  foreign = false;
  if (id.value == 0) return false;
  const Resolved r = Resolve(id, buyer);
  // A slot reused since: the hold stands if this buyer confirmed it.
  if (r.error == Outcome::kUnknownHold) return RecentlyConfirmed(buyer, id);
  const SlotState state = StateOf(r.state);
  if (r.error == Outcome::kNotOwner || r.key != key) {
    // Another (buyer, key) whose hash is ours: its entry while its hold is
    // in the making, live or confirmed (issue 10 defect 14).
    foreign = state == SlotState::kClaiming || IsLive(state) || state == SlotState::kConfirmed;
    return false;
  }
  if (r.error != Outcome::kOk) return false;
  if (IsLive(state)) {
    if (now_ns < r.deadline_ns()) return true;
    uint64_t seen = r.state;
    EndHeld(r.index, seen, SlotState::kExpired, now_ns);
    return false;
  }
  claiming = state == SlotState::kClaiming;
  return state == SlotState::kConfirmed;
}

bool SaleCore::FindKeyedHold(BuyerId buyer, uint64_t key, int64_t now_ns, HoldId& found) {
  IdempotencyTable::Probe probe = idempotency_.Start(buyer, key);
  while (const IdempotencyEntry* entry = idempotency_.Next(probe)) {
    // Acquire pairs with the release of the compare-and-swap that stored it.
    const HoldId id{entry->hold.load(std::memory_order_acquire)};
    bool claiming, foreign;
    if (KeyedHoldStands(buyer, key, id, now_ns, claiming, foreign)) {
      found = id;
      return true;
    }
    if (!foreign) return false;  // this key's entry: no hold stands for it
  }
  return false;
}

SaleCore::KeyClaim SaleCore::ClaimKey(BuyerId buyer, uint64_t key, HoldId mine, int64_t now_ns,
                                      HoldId& twin, IdempotencyEntry*& entry) {
  IdempotencyTable::Probe probe = idempotency_.Start(buyer, key);
  while ((entry = idempotency_.NextOrInsert(probe)) != nullptr) {
    // Acquire pairs with the release of whichever compare-and-swap stored it.
    uint64_t seen = entry->hold.load(std::memory_order_acquire);
    for (;;) {
      bool claiming, foreign;
      if (KeyedHoldStands(buyer, key, HoldId{seen}, now_ns, claiming, foreign)) {
        twin = HoldId{seen};
        return KeyClaim::kTwinStands;
      }
      // A twin request is between taking this entry and publishing its
      // hold: its answer is ours, and we do not wait for it (progress).
      if (claiming) return KeyClaim::kTwinClaiming;
      if (foreign) break;  // another key's entry: walk on
      // Empty or ended: take it. acq_rel: release publishes our id to twins;
      // acquire on failure reads the newer id, examined again.
      if (entry->hold.compare_exchange_weak(seen, mine.value, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
        return KeyClaim::kTaken;
      }
    }
  }
  return KeyClaim::kFull;
}

}  // namespace internal

// ---------------------------------------------------------------------------
// The public face: validation, then forwarding.

absl::StatusOr<std::unique_ptr<Sale>> Sale::Create(const SaleConfig& config) {
  if (absl::Status status = ValidateConfig(config); !status.ok()) return status;
  // Every bound is sized here, once: running out of memory is refused as a
  // status, never a crash later, and never the OOM killer (Linux hands out
  // memory it does not have; the constructors touch every page).
  const size_t bytes = internal::SaleCore::PlannedBytes(config);
  if (!internal::MemoryCanHold(bytes)) {
    return absl::ResourceExhaustedError(absl::StrCat("Sale::Create: the configured bounds need ",
                                                     bytes,
                                                     " bytes, more than this process can get"));
  }
  const std::optional<internal::SaleTags::Lease> lease = internal::SaleTags::Acquire();
  if (!lease) {
    return absl::ResourceExhaustedError(
        "Sale::Create: 8192 sales are alive in this process (HoldId tags)");
  }
  try {
    return std::unique_ptr<Sale>(new Sale(
        std::make_unique<internal::SaleCore>(config, lease->tag, lease->first_generation)));
  } catch (const std::bad_alloc&) {
    internal::SaleTags::Release(lease->tag, lease->first_generation);
    return absl::ResourceExhaustedError(
        "Sale::Create: not enough memory for the configured bounds");
  }
}

Sale::Sale(std::unique_ptr<internal::SaleCore> core) : core_(std::move(core)) {}
Sale::~Sale() = default;

HoldResult Sale::Hold(BuyerId buyer, absl::Span<const HoldLine> lines, const HoldOptions& options) {
  return core_->Hold(buyer, lines, options);
}
Outcome Sale::Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode) {
  return core_->Confirm(hold, buyer, mode);
}
Outcome Sale::Release(HoldId hold, BuyerId buyer) { return core_->Release(hold, buyer); }
Outcome Sale::Extend(HoldId hold, BuyerId buyer, absl::Duration ttl) {
  return core_->Extend(hold, buyer, ttl);
}
HoldResult Sale::HoldSeats(BuyerId buyer, absl::Span<const SeatId> seats,
                           absl::Span<const HoldLine> lines, const HoldOptions& options) {
  return core_->HoldSeats(buyer, seats, lines, options);
}
HoldResult Sale::HoldBestAvailable(BuyerId buyer, const BestAvailableRequest& request,
                                   absl::Span<SeatId> seats_out, const HoldOptions& options) {
  return core_->HoldBestAvailable(buyer, request, seats_out, options);
}
Outcome Sale::Describe(HoldId hold, BuyerId buyer, HoldInfo& info) const {
  return core_->Describe(hold, buyer, info);
}
Outcome Sale::SeatsOf(HoldId hold, BuyerId buyer, absl::Span<SeatId> out, int& count) const {
  return core_->SeatsOf(hold, buyer, out, count);
}
SeatState Sale::Seat(SeatId seat) const { return core_->Seat(seat); }
SeatId Sale::FindSeat(absl::string_view label) const { return core_->FindSeat(label); }
std::string Sale::SeatLabel(SeatId seat) const { return core_->SeatLabel(seat); }
SeatId Sale::SeatCount() const { return core_->SeatCount(); }
bool Sale::SnapshotSeats(absl::Span<uint64_t> held, absl::Span<uint64_t> sold) const {
  return core_->SnapshotSeats(held, sold);
}
size_t Sale::SeatStateBytes() const { return core_->SeatStateBytes(); }
int64_t Sale::Sweep() { return core_->Sweep(core_->clock().MonotonicNanos()); }
int64_t Sale::Sweep(int64_t monotonic_now_ns) { return core_->Sweep(monotonic_now_ns); }
int64_t Sale::Available(TypeId type) const { return core_->Available(type); }
int64_t Sale::TypeAvailable(TypeId type) const { return core_->TypeAvailable(type); }
int64_t Sale::QuotaAvailable(int quota) const { return core_->QuotaAvailable(quota); }
int64_t Sale::CycleAvailable(int cycle) const { return core_->CycleAvailable(cycle); }
int Sale::CurrentCycle() const { return core_->CurrentCycle(); }
BuyerCounts Sale::Buyer(BuyerId buyer) const { return core_->Buyer(buyer); }
TypeStats Sale::TypeStatsOf(TypeId type) const { return core_->TypeStatsOf(type); }
SaleStats Sale::Stats() const { return core_->Stats(); }
size_t Sale::DrainEvents(absl::Span<Event> out) { return core_->DrainEvents(out); }
bool Sale::WaitForEvents(absl::Duration timeout) { return core_->WaitForEvents(timeout); }
size_t Sale::MemoryBytes() const { return sizeof(Sale) + core_->MemoryBytes(); }
const SaleConfig& Sale::config() const { return core_->config(); }

}  // namespace holdfast
