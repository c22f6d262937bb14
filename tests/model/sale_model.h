// tests/model/sale_model.h: a plain sequential reference model of holdfast::Sale.
//
// Goal: an implementation of the contract in include/holdfast/ (sale.h, config.h, types.h,
// outcome.h, stats.h, event.h) that is obviously correct because it is boring: every hold is a
// record in a vector, every counter is recomputed from those records when it is asked for, and
// every operation is a straight-line reading of its header comment. It is slow on purpose and
// is only ever driven by one thread. The differential fuzzer (tests/fuzz/) compares the library
// with it step by step; the linearizability checker (tests/model/linearizability.h) replays
// concurrent histories on it.
//
//   holdfast::model::SaleModel model(config, {.identity = IdentityMode::kExact, .tag = tag});
//   model.SetTime(/*now_ns=*/0, wall);
//   holdfast::HoldResult r = model.Hold(buyer, lines, {});
//
// Where the headers leave a choice open, the model makes the library's choice and says so at the
// function; the list, for review:
//   - Hold checks its claims in the order of lib/sale.cc ClaimStock (buyer's units in the cycle,
//     buyer's live holds, buyer's units, the cycle's allotment, the types in the order the lines
//     first name them, then their quotas): the first short one names the outcome. An
//     idempotency key is remembered only once the claims succeeded; a full key table then
//     answers kHoldTableFull.
//   - A hold's deadline is its creation plus the ttl in whole microseconds rounded down (a hold
//     may end up to 1 us early, never late); a ttl under 1 us is invalid. Extend likewise, cut at
//     hold_lifetime_max rounded down.
//   - Ids (IdentityMode::kExact): a HoldId is [tag: 13 | generation: 27 | slot: 24]; a hold takes
//     the first free slot after the one taken last, round the group (one group of 64 slots:
//     holds_max must be 64 in this mode), a slot's generation starts at the sale's first
//     generation and moves on when the slot is taken after a hold (or a failed
//     hold) ended in it. A failed Hold spends its slot's generation. An id whose slot still holds
//     its ended hold answers for that hold (kExpired, kNotOwner, ...); once the slot is reused
//     it is unknown, unless the buyer's last 3 confirmations name it (ConfirmMode).
//   - Dead holds are expired lazily at the library's points: Confirm/Release/Extend of the hold
//     itself, a repeated idempotency key, Sweep, a Hold that finds no free slot, and a Hold whose
//     claim is short (kSoldOut, kBuyerLimit, kTooManyHolds) where a dead hold could matter (the
//     buyer has holds, for its limits; the short type has held units, for a type), which
//     expires every dead hold and tries once more.
//   - Ended cycles are sealed lazily, by Hold only; queries write nothing. The sale's position
//     among the cycles never moves back: a cycle a Hold found open stays the floor, and sealed
//     cycles stay over, however the wall clock is stepped back.
//   - Reserved seating (HoldSeats, HoldBestAvailable): a seat is free, held (by a hold in state
//     held, dead or not) or sold (by a confirmed hold), recomputed from the records. The seats are
//     claimed after the buyer's limits and before the cycle and the types (lib/sale.cc
//     ClaimStock); a seat's type is its section's, counted after the plain lines' types in the
//     order of the sorted seats. kSeatTaken names the lowest requested seat found taken (the
//     library's TryTake walks the runs in SeatId order and names the first taken seat of the
//     first run that has one). Explicit seats travel as runs of consecutive seats of one row
//     inside one 64-seat block; the runs and the distinct plain types share kLinesPerHoldMax.
//   - HoldBestAvailable is checked, not recomputed: the caller passes the library's answer. The
//     model decides exactly whether anything fits (adjacent seats of one row inside one 64-seat
//     block, free and allowed by the request; with allow_split, count such seats anywhere: exact
//     while count <= kLinesPerHoldMax), checks the library's seats against the rules it can decide
//     (free, allowed, distinct; one adjacent run when one fits, in the first row by rank that has
//     one, nearest the centre, leaving no orphan when another run avoids it; split, all in the
//     first row by rank with room for them all, if one has) and then applies them as an explicit
//     hold. Precondition: the request's outcome must not depend on which allowed section's type
//     the seats are taken from (no quota covers some but not all of the allowed sections'
//     types), since only the library's choice would decide it.
#ifndef HOLDFAST_TESTS_MODEL_SALE_MODEL_H_
#define HOLDFAST_TESTS_MODEL_SALE_MODEL_H_

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "holdfast/config.h"
#include "holdfast/event.h"
#include "holdfast/outcome.h"
#include "holdfast/sale.h"
#include "holdfast/stats.h"
#include "holdfast/types.h"

