// The sale: lock-free holds over bounded counters (see lib/internal/sale_core.h
// for the algorithm and holdfast/sale.h for the contract).
#include "holdfast/sale.h"

#include <algorithm>
#include <new>
#include <thread>

#include "lib/internal/sale_core.h"

namespace holdfast {
namespace internal {
namespace {

// Sales made in this process get distinct tags (mod 2^13), so a HoldId from
// another sale is rejected before its slot is looked at. Relaxed: the
// counter carries no data.
Atomic<uint32_t> next_sale_tag{0};

constexpr int64_t kNanosPerMicro = 1000;

// How often a short Hold pauses for the units of a dead hold that another
// thread is expiring before it starts yielding the CPU to that thread.
constexpr int kEndingPausesMax = 16;

// A pause between such checks: a CPU hint, never a system call.
void CpuRelax() {
  for (int i = 0; i < 64; ++i) SpinPause();
}

int64_t CeilMicros(int64_t ns) { return (ns + kNanosPerMicro - 1) / kNanosPerMicro; }

}  // namespace

SaleCore::SaleCore(const SaleConfig& config, uint32_t tag)
    : config_(config),
      clock_(config.clock != nullptr ? config.clock : SystemClock::Get()),
      epoch_ns_(clock_->MonotonicNanos()),
      tag_(tag),
      types_(new StockCounter[config.types.size()]),
      quotas_(new StockCounter[std::max<size_t>(config.quotas.size(), 1)]),
      cycles_(new StockCounter[std::max<size_t>(config.cycles.size(), 1)]),
      quotas_of_type_(config.types.size()),
      slots_(config.holds_max),
      buyers_(config.buyers_max),
      idempotency_(config.idempotency_keys_max),
      seats_(config.seat_map.empty() ? nullptr : new SeatTable(config.seat_map)),
      seated_(config.types.size(), false),
      events_(config.events_max > 0 ? new EventQueue(config.events_max) : nullptr),
      stats_(kStatTypeBase + kStatsPerType * config.types.size()) {
  // Relaxed initialisation: nothing is shared until Create returns the sale.
  for (size_t t = 0; t < config.types.size(); ++t) {
    types_[t].Give(config.types[t].capacity);
  }
  for (size_t q = 0; q < config.quotas.size(); ++q) {
    quotas_[q].Give(config.quotas[q].capacity);
    for (TypeId t : config.quotas[q].types) quotas_of_type_[t].push_back(static_cast<uint8_t>(q));
  }
  for (size_t c = 0; c < config.cycles.size(); ++c) cycles_[c].Give(config.cycles[c].allotment);
  for (const SectionConfig& section : config.seat_map.sections) seated_[section.type] = true;
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
  if (ttl <= absl::ZeroDuration() || ttl > config_.hold_lifetime_max) {
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

SaleCore::CycleAt SaleCore::LocateCycle(absl::Time wall) const {
  const std::vector<CycleConfig>& cycles = config_.cycles;
  const auto after =
      std::upper_bound(cycles.begin(), cycles.end(), wall,
                       [](absl::Time t, const CycleConfig& c) { return t < c.opens_at; });
  CycleAt at;
  at.index = static_cast<int>(after - cycles.begin()) - 1;
  at.open = at.index >= 0 && wall < cycles[at.index].closes_at;
  // Cycles before `index` ended when `index` opened; `index` itself has ended
  // once its closes_at has passed.
  at.ended = at.index < 0 ? 0 : (at.open ? at.index : at.index + 1);
  // Seal what has ended, so counters and queries follow the wall clock.
  AdvanceCycles(at.ended);
  return at;
}

Outcome SaleCore::CycleFor(absl::Time wall, int& cycle) const {
  cycle = -1;
  if (config_.cycles.empty()) return Outcome::kOk;
  const CycleAt at = LocateCycle(wall);
  if (at.index < 0) return Outcome::kNotOpen;
  if (!at.open) {
    return at.index + 1 == static_cast<int>(config_.cycles.size()) ? Outcome::kClosed
                                                                   : Outcome::kNotOpen;
  }
  // Acquire pairs with the release in AdvanceCycles: seeing k means cycles
  // before k are sealed.
  if (at.index < current_cycle_.load(std::memory_order_acquire)) {
    // Another thread read a later instant and moved on while this one was
    // preempted after reading `wall`: read the clock again. Only a wall clock
    // that stepped back leaves the cycle sealed.
    const absl::Time later = clock_->WallNow();
    if (later > wall) return CycleFor(later, cycle);
    return Outcome::kClosed;
  }
  cycle = at.index;
  return Outcome::kOk;
}

void SaleCore::AdvanceCycles(int target) const {
  // Acquire pairs with the release of the compare-and-swap below.
  int current = current_cycle_.load(std::memory_order_acquire);
  while (current < target) {
    // Exactly one thread's Seal gets the leftover and passes it on.
    const int64_t left = cycles_[current].Seal();
    if (left != StockCounter::kSealed && left > 0 && config_.cycles[current].rollover) {
      GiveToCycle(current + 1, left);
    }
    // acq_rel: release publishes the seal; on failure, acquire reads the
    // index another thread advanced to.
    if (current_cycle_.compare_exchange_strong(current, current + 1, std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
      ++current;
    }
  }
}

void SaleCore::GiveToCycle(int cycle, int64_t units) const {
  const int count = static_cast<int>(config_.cycles.size());
  for (; cycle >= 0 && cycle < count; ++cycle) {
    if (cycles_[cycle].TryGive(units)) return;
    if (!config_.cycles[cycle].rollover) return;  // the cycle ended; the units stay unreleased
  }
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
  if (result.ok()) {
    int count = 0;
    // The hold is this buyer's: its seats (for a repeated key, the first
    // request's seats) fill `seats_out`.
    if (SeatsOf(result.id, buyer, seats_out, count) != Outcome::kOk) count = 0;
    std::fill(seats_out.begin() + count, seats_out.end(), kNoSeat);
  }
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
    if (Outcome o = CycleFor(clock_->WallNow(), plan.cycle); o != Outcome::kOk) {
      return {Count(o), {}};
    }
  }
  BuyerEntry* entry = buyers_.FindOrInsert(buyer);
  if (entry == nullptr) return {Count(Outcome::kBuyerTableFull), {}};
  return HoldWithSlot(buyer, *entry, plan, key, now_ns);
}

HoldResult SaleCore::HoldWithSlot(BuyerId buyer, BuyerEntry& entry, HoldPlan& plan, uint64_t key,
                                  int64_t now_ns) {
  int64_t index = slots_.Allocate();
  if (index < 0 && ReclaimExpired(now_ns).expired > 0) index = slots_.Allocate();
  if (index < 0) return {Count(Outcome::kHoldTableFull), {}};
  uint64_t generation = 0;
  const uint32_t slot =
      TakeSlot(index, buyer, buyers_.IndexOf(entry), key, plan, now_ns, generation);
  const HoldId id = MakeHoldId(tag_, generation, slot);

  IdempotencyEntry* key_entry = nullptr;
  if (key != 0) {
    HoldId twin;
    switch (ClaimKey(buyer, key, id, now_ns, twin, key_entry)) {
      case KeyClaim::kTaken:
        break;
      case KeyClaim::kTwinStands:
        DropClaimingSlot(slot, generation);
        return {Count(Outcome::kOk), twin};
      case KeyClaim::kFull:
        DropClaimingSlot(slot, generation);
        return {Count(Outcome::kHoldTableFull), {}};
    }
  }

  Outcome outcome;
  int ending_waits = 0;
  bool claimed_again = false;
  for (;;) {
    ClaimProgress progress;
    outcome = ClaimStock(plan, entry, slot, progress);
    if (outcome == Outcome::kOk) break;
    UndoClaims(plan, entry, progress);
    HOLDFAST_TRACE(det::TracePoint::kClaimFailed);
    // I5: a dead hold must not make a buyer lose. Expire what is dead and try
    // again while that returns something.
    const bool reclaimable = outcome == Outcome::kSoldOut || outcome == Outcome::kBuyerLimit ||
                             outcome == Outcome::kTooManyHolds || outcome == Outcome::kSeatTaken ||
                             outcome == Outcome::kNoAdjacentSeats;
    if (reclaimable) {
      if (DeadHoldsMayMatter(outcome, plan, entry, progress)) {
        const Reclaimed reclaimed = ReclaimExpired(now_ns);
        if (reclaimed.expired > 0) continue;
        // Another thread is expiring a dead hold and has not given its units
        // back yet: they are ours to take, so wait for them. A few CPU pauses
        // first; after that the ending thread is likely preempted, so give it
        // the CPU (sched_yield). The wait ends when that thread's finite
        // return of the units does.
        if (reclaimed.expiring > 0) {
          if (ending_waits++ < kEndingPausesMax) {
            CpuRelax();
          } else {
            YieldThread();
          }
          continue;
        }
      }
      // Another thread may have expired a dead hold and returned its units
      // since the failed claim (then nothing above saw it): claim once more.
      if (!claimed_again) {
        claimed_again = true;
        continue;
      }
    }
    // The cycle was sealed under us: the wall clock moved to the next window.
    if (outcome == Outcome::kClosed) {
      const int sealed = plan.cycle;
      outcome = CycleFor(clock_->WallNow(), plan.cycle);
      if (outcome == Outcome::kOk && plan.cycle == sealed) outcome = Outcome::kClosed;
      if (outcome == Outcome::kOk) {
        slots_.slot(slot).cycle = static_cast<int16_t>(plan.cycle);
        continue;
      }
    }
    break;
  }
  if (outcome != Outcome::kOk) {
    if (key_entry != nullptr) {
      uint64_t mine = id.value;
      // Release: a twin that reads 0 retries on the entry; nothing else to publish.
      key_entry->hold.compare_exchange_strong(mine, 0, std::memory_order_release,
                                              std::memory_order_relaxed);
    }
    DropClaimingSlot(slot, generation);
    HoldResult failed{Count(outcome), {}};
    if (outcome == Outcome::kSeatTaken) failed.taken_seat = plan.taken_seat;
    return failed;
  }
  PublishHold(slot, generation, buyer, plan, now_ns);
  return {Outcome::kOk, id};  // counted as holds_created, see Stats()
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
      if ((plan.cycle < 0 || progress.cycle) && progress.types < plan.type_count) {
        return HeldUnits(plan.types[progress.types].type) > 0;
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
  return config_.types[type].capacity - types_[type].Load() - sold;
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
  const int64_t deadline_ns = now_ns + plan.ttl_ns;
  slots_.LowerHint(index, static_cast<uint64_t>(deadline_ns / kNanosPerMicro));
  const uint64_t offset_us = static_cast<uint64_t>(CeilMicros(plan.ttl_ns));
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
  slot.state.store(PackState(SlotState::kClaiming, generation), std::memory_order_relaxed);
  // Release stores: a reader that sees one of these values with its acquire
  // load also sees kClaiming above, so its re-read of the state word catches
  // the reuse (Resolve's validation, a seqlock without fences).
  slot.buyer.store(buyer, std::memory_order_release);
  slot.idempotency_key.store(key, std::memory_order_release);
  slot.created_ns.store(now_ns, std::memory_order_release);
  slot.cycle = static_cast<int16_t>(plan.cycle);
  slot.buyer_index = buyer_index;
  return i;
}

void SaleCore::DropClaimingSlot(uint32_t index, uint64_t generation) {
  // The generation is spent even though no hold was made: a HoldId for it
  // may sit in an idempotency entry that a twin read, and must stay dead.
  const uint64_t final_state = PackState(SlotState::kReleased, generation);
  // Release: a twin spinning on kClaiming sees the slot ended.
  slots_.slot(index).state.store(final_state, std::memory_order_release);
  FreeSlot(index, final_state);
}

Outcome SaleCore::ClaimStock(HoldPlan& plan, BuyerEntry& entry, uint32_t slot,
                             ClaimProgress& progress) {
  progress.line_count = plan.line_count;
  progress.type_count = plan.type_count;
  if (Outcome o = ClaimBuyer(plan, entry, progress); o != Outcome::kOk) return o;
  // Seats before the shared counters: a fight over the front row is settled
  // on the row's own word, without touching the type's counter.
  if (Outcome o = ClaimSeats(plan, slot, progress); o != Outcome::kOk) return o;
  if (Outcome o = ClaimCycle(plan, entry, progress); o != Outcome::kOk) return o;
  for (; progress.types < plan.type_count; ++progress.types) {
    const TypeUnits& t = plan.types[progress.types];
    if (!types_[t.type].TryTake(t.units)) return Outcome::kSoldOut;
  }
  for (int i = 0, pair = 0; i < plan.type_count; ++i) {
    for (uint8_t q : quotas_of_type_[plan.types[i].type]) {
      if (pair++ < progress.quotas) continue;
      if (!quotas_[q].TryTake(plan.types[i].units)) return Outcome::kSoldOut;
      ++progress.quotas;
    }
  }
  return Outcome::kOk;
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

Outcome SaleCore::ClaimCycle(const HoldPlan& plan, BuyerEntry& entry, ClaimProgress& progress) {
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
  if (!cycles_[plan.cycle].TryTake(plan.units)) {
    return cycles_[plan.cycle].sealed() ? Outcome::kClosed : Outcome::kSoldOut;
  }
  progress.cycle = true;
  return Outcome::kOk;
}

void SaleCore::UndoClaims(HoldPlan& plan, BuyerEntry& entry, const ClaimProgress& progress) {
  for (int i = 0, pair = 0; i < plan.type_count; ++i) {
    for (uint8_t q : quotas_of_type_[plan.types[i].type]) {
      if (pair++ < progress.quotas) quotas_[q].Give(plan.types[i].units);
    }
  }
  for (int i = 0; i < progress.types; ++i) types_[plan.types[i].type].Give(plan.types[i].units);
  if (progress.cycle) GiveToCycle(plan.cycle, plan.units);
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
                               bool& claiming) {
  claiming = false;
  if (id.value == 0) return false;
  const Resolved r = Resolve(id, buyer);
  // A slot reused since: the hold stands if this buyer confirmed it.
  if (r.error == Outcome::kUnknownHold) return RecentlyConfirmed(buyer, id);
  if (r.error != Outcome::kOk) return false;
  if (r.key != key) return false;
  switch (StateOf(r.state)) {
    case SlotState::kHeld:
      if (now_ns < r.deadline_ns()) return true;
      EndHeld(r.index, r.state, SlotState::kExpired, now_ns);
      return false;
    case SlotState::kConfirmed:
      return true;
    case SlotState::kClaiming:
      claiming = true;
      return false;
    default:
      return false;
  }
}

bool SaleCore::FindKeyedHold(BuyerId buyer, uint64_t key, int64_t now_ns, HoldId& found) {
  const IdempotencyEntry* entry = idempotency_.Find(buyer, key);
  if (entry == nullptr) return false;
  // Acquire pairs with the release of the compare-and-swap that stored it.
  const HoldId id{entry->hold.load(std::memory_order_acquire)};
  bool claiming;
  if (!KeyedHoldStands(buyer, key, id, now_ns, claiming)) return false;
  found = id;
  return true;
}

SaleCore::KeyClaim SaleCore::ClaimKey(BuyerId buyer, uint64_t key, HoldId mine, int64_t now_ns,
                                      HoldId& twin, IdempotencyEntry*& entry) {
  entry = idempotency_.FindOrInsert(buyer, key);
  if (entry == nullptr) return KeyClaim::kFull;
  // Acquire pairs with the release of whichever compare-and-swap stored it.
  uint64_t seen = entry->hold.load(std::memory_order_acquire);
  for (int spins = 0;; ++spins) {
    bool claiming;
    if (KeyedHoldStands(buyer, key, HoldId{seen}, now_ns, claiming)) {
      twin = HoldId{seen};
      return KeyClaim::kTwinStands;
    }
    if (claiming) {
      // A twin request is claiming stock right now; its answer is ours. This
      // is the one wait in holdfast: on a concurrent duplicate of one's own
      // request, never on another buyer.
      if (spins > 64) YieldThread();
      seen = entry->hold.load(std::memory_order_acquire);
      continue;
    }
    // Empty or ended: take it. acq_rel: release publishes our id to twins;
    // acquire on failure reads the newer id.
    if (entry->hold.compare_exchange_weak(seen, mine.value, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      return KeyClaim::kTaken;
    }
  }
}

// ---------------------------------------------------------------------------
// Confirm, Release, Extend, expiry

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
    // Relaxed: an id either is there or not; it carries no other data.
    if (recent.load(std::memory_order_relaxed) == hold.value) return true;
  }
  return false;
}

int64_t SaleCore::DeadlineNs(uint32_t index, uint64_t state) const {
  // Acquire pairs with TakeSlot's release store; a later hold in the slot
  // makes the caller's compare-and-swap on `state` fail (or, in
  // ReclaimGroup, its hint raise), so a value of that hold does no harm.
  return slots_.slot(index).created_ns.load(std::memory_order_acquire) +
         static_cast<int64_t>(OffsetOf(state)) * kNanosPerMicro;
}

Outcome SaleCore::Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode) {
  return EndByBuyer(hold, buyer, SlotState::kConfirmed,
                    mode == ConfirmMode::kRetryIsOk ? Outcome::kOk : Outcome::kAlreadyConfirmed);
}

Outcome SaleCore::Release(HoldId hold, BuyerId buyer) {
  return EndByBuyer(hold, buyer, SlotState::kReleased, Outcome::kAlreadyConfirmed);
}

Outcome SaleCore::EndByBuyer(HoldId hold, BuyerId buyer, SlotState to, Outcome if_confirmed) {
  const int64_t now_ns = NowNs();
  for (;;) {
    const Resolved r = Resolve(hold, buyer);
    if (r.error == Outcome::kUnknownHold && RecentlyConfirmed(buyer, hold)) {
      return Count(if_confirmed);
    }
    if (r.error != Outcome::kOk) return Count(r.error);
    switch (StateOf(r.state)) {
      case SlotState::kHeld:
        if (now_ns >= r.deadline_ns()) {
          if (EndHeld(r.index, r.state, SlotState::kExpired, now_ns)) {
            return Count(Outcome::kExpired);
          }
        } else if (EndHeld(r.index, r.state, to, now_ns)) {
          return Outcome::kOk;  // counted as holds_confirmed or _released, see Stats()
        }
        continue;  // lost a race: read the winner's state
      case SlotState::kConfirmed:
        return Count(if_confirmed);
      case SlotState::kExpired:
        return Count(Outcome::kExpired);
      default:
        return Count(Outcome::kUnknownHold);
    }
  }
}

Outcome SaleCore::Extend(HoldId hold, BuyerId buyer, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration() || ttl > config_.hold_lifetime_max) {
    return Count(Outcome::kInvalidArgument);
  }
  const int64_t now_ns = NowNs();
  const int64_t lifetime_us = absl::ToInt64Microseconds(config_.hold_lifetime_max);
  for (;;) {
    const Resolved r = Resolve(hold, buyer);
    if (r.error == Outcome::kUnknownHold && RecentlyConfirmed(buyer, hold)) {
      return Count(Outcome::kAlreadyConfirmed);
    }
    if (r.error != Outcome::kOk) return Count(r.error);
    switch (StateOf(r.state)) {
      case SlotState::kHeld: {
        if (now_ns >= r.deadline_ns()) {
          if (EndHeld(r.index, r.state, SlotState::kExpired, now_ns))
            return Count(Outcome::kExpired);
          continue;
        }
        Slot& slot = slots_.slot(r.index);
        const int64_t created_ns = r.created_ns;
        const int64_t offset_us =
            std::min(CeilMicros(now_ns + absl::ToInt64Nanoseconds(ttl) - created_ns), lifetime_us);
        const uint64_t next =
            PackState(SlotState::kHeld, GenerationOf(r.state), static_cast<uint64_t>(offset_us));
        if (static_cast<uint64_t>(offset_us) < OffsetOf(r.state)) {
          // A shorter deadline must be in the group hint before it is visible.
          slots_.LowerHint(
              r.index,
              static_cast<uint64_t>((created_ns + offset_us * kNanosPerMicro) / kNanosPerMicro));
        }
        uint64_t expected = r.state;
        // acq_rel: acquire as in Resolve; release so a reader of the new
        // deadline reads a consistent word (the fields are unchanged).
        if (slot.state.compare_exchange_strong(expected, next, std::memory_order_acq_rel,
                                               std::memory_order_relaxed)) {
          return Count(Outcome::kOk);
        }
        continue;
      }
      case SlotState::kConfirmed:
        return Count(Outcome::kAlreadyConfirmed);
      case SlotState::kExpired:
        return Count(Outcome::kExpired);
      default:
        return Count(Outcome::kUnknownHold);
    }
  }
}

bool SaleCore::EndHeld(uint32_t index, uint64_t state, SlotState to, int64_t now_ns) {
  Slot& slot = slots_.slot(index);
  const uint64_t generation = GenerationOf(state);
  const uint64_t final_state = PackState(to, generation);
  uint64_t expected = state;
  // acq_rel: acquire so the winner reads the plain fields the creator wrote
  // before its release store of kHeld (INVARIANT3); release so a later
  // reader of the final state sees everything before it. The one
  // compare-and-swap that leaves kHeld makes confirm, release and expiry
  // exclusive (I3).
  if (!slot.state.compare_exchange_strong(expected, final_state, std::memory_order_acq_rel,
                                          std::memory_order_relaxed)) {
    return false;
  }
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
    for (uint8_t q : quotas_of_type_[t.type]) quotas_[q].Give(t.units);
    types_[t.type].Give(t.units);
    units += t.units;
  }
  if (slot.cycle >= 0) GiveToCycle(slot.cycle, units);
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
  if (GenerationOf(final_state) >= kGenerationMax) {
    // Reusing the slot would wrap its generation and let an old HoldId name
    // a new hold (I8): retire it instead, its occupied bit stays set.
    stats_.Add(kStatSlotsRetired, 1);
    return;
  }
  slots_.Free(index);
}

void SaleCore::Publish(EventKind kind, HoldId hold, BuyerId buyer, int32_t units, int64_t now_ns) {
  if (events_ == nullptr) return;
  const Event event{kind, hold, buyer, units, now_ns + epoch_ns_};
  if (!events_->TryPush(event)) stats_.Add(kStatEventsDropped, 1);
}

int64_t SaleCore::Sweep(int64_t monotonic_now_ns) {
  const int64_t clock_ns = clock_->MonotonicNanos();
  return ReclaimExpired(std::min(monotonic_now_ns, clock_ns) - epoch_ns_).expired;
}

SaleCore::Reclaimed SaleCore::ReclaimExpired(int64_t now_ns) {
  Reclaimed reclaimed;
  for (size_t g = 0; g < slots_.group_count(); ++g) {
    // seq_cst pairs with LowerHint's: if we miss a creator's hint, its
    // version bump comes after this load and our raise below fails.
    const uint64_t hint = slots_.group(g).hint.load(std::memory_order_seq_cst);
    if (static_cast<int64_t>(HintDeadlineOf(hint)) * kNanosPerMicro > now_ns) continue;
    ReclaimGroup(g, now_ns, reclaimed);
  }
  return reclaimed;
}

void SaleCore::ReclaimGroup(size_t group, int64_t now_ns, Reclaimed& reclaimed) {
  SlotGroup& g = slots_.group(group);
  // seq_cst: see ReclaimExpired; the raise below compares against it.
  uint64_t hint = g.hint.load(std::memory_order_seq_cst);
  // Acquire pairs with Allocate's fetch_or chain; the state loads decide.
  uint64_t occupied = g.occupied.load(std::memory_order_acquire);
  uint64_t earliest_us = kHintNone;
  bool unsure = false;  // a hold we could not account for: keep the old bound
  while (occupied != 0) {
    const auto bit = static_cast<uint32_t>(std::countr_zero(occupied));
    occupied &= occupied - 1;
    const uint32_t index = static_cast<uint32_t>(group * 64 + bit);
    if (index >= slots_.size()) break;
    // Acquire pairs with the release store of kHeld: created_ns is the hold's.
    const uint64_t state = slots_.slot(index).state.load(std::memory_order_acquire);
    const SlotState s = StateOf(state);
    if (s == SlotState::kClaiming) {
      unsure = true;
    } else if (s == SlotState::kHeld) {
      const int64_t deadline_ns = DeadlineNs(index, state);
      if (now_ns < deadline_ns) {
        earliest_us = std::min(earliest_us, static_cast<uint64_t>(deadline_ns / kNanosPerMicro));
      } else if (EndHeld(index, state, SlotState::kExpired, now_ns)) {
        ++reclaimed.expired;
      } else {
        // Another thread ended this dead hold first: it expires it (a
        // Confirm, Release or Extend past the deadline expires too).
        ++reclaimed.expiring;
        unsure = true;
      }
    } else if (s == SlotState::kExpired) {
      // Expired by another thread that still owns the slot: its units are on
      // their way back.
      ++reclaimed.expiring;
      unsure = true;
    }
  }
  if (!unsure) {
    // seq_cst: see ReclaimExpired. Fails if any hold was created or shortened
    // in the group since `hint` was read; the lower bound then stays.
    g.hint.compare_exchange_strong(hint, PackHint(earliest_us, HintVersionOf(hint)),
                                   std::memory_order_seq_cst, std::memory_order_relaxed);
  }
}

// ---------------------------------------------------------------------------
// Queries

int64_t SaleCore::TypeAvailable(TypeId type) const {
  return type < config_.types.size() ? types_[type].Load() : 0;
}

int64_t SaleCore::QuotaAvailable(int quota) const {
  return quota >= 0 && static_cast<size_t>(quota) < config_.quotas.size() ? quotas_[quota].Load()
                                                                          : 0;
}

int64_t SaleCore::CycleAvailable(int cycle) const {
  if (cycle < 0 || static_cast<size_t>(cycle) >= config_.cycles.size()) return 0;
  const CycleAt at = LocateCycle(clock_->WallNow());
  return cycle < at.ended ? 0 : cycles_[cycle].Load();
}

int SaleCore::CurrentCycle() const {
  if (config_.cycles.empty()) return -1;
  const CycleAt at = LocateCycle(clock_->WallNow());
  return at.open ? at.index : -1;
}

int64_t SaleCore::Available(TypeId type) const {
  if (type >= config_.types.size()) return 0;
  int64_t available = types_[type].Load();
  for (uint8_t q : quotas_of_type_[type]) available = std::min(available, quotas_[q].Load());
  if (!config_.cycles.empty()) {
    const int cycle = CurrentCycle();
    available = cycle < 0 ? 0 : std::min(available, cycles_[cycle].Load());
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
  stats.available = types_[type].Load();
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

Outcome SaleCore::SeatsOf(HoldId hold, BuyerId buyer, absl::Span<SeatId> out, int& count) const {
  count = 0;
  for (;;) {
    const Resolved r = Resolve(hold, buyer);
    if (r.error != Outcome::kOk) return r.error;
    const SlotState state = StateOf(r.state);
    if (state != SlotState::kHeld && state != SlotState::kConfirmed) return Outcome::kUnknownHold;
    const Slot& slot = slots_.slot(r.index);
    int n = 0;
    for (int i = 0; i < slot.LineCount(); ++i) {
      const PackedLine line = slot.Line(i);
      if (!IsSeatRun(line)) continue;
      const SeatRun run = UnpackSeatRun(line);
      for (uint32_t b = 0; b < run.count; ++b) {
        if (static_cast<size_t>(n) < out.size()) out[n] = seats_->SeatAt(run.word, run.first + b);
        ++n;
      }
    }
    // Acquire: the lines read above belong to the hold the state still names
    // (a reused slot changes the state word first).
    if (slot.state.load(std::memory_order_acquire) != r.state) continue;
    count = std::min<int>(n, static_cast<int>(out.size()));
    return Outcome::kOk;
  }
}

SeatState SaleCore::Seat(SeatId seat) const {
  SeatState result;
  SeatStatus status;
  uint32_t owner;
  if (seats_ == nullptr || !seats_->Read(seat, status, owner)) return result;
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
    if (StateOf(state) == SlotState::kHeld && slot.state.load(std::memory_order_relaxed) == state) {
      result.hold = MakeHoldId(tag_, GenerationOf(state), owner - 1);
      result.buyer = holder;
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

size_t SaleCore::DrainEvents(absl::Span<Event> out) {
  return events_ != nullptr ? events_->Drain(out) : 0;
}

size_t SaleCore::MemoryBytes() const {
  const size_t counters =
      (config_.types.size() + config_.quotas.size() + config_.cycles.size()) * sizeof(StockCounter);
  return sizeof(*this) + counters + slots_.MemoryBytes() + buyers_.MemoryBytes() +
         (seats_ ? seats_->MemoryBytes() : 0) + idempotency_.MemoryBytes() +
         (events_ ? events_->MemoryBytes() : 0) + stats_.MemoryBytes();
}

}  // namespace internal

// ---------------------------------------------------------------------------
// The public face: validation, then forwarding.

absl::StatusOr<std::unique_ptr<Sale>> Sale::Create(const SaleConfig& config) {
  if (absl::Status status = ValidateConfig(config); !status.ok()) return status;
  const uint32_t tag = internal::next_sale_tag.fetch_add(1, std::memory_order_relaxed) %
                       (1u << internal::kSaleTagBits);
  try {
    return std::unique_ptr<Sale>(new Sale(std::make_unique<internal::SaleCore>(config, tag)));
  } catch (const std::bad_alloc&) {
    // Every bound is sized here, once: running out of memory is refused as
    // a status, never a crash later.
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
size_t Sale::MemoryBytes() const { return sizeof(Sale) + core_->MemoryBytes(); }
const SaleConfig& Sale::config() const { return core_->config(); }

}  // namespace holdfast
