// bench/baselines/locked_sale.h: holdfast's semantics behind one lock, the
// baseline DESIGN P2 measures holdfast against.
//
// Goal: the implementation a careful engineer writes first, so that the
// ratio in the report is honest. Method: the same API shape as holdfast::Sale
// (Hold, Confirm, Release, Sweep, the counters) and the same rules: ticket
// types, shared quotas, sales cycles with allotment, per-buyer cycle limit
// and rollover, per-buyer unit and live-hold limits, holds with a TTL that are
// dead at their deadline (I4) and expired lazily before any SoldOut (I5),
// generation-checked hold ids (I8), retried confirms answer kOk (I9). Every
// operation takes the one lock once; the clock is read before the lock, so
// the critical section is only bookkeeping. Everything is sized in Create: a
// slot array, a free list, an indexed min-heap of deadlines (O(log n) insert
// and removal, so confirmed holds leave it at once) and a reserved hash map
// of buyers, so no operation allocates.
//
//   auto sale = holdfast::baselines::LockedSale<std::mutex>::Create(config).value();
//   holdfast::HoldResult hold = sale->Hold(buyer, lines);
//   if (hold.ok()) (void)sale->Confirm(hold.id, buyer);
//
// Left out because no benchmark exercises them: Extend, idempotency keys,
// events, and the per-buyer ring that remembers confirmations after their
// slot is reused. Templated on the lock: std::mutex and absl::Mutex.
#ifndef HOLDFAST_BENCH_BASELINES_LOCKED_SALE_H_
#define HOLDFAST_BENCH_BASELINES_LOCKED_SALE_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "holdfast/holdfast.h"

namespace holdfast::baselines {

// Locks either a std::mutex (lock/unlock) or an absl::Mutex (Lock/Unlock).
template <typename Lock>
class Guard {
 public:
  explicit Guard(Lock& lock) : lock_(lock) {
    if constexpr (requires { lock.Lock(); }) {
      lock_.Lock();
    } else {
      lock_.lock();
    }
  }
  ~Guard() {
    if constexpr (requires { lock_.Unlock(); }) {
      lock_.Unlock();
    } else {
      lock_.unlock();
    }
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  Lock& lock_;
};

template <typename Lock>
class LockedSale {
 public:
  static absl::StatusOr<std::unique_ptr<LockedSale>> Create(const SaleConfig& config) {
    if (absl::Status status = ValidateConfig(config); !status.ok()) return status;
    return std::unique_ptr<LockedSale>(new LockedSale(config));
  }

  HoldResult Hold(BuyerId buyer, absl::Span<const HoldLine> lines,
                  const HoldOptions& options = {}) {
    Plan plan;
    const Outcome invalid = PlanHold(buyer, lines, options, plan);
    // Both clocks are read before the lock: nobody waits on a clock read.
    const int64_t now_ns = clock_->MonotonicNanos();
    const absl::Time wall = config_.cycles.empty() ? absl::InfinitePast() : clock_->WallNow();
    Guard<Lock> guard(mu_);
    if (invalid != Outcome::kOk) return {Count(invalid), {}};
    HoldId id;
    const Outcome outcome = HoldLocked(buyer, plan, now_ns, wall, id);
    return {Count(outcome), outcome == Outcome::kOk ? id : HoldId{}};
  }

  Outcome Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode = ConfirmMode::kRetryIsOk) {
    const int64_t now_ns = clock_->MonotonicNanos();
    Guard<Lock> guard(mu_);
    uint32_t index = 0;
    if (Outcome o = Resolve(hold, buyer, index); o != Outcome::kOk) return Count(o);
    switch (slots_[index].state) {
      case State::kHeld:
        if (now_ns >= slots_[index].deadline_ns) {
          EndLocked(index, State::kExpired);
          return Count(Outcome::kExpired);
        }
        EndLocked(index, State::kConfirmed);
        return Count(Outcome::kOk);
      case State::kConfirmed:
        return Count(mode == ConfirmMode::kRetryIsOk ? Outcome::kOk : Outcome::kAlreadyConfirmed);
      case State::kExpired:
        return Count(Outcome::kExpired);
      default:
        return Count(Outcome::kUnknownHold);
    }
  }