namespace holdfast::model {

// How the model names holds.
enum class IdentityMode {
  // Ids are computed exactly as the library makes them (see the file comment), so forged and
  // stale ids can be compared too. Single-threaded differential testing.
  kExact,
  // Ids are whatever the caller passes to Hold as `fresh_id` (the id the library answered), and
  // an ended hold's slot may or may not have been reused: answers that depend on it are given
  // as two acceptable outcomes. For replaying concurrent histories, where slot choice is a race.
  kLoose,
};

struct ModelOptions {
  IdentityMode identity = IdentityMode::kExact;
  uint32_t tag = 0;  // kExact: the sale tag the library put in its ids
  // kExact: the generation the sale's slots start at (lib/internal/sale_tags.h), and the
  // allocating thread's slot cursor when the sale was made (lib/internal/slot_table.cc).
  uint64_t first_generation = 1;
  uint32_t slot_cursor = 0;
};

// The answer of Confirm, Release or Extend. `also` is a second acceptable outcome (kLoose only,
// when the answer depends on whether the hold's slot was reused); otherwise it equals `outcome`.
struct Answer {
  Outcome outcome = Outcome::kOk;
  Outcome also = Outcome::kOk;
  bool Accepts(Outcome o) const { return o == outcome || o == also; }
};

// One claim a hold makes on a counter, in the order the library makes them.
struct ClaimStep {
  enum Kind { kBuyer, kCycleBuyer, kCycle, kType, kQuota, kSeats };
  Kind kind = kBuyer;
  int64_t index = 0;  // buyer id, cycle, type or quota (unused for kSeats)
  int64_t units = 0;  // kBuyer also takes one live hold
};

// Another hold's partly made claim that was in flight when a Hold ran: the first `steps` of its
// claim sequence. Used only to explain a short answer (see HoldWithInFlight).
struct InFlightClaim {
  std::vector<ClaimStep> claims;  // already cut to the prefix
};

class SaleModel {
 public:
  // The validation rules of config.h, written out independently of lib/config.cc. Only OK-ness
  // is compared with the library, not the message.
  static absl::Status Validate(const SaleConfig& config);

  // `config` must be valid. Time starts at now_ns = 0 and wall = config's clock is not read:
  // call SetTime before the first operation.
  SaleModel(const SaleConfig& config, ModelOptions options);

  // The clock every following operation reads: monotonic nanoseconds since the sale was created
  // and the wall-clock instant.
  void SetTime(int64_t now_ns, absl::Time wall);
  int64_t now_ns() const { return now_ns_; }

  // Sale::Hold. In kLoose mode a new hold takes `fresh_id` as its id.
  HoldResult Hold(BuyerId buyer, absl::Span<const HoldLine> lines, const HoldOptions& options,
                  HoldId fresh_id = {});
  // The claim sequence this Hold would make now, or empty if it would not reach its claims (bad
  // argument, closed window, ...). For the linearizability checker's in-flight claims.
  std::vector<ClaimStep> ClaimsOf(BuyerId buyer, absl::Span<const HoldLine> lines) const;
  // A Hold that answered short (kSoldOut, kBuyerLimit, kTooManyHolds) while `in_flight` claims
  // of other holds were made and not yet undone (sale.h, "Where the guarantees are weaker"):
  // does what the library does on that path (admits the buyer, takes the key entry, expires every
  // dead hold) and returns the outcome its claim check gives with those claims counted as taken.
  Outcome HoldWithInFlight(BuyerId buyer, absl::Span<const HoldLine> lines,
                           const HoldOptions& options, absl::Span<const InFlightClaim> in_flight);

  Answer Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode = ConfirmMode::kRetryIsOk);
  Answer Release(HoldId hold, BuyerId buyer);
  Answer Extend(HoldId hold, BuyerId buyer, absl::Duration ttl);
  // kLoose: the caller accepted `answer.also` rather than `answer.outcome`; the outcome
  // counters then count what was answered.
  void Recount(const Answer& answer, Outcome answered);

  // Sale::Sweep(): expires every hold dead at now.
  int64_t Sweep();
  // Sale::Sweep(monotonic): `at_ns` is already converted to the sale's time line and cut to now.
  int64_t SweepAt(int64_t at_ns);

  int64_t Available(TypeId type);
  int64_t TypeAvailable(TypeId type) const;
  int64_t QuotaAvailable(int quota) const;
  int64_t CycleAvailable(int cycle);
  int CurrentCycle();
  BuyerCounts Buyer(BuyerId buyer) const;
  TypeStats TypeStatsOf(TypeId type) const;
  SaleStats Stats() const;
  // Events as the library stores them, with monotonic_ns on the sale's time line (since creation).
  std::vector<Event> DrainEvents(size_t max);

  // Sale::HoldSeats (explicit seats, plus plain lines). On kSeatTaken, taken_seat is set.
  HoldResult HoldSeats(BuyerId buyer, absl::Span<const SeatId> seats,
                       absl::Span<const HoldLine> lines, const HoldOptions& options,
                       HoldId fresh_id = {});

