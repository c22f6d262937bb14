// holdfast/sale.h: one event's stock, sold to a crowd with lock-free holds.
//
// A Sale owns the stock of one event: general-admission ticket types, shared
// quotas over them, sales cycles and per-buyer limits (see config.h). Buyers
// take holds (temporary claims that expire at a deadline), then confirm them
// into sales or release them. Every operation on the hot path allocates
// nothing and makes no system call but reading the clock; each one's progress
// guarantee is listed under "Progress" below, with the one rare wait.
//
//   absl::StatusOr<std::unique_ptr<holdfast::Sale>> sale = holdfast::Sale::Create(config);
//   if (!sale.ok()) return sale.status();  // names the bad field
//   holdfast::HoldLine lines[] = {{.type = 0, .quantity = 2}};
//   holdfast::HoldResult hold = (*sale)->Hold(user_id, lines, {.ttl = absl::Minutes(5)});
//   switch (hold.outcome) {
//     case holdfast::Outcome::kOk: break;
//     case holdfast::Outcome::kSoldOut: return ShowSoldOutPage();
//     default: return ShowError(holdfast::OutcomeName(hold.outcome));
//   }
//   ... payment ...
//   holdfast::Outcome sold = (*sale)->Confirm(hold.id, user_id);  // kOk or kExpired, ...
//
// The life cycle of a hold (the state word of its slot, lib/internal/hold_slot.h):
//
//   state      | entered by                     | may go to
//   -----------+--------------------------------+------------------------------------
//   Free       | Create; a failed Hold          | Claiming (Hold takes the slot)
//   Claiming   | Hold, while it claims stock    | Held (all claims made), Free (one failed)
//   Held       | Hold succeeded; Extend         | Held (Extend: new deadline),
//              |                                | Extending (Extend: a shorter deadline),
//              |                                | Confirmed (Confirm before the deadline),
//              |                                | Released (Release before the deadline),
//              |                                | Expired (anyone at or after the deadline)
//   Extending  | Extend, while it lowers the    | Held (its new deadline), and every way
//              | expiry bounds (live, as Held)  | out of Held; its old deadline holds
//   Confirmed  | Confirm (final for the hold)   | Claiming of the next generation (reuse)
//   Released   | Release (final for the hold)   | Claiming of the next generation (reuse)
//   Expired    | expiry (final for the hold)    | Claiming of the next generation (reuse)
//
// Every transition out of Held is one compare-and-swap on the slot's state
// word, so concurrent Confirm, Release, Extend and expiry of one hold have
// exactly one winner (I3) and every loser answers from the word that beat it.
// The winner alone returns the units (unless it confirmed), marks the end
// complete and frees the slot. Deadlines are kept in whole microseconds after
// creation, rounded down: a hold may end up to 1 µs early, never late (I4).
//
// Progress (DESIGN §4; a thread stopped at any instruction):
// - Confirm, Release, Extend, Sweep, DrainEvents and every query: lock-free.
//   A loop retries only because another thread changed the word it read, and
//   a thread stopped anywhere never stops them completing. Queries write
//   nothing. Stats and TypeStatsOf take at most 4 passes (wait-free).
// - Hold, HoldSeats, HoldBestAvailable: lock-free. A Hold that is short
//   while another thread has just expired a dead hold in its way waits a
//   bounded time for those units rather than answer kSoldOut (I5): the window
//   is from that thread's winning compare-and-swap to the end of its return
//   of the hold's units (a few dozen instructions, no call out). The wait
//   pauses the CPU 16 times, then yields it (sched_yield) 16 times; if the
//   units are still not back, that thread is stopped, and the Hold answers
//   kTryAgain (nothing changed; retry) instead of waiting for it. Helping
//   (finishing the stopped thread's return) would need a multi-word
//   compare-and-swap on every stock counter and seat word.
// - Nothing waits on another thread without bound: a twin request with the same
//   idempotency key answers kKeyInUse instead of waiting; a new buyer's
//   admission is settled by compare-and-swaps that any of its requests (or a
//   later admission) can make; an expiry scan that finds another scan
//   (perhaps a stopped one) raising a group's bound scans without raising.
//
// Where the guarantees are weaker than they sound:
// - A hold claims its counters (buyer, cycle, ticket types, quotas) one after
//   another with compare-and-swap and undoes them in reverse if one is short.
//   A concurrent Hold that runs into such an in-flight claim answers kSoldOut
//   (or kBuyerLimit) even if the in-flight hold then fails and gives the units
//   back: the stock was taken, by a hold in progress, at that instant.
//   Dead holds never cause kSoldOut: before answering it, Hold expires the
//   holds past their deadline that could be in its way and tries again (I5).
// - Likewise for returns: Release ends its hold with one compare-and-swap and
//   then gives the units back, counter by counter. A concurrent Hold that runs
//   into those units before they are back answers kSoldOut, even if it can
//   already see the hold released. (For an expired hold it waits instead, a
//   bounded time, then answers kTryAgain: I5.)
// - Lock-free, not wait-free: a Hold may retry its compare-and-swap loops while
//   other threads make progress.
// - The wait of a short Hold for a dead hold's units, under Progress above:
//   one of two system calls besides reading the clock (sched_yield), on that
//   rare path only. The other: while a thread waits in WaitForEvents, the
//   operation that publishes the next event wakes it (one futex call). A thread stopped inside that
//   window (for longer than those 16 yields) makes the Holds that need exactly those units answer
//   kTryAgain until it runs again: they are neither sold out nor available.
// - Two concurrent Holds with one idempotency key make one hold; the one that
//   finds the other between taking the key and publishing its hold answers
//   kKeyInUse (retry: it then answers that hold). With a 64-bit hash
//   collision chosen by another buyer, two such concurrent twins can each
//   make a hold; sequential retries never can.
// - A Hold in an open cycle does not read the wall clock every time: it
//   keeps the position a Hold read, for at most 1 ms of monotonic time and
//   never past the next window boundary as the monotonic clock measures the
//   way there (Clock::WallSteps). A wall-clock step that the clock does not
//   count (the system clock's: NTP, `date -s`) is seen within that
//   millisecond, so right after such a step a Hold may still be made on the
//   old side of a window's edge (I7 within 1 ms of a step). Steps counted by
//   the clock (ManualClock) are seen at once.
// - Answering kSoldOut costs one load when no hold can be dead (a sale-wide
//   lower bound on deadlines), whatever holds_max; when one may be, Hold scans
//   the groups whose bounds have passed (holds_max / 64 words at most).
#ifndef HOLDFAST_SALE_H_
#define HOLDFAST_SALE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "holdfast/config.h"
#include "holdfast/event.h"
#include "holdfast/outcome.h"
#include "holdfast/seat_map.h"
#include "holdfast/stats.h"
#include "holdfast/types.h"