  Outcome Release(HoldId hold, BuyerId buyer) {
    const int64_t now_ns = clock_->MonotonicNanos();
    Guard<Lock> guard(mu_);
    uint32_t index = 0;
    if (Outcome o = Resolve(hold, buyer, index); o != Outcome::kOk) return Count(o);
    switch (slots_[index].state) {
      case State::kHeld: {
        const bool dead = now_ns >= slots_[index].deadline_ns;
        EndLocked(index, dead ? State::kExpired : State::kReleased);
        return Count(dead ? Outcome::kExpired : Outcome::kOk);
      }
      case State::kConfirmed:
        return Count(Outcome::kAlreadyConfirmed);
      case State::kExpired:
        return Count(Outcome::kExpired);
      default:
        return Count(Outcome::kUnknownHold);
    }
  }

  // Expires every hold at or past its deadline; returns how many.
  int64_t Sweep() {
    const int64_t now_ns = clock_->MonotonicNanos();
    Guard<Lock> guard(mu_);
    return ExpireLocked(now_ns);
  }

  int64_t Available(TypeId type) const {
    Guard<Lock> guard(mu_);
    if (type >= types_.size()) return 0;
    int64_t available = types_[type].available;
    for (uint8_t q : quotas_of_type_[type]) available = std::min(available, quotas_[q]);
    if (!config_.cycles.empty()) {
      available =
          current_cycle_ < cycles_.size() ? std::min(available, cycles_[current_cycle_]) : 0;
    }
    return available;
  }

  TypeStats TypeStatsOf(TypeId type) const {
    Guard<Lock> guard(mu_);
    return type < types_.size() ? types_[type] : TypeStats{};
  }

  SaleStats Stats() const {
    Guard<Lock> guard(mu_);
    SaleStats stats = stats_;
    for (const TypeStats& type : types_) {
      stats.held_units += type.held_units;
      stats.sold_units += type.sold_units;
      stats.released_units += type.released_units;
      stats.expired_units += type.expired_units;
    }
    stats.live_holds =
        stats.holds_created - stats.holds_confirmed - stats.holds_released - stats.holds_expired;
    return stats;
  }

  BuyerCounts Buyer(BuyerId buyer) const {
    Guard<Lock> guard(mu_);
    const auto it = buyers_.find(buyer);
    if (it == buyers_.end()) return {};
    const BuyerState& b = it->second;
    return {.held_units = b.units - b.bought, .bought_units = b.bought, .live_holds = b.holds};
  }

  // Bytes reserved in Create: slots, heap, free list and the buyer map.
  size_t MemoryBytes() const {
    return sizeof(*this) + slots_.capacity() * sizeof(Slot) +
           (heap_.capacity() + free_.capacity()) * sizeof(uint32_t) +
           buyers_.capacity() * (sizeof(std::pair<BuyerId, BuyerState>) + 1);
  }

 private:
  enum class State : uint8_t { kFree, kHeld, kConfirmed, kReleased, kExpired };
  struct Line {
    uint16_t type;
    uint16_t quantity;
  };
  struct Plan {
    Line lines[kLinesPerHoldMax];
    int line_count = 0;
    int32_t units = 0;
    int64_t ttl_ns = 0;
  };
  struct Slot {
    uint32_t generation = 1;
    State state = State::kFree;
    uint8_t line_count = 0;
    int16_t cycle = -1;
    uint32_t heap_pos = 0;
    BuyerId buyer = 0;
    int64_t deadline_ns = 0;
    Line lines[kLinesPerHoldMax] = {};
  };
  struct BuyerState {
    int64_t units = 0;  // held + bought
    int64_t bought = 0;
    int32_t holds = 0;  // live
    int cycle = -1;     // the cycle cycle_units counts for
    int64_t cycle_units = 0;
  };
  static constexpr int kSlotBits = 24;