  // The model's side of Sale::HoldBestAvailable (see the file comment).
  struct BestAnswer {
    HoldResult result;          // the model's outcome (and id)
    std::vector<SeatId> seats;  // what seats_out must hold: exact on a repeated key; on a new
                                // hold the library's seats, once checked; kNoSeat padding
    std::string complaint;      // non-empty: the library's seats break a rule (says which)
  };
  // `out_size` is seats_out.size(); `library` and `library_seats` (seats_out as the library left
  // it) are the library's answer to the same call.
  BestAnswer HoldBestAvailable(BuyerId buyer, const BestAvailableRequest& request, size_t out_size,
                               const HoldOptions& options, const HoldResult& library,
                               absl::Span<const SeatId> library_seats, HoldId fresh_id = {});

  // Sale::SeatsOf: the seats written (at most out_size) into `out`.
  Outcome SeatsOf(HoldId hold, BuyerId buyer, size_t out_size, std::vector<SeatId>& out) const;
  // Sale::Seat.
  SeatState Seat(SeatId seat) const;
  // Sale::SeatCount.
  SeatId SeatCount() const { return static_cast<SeatId>(seat_rows_.size()); }
  // Sale::SnapshotSeats with spans of exactly (SeatCount() + 63) / 64 words.
  void SnapshotSeats(std::vector<uint64_t>& held, std::vector<uint64_t>& sold) const;

  // A canonical text of the whole state, for memoization (equal text, equal future).
  std::string Fingerprint() const;

 private:
  enum class HoldState { kHeld, kConfirmed, kReleased, kExpired };
  struct HoldRecord {
    HoldId id;
    BuyerId buyer = 0;
    std::vector<std::pair<TypeId, int64_t>> lines;  // merged by type, first-named order
    int64_t units = 0;
    int cycle = -1;
    int64_t created_ns = 0;
    int64_t deadline_ns = 0;
    uint64_t key = 0;
    HoldState state = HoldState::kHeld;
    std::vector<SeatId> seats;  // in the order of the hold's slot lines (SeatsOf)
  };
  // kExact only: what a slot's state word says.
  struct SlotRecord {
    uint64_t generation = 1;
    bool free_state = true;  // the word says kFree (never used, or after nothing)
    bool occupied = false;   // a live hold is in it
    int hold = -1;           // index into holds_ of its last hold, -1 for a failed one
    BuyerId buyer = 0;       // its last owner (failed holds too)
  };
  struct BuyerRecord {
    std::vector<uint64_t> recent_confirmed;  // ring of kRecentConfirmed, oldest overwritten
    uint64_t confirmed_count = 0;
  };
  struct Plan {
    std::vector<std::pair<TypeId, int64_t>> lines;  // the plain lines, merged
    int64_t units = 0;                              // plain units and seats
    int64_t ttl_ns = 0;
    uint64_t key = 0;
    std::vector<SeatId> seats;  // HoldSeats: sorted
    bool best = false;          // HoldBestAvailable: `request`, and the seats it chose
    BestAvailableRequest request;
    std::vector<SeatId> chosen;  // the library's choice, in its order (empty: not known)
    std::string complaint;       // what is wrong with `chosen` (HoldPlanned, on kOk)
  };
  // One row of the seat map, and where each seat is.
  struct SeatRow {
    int section = 0;
    TypeId type = 0;
    int rank = 0;  // effective: rank 0 is 1 + the row's index in the map
    SeatId first = 0;
    int count = 0;
    std::vector<bool> accessible, restricted;  // by position in the row
  };
  enum SeatStatusCode : uint8_t { kSeatFree = 0, kSeatHeld, kSeatSold };
  // A handle resolved against the model: error kOk and `hold` set, or an error.
  struct Resolved {
    Outcome error = Outcome::kOk;
    int hold = -1;
    bool maybe_reused = false;  // kLoose: the hold ended, its slot may be someone else's now
  };

  static constexpr int kRecentConfirmed = 3;

  bool PlanHold(BuyerId buyer, absl::Span<const HoldLine> lines, const HoldOptions& options,
                Plan& plan, bool seated = false) const;
  bool PlanSeats(absl::Span<const SeatId> seats, Plan& plan) const;
  HoldResult HoldPlanned(BuyerId buyer, Plan& plan, HoldId fresh_id, bool key_checked);

