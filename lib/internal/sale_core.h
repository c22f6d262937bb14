// lib/internal/sale_core.h: the state and algorithms behind holdfast::Sale.
//
// A hold claims, in this fixed order (ClaimStock): the buyer's units in the
// cycle, the buyer's live-hold count and units (one word), its seats, the
// cycle's allotment, each ticket type, each quota; its idempotency key only
// after all of them. Every claim is one compare-and-swap on a counter
// that never goes below zero (or above a limit); when one is short, the ones
// before it are given back in reverse and the hold answers why. The hold
// becomes visible only after every claim is made (one release store of its
// slot's state word), so a failed hold leaves no trace (I2).
//
// Ending a hold is one compare-and-swap of its state word out of a live state; the
// winner alone gives units back and frees the slot: EndHeld() is the one place
// every confirmation, release and expiry passes through (DESIGN §8: a journal
// hooks in there).
//
// SaleCore composes components that each own one protocol and have their own
// tests: StockLedger (the stock counters' claim and return), CycleWindows,
// SlotTable, ExpiryIndex, BuyerTable, IdempotencyTable, SeatTable, SaleTags,
// EventQueue, StripedCounters. Its methods are in lib/sale.cc (building, Hold
// and its claims, idempotency keys, the public Sale), lib/sale_end.cc (the end
// of a hold and expiry), lib/sale_queries.cc (queries, which write
// nothing) and lib/sale_events.cc (publishing, draining and waiting for
// events).
#ifndef HOLDFAST_LIB_INTERNAL_SALE_CORE_H_
#define HOLDFAST_LIB_INTERNAL_SALE_CORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "holdfast/sale.h"
#include "lib/internal/atomic.h"
#include "lib/internal/buyer_table.h"
#include "lib/internal/cycle_windows.h"
#include "lib/internal/event_queue.h"
#include "lib/internal/expiry_index.h"
#include "lib/internal/hold_slot.h"
#include "lib/internal/idempotency_table.h"
#include "lib/internal/seat_table.h"
#include "lib/internal/slot_table.h"
#include "lib/internal/stock_counter.h"
#include "lib/internal/stock_ledger.h"
#include "lib/internal/striped_counters.h"

namespace holdfast::internal {

// Deadlines are kept in whole microseconds (hold_slot.h); times in nanoseconds.
inline constexpr int64_t kNanosPerMicro = 1000;

// Indices of the striped statistics counters.
enum StatIndex : size_t {
  kStatHoldsCreated = 0,
  kStatHoldsConfirmed,
  kStatHoldsReleased,
  kStatHoldsExpired,
  kStatEventsDropped,
  kStatSlotsRetired,
  kStatOutcomeBase,  // kOutcomeCount counters, one per Outcome
  kStatTypeBase = kStatOutcomeBase + kOutcomeCount,
};
// Per ticket type, at kStatTypeBase + kStatsPerType * type + one of these.
enum TypeStatIndex : size_t {
  kTypeSold = 0,
  kTypeReleased,
  kTypeExpired,
  kStatsPerType,
};

// A hold request after validation.
struct HoldPlan {
  // The slot lines: general-admission lines merged by type, then seat runs.
  PackedLine lines[kLinesPerHoldMax];
  int line_count = 0;
  int ga_lines = 0;  // lines before the first seat run
  // Units per ticket type over every line, seats included.
  TypeUnits types[kLinesPerHoldMax];
  int type_count = 0;
  int32_t units = 0;
  int cycle = -1;
  int64_t ttl_ns = 0;
  // Best available: the request; the claim appends the runs it takes.
  const BestAvailableRequest* best = nullptr;
  // With kSeatTaken: the first seat found taken.
  SeatId taken_seat = kNoSeat;
  // Set when this plan's hold was made (not a repeated key's).
  bool made = false;

  void AddTypeUnits(TypeId type, int32_t count) {
    int i = 0;
    while (i < type_count && types[i].type != type) ++i;
    if (i == type_count) types[type_count++] = TypeUnits{type, 0};
    types[i].units += count;
  }
};

// How far a claim got, so it can be undone exactly.
struct ClaimProgress {
  int line_count = 0;  // the plan's lines and types before the claim
  int type_count = 0;
  bool buyer = false;  // the buyer's claims word
  int seats = 0;       // seat-run lines taken, from HoldPlan::ga_lines on
  bool cycle_units = false;
  StockLedger::Progress stock;  // the cycle, type and quota counters
};

class SaleCore {
 public:
  // `tag` and `first_generation` come from a SaleTags lease, given back by
  // the destructor.
  SaleCore(const SaleConfig& config, uint32_t tag, uint64_t first_generation);
  ~SaleCore();
  SaleCore(const SaleCore&) = delete;
  SaleCore& operator=(const SaleCore&) = delete;

  // The bytes a sale of `config` allocates (an upper estimate), before any
  // is: Create checks it against what the process can get.
  static size_t PlannedBytes(const SaleConfig& config);