  explicit LockedSale(const SaleConfig& config)
      : config_(config),
        clock_(config.clock != nullptr ? config.clock : SystemClock::Get()),
        types_(config.types.size()),
        quotas_of_type_(config.types.size()),
        slots_(static_cast<size_t>(config.holds_max)) {
    for (size_t t = 0; t < types_.size(); ++t) {
      types_[t].capacity = types_[t].available = config.types[t].capacity;
    }
    for (size_t q = 0; q < config.quotas.size(); ++q) {
      quotas_.push_back(config.quotas[q].capacity);
      for (TypeId t : config.quotas[q].types) quotas_of_type_[t].push_back(static_cast<uint8_t>(q));
    }
    for (const CycleConfig& cycle : config.cycles) cycles_.push_back(cycle.allotment);
    heap_.reserve(slots_.size());
    free_.reserve(slots_.size());
    // Lowest index on top of the stack, like a fresh allocator.
    for (size_t i = slots_.size(); i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
    buyers_.reserve(static_cast<size_t>(config.buyers_max));
  }

  Outcome Count(Outcome outcome) {
    ++stats_.outcomes[static_cast<size_t>(outcome)];
    return outcome;
  }

  // Validation and merging of lines, before the lock (it reads only config_).
  Outcome PlanHold(BuyerId buyer, absl::Span<const HoldLine> lines, const HoldOptions& options,
                   Plan& plan) const {
    if (buyer == kReservedBuyer || lines.empty() || lines.size() > kLinesPerHoldMax ||
        options.idempotency_key != 0) {
      return Outcome::kInvalidArgument;
    }
    for (const HoldLine& line : lines) {
      if (line.quantity <= 0 || line.type >= types_.size()) return Outcome::kInvalidArgument;
      plan.units += line.quantity;
      if (plan.units > config_.units_per_hold_max) return Outcome::kInvalidArgument;
      int merged = 0;
      while (merged < plan.line_count && plan.lines[merged].type != line.type) ++merged;
      if (merged == plan.line_count) {
        plan.lines[plan.line_count++] = Line{static_cast<uint16_t>(line.type), 0};
      }
      plan.lines[merged].quantity =
          static_cast<uint16_t>(plan.lines[merged].quantity + line.quantity);
    }
    const absl::Duration ttl =
        options.ttl == absl::ZeroDuration() ? config_.hold_ttl_default : options.ttl;
    if (ttl <= absl::ZeroDuration() || ttl > config_.hold_lifetime_max) {
      return Outcome::kInvalidArgument;
    }
    plan.ttl_ns = absl::ToInt64Nanoseconds(ttl);
    return Outcome::kOk;
  }

  Outcome HoldLocked(BuyerId buyer, const Plan& plan, int64_t now_ns, absl::Time wall, HoldId& id) {
    int cycle = -1;
    if (Outcome o = CycleForLocked(wall, cycle); o != Outcome::kOk) return o;
    BuyerState* b = FindOrInsertBuyer(buyer);
    if (b == nullptr) return Outcome::kBuyerTableFull;
    Outcome outcome = CheckLocked(*b, plan, cycle);
    const bool reclaimable = outcome == Outcome::kSoldOut || outcome == Outcome::kBuyerLimit ||
                             outcome == Outcome::kTooManyHolds;
    // I5: dead holds must not make a buyer lose; expire them and look again.
    if ((reclaimable || (outcome == Outcome::kOk && free_.empty())) && ExpireLocked(now_ns) > 0) {
      outcome = CheckLocked(*b, plan, cycle);
    }
    if (outcome != Outcome::kOk) return outcome;
    if (free_.empty()) return Outcome::kHoldTableFull;

    b->units += plan.units;
    ++b->holds;
    if (cycle >= 0) {
      b->cycle_units = (b->cycle == cycle ? b->cycle_units : 0) + plan.units;
      b->cycle = cycle;
      cycles_[static_cast<size_t>(cycle)] -= plan.units;
    }
    for (int i = 0; i < plan.line_count; ++i) {
      const Line& line = plan.lines[i];
      types_[line.type].available -= line.quantity;
      types_[line.type].held_units += line.quantity;
      for (uint8_t q : quotas_of_type_[line.type]) quotas_[q] -= line.quantity;
    }
    const uint32_t index = free_.back();
    free_.pop_back();
    Slot& slot = slots_[index];
    // A new generation on reuse, so ids of the slot's earlier holds go stale (I8).
    if (slot.state != State::kFree) ++slot.generation;
    slot.state = State::kHeld;
    slot.buyer = buyer;
    slot.cycle = static_cast<int16_t>(cycle);
    slot.deadline_ns = now_ns + plan.ttl_ns;
    slot.line_count = static_cast<uint8_t>(plan.line_count);
    std::copy(plan.lines, plan.lines + plan.line_count, slot.lines);
    HeapPush(index);
    ++stats_.holds_created;
    id = HoldId{(uint64_t{slot.generation} << kSlotBits) | index};
    return Outcome::kOk;
  }

  // Every limit and stock check of a hold, without changing anything.
  Outcome CheckLocked(const BuyerState& b, const Plan& plan, int cycle) const {
    if (config_.per_buyer_holds_max > 0 && b.holds >= config_.per_buyer_holds_max) {
      return Outcome::kTooManyHolds;
    }
    if (config_.per_buyer_units_max > 0 && b.units + plan.units > config_.per_buyer_units_max) {
      return Outcome::kBuyerLimit;
    }
    if (cycle >= 0) {
      const int64_t cycle_max = config_.cycles[static_cast<size_t>(cycle)].per_buyer_max;
      const int64_t base = b.cycle == cycle ? b.cycle_units : 0;
      if (cycle_max > 0 && base + plan.units > cycle_max) return Outcome::kBuyerLimit;
      if (cycles_[static_cast<size_t>(cycle)] < plan.units) return Outcome::kSoldOut;
    }
    for (int i = 0; i < plan.line_count; ++i) {
      const Line& line = plan.lines[i];
      if (types_[line.type].available < line.quantity) return Outcome::kSoldOut;
      // Lines never repeat a type, so each quota is checked against its sum.
      for (uint8_t q : quotas_of_type_[line.type]) {
        int64_t need = 0;
        for (int j = 0; j < plan.line_count; ++j) {
          const auto& of = quotas_of_type_[plan.lines[j].type];
          if (std::find(of.begin(), of.end(), q) != of.end()) need += plan.lines[j].quantity;
        }
        if (quotas_[q] < need) return Outcome::kSoldOut;
      }
    }
    return Outcome::kOk;
  }

  // Locates `wall` among the cycles and seals (with rollover) those that are over.
  Outcome CycleForLocked(absl::Time wall, int& cycle) {
    cycle = -1;
    if (config_.cycles.empty()) return Outcome::kOk;
    const auto& cycles = config_.cycles;
    const auto after =
        std::upper_bound(cycles.begin(), cycles.end(), wall,
                         [](absl::Time t, const CycleConfig& c) { return t < c.opens_at; });
    const int index = static_cast<int>(after - cycles.begin()) - 1;
    const bool open = index >= 0 && wall < cycles[static_cast<size_t>(index)].closes_at;
    const size_t ended = index < 0 ? 0 : static_cast<size_t>(open ? index : index + 1);
    for (; current_cycle_ < ended; ++current_cycle_) {
      const int64_t left = cycles_[current_cycle_];
      cycles_[current_cycle_] = 0;
      if (left > 0 && cycles[current_cycle_].rollover && current_cycle_ + 1 < cycles_.size()) {
        cycles_[current_cycle_ + 1] += left;
      }
    }
    if (index < 0) return Outcome::kNotOpen;
    if (!open) {
      return static_cast<size_t>(index) + 1 == cycles.size() ? Outcome::kClosed : Outcome::kNotOpen;
    }
    if (static_cast<size_t>(index) < current_cycle_) return Outcome::kClosed;  // wall stepped back
    cycle = index;
    return Outcome::kOk;
  }

  BuyerState* FindOrInsertBuyer(BuyerId buyer) {
    const auto it = buyers_.find(buyer);
    if (it != buyers_.end()) return &it->second;
    // Bounded like holdfast's table, so the reserved map never rehashes.
    if (buyers_.size() >= static_cast<size_t>(config_.buyers_max)) return nullptr;
    return &buyers_[buyer];
  }

  Outcome Resolve(HoldId hold, BuyerId buyer, uint32_t& index) const {
    index = static_cast<uint32_t>(hold.value & ((uint64_t{1} << kSlotBits) - 1));
    if (hold.value == 0 || index >= slots_.size()) return Outcome::kUnknownHold;
    const Slot& slot = slots_[index];
    if (slot.generation != hold.value >> kSlotBits || slot.state == State::kFree) {
      return Outcome::kUnknownHold;
    }
    return slot.buyer == buyer ? Outcome::kOk : Outcome::kNotOwner;
  }

  int64_t ExpireLocked(int64_t now_ns) {
    int64_t expired = 0;
    while (!heap_.empty() && slots_[heap_[0]].deadline_ns <= now_ns) {
      EndLocked(heap_[0], State::kExpired);
      ++expired;
    }
    return expired;
  }

  // Ends the live hold in `index`: the one place confirm, release and expiry meet.
  void EndLocked(uint32_t index, State to) {
    Slot& slot = slots_[index];
    HeapErase(slot.heap_pos);
    BuyerState& b = buyers_.find(slot.buyer)->second;
    --b.holds;
    int32_t units = 0;
    for (int i = 0; i < slot.line_count; ++i) {
      const Line& line = slot.lines[i];
      TypeStats& type = types_[line.type];
      units += line.quantity;
      type.held_units -= line.quantity;
      if (to == State::kConfirmed) {
        type.sold_units += line.quantity;
        continue;
      }
      type.available += line.quantity;
      (to == State::kExpired ? type.expired_units : type.released_units) += line.quantity;
      for (uint8_t q : quotas_of_type_[line.type]) quotas_[q] += line.quantity;
    }
    if (to == State::kConfirmed) {
      b.bought += units;
      ++stats_.holds_confirmed;
    } else {
      b.units -= units;
      if (b.cycle == slot.cycle) b.cycle_units -= units;
      ReturnToCycle(slot.cycle, units);
      ++(to == State::kExpired ? stats_.holds_expired : stats_.holds_released);
    }
    slot.state = to;
    free_.push_back(index);
  }

  // Units of an ended cycle roll over along the chain of rollover cycles.
  void ReturnToCycle(int cycle, int64_t units) {
    if (cycle < 0) return;
    for (size_t c = static_cast<size_t>(cycle); c < cycles_.size(); ++c) {
      if (c >= current_cycle_) {
        cycles_[c] += units;
        return;
      }
      if (!config_.cycles[c].rollover) return;
    }
  }

  // The indexed min-heap of live holds by deadline.
  bool Before(uint32_t a, uint32_t b) const {
    return slots_[heap_[a]].deadline_ns < slots_[heap_[b]].deadline_ns;
  }
  void Place(uint32_t pos) { slots_[heap_[pos]].heap_pos = pos; }
  void Swap(uint32_t a, uint32_t b) {
    std::swap(heap_[a], heap_[b]);
    Place(a);
    Place(b);
  }
  void SiftUp(uint32_t pos) {
    while (pos > 0 && Before(pos, (pos - 1) / 2)) {
      Swap(pos, (pos - 1) / 2);
      pos = (pos - 1) / 2;
    }
  }
  void SiftDown(uint32_t pos) {
    const auto size = static_cast<uint32_t>(heap_.size());
    for (;;) {
      uint32_t least = pos;
      for (uint32_t child = 2 * pos + 1; child <= 2 * pos + 2 && child < size; ++child) {
        if (Before(child, least)) least = child;
      }
      if (least == pos) return;
      Swap(pos, least);
      pos = least;
    }
  }
  void HeapPush(uint32_t index) {
    heap_.push_back(index);
    Place(static_cast<uint32_t>(heap_.size() - 1));
    SiftUp(static_cast<uint32_t>(heap_.size() - 1));
  }
  void HeapErase(uint32_t pos) {
    const auto last = static_cast<uint32_t>(heap_.size() - 1);
    if (pos != last) Swap(pos, last);
    heap_.pop_back();
    if (pos < heap_.size()) {
      SiftUp(pos);
      SiftDown(pos);
    }
  }

  const SaleConfig config_;
  const Clock* const clock_;
  mutable Lock mu_;
  // Everything below is guarded by mu_.
  std::vector<TypeStats> types_;
  std::vector<int64_t> quotas_;
  std::vector<int64_t> cycles_;  // allotment left; 0 once sealed
  size_t current_cycle_ = 0;     // cycles before it are sealed
  std::vector<std::vector<uint8_t>> quotas_of_type_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> heap_;
  std::vector<uint32_t> free_;
  absl::flat_hash_map<BuyerId, BuyerState> buyers_;
  SaleStats stats_;
};

}  // namespace holdfast::baselines

#endif  // HOLDFAST_BENCH_BASELINES_LOCKED_SALE_H_