  // Seats.
  std::vector<uint8_t> SeatStatuses() const;  // SeatStatusCode by SeatId
  bool Eligible(SeatId seat, const BestAvailableRequest& r, const std::vector<uint8_t>& st) const;
  // Adjacent candidates of one row: first positions of runs of `count` seats inside one block.
  std::vector<int> RowCandidates(int row, const BestAvailableRequest& r,
                                 const std::vector<uint8_t>& st) const;
  bool Orphans(int row, int start, int count, const std::vector<uint8_t>& st) const;
  bool BestFits(const BestAvailableRequest& r) const;
  std::vector<SeatId> CanonicalBest(const BestAvailableRequest& r) const;
  std::string CheckBestChoice(const BestAvailableRequest& r, absl::Span<const SeatId> seats) const;
  std::vector<std::pair<TypeId, int64_t>> PlanLines(const Plan& plan) const;
  Outcome Count(Outcome outcome);
  bool Dead(const HoldRecord& hold, int64_t at_ns) const { return at_ns >= hold.deadline_ns; }

  // Cycles.
  struct CycleAt {
    int index = -1;
    bool open = false;
    int ended = 0;
  };
  CycleAt LocateCycle(absl::Time wall) const;
  int64_t CycleRoom(int cycle, const CycleAt& at) const;
  Outcome CycleForHold(int& cycle);
  void SealThrough(int target);
  void GiveToCycle(int cycle, int64_t units);

  // Counters, recomputed from the records.
  int64_t TypeHeld(TypeId type) const;
  int64_t TypeRoom(TypeId type) const;
  int64_t QuotaRoom(int quota) const;
  int64_t BuyerLiveHolds(BuyerId buyer) const;
  int64_t BuyerHeldUnits(BuyerId buyer) const;
  int64_t BuyerBoughtUnits(BuyerId buyer) const;
  int64_t BuyerCycleUnits(BuyerId buyer, int cycle) const;

  std::vector<ClaimStep> Steps(BuyerId buyer, const Plan& plan, int cycle) const;
  Outcome CheckClaims(BuyerId buyer, const Plan& plan, int cycle,
                      absl::Span<const InFlightClaim> in_flight, ClaimStep* failed = nullptr) const;
  bool DeadHoldsMayMatter(Outcome outcome, BuyerId buyer, const ClaimStep& failed) const;
  Outcome ClaimWithRetry(BuyerId buyer, const Plan& plan, int cycle);
  bool KeyedHoldStands(BuyerId buyer, uint64_t key, HoldId id);
  HoldId StandingKeyedHold(BuyerId buyer, uint64_t key);
  bool TakeSlot(BuyerId buyer, int& slot);
  bool KeyRoom(BuyerId buyer, uint64_t key) const;
  void DropSlot(int slot);
  HoldResult Create(BuyerId buyer, const Plan& plan, int cycle, int slot, HoldId fresh_id);

  Resolved Resolve(HoldId id, BuyerId buyer) const;
  bool RecentlyConfirmed(BuyerId buyer, HoldId id) const;
  void End(int hold, HoldState to, int64_t at_ns);
  int64_t ExpireDead(int64_t at_ns);
  void Publish(EventKind kind, const HoldRecord& hold, int64_t at_ns);
  Outcome ConfirmResolved(const Resolved& r, HoldId id, BuyerId buyer, ConfirmMode mode);
  Outcome ReleaseResolved(const Resolved& r, HoldId id, BuyerId buyer);
  Outcome ExtendResolved(const Resolved& r, HoldId id, BuyerId buyer, absl::Duration ttl);

  SaleConfig config_;
  ModelOptions options_;
  int64_t now_ns_ = 0;
  absl::Time wall_ = absl::UnixEpoch();

  std::vector<SeatRow> rows_;                            // the seat map's rows, in map order
  std::vector<int> rows_by_rank_;                        // row indices, best rank first (stable)
  std::vector<int> seat_rows_;                           // the row of each seat
  std::vector<bool> seated_;                             // by type: held seat by seat only
  std::vector<HoldRecord> holds_;                        // every hold ever made, in creation order
  std::vector<SlotRecord> slots_;                        // kExact only
  std::map<BuyerId, BuyerRecord> buyers_;                // buyers tracked (admitted)
  std::map<std::pair<BuyerId, uint64_t>, HoldId> keys_;  // (buyer, key) -> latest hold, 0 none
  std::vector<int64_t> cycle_left_;                      // units each cycle can still release
  std::vector<bool> cycle_sealed_;
  int sealed_through_ = 0;    // cycles before this one are sealed
  uint32_t slot_cursor_ = 0;  // kExact: the slot taken last
  int seen_open_ = 0;         // one more than the highest cycle a Hold found open

  // History counters (they are not recomputable from the records: they count what happened).
  std::vector<int64_t> type_sold_, type_released_, type_expired_, type_held_ever_;
  int64_t holds_created_ = 0, holds_confirmed_ = 0, holds_released_ = 0, holds_expired_ = 0;
  std::vector<int64_t> outcomes_;
  std::deque<Event> events_;
  int64_t events_dropped_ = 0;
};

}  // namespace holdfast::model

#endif  // HOLDFAST_TESTS_MODEL_SALE_MODEL_H_