namespace holdfast {

namespace internal {
class SaleCore;
}  // namespace internal

// Options of one Hold call.
struct HoldOptions {
  // The hold's time to live; absl::ZeroDuration() means
  // SaleConfig::hold_ttl_default. Must be > 0 and <= hold_lifetime_max.
  absl::Duration ttl = absl::ZeroDuration();
  // 0 means none. A non-zero key makes the hold idempotent per buyer: while
  // the hold that this buyer made with this key is live, or confirmed (and
  // still remembered, see ConfirmMode), Hold answers kOk with that hold's id
  // and claims nothing more; the lines are not compared. Once that hold was
  // released or expired, the key makes a new hold. Two concurrent Holds with
  // one key make one hold: the other answers that hold, or kKeyInUse if it
  // meets it while it is being made (it never waits). A key is remembered
  // only by a Hold that got its stock: a failed Hold leaves no trace (I2).
  uint64_t idempotency_key = 0;
};

// How Confirm answers a hold the buyer already confirmed (I9). The hold's
// slot remembers its confirmation until the slot is reused, and each buyer
// remembers its last 3 confirmed holds for ever after; a retry of an older
// confirmation whose slot was reused answers kUnknownHold (and sells nothing).
enum class ConfirmMode : uint8_t {
  kRetryIsOk = 0,           // answer kOk: a retry after a lost response is safe
  kReportAlreadyConfirmed,  // answer kAlreadyConfirmed
};

// One buyer's counters.
struct BuyerCounts {
  int64_t held_units = 0;    // in the buyer's live holds
  int64_t bought_units = 0;  // confirmed
  int32_t live_holds = 0;
};

// Where a hold stands (Sale::Describe).
enum class HoldState : uint8_t {
  kHeld = 0,   // live: it can be confirmed, released or extended
  kConfirmed,  // sold
  kReleased,   // ended by its buyer; its units are back
  kExpired,    // its deadline has passed, swept or not: never confirmable (I4)
};

// One hold, as its buyer may see it (Sale::Describe).
struct HoldInfo {
  HoldState state = HoldState::kHeld;
  BuyerId buyer = 0;
  // kHeld, and kExpired while the hold is not swept yet: its deadline as a
  // wall-clock instant (deadlines run on the monotonic clock; this is that
  // deadline seen from the wall clock when Describe ran). Otherwise
  // absl::InfinitePast().
  absl::Time expires_at = absl::InfinitePast();
  // Its units by ticket type, seats counted in their section's type: one
  // line per type, in the order the hold stores them.
  HoldLine lines[kLinesPerHoldMax] = {};
  int line_count = 0;
  int32_t units = 0;       // over every line
  int32_t seat_count = 0;  // of them, seats (SeatsOf names them)
};

// The stock of one event. Create one with Sale::Create; it is neither
// copyable nor movable (buyers hold pointers into it). Every method is
// thread-safe.
class Sale {
 public:
  // Builds a sale from `config`. Returns InvalidArgument naming the field
  // when the config is invalid (see ValidateConfig), and ResourceExhausted if
  // the sized memory can't be had (checked against what the process can
  // really get before anything is allocated, so the OOM killer is never the
  // answer) or if 8,192 sales are alive in the process at once (HoldIds carry
  // a 13-bit sale tag; an ended sale's tag is reused with fresh generations,
  // so a HoldId of one sale never names a hold of another). All memory the
  // sale will use is allocated here. Thread-safe.
  static absl::StatusOr<std::unique_ptr<Sale>> Create(const SaleConfig& config);