  HoldResult Hold(BuyerId buyer, absl::Span<const HoldLine> lines, const HoldOptions& options);
  HoldResult HoldSeats(BuyerId buyer, absl::Span<const SeatId> seats,
                       absl::Span<const HoldLine> lines, const HoldOptions& options);
  HoldResult HoldBestAvailable(BuyerId buyer, const BestAvailableRequest& request,
                               absl::Span<SeatId> seats_out, const HoldOptions& options);
  Outcome Describe(HoldId hold, BuyerId buyer, HoldInfo& info) const;
  Outcome SeatsOf(HoldId hold, BuyerId buyer, absl::Span<SeatId> out, int& count) const;
  SeatState Seat(SeatId seat) const;
  SeatId FindSeat(absl::string_view label) const;
  std::string SeatLabel(SeatId seat) const;
  SeatId SeatCount() const { return seats_ ? seats_->seat_count() : 0; }
  bool SnapshotSeats(absl::Span<uint64_t> held, absl::Span<uint64_t> sold) const;
  size_t SeatStateBytes() const { return seats_ ? seats_->StateBytes() : 0; }
  Outcome Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode);
  Outcome Release(HoldId hold, BuyerId buyer);
  Outcome Extend(HoldId hold, BuyerId buyer, absl::Duration ttl);
  int64_t Sweep(int64_t monotonic_now_ns);

  int64_t Available(TypeId type) const;
  int64_t TypeAvailable(TypeId type) const;
  int64_t QuotaAvailable(int quota) const;
  int64_t CycleAvailable(int cycle) const;
  int CurrentCycle() const;
  BuyerCounts Buyer(BuyerId buyer) const;
  TypeStats TypeStatsOf(TypeId type) const;
  SaleStats Stats() const;
  size_t DrainEvents(absl::Span<Event> out);
  bool WaitForEvents(absl::Duration timeout);
  size_t MemoryBytes() const;
  const SaleConfig& config() const { return config_; }
  const Clock& clock() const { return *clock_; }

 private:
  // A handle checked against its slot: the slot and a state word read with
  // the slot's atomic fields validated against it.
  struct Resolved {
    Outcome error = Outcome::kOk;  // kOk when slot and state are set
    uint32_t index = 0;
    uint64_t state = 0;
    // The slot's fields, read between two equal reads of `state`.
    BuyerId owner = 0;
    uint64_t key = 0;
    int64_t created_ns = 0;

    int64_t deadline_ns() const {
      return created_ns + static_cast<int64_t>(OffsetOf(state)) * kNanosPerMicro;
    }
  };

  int64_t NowNs() const { return clock_->MonotonicNanos() - epoch_ns_; }
  Outcome Count(Outcome outcome);
  Outcome PlanHold(BuyerId buyer, absl::Span<const HoldLine> lines, const HoldOptions& options,
                   HoldPlan& plan) const;
  Outcome PlanSeats(absl::Span<const SeatId> seats, HoldPlan& plan) const;
  HoldResult HoldPlanned(BuyerId buyer, HoldPlan& plan, uint64_t key);
  // The type and units of a slot line (a seat run's seats count as units of
  // its row's type).
  TypeUnits LineTypeUnits(PackedLine line) const;
  // The cycle a Hold made now belongs to (sets `cycle`), or why none.
  Outcome CycleFor(absl::Time wall, int& cycle);
  // As CycleFor at the instant `now_ns` (sale time), reading the wall clock
  // only when the open-cycle cache cannot answer.
  Outcome CycleAt(int64_t now_ns, int& cycle);

  HoldResult HoldWithSlot(BuyerId buyer, BuyerEntry& entry, HoldPlan& plan, uint64_t key,
                          int64_t now_ns);
  // Claims the plan's stock and limits for the hold in `slot`, expiring dead
  // holds in its way (I5); on kOk `progress` says what it holds.
  Outcome ClaimWithRetries(HoldPlan& plan, BuyerEntry& entry, uint32_t slot,
                           ClaimProgress& progress);
  Outcome ClaimStock(HoldPlan& plan, BuyerEntry& entry, uint32_t slot, ClaimProgress& progress);
  Outcome ClaimSeats(HoldPlan& plan, uint32_t slot, ClaimProgress& progress);
  Outcome ClaimBuyer(const HoldPlan& plan, BuyerEntry& entry, ClaimProgress& progress);
  Outcome ClaimCycleUnits(const HoldPlan& plan, BuyerEntry& entry, ClaimProgress& progress);
  void UndoClaims(HoldPlan& plan, BuyerEntry& entry, const ClaimProgress& progress);
  // Whether `id`, read from the entry of (buyer, key), names a hold that
  // answers a repeated key: live, or confirmed. Sets `claiming` when a twin
  // request is still claiming stock for it. Expires it if it is dead.
  // `foreign` when it names a live or confirmed hold of another (buyer, key)
  // (a 64-bit hash collision): such an entry is not this key's.
  bool KeyedHoldStands(BuyerId buyer, uint64_t key, HoldId id, int64_t now_ns, bool& claiming,
                       bool& foreign);
  bool FindKeyedHold(BuyerId buyer, uint64_t key, int64_t now_ns, HoldId& found);
  // Result of taking the idempotency entry for a new hold.
  enum class KeyClaim { kTaken, kTwinStands, kTwinClaiming, kFull };
  KeyClaim ClaimKey(BuyerId buyer, uint64_t key, HoldId mine, int64_t now_ns, HoldId& twin,
                    IdempotencyEntry*& entry);