  ~Sale();
  Sale(const Sale&) = delete;
  Sale& operator=(const Sale&) = delete;

  // Claims every line for `buyer`, or nothing (I2). On kOk the result carries
  // the new hold's id; the hold lives until its deadline (now + ttl) unless it
  // is confirmed, released or extended first.
  // Outcomes: kOk; kSoldOut (a type, quota or the cycle is short, after dead
  // holds were expired); kBuyerLimit; kTooManyHolds; kNotOpen; kClosed;
  // kHoldTableFull (also: a new key with the key table full); kBuyerTableFull;
  // kKeyInUse (a twin with the same key is making its hold right now);
  // kTryAgain (the units it needs are on their way back from a dead hold
  // whose expiring thread is stopped: see "Progress" above);
  // kInvalidArgument (no lines, more than kLinesPerHoldMax lines, a quantity
  // <= 0, total units above units_per_hold_max, an unknown type, a ttl under
  // 1 µs or above hold_lifetime_max, buyer == kReservedBuyer, a key with
  // idempotency keys off). Lines naming the same type add up.
  // Thread-safe. Lock-free. Never allocates.
  HoldResult Hold(BuyerId buyer, absl::Span<const HoldLine> lines, const HoldOptions& options = {});

  // Reserved seating: claims every seat in `seats` and every line in `lines`
  // for `buyer`, or nothing (I2). Seats count as units of their section's
  // type against every limit, cycle and quota. The seats and lines must fit
  // kLinesPerHoldMax slot lines together: each line is one, and so is each
  // run of consecutive seats of one row (within a 64-seat block).
  // Outcomes: as Hold, plus kSeatTaken (result.taken_seat names the first
  // requested seat found taken, after dead holds were expired: I5) and
  // kInvalidArgument for no seats, more than kSeatsPerHoldMax, an unknown or
  // repeated seat, too many runs, or a sale without a seat map.
  // Thread-safe. Lock-free. Never allocates.
  HoldResult HoldSeats(BuyerId buyer, absl::Span<const SeatId> seats,
                       absl::Span<const HoldLine> lines = {}, const HoldOptions& options = {});

  // Reserved seating: holds the best `request.count` seats (see
  // BestAvailableRequest): adjacent seats in the best-ranked row that has
  // them, nearest the row's centre, leaving no single orphan seat when that is
  // avoidable; with allow_split, the best seats in as few rows as possible.
  // The chosen seats are written to seats_out[0 .. count) (the rest is set to
  // kNoSeat). Adjacent runs never cross a 64-seat block of a long row.
  // Outcomes: as Hold, plus kNoAdjacentSeats (nothing fits, after dead holds
  // were expired: I5) and kInvalidArgument (count outside 1 ..
  // kSeatsPerHoldMax or above units_per_hold_max, seats_out shorter than
  // count, an unknown section, no seat map, a repeated idempotency key that
  // names a hold without seats). With a repeated idempotency key the first
  // request's hold and seats are answered. kOk always comes with the seats
  // written.
  // Thread-safe. Lock-free. Never allocates.
  HoldResult HoldBestAvailable(BuyerId buyer, const BestAvailableRequest& request,
                               absl::Span<SeatId> seats_out, const HoldOptions& options = {});

  // Describes `buyer`'s hold: its state, deadline and units. An ended hold
  // is described until its slot is reused for a later hold; after that, and
  // for a forged or foreign id, kUnknownHold. Writes nothing (a dead hold is
  // described as kExpired, not expired).
  // Outcomes: kOk; kUnknownHold; kNotOwner (nothing is written to `info`
  // but its defaults). Thread-safe. Lock-free. Never allocates.
  [[nodiscard]] Outcome Describe(HoldId hold, BuyerId buyer, HoldInfo& info) const;

  // The seats of `buyer`'s live or confirmed hold, into `out` (at most
  // out.size()); `count` says how many were written.
  // Outcomes: kOk; kUnknownHold; kNotOwner. Thread-safe. Lock-free.
  [[nodiscard]] Outcome SeatsOf(HoldId hold, BuyerId buyer, absl::Span<SeatId> out,
                                int& count) const;

  // The state of one seat, naming its hold and buyer (for the embedding
  // server, not for other buyers). A free or unknown seat reads kFree.
  // Thread-safe. Lock-free. Never allocates.
  SeatState Seat(SeatId seat) const;

  // The seat labelled "SECTION ROW-NUMBER" (e.g. "Orchestra B-12"), or
  // kNoSeat. Thread-safe. Never allocates. Not for the hot path: it scans
  // the section and row names.
  SeatId FindSeat(absl::string_view label) const;

  // A seat's label, "" for an unknown seat. Thread-safe. Allocates.
  std::string SeatLabel(SeatId seat) const;

  // Seats in the seat map (0 without one). Thread-safe.
  SeatId SeatCount() const;

  // A snapshot of the whole map for a web page: bit i of word i / 64 of
  // `held` is set when seat i is held, of `sold` when it is sold. Each span
  // needs (SeatCount() + 63) / 64 words; returns false (writing nothing) if
  // one is shorter. Taken while buyers keep buying: each 64-seat block is
  // read at one instant, the map block by block.
  // Thread-safe. Lock-free. Never allocates.
  bool SnapshotSeats(absl::Span<uint64_t> held, absl::Span<uint64_t> sold) const;

  // Bytes of seat state (P4: owner words and bitmaps), 0 without a map.
  size_t SeatStateBytes() const;

  // Turns `buyer`'s live hold into a sale, permanently.
  // Outcomes: kOk (also for a hold this buyer already confirmed, unless
  // `mode` asks for kAlreadyConfirmed); kExpired (the deadline has passed,
  // even if nothing has swept it: I4); kUnknownHold (released, stale, forged
  // or foreign id); kNotOwner (another buyer's hold; nothing changes);
  // kInvalidArgument (`mode` is not a ConfirmMode).
  // Thread-safe. Lock-free. Never allocates.
  [[nodiscard]] Outcome Confirm(HoldId hold, BuyerId buyer,
                                ConfirmMode mode = ConfirmMode::kRetryIsOk);

  // Ends `buyer`'s live hold early and returns its units.
  // Outcomes: kOk; kExpired; kAlreadyConfirmed; kUnknownHold; kNotOwner.
  // Thread-safe. Lock-free. Never allocates.
  [[nodiscard]] Outcome Release(HoldId hold, BuyerId buyer);

  // Moves the deadline of `buyer`'s live hold to now + ttl (earlier or later
  // than it was), but never past its creation + hold_lifetime_max (it is cut
  // there, and kOk is still answered); in whole microseconds after creation,
  // rounded down.
  // Outcomes: kOk; kExpired; kAlreadyConfirmed; kUnknownHold; kNotOwner;
  // kInvalidArgument (ttl under 1 µs or above hold_lifetime_max).
  // Thread-safe. Lock-free. Never allocates.
  [[nodiscard]] Outcome Extend(HoldId hold, BuyerId buyer, absl::Duration ttl);