  uint32_t TakeSlot(int64_t index, BuyerId buyer, uint32_t buyer_index, uint64_t key,
                    const HoldPlan& plan, int64_t now_ns, uint64_t& generation);
  void PublishHold(uint32_t slot, uint64_t generation, BuyerId buyer, const HoldPlan& plan,
                   int64_t now_ns);
  void DropClaimingSlot(uint32_t index, uint64_t generation);
  void FreeSlot(uint32_t index, uint64_t final_state);

  // Confirm and Release: takes `buyer`'s hold out of kHeld into `to`, or
  // answers why not; `if_confirmed` for a hold already confirmed.
  Outcome EndByBuyer(HoldId hold, BuyerId buyer, SlotState to, Outcome if_confirmed);
  Resolved Resolve(HoldId hold, BuyerId buyer) const;
  // Extend of the live hold `r` to `deadline_ns` (cut at the lifetime):
  // true when written; false with `seen` the word that beat it.
  bool ExtendLive(const Resolved& r, int64_t deadline_ns, int64_t lifetime_us, uint64_t& seen);
  bool RecentlyConfirmed(BuyerId buyer, HoldId hold) const;
  // Copies the lines of the hold whose state word is `state`; false if the
  // slot has moved on since (a seqlock read).
  bool ReadLines(const Slot& slot, uint64_t state, PackedLine* lines, int& count) const;
  int64_t DeadlineNs(uint32_t index, uint64_t state) const;
  // Takes the hold in `index` out of its live state into `to` if the state
  // word still is `state`; the winner ends it (gives units back unless
  // confirming). A loser finds in `state` the word its compare-and-swap saw,
  // so that it answers from the state that beat it (issue 10 defect 5).
  bool EndHeld(uint32_t index, uint64_t& state, SlotState to, int64_t now_ns);
  // The answer of a Confirm, Release or Extend of `hold` that found the word
  // `state` of a later generation, or a final state of its own.
  Outcome EndedAnswer(HoldId hold, BuyerId buyer, uint64_t state, int64_t deadline_ns,
                      int64_t now_ns, Outcome if_confirmed) const;
  void ReturnUnits(const Slot& slot, BuyerEntry& entry);
  void Publish(EventKind kind, HoldId hold, BuyerId buyer, int32_t units, int64_t now_ns);
  // Wakes the threads in WaitForEvents (one futex system call) unless
  // another publisher just did.
  void WakeEventWaiters();
  // Whether a hold past its deadline could have caused `outcome`; when it
  // cannot, a failed Hold skips the expiry scan (holds_max / 64 hints).
  bool DeadHoldsMayMatter(Outcome outcome, const HoldPlan& plan, const BuyerEntry& entry,
                          const ClaimProgress& progress) const;
  // Units of `type` taken from its counter and not sold: live, dead and
  // in-flight holds. Never below the units really held.
  int64_t HeldUnits(TypeId type) const;
  // What an expiry scan found: holds it expired, and dead holds that other
  // threads are expiring (their units not yet back).
  struct Reclaimed {
    int64_t expired = 0;
    int64_t expiring = 0;
  };
  Reclaimed ReclaimExpired(int64_t now_ns);
  void Snapshot(const size_t* order, size_t n, int64_t* out) const;
  // Scans one group: expires its dead holds and returns the earliest live
  // deadline (µs), raising the group's bound when it can.
  uint64_t ReclaimGroup(size_t group, int64_t now_ns, Reclaimed& reclaimed);

  const SaleConfig config_;
  const Clock* const clock_;
  const int64_t epoch_ns_;
  const uint32_t tag_;

  CycleWindows cycles_;
  StockLedger stock_;  // the type, quota and cycle counters (uses cycles_)

  SlotTable slots_;
  ExpiryIndex expiry_;
  BuyerTable buyers_;
  IdempotencyTable idempotency_;
  std::unique_ptr<SeatTable> seats_;  // nullptr without a seat map
  // seated_[t]: type t is sold seat by seat only.
  std::vector<bool> seated_;
  std::unique_ptr<EventQueue> events_;
  // WaitForEvents' eventcount, on its own cache line: `sleepers` is set by a
  // waiter before it checks the queue and cleared by the publisher that
  // wakes it; `epoch` is the futex word the waiters sleep on. std::atomic,
  // not internal::Atomic: the kernel reads the word (and the deterministic
  // explorer never waits for events).
  struct alignas(64) EventWake {
    std::atomic<uint32_t> sleepers{0};
    std::atomic<uint32_t> epoch{0};
  };
  EventWake event_wake_;
  StripedCounters stats_;
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_SALE_CORE_H_