  // Expires every hold whose deadline is at or before the clock's now and
  // returns their units. Returns how many holds this call expired.
  // Thread-safe. Lock-free (concurrent sweeps share the work). Never allocates.
  int64_t Sweep();

  // As Sweep(), as if the clock read `monotonic_now_ns` (a value of
  // Clock::MonotonicNanos()); a value ahead of the clock is cut to the clock's
  // now, so no hold is ever expired early. Any value is accepted (one before
  // the sale was made expires nothing). For a server loop that has
  // already read the clock. Thread-safe. Lock-free. Never allocates.
  int64_t Sweep(int64_t monotonic_now_ns);

  // Units of `type` a buyer could hold now: the minimum over the type's own
  // available units, every quota it belongs to and the current cycle's
  // allotment left; 0 outside a cycle window or for an unknown type. Units of
  // dead holds not yet swept count as taken. Thread-safe. Lock-free.
  int64_t Available(TypeId type) const;
  // Units of `type` neither held nor sold (its own counter alone); 0 for an
  // unknown type. Thread-safe. Lock-free.
  int64_t TypeAvailable(TypeId type) const;
  // Units left in quota `quota` (index into SaleConfig::quotas); 0 if unknown.
  // Thread-safe. Lock-free.
  int64_t QuotaAvailable(int quota) const;
  // Units cycle `cycle` can still release: its allotment plus rollover minus
  // its held and sold units; 0 once it has ended or for an unknown index.
  // Thread-safe. Lock-free.
  int64_t CycleAvailable(int cycle) const;
  // The index of the cycle a Hold made now would belong to, or -1 (no cycles,
  // or between or outside windows). The sale's position never moves back: a
  // wall clock stepped back leaves the last cycle a Hold found open open, and
  // ended cycles ended, here as in Hold. Writes nothing. Thread-safe.
  // Lock-free.
  int CurrentCycle() const;

  // `buyer`'s counters; all zero for a buyer the sale has never seen.
  // Thread-safe. Lock-free. Never allocates.
  BuyerCounts Buyer(BuyerId buyer) const;

  // Counters of one ticket type; all zero for an unknown type.
  // Thread-safe. Lock-free. Never allocates.
  TypeStats TypeStatsOf(TypeId type) const;

  // Counters of the whole sale. Thread-safe. Lock-free. Never allocates.
  SaleStats Stats() const;

  // Moves up to out.size() events into `out` and returns how many. Events of
  // one thread come out in the order they happened on that thread, within
  // one call and across calls that do not overlap; events of different
  // threads come out in no particular order relative to each other (each of
  // the first 8 threads that publish has a queue lane of its own, later
  // threads share one). Thread-safe: concurrent callers never wait for each
  // other and each event goes to exactly one of them. Fewer than out.size()
  // events does not prove the queue empty: an event another thread is still
  // publishing is left for a later call. Lock-free. Never allocates.
  size_t DrainEvents(absl::Span<Event> out);

  // Blocks until an event waits to be drained, or `timeout` passes (real
  // time, whatever the sale's clock). Returns true when an event was
  // published and not drained at some instant during the call (a concurrent
  // drainer may still take it first), false on timeout, and false at once
  // for a sale without an event queue (events_max == 0). The waiter is woken
  // by the operation that publishes the next event, not by polling: while a
  // thread waits here, the first Hold, Confirm, Release, Extend or expiry
  // that publishes an event makes one futex system call to wake it (the
  // only system call on those paths besides reading the clock, and none
  // while nobody waits). With events on, each publish pays one sequentially
  // consistent fence for it. Thread-safe, any number of waiters. Never
  // allocates. It blocks: call it from a thread of its own, not the hot path.
  bool WaitForEvents(absl::Duration timeout);

  // Bytes of memory the sale allocated in Create (slots, buyer table,
  // idempotency table, counters, event queue); it never changes afterwards.
  size_t MemoryBytes() const;

  // The config the sale was built from. Thread-safe.
  const SaleConfig& config() const;

 private:
  explicit Sale(std::unique_ptr<internal::SaleCore> core);

  std::unique_ptr<internal::SaleCore> core_;
};

}  // namespace holdfast

#endif  // HOLDFAST_SALE_H_
