// noon_rush: the ticket sale that opens at noon while thousands press F5, replayed in one
// process against holdfast and checked afterwards.
//
// What it shows. A holdfast::Sale of --tickets units ("regular" and "student" ticket types
// under one shared "hall" quota) is sold in --cycles sales cycles that open --cycle_gap_ms
// apart in real time, unsold stock rolling over. --threads threads (a web server's worker
// pool) act for --buyers buyers: each hold asks for 1 to --max_per_hold units with a
// --ttl_ms deadline; then the buyer confirms, releases, or walks away and lets the hold
// expire. A buyer told SoldOut presses F5 (retries) a few times. A holdfast::Sweeper reclaims
// abandoned holds even when nobody asks for their stock. The run ends at sell-out (or after
// --max_seconds). The program then reports how long each cycle took to sell out, the hold
// rate and latency and every outcome, and checks the invariants of DESIGN.md §2: nothing
// oversold (I1), no hold stuck after its deadline (I3), no per-buyer limit exceeded (I6), every
// account adding up (I10). It exits 1 if any check fails, 2 on bad flags.
//
// With --seated the stock is a hall of 10,000 reserved seats instead (4 sections x 50 rows x 50
// seats, built from seat map text, see seated_hall.h): buyers ask for the best 1 to
// --seats_per_hold adjacent seats (some accept split seats), some for named seats in a front
// row, and the report adds the seat checks: no seat sold twice, and at sell-out every seat sold
// exactly once.
//
//   noon_rush                                    # 20,000 tickets, 64 threads, auto buyers
//   noon_rush --tickets=1000000 --threads=64     # DESIGN §7 P3: a million tickets
//   noon_rush --seated                           # 10,000 reserved seats
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <latch>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "holdfast/holdfast.h"
#include "latency_histogram.h"
#include "seated_hall.h"

ABSL_FLAG(int64_t, tickets, 20000, "Tickets for sale over the whole sale (N). >= 1.");
ABSL_FLAG(int32_t, cycles, 2,
          "Sales cycles (K). Each releases N/K tickets (the last one also the remainder) and "
          "rolls its unsold tickets over into the next. 1 .. 1024, at most --tickets.");
ABSL_FLAG(int64_t, cycle_gap_ms, 1000,
          "Milliseconds between two cycle openings: cycle k opens at noon + k * gap of wall-clock "
          "time, noon being the start of the run. >= 1.");
ABSL_FLAG(int32_t, student_pct, 10,
          "Percent of the tickets of type \"student\"; the rest are \"regular\". Buyers pick a "
          "type in the same proportion. 0 .. 99 (0: \"regular\" only).");
ABSL_FLAG(int64_t, buyers, 0,
          "Distinct buyers (B), ids 0 .. B-1. 0 means auto: max(5000, 2 * ceil(tickets / "
          "per_buyer), threads), so that the per-buyer limits leave the sale able to sell out.");
ABSL_FLAG(int32_t, threads, 64,
          "Threads playing the buyers (a web server's worker pool); each one serves its own "
          "share of the buyers. 1 .. 4096, at most --buyers.");
ABSL_FLAG(int32_t, max_per_hold, 4,
          "Each hold asks for 1 .. max_per_hold units (uniformly) of one type. 1 .. 65535.");
ABSL_FLAG(int64_t, ttl_ms, 200,
          "Time to live of every hold, in milliseconds (a real sale would use minutes). "
          "1 .. 14400000 (4 h).");
ABSL_FLAG(int32_t, confirm_pct, 70, "Percent of successful holds the buyer confirms (buys).");
ABSL_FLAG(int32_t, release_pct, 15,
          "Percent of successful holds the buyer releases. The rest, 100 - confirm_pct - "
          "release_pct, are abandoned and left to expire.");
ABSL_FLAG(int32_t, greedy_pct, 10,
          "Percent of requests in which the buyer ignores what it bought and holds and asks for "
          "1 .. max_per_hold units anyway (a second browser tab, a bot), so that the sale's "
          "per-buyer limits are put to the test. The other requests stay within what the buyer "
          "knows it may still buy. 0 .. 100.");
ABSL_FLAG(int32_t, retries, 3,
          "Times a buyer retries (presses F5) after SoldOut or HoldTableFull before giving up; "
          "nobody retries once the whole sale is sold. >= 0.");
ABSL_FLAG(int64_t, retry_pause_us, 1000, "Pause before each retry, in microseconds. >= 0.");
ABSL_FLAG(int64_t, per_buyer, 6, "Units one buyer may hold + buy over the whole sale. >= 1.");
ABSL_FLAG(int32_t, per_buyer_holds, 2, "Live holds one buyer may have at once. >= 1.");
ABSL_FLAG(int64_t, cycle_per_buyer, 4,
          "Units one buyer may hold + buy within one cycle; 0 means no per-cycle limit.");
ABSL_FLAG(int32_t, holds_max, 65536,
          "Hold slots of the sale, the bound on live holds. 64 .. 16777216.");
ABSL_FLAG(int64_t, sweep_ms, 20, "Period of the background Sweeper, in milliseconds. >= 1.");
ABSL_FLAG(double, max_seconds, 20,
          "Safety bound: stop the buyers after this many seconds even if the sale has not sold "
          "out (reported, not a failure: the invariant checks still run). > 0.");
ABSL_FLAG(int32_t, events_max, 65534,
          "Capacity of the sale's event queue, drained while the sale runs and checked against "
          "the counters at the end; 0 turns events off. 0 .. 65534.");
ABSL_FLAG(bool, seated, false,
          "Reserved seating: sell a hall of 10,000 seats (4 sections x 50 rows x 50 seats, one "
          "ticket type per section) instead of --tickets general-admission units; --tickets "
          "and --student_pct are then ignored.");
ABSL_FLAG(int32_t, seats_per_hold, 6,
          "With --seated: each request asks for 1 .. seats_per_hold adjacent seats "
          "(uniformly). 1 .. 64.");
ABSL_FLAG(int32_t, front_row_pct, 10,
          "With --seated: percent of requests for named seats in the front row of a section "
          "(HoldSeats); when one is taken the buyer takes the best available instead. 0 .. 100.");
ABSL_FLAG(int32_t, split_pct, 20,
          "With --seated: percent of best-available requests that accept seats in several rows "
          "from the start; the others ask again allowing it after NoAdjacentSeats. 0 .. 100.");
ABSL_FLAG(uint64_t, seed, 1,
          "Seed of the buyers' random choices. The threads' interleaving is not reproducible.");

namespace noon_rush {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "a conference opens its ticket sale at noon and thousands press F5.\n"
    "\n"
    "Replays that rush against one holdfast::Sale in this process: buyer threads hold 1-4\n"
    "tickets with a short TTL, then confirm, release or abandon them; sold-out buyers retry;\n"
    "a Sweeper reclaims abandoned holds. The run ends at sell-out or after --max_seconds.\n"
    "It prints a progress line to stderr, then a report on stdout: each cycle's time to\n"
    "sell out, holds per second, hold latency percentiles, every outcome, and invariant\n"
    "checks (oversold units, stuck holds, per-buyer limit breaches, accounts that do not add\n"
    "up), each of which must be 0.\n"
    "\n"
    "Exit status: 0 all checks passed, 1 a check failed, 2 bad flags.\n"
    "\n"
    "With --seated the stock is a hall of 10,000 reserved seats: buyers ask for the best\n"
    "adjacent seats or for named front-row seats, and the checks add: no seat sold twice.\n"
    "\n"
    "  noon_rush\n"
    "  noon_rush --tickets=1000000 --threads=64\n"
    "  noon_rush --seated\n";

// Every flag, read once; the buyer threads never touch absl flags.
struct Params {
  int64_t tickets = 0;
  int32_t cycles = 0;
  int64_t cycle_gap_ms = 0;
  int32_t student_pct = 0;
  int64_t buyers = 0;
  bool buyers_auto = false;
  int32_t threads = 0;
  int32_t max_per_hold = 0;
  int64_t ttl_ms = 0;
  int32_t confirm_pct = 0;
  int32_t release_pct = 0;
  int32_t greedy_pct = 0;
  int32_t retries = 0;
  int64_t retry_pause_us = 0;
  int64_t per_buyer = 0;
  int32_t per_buyer_holds = 0;
  int64_t cycle_per_buyer = 0;
  int32_t holds_max = 0;
  int64_t sweep_ms = 0;
  double max_seconds = 0;
  int32_t events_max = 0;
  bool seated = false;
  int32_t seats_per_hold = 0;
  int32_t front_row_pct = 0;
  int32_t split_pct = 0;
  uint64_t seed = 0;

  // The most units one request asks for: seats with --seated, tickets otherwise.
  int32_t HoldUnitsMax() const { return seated ? seats_per_hold : max_per_hold; }
  int64_t StudentUnits() const { return tickets * student_pct / 100; }
  int64_t RegularUnits() const { return tickets - StudentUnits(); }
  // Cycle k releases N/K; the last also takes the remainder, so the allotments sum to N.
  int64_t Allotment(int k) const {
    const int64_t share = tickets / cycles;
    return k == cycles - 1 ? tickets - share * (cycles - 1) : share;
  }
};

Params ParamsFromFlags() {
  Params p;
  p.tickets = absl::GetFlag(FLAGS_tickets);
  p.cycles = absl::GetFlag(FLAGS_cycles);
  p.cycle_gap_ms = absl::GetFlag(FLAGS_cycle_gap_ms);
  p.student_pct = absl::GetFlag(FLAGS_student_pct);
  p.buyers = absl::GetFlag(FLAGS_buyers);
  p.threads = absl::GetFlag(FLAGS_threads);
  p.max_per_hold = absl::GetFlag(FLAGS_max_per_hold);
  p.ttl_ms = absl::GetFlag(FLAGS_ttl_ms);
  p.confirm_pct = absl::GetFlag(FLAGS_confirm_pct);
  p.release_pct = absl::GetFlag(FLAGS_release_pct);
  p.greedy_pct = absl::GetFlag(FLAGS_greedy_pct);
  p.retries = absl::GetFlag(FLAGS_retries);
  p.retry_pause_us = absl::GetFlag(FLAGS_retry_pause_us);
  p.per_buyer = absl::GetFlag(FLAGS_per_buyer);
  p.per_buyer_holds = absl::GetFlag(FLAGS_per_buyer_holds);
  p.cycle_per_buyer = absl::GetFlag(FLAGS_cycle_per_buyer);
  p.holds_max = absl::GetFlag(FLAGS_holds_max);
  p.sweep_ms = absl::GetFlag(FLAGS_sweep_ms);
  p.max_seconds = absl::GetFlag(FLAGS_max_seconds);
  p.events_max = absl::GetFlag(FLAGS_events_max);
  p.seed = absl::GetFlag(FLAGS_seed);
  p.seated = absl::GetFlag(FLAGS_seated);
  p.seats_per_hold = absl::GetFlag(FLAGS_seats_per_hold);
  p.front_row_pct = absl::GetFlag(FLAGS_front_row_pct);
  p.split_pct = absl::GetFlag(FLAGS_split_pct);
  if (p.seated) {  // the hall replaces the general-admission stock
    p.tickets = kHallSeats;
    p.student_pct = 0;
  }
  // Auto buyers: twice as many as the sale limit needs, so the last tickets still find buyers
  // who are under their limit; and at least one buyer per thread.
  if (p.buyers == 0 && p.per_buyer >= 1) {
    p.buyers_auto = true;
    const int64_t needed = (p.tickets + p.per_buyer - 1) / p.per_buyer;
    p.buyers = std::max<int64_t>({5000, 2 * needed, p.threads});
  }
  return p;
}

void RequireRange(std::vector<std::string>& errors, const char* flag, int64_t value, int64_t lo,
                  int64_t hi) {
  if (value >= lo && value <= hi) return;
  errors.push_back(std::string("--") + flag + "=" + std::to_string(value) +
                   " is out of range: it must be in [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
}

// Returns one message per bad flag; empty when every flag is usable.
std::vector<std::string> Validate(const Params& p) {
  std::vector<std::string> errors;
  RequireRange(errors, "tickets", p.tickets, 1, holdfast::kCapacityMax);
  if (p.tickets >= 1) {  // each cycle releases at least one ticket
    RequireRange(errors, "cycles", p.cycles, 1, std::min<int64_t>(holdfast::kCyclesMax, p.tickets));
  }
  RequireRange(errors, "cycle_gap_ms", p.cycle_gap_ms, 1, int64_t{24} * 3600 * 1000);
  RequireRange(errors, "student_pct", p.student_pct, 0, 99);
  RequireRange(errors, "threads", p.threads, 1, 4096);
  RequireRange(errors, "buyers", p.buyers, 1, holdfast::kBuyersMax);
  if (p.buyers >= 1 && p.buyers < p.threads) {
    errors.push_back("--buyers=" + std::to_string(p.buyers) + " is below --threads=" +
                     std::to_string(p.threads) + ": every thread serves buyers of its own");
  }
  RequireRange(errors, "max_per_hold", p.max_per_hold, 1, holdfast::kUnitsPerHoldMax);
  RequireRange(errors, "ttl_ms", p.ttl_ms, 1,
               absl::ToInt64Milliseconds(holdfast::kHoldLifetimeMax));
  RequireRange(errors, "confirm_pct", p.confirm_pct, 0, 100);
  RequireRange(errors, "release_pct", p.release_pct, 0, 100 - std::max(0, p.confirm_pct));
  RequireRange(errors, "greedy_pct", p.greedy_pct, 0, 100);
  RequireRange(errors, "retries", p.retries, 0, 1000000);
  RequireRange(errors, "retry_pause_us", p.retry_pause_us, 0, 10000000);
  RequireRange(errors, "per_buyer", p.per_buyer, 1, holdfast::kPerBuyerUnitsMax);
  RequireRange(errors, "per_buyer_holds", p.per_buyer_holds, 1, holdfast::kHoldsMax);
  RequireRange(errors, "cycle_per_buyer", p.cycle_per_buyer, 0, holdfast::kCapacityMax);
  RequireRange(errors, "holds_max", p.holds_max, 64, holdfast::kHoldsMax);
  RequireRange(errors, "sweep_ms", p.sweep_ms, 1, 3600 * 1000);
  RequireRange(errors, "events_max", p.events_max, 0, holdfast::kEventsMax);
  RequireRange(errors, "seats_per_hold", p.seats_per_hold, 1, holdfast::kSeatsPerHoldMax);
  RequireRange(errors, "front_row_pct", p.front_row_pct, 0, 100);
  RequireRange(errors, "split_pct", p.split_pct, 0, 100);
  if (!(p.max_seconds > 0 && p.max_seconds <= 24 * 3600)) {
    char text[64];
    std::snprintf(text, sizeof(text), "%g", p.max_seconds);
    errors.push_back(std::string("--max_seconds=") + text +
                     " is out of range: it must be in (0, 86400]");
  }
  // Buyers cap what can ever be bought: a sale that cannot sell out would only run into
  // --max_seconds, so say so now.
  if (errors.empty() && p.buyers * p.per_buyer < p.tickets) {
    errors.push_back("--buyers=" + std::to_string(p.buyers) +
                     " times --per_buyer=" + std::to_string(p.per_buyer) + " is below --tickets=" +
                     std::to_string(p.tickets) + ": the sale could never sell out");
  }
  return errors;
}

// The sale of the story: two ticket types under one hall quota, cycles opening in real time
// from `noon`, the limits of the flags. The hall quota equals the sum of the types today; it
// is there so that every hold also goes through a shared quota, as a real hall's would.
// With --seated the types are the hall's sections, sized by the seat map.
absl::StatusOr<std::unique_ptr<holdfast::Sale>> BuildSale(const Params& p, absl::Time noon) {
  holdfast::SaleConfig config;
  if (p.seated) {
    absl::StatusOr<holdfast::SeatMapConfig> map = holdfast::ParseSeatMap(HallSeatMapText());
    if (!map.ok()) return map.status();
    config.seat_map = *std::move(map);
    for (int s = 0; s < kHallSections; ++s) {
      config.types.push_back(
          {.name = kHallSectionNames[s], .capacity = int64_t{kHallRows} * kHallSeatsPerRow});
    }
  } else {
    config.types.push_back({.name = "regular", .capacity = p.RegularUnits()});
    if (p.StudentUnits() > 0) {
      config.types.push_back({.name = "student", .capacity = p.StudentUnits()});
    }
  }
  holdfast::QuotaConfig hall{.name = "hall", .capacity = p.tickets, .types = {}};
  for (size_t t = 0; t < config.types.size(); ++t) {
    hall.types.push_back(static_cast<holdfast::TypeId>(t));
  }
  config.quotas.push_back(std::move(hall));
  for (int k = 0; k < p.cycles; ++k) {
    config.cycles.push_back({.name = "cycle " + std::to_string(k),
                             .opens_at = noon + absl::Milliseconds(p.cycle_gap_ms * k),
                             .allotment = p.Allotment(k),
                             .per_buyer_max = p.cycle_per_buyer,
                             .rollover = true});
  }
  config.per_buyer_units_max = p.per_buyer;
  config.per_buyer_holds_max = p.per_buyer_holds;
  config.units_per_hold_max = p.HoldUnitsMax();
  config.hold_ttl_default = absl::Milliseconds(p.ttl_ms);
  config.hold_lifetime_max = holdfast::kHoldLifetimeMax;
  config.holds_max = p.holds_max;
  // Buyer ids are 0 .. buyers - 1, so the buyer table holds every one of them.
  config.buyers_max = static_cast<int32_t>(p.buyers);
  // This story never retries a hold by key; no key table to allocate.
  config.idempotency_keys_max = 0;
  config.events_max = p.events_max;
  config.clock = holdfast::SystemClock::Get();
  return holdfast::Sale::Create(config);
}

// What one buyer knows about itself, as a sale page would show it: what it bought (overall and
// in the latest cycle this program could attribute a hold to) and the holds it walked away
// from, which still count against its limits until their deadline.
struct BuyerState {
  int32_t bought_units = 0;  // confirmed: Confirm answered kOk
  int32_t cycle = -1;
  int32_t cycle_units = 0;  // confirmed units attributed to `cycle`
  int32_t abandoned_holds = 0;
  int32_t abandoned_units = 0;
  int64_t abandoned_until_ns = 0;  // steady clock, at or after the last abandoned deadline
};

// What the buyer threads share. Per-buyer vectors are not atomic on purpose: buyer b is served
// by exactly one thread (ids are split in ranges), so each entry has one writer, and the main
// thread reads them only after joining that writer.
struct SharedRun {
  SharedRun(const Params& params_in, holdfast::Sale& sale_in, SteadyClock::time_point noon_in)
      : params(params_in),
        sale(sale_in),
        noon(noon_in),
        sold_out_ns(std::make_unique<std::atomic<int64_t>[]>(params_in.cycles)),
        buyers(params_in.buyers) {
    int64_t sum = 0;
    for (int k = 0; k < params.cycles; ++k) {
      sum += params.Allotment(k);
      cumulative_allotment.push_back(sum);
      sold_out_ns[k].store(-1, std::memory_order_relaxed);
    }
  }

  // True once buyers have confirmed every ticket. Relaxed, like every access to
  // confirmed_units: it is a count that publishes no other data, and the final value is read
  // after the buyer threads are joined, which orders it.
  bool SoldOut() const { return confirmed_units.load(std::memory_order_relaxed) >= params.tickets; }

  const Params& params;
  holdfast::Sale& sale;
  const SteadyClock::time_point noon;
  std::vector<int64_t> cumulative_allotment;  // [k]: the allotments of cycles 0..k together
  std::atomic<int64_t> confirmed_units{0};
  // Relaxed: a request to stop, set at sell-out or timeout; a buyer that sees it a little late
  // only makes one more harmless call. It carries no data.
  std::atomic<bool> stop{false};
  // [k]: nanoseconds from noon until confirmed_units first reached cumulative_allotment[k], or
  // -1. Written once, by the thread whose Confirm crossed the mark; relaxed because the
  // watcher's reading may be stale and the main thread reads it after the join.
  std::unique_ptr<std::atomic<int64_t>[]> sold_out_ns;
  std::vector<BuyerState> buyers;  // by buyer id
  // --seated only: who bought each seat, and the front rows' seats by section. Set before the
  // buyer threads start.
  std::unique_ptr<SeatLedger> ledger;
  std::vector<std::vector<holdfast::SeatId>> front_rows;
};

enum Op : int { kOpHold = 0, kOpConfirm, kOpRelease, kOpCount };

// One buyer thread's counters, written by that thread alone and merged after the join. The
// alignment keeps two threads' tallies off one cache line.
struct alignas(64) ThreadTally {
  std::array<std::array<int64_t, holdfast::kOutcomeCount>, kOpCount> outcomes{};
  int64_t held_units = 0;  // in holds that Hold answered kOk
  int64_t confirmed_holds = 0;
  int64_t confirmed_units = 0;
  int64_t released_holds = 0;
  int64_t released_units = 0;
  int64_t abandoned_holds = 0;
  int64_t abandoned_units = 0;
  // Holds whose Confirm or Release came too late (kExpired, or kUnknownHold once the slot was
  // reused): the thread was descheduled past the TTL. The sale counts them as expired.
  int64_t lost_holds = 0;
  int64_t lost_units = 0;
  int64_t unexpected_answers = 0;  // answers that this program's calls can never deserve
  int64_t retries = 0;
  int64_t cycle_limit_breaches = 0;
  int64_t unattributed_holds = 0;   // confirmed holds made while a cycle boundary passed
  int64_t front_row_holds = 0;      // --seated: holds of named front-row seats
  int64_t front_row_fallbacks = 0;  // named seats taken: the buyer took best available instead
  int64_t split_retries = 0;        // NoAdjacentSeats: the buyer asked again, allowing a split
  LatencyHistogram hold_latency;

  void Count(Op op, holdfast::Outcome outcome) { ++outcomes[op][static_cast<int>(outcome)]; }

  void Add(const ThreadTally& o) {
    for (int op = 0; op < kOpCount; ++op) {
      for (int i = 0; i < holdfast::kOutcomeCount; ++i) outcomes[op][i] += o.outcomes[op][i];
    }
    held_units += o.held_units;
    confirmed_holds += o.confirmed_holds;
    confirmed_units += o.confirmed_units;
    released_holds += o.released_holds;
    released_units += o.released_units;
    abandoned_holds += o.abandoned_holds;
    abandoned_units += o.abandoned_units;
    lost_holds += o.lost_holds;
    lost_units += o.lost_units;
    unexpected_answers += o.unexpected_answers;
    retries += o.retries;
    cycle_limit_breaches += o.cycle_limit_breaches;
    unattributed_holds += o.unattributed_holds;
    front_row_holds += o.front_row_holds;
    front_row_fallbacks += o.front_row_fallbacks;
    split_retries += o.split_retries;
    hold_latency.Merge(o.hold_latency);
  }
};

int64_t NanosSince(SteadyClock::time_point start, SteadyClock::time_point end) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
}

bool HoldAnswerExpected(holdfast::Outcome outcome) {
  using holdfast::Outcome;
  return outcome == Outcome::kOk || outcome == Outcome::kSoldOut ||
         outcome == Outcome::kBuyerLimit || outcome == Outcome::kTooManyHolds ||
         outcome == Outcome::kHoldTableFull || outcome == Outcome::kTryAgain;
}

// A buyer's pause before pressing F5 again.
void Pause(const Params& p) {
  if (p.retry_pause_us > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(p.retry_pause_us));
  } else {
    std::this_thread::yield();
  }
}

// A hold made, with the cycle it was made in: -1 if a cycle boundary passed during the call,
// since then this program cannot tell which cycle the sale charged it to.
struct Attempt {
  holdfast::HoldResult result;
  int cycle = -1;
  // --seated: the hold's seats.
  std::array<holdfast::SeatId, holdfast::kSeatsPerHoldMax> seats{};
  int seat_count = 0;
};

// One buyer's request, retried like a buyer pressing F5 while it is SoldOut or HoldTableFull.
Attempt HoldWithRetries(SharedRun& run, ThreadTally& tally, holdfast::BuyerId buyer,
                        const holdfast::HoldLine& line) {
  const holdfast::HoldOptions options{.ttl = absl::Milliseconds(run.params.ttl_ms)};
  for (int attempt = 0;; ++attempt) {
    const int cycle_before = run.sale.CurrentCycle();
    const SteadyClock::time_point start = SteadyClock::now();
    const holdfast::HoldResult result =
        run.sale.Hold(buyer, absl::MakeConstSpan(&line, 1), options);
    const SteadyClock::time_point end = SteadyClock::now();
    const int cycle_after = run.sale.CurrentCycle();
    tally.hold_latency.Record(NanosSince(start, end));
    tally.Count(kOpHold, result.outcome);
    if (!HoldAnswerExpected(result.outcome)) ++tally.unexpected_answers;
    if (result.ok()) {
      tally.held_units += line.quantity;
      return {result, cycle_before == cycle_after ? cycle_before : -1};
    }
    const bool worth_retrying = result.outcome == holdfast::Outcome::kSoldOut ||
                                result.outcome == holdfast::Outcome::kHoldTableFull ||
                                result.outcome == holdfast::Outcome::kTryAgain;
    if (!worth_retrying || attempt >= run.params.retries || run.SoldOut() ||
        run.stop.load(std::memory_order_relaxed)) {
      return {result, -1};
    }
    ++tally.retries;
    Pause(run.params);
  }
}

// A seated request: named seats of a front row (HoldSeats), or the best available.
struct SeatRequest {
  bool front_row = false;
  std::array<holdfast::SeatId, holdfast::kSeatsPerHoldMax> seats{};  // front_row only
  holdfast::BestAvailableRequest best;
};

// What a buyer asks for: --front_row_pct of the requests name `quantity` adjacent seats at a
// random place in the front row of a random section; the rest ask for the best available,
// --split_pct of them accepting split seats from the start.
SeatRequest PickSeats(const SharedRun& run, int32_t quantity, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pick_dice(0, 99);
  SeatRequest request;
  request.best.count = quantity;
  request.best.allow_split = pick_dice(rng) < run.params.split_pct;
  const auto& row = run.front_rows[rng() % run.front_rows.size()];
  if (pick_dice(rng) < run.params.front_row_pct && row.size() >= static_cast<size_t>(quantity)) {
    const size_t first = rng() % (row.size() - quantity + 1);
    std::copy(row.begin() + first, row.begin() + first + quantity, request.seats.begin());
    request.front_row = true;
  }
  return request;
}

bool SeatedAnswerExpected(holdfast::Outcome outcome) {
  return HoldAnswerExpected(outcome) || outcome == holdfast::Outcome::kSeatTaken ||
         outcome == holdfast::Outcome::kNoAdjacentSeats;
}

// One call for `request`; fills in the attempt's result and, on kOk, its seats.
void TrySeats(SharedRun& run, holdfast::BuyerId buyer, const SeatRequest& request,
              Attempt& attempt) {
  const holdfast::HoldOptions options{.ttl = absl::Milliseconds(run.params.ttl_ms)};
  const int count = request.best.count;
  if (request.front_row) {
    attempt.result =
        run.sale.HoldSeats(buyer, absl::MakeConstSpan(request.seats.data(), count), {}, options);
    attempt.seats = request.seats;
  } else {
    attempt.result = run.sale.HoldBestAvailable(
        buyer, request.best, absl::MakeSpan(attempt.seats.data(), count), options);
  }
  attempt.seat_count = attempt.result.ok() ? count : 0;
}

// HoldWithRetries for seats. A buyer whose named seats are taken takes the best available
// instead; one told NoAdjacentSeats asks again accepting split seats (the site's "sit
// apart?"); then it retries on SoldOut, NoAdjacentSeats and HoldTableFull like any buyer.
Attempt HoldSeatsWithRetries(SharedRun& run, ThreadTally& tally, holdfast::BuyerId buyer,
                             int32_t quantity, std::mt19937_64& rng) {
  using holdfast::Outcome;
  SeatRequest request = PickSeats(run, quantity, rng);
  for (int attempt = 0;; ++attempt) {
    const int cycle_before = run.sale.CurrentCycle();
    const SteadyClock::time_point start = SteadyClock::now();
    Attempt made;
    TrySeats(run, buyer, request, made);
    const SteadyClock::time_point end = SteadyClock::now();
    const int cycle_after = run.sale.CurrentCycle();
    const Outcome outcome = made.result.outcome;
    tally.hold_latency.Record(NanosSince(start, end));
    tally.Count(kOpHold, outcome);
    if (!SeatedAnswerExpected(outcome)) ++tally.unexpected_answers;
    if (made.result.ok()) {
      tally.held_units += quantity;
      tally.front_row_holds += request.front_row ? 1 : 0;
      made.cycle = cycle_before == cycle_after ? cycle_before : -1;
      return made;
    }
    if (outcome == Outcome::kSeatTaken && request.front_row) {
      request.front_row = false;
      ++tally.front_row_fallbacks;
      continue;
    }
    if (outcome == Outcome::kNoAdjacentSeats && !request.best.allow_split) {
      request.best.allow_split = true;
      ++tally.split_retries;
      continue;
    }
    const bool worth_retrying = outcome == Outcome::kSoldOut ||
                                outcome == Outcome::kNoAdjacentSeats ||
                                outcome == Outcome::kHoldTableFull || outcome == Outcome::kTryAgain;
    if (!worth_retrying || attempt >= run.params.retries || run.SoldOut() ||
        run.stop.load(std::memory_order_relaxed)) {
      made.cycle = -1;
      return made;
    }
    ++tally.retries;
    Pause(run.params);
  }
}

// Records the time each cycle's cumulative allotment was reached by the confirmed units going
// from `before` to `after`. Exactly one fetch_add crosses each mark, so each is written once.
void MarkSellOuts(SharedRun& run, int64_t before, int64_t after) {
  for (int k = 0; k < run.params.cycles; ++k) {
    const int64_t mark = run.cumulative_allotment[k];
    if (before < mark && mark <= after) {
      run.sold_out_ns[k].store(NanosSince(run.noon, SteadyClock::now()), std::memory_order_relaxed);
    }
  }
}

void RecordSold(SharedRun& run, ThreadTally& tally, holdfast::BuyerId buyer, int32_t units,
                int cycle) {
  ++tally.confirmed_holds;
  tally.confirmed_units += units;
  BuyerState& state = run.buyers[buyer];
  state.bought_units += units;
  if (cycle < 0) {
    ++tally.unattributed_holds;
  } else {
    // One thread serves this buyer and finishes each hold before the next, so the cycles of
    // its confirmed holds only go up: a new cycle starts the count again.
    if (state.cycle != cycle) {
      state.cycle = cycle;
      state.cycle_units = 0;
    }
    state.cycle_units += units;
    if (run.params.cycle_per_buyer > 0 && state.cycle_units > run.params.cycle_per_buyer) {
      ++tally.cycle_limit_breaches;
    }
  }
  const int64_t after = run.confirmed_units.fetch_add(units, std::memory_order_relaxed) + units;
  MarkSellOuts(run, after - units, after);
  if (after >= run.params.tickets) run.stop.store(true, std::memory_order_relaxed);
}

// Confirm or Release lost the race against the hold's own deadline.
void RecordLate(ThreadTally& tally, holdfast::Outcome outcome, int32_t units) {
  if (outcome == holdfast::Outcome::kExpired || outcome == holdfast::Outcome::kUnknownHold) {
    ++tally.lost_holds;
    tally.lost_units += units;
  } else {
    ++tally.unexpected_answers;
  }
}

// The buyer decides: confirm (pay), release (change of mind) or abandon (close the tab).
void FinishHold(SharedRun& run, ThreadTally& tally, holdfast::BuyerId buyer,
                const holdfast::HoldLine& line, const Attempt& attempt, int dice) {
  const holdfast::HoldId id = attempt.result.id;
  if (dice < run.params.confirm_pct) {
    const holdfast::Outcome outcome = run.sale.Confirm(id, buyer);
    tally.Count(kOpConfirm, outcome);
    if (outcome == holdfast::Outcome::kOk) {
      RecordSold(run, tally, buyer, line.quantity, attempt.cycle);
      if (run.ledger != nullptr) {  // --seated: whose seats these are now
        run.ledger->Record(absl::MakeConstSpan(attempt.seats.data(), attempt.seat_count), buyer);
      }
    } else {
      RecordLate(tally, outcome, line.quantity);
    }
  } else if (dice < run.params.confirm_pct + run.params.release_pct) {
    const holdfast::Outcome outcome = run.sale.Release(id, buyer);
    tally.Count(kOpRelease, outcome);
    if (outcome == holdfast::Outcome::kOk) {
      ++tally.released_holds;
      tally.released_units += line.quantity;
    } else {
      RecordLate(tally, outcome, line.quantity);
    }
  } else {
    ++tally.abandoned_holds;
    tally.abandoned_units += line.quantity;
    // Read after Hold returned, so this is at or after the hold's deadline.
    BuyerState& state = run.buyers[buyer];
    ++state.abandoned_holds;
    state.abandoned_units += line.quantity;
    state.abandoned_until_ns =
        NanosSince(run.noon, SteadyClock::now()) + run.params.ttl_ms * 1'000'000;
  }
}

// Units a buyer may still ask for, as the buyer knows it (the site shows "you may buy 2 more"):
// the sale and cycle limits minus what it bought and what its abandoned holds still hold; 0
// while those holds use up its live-hold limit. Counting abandoned units against the cycle
// too errs low, never high. Forgets the abandoned holds once their deadline has passed.
int64_t RoomLeft(const Params& p, BuyerState& state, int cycle, int64_t now_ns) {
  if (state.abandoned_holds > 0 && now_ns >= state.abandoned_until_ns) {
    state.abandoned_holds = 0;
    state.abandoned_units = 0;
  }
  if (state.abandoned_holds >= p.per_buyer_holds) return 0;
  int64_t room = p.per_buyer - state.bought_units - state.abandoned_units;
  if (p.cycle_per_buyer > 0 && cycle >= 0) {
    const int64_t in_cycle = state.cycle == cycle ? state.cycle_units : 0;
    room = std::min(room, p.cycle_per_buyer - in_cycle - state.abandoned_units);
  }
  return room;
}

// The type a buyer wants: "student" (1) in proportion to its stock, so both types sell out
// together. Like a sale page that greys out a sold-out type, a buyer takes the other type when
// its own shows nothing available (counting dead holds as taken; Hold itself reclaims them).
// Without this the last units of one type would wait for the few buyers who happen to want
// that type while the rest press F5 on the other.
holdfast::TypeId PickType(const SharedRun& run, int64_t ticket) {
  if (run.params.StudentUnits() == 0) return 0;
  const holdfast::TypeId wanted = ticket < run.params.StudentUnits() ? 1 : 0;
  const holdfast::TypeId other = 1 - wanted;
  if (run.sale.Available(wanted) == 0 && run.sale.Available(other) > 0) return other;
  return wanted;
}

// One worker thread: serves buyers [first, last) until the sale sells out, time is up, or all
// of them have bought their limit. Buyers who have are dropped, and when none of the others
// may ask for anything now (cycle limit reached, or abandoned holds not yet expired) the
// thread pauses: otherwise, on a machine with fewer cores than threads, a thread whose buyers
// can't buy would spin through its time slice while threads whose buyers can wait for a core.
void BuyerLoop(SharedRun& run, int thread_index, ThreadTally& tally, std::latch& start_line) {
  const Params& p = run.params;
  std::vector<holdfast::BuyerId> shoppers;
  for (int64_t b = p.buyers * thread_index / p.threads;
       b < p.buyers * (thread_index + 1) / p.threads; ++b) {
    shoppers.push_back(static_cast<holdfast::BuyerId>(b));
  }
  std::seed_seq seeds{static_cast<uint32_t>(p.seed), static_cast<uint32_t>(p.seed >> 32),
                      static_cast<uint32_t>(thread_index)};
  std::mt19937_64 rng(seeds);
  std::uniform_int_distribution<int64_t> pick_ticket(0, p.tickets - 1);
  std::uniform_int_distribution<int64_t> pick_quantity(1, p.HoldUnitsMax());
  std::uniform_int_distribution<int> pick_dice(0, 99);
  size_t idle_picks = 0;
  start_line.arrive_and_wait();  // everybody presses F5 at noon
  while (!shoppers.empty() && !run.stop.load(std::memory_order_relaxed)) {
    const size_t pick = std::uniform_int_distribution<size_t>(0, shoppers.size() - 1)(rng);
    const holdfast::BuyerId buyer = shoppers[pick];
    BuyerState& state = run.buyers[buyer];
    if (state.bought_units >= p.per_buyer) {  // bought all it may: leaves the site
      shoppers[pick] = shoppers.back();
      shoppers.pop_back();
      continue;
    }
    const int64_t now_ns = NanosSince(run.noon, SteadyClock::now());
    const bool greedy = pick_dice(rng) < p.greedy_pct;
    const int64_t room = RoomLeft(p, state, run.sale.CurrentCycle(), now_ns);
    if (room > 0) {
      idle_picks = 0;
    } else {  // comes back when its holds expire or the next cycle opens, unless greedy
      if (++idle_picks >= shoppers.size()) {
        Pause(p);
        idle_picks = 0;
      }
      if (!greedy) continue;
    }
    const holdfast::TypeId type = PickType(run, pick_ticket(rng));
    const auto quantity =
        static_cast<int32_t>(greedy ? pick_quantity(rng) : std::min(pick_quantity(rng), room));
    const holdfast::HoldLine line{.type = type, .quantity = quantity};
    const Attempt attempt = p.seated ? HoldSeatsWithRetries(run, tally, buyer, quantity, rng)
                                     : HoldWithRetries(run, tally, buyer, line);
    if (attempt.result.ok()) FinishHold(run, tally, buyer, line, attempt, pick_dice(rng));
  }
}

// What the events said, per EventKind.
struct EventTally {
  std::array<int64_t, 4> events{};
  std::array<int64_t, 4> units{};

  void Add(absl::Span<const holdfast::Event> batch) {
    for (const holdfast::Event& event : batch) {
      const auto kind = static_cast<size_t>(event.kind);
      if (kind >= events.size()) continue;
      ++events[kind];
      units[kind] += event.units;
    }
  }
};

// Drains up to `batches_max` buffers, stopping early when the queue runs dry; returns how
// many events it moved. The bound lets the watcher print and time out while buyers keep
// the queue full.
int64_t Drain(holdfast::Sale& sale, std::vector<holdfast::Event>& buffer, EventTally& tally,
              int64_t batches_max) {
  int64_t total = 0;
  for (int64_t batch = 0; batch < batches_max; ++batch) {
    const size_t n = sale.DrainEvents(absl::MakeSpan(buffer));
    tally.Add(absl::MakeConstSpan(buffer.data(), n));
    total += static_cast<int64_t>(n);
    if (n < buffer.size()) break;
  }
  return total;
}

std::string FormatRate(double per_second) {
  char text[32];
  if (per_second >= 1e6) {
    std::snprintf(text, sizeof(text), "%.2fM", per_second / 1e6);
  } else if (per_second >= 1e3) {
    std::snprintf(text, sizeof(text), "%.1fk", per_second / 1e3);
  } else {
    std::snprintf(text, sizeof(text), "%.0f", per_second);
  }
  return text;
}

// The progress line's state between two prints.
struct ProgressLine {
  bool tty = false;
  SteadyClock::time_point last_time;
  int64_t last_holds_created = 0;

  void Print(const SharedRun& run, SteadyClock::time_point now) {
    const holdfast::SaleStats stats = run.sale.Stats();
    const double interval = std::chrono::duration<double>(now - last_time).count();
    const double rate =
        interval > 0 ? static_cast<double>(stats.holds_created - last_holds_created) / interval : 0;
    last_time = now;
    last_holds_created = stats.holds_created;
    const int cycle = run.sale.CurrentCycle();
    std::fprintf(stderr, "%s[%7.2f s] sold %lld/%lld  held %lld  holds/s %s  cycle %s%s",
                 tty ? "\r" : "", std::chrono::duration<double>(now - run.noon).count(),
                 static_cast<long long>(stats.sold_units),
                 static_cast<long long>(run.params.tickets),
                 static_cast<long long>(stats.held_units), FormatRate(rate).c_str(),
                 cycle < 0 ? "none" : std::to_string(cycle).c_str(), tty ? "   " : "\n");
    std::fflush(stderr);
  }
};

// The progress thread: drains events as fast as they come, prints the progress line (10 times
// a second on a terminal, once a second otherwise) and stops the buyers at --max_seconds.
void WatchLoop(SharedRun& run, EventTally& events, const std::atomic<bool>& buyers_done) {
  ProgressLine line{.tty = isatty(fileno(stderr)) == 1, .last_time = run.noon};
  const auto period = line.tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
  const auto deadline = run.noon + std::chrono::duration_cast<SteadyClock::duration>(
                                       std::chrono::duration<double>(run.params.max_seconds));
  std::vector<holdfast::Event> buffer(4096);
  SteadyClock::time_point next_print = run.noon + period;
  // Relaxed: buyers_done only ends this loop; main joins this thread before reading `events`.
  while (!buyers_done.load(std::memory_order_relaxed)) {
    const int64_t drained = run.params.events_max > 0 ? Drain(run.sale, buffer, events, 16) : 0;
    const SteadyClock::time_point now = SteadyClock::now();
    if (now >= deadline) run.stop.store(true, std::memory_order_relaxed);
    if (now >= next_print) {
      line.Print(run, now);
      next_print = now + period;  // after a stall (64 threads on few cores), no burst of lines
    }
    if (drained == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  line.Print(run, SteadyClock::now());
  if (line.tty) std::fputc('\n', stderr);
}

// Everything the report and the checks need, read at the quiescent end of the run.
struct Finals {
  holdfast::SaleStats stats;
  std::vector<holdfast::TypeStats> types;
  int64_t quota_available = 0;
  int current_cycle = -1;
  int64_t last_cycle_available = 0;
  ThreadTally mine;
  EventTally events;
  int64_t events_drained = 0;
  int64_t confirmed_counter = 0;  // SharedRun::confirmed_units
  int64_t final_sweep_expired = 0;
  double run_seconds = 0;     // noon until every buyer thread had stopped
  double create_seconds = 0;  // Sale::Create, which runs after noon
  double setup_seconds = 0;   // noon until the buyer threads were released
  SeatAudit seats;            // --seated only
};

// Runs the buyers, the watcher and the sweeper from noon until the buyers stop, then waits
// past every hold's deadline. Fills in the setup time and the moment the buyers stopped.
void RunBuyers(SharedRun& run, std::vector<ThreadTally>& tallies, Finals& finals,
               SteadyClock::time_point& buyers_stopped) {
  const Params& p = run.params;
  holdfast::Sweeper sweeper(&run.sale, absl::Milliseconds(p.sweep_ms));
  std::atomic<bool> buyers_done{false};
  std::latch start_line(p.threads + 1);
  std::thread watcher(WatchLoop, std::ref(run), std::ref(finals.events), std::cref(buyers_done));
  std::vector<std::thread> buyers;
  buyers.reserve(p.threads);
  for (int t = 0; t < p.threads; ++t) {
    buyers.emplace_back(BuyerLoop, std::ref(run), t, std::ref(tallies[t]), std::ref(start_line));
  }
  finals.setup_seconds = std::chrono::duration<double>(SteadyClock::now() - run.noon).count();
  start_line.arrive_and_wait();
  for (std::thread& buyer : buyers) buyer.join();
  buyers_stopped = SteadyClock::now();
  buyers_done.store(true, std::memory_order_relaxed);
  watcher.join();
  // Let every deadline pass while the sweeper still runs: a hold live after this is stuck.
  std::this_thread::sleep_for(std::chrono::milliseconds(p.ttl_ms + 50));
  sweeper.Stop();
}

void Gather(SharedRun& run, const std::vector<ThreadTally>& tallies, Finals& finals) {
  holdfast::Sale& sale = run.sale;
  finals.final_sweep_expired = sale.Sweep();
  if (run.params.events_max > 0) {
    std::vector<holdfast::Event> buffer(4096);
    // Quiescent now: nothing refills the queue, so this ends once it is empty.
    Drain(sale, buffer, finals.events, std::numeric_limits<int64_t>::max());
  }
  for (int64_t n : finals.events.events) finals.events_drained += n;
  finals.stats = sale.Stats();
  for (size_t t = 0; t < sale.config().types.size(); ++t) {
    finals.types.push_back(sale.TypeStatsOf(static_cast<holdfast::TypeId>(t)));
  }
  finals.quota_available = sale.QuotaAvailable(0);
  finals.current_cycle = sale.CurrentCycle();
  finals.last_cycle_available = sale.CycleAvailable(run.params.cycles - 1);
  for (const ThreadTally& tally : tallies) finals.mine.Add(tally);
  finals.confirmed_counter = run.confirmed_units.load(std::memory_order_relaxed);
  if (run.ledger != nullptr) finals.seats = AuditSeats(sale, *run.ledger);
}

// A check's verdict: how many problems, and the first few described.
struct Check {
  explicit Check(std::string name_in) : name(std::move(name_in)) {}

  std::string name;
  int64_t count = 0;
  std::vector<std::string> details;
  std::string skipped;  // why the check could not run; empty when it ran

  void Problem(int64_t weight, std::string detail) {
    count += weight;
    if (details.size() < 10) details.push_back(std::move(detail));
  }
  // Counts a disagreement between two numbers that must be equal.
  void Equal(const std::string& what, int64_t left, int64_t right) {
    if (left == right) return;
    Problem(1, what + ": " + std::to_string(left) + " != " + std::to_string(right));
  }
};

std::string Num(int64_t n) { return std::to_string(n); }

// I1: nothing sold or held beyond any capacity, availability never negative.
Check CheckOversold(const Params& p, const Finals& f, const holdfast::SaleConfig& config) {
  Check check("oversold units");
  int64_t hall_used = 0;
  for (size_t t = 0; t < f.types.size(); ++t) {
    const holdfast::TypeStats& s = f.types[t];
    const int64_t used = s.sold_units + s.held_units;
    hall_used += used;
    const int64_t over =
        std::max<int64_t>(0, used - s.capacity) + std::max<int64_t>(0, -s.available);
    if (over > 0) {
      check.Problem(over, "type " + config.types[t].name + ": sold " + Num(s.sold_units) +
                              " + held " + Num(s.held_units) + " > capacity " + Num(s.capacity) +
                              " or available " + Num(s.available) + " < 0");
    }
  }
  const int64_t hall_over = std::max<int64_t>(0, hall_used - p.tickets);
  if (hall_over > 0 || f.quota_available < 0) {
    check.Problem(std::max<int64_t>(hall_over, -f.quota_available),
                  "quota hall: sold + held " + Num(hall_used) + " > capacity " + Num(p.tickets) +
                      " or available " + Num(f.quota_available) + " < 0");
  }
  const int64_t sale_used = f.stats.sold_units + f.stats.held_units;
  if (sale_used > p.tickets) {
    check.Problem(sale_used - p.tickets, "sale: sold + held " + Num(sale_used) +
                                             " > the cycles' allotments " + Num(p.tickets));
  }
  return check;
}

// I3: after every deadline has passed and a sweep has run, nothing is held any more.
Check CheckStuck(const Finals& f) {
  Check check("stuck holds");
  if (f.stats.live_holds != 0) {
    check.Problem(f.stats.live_holds,
                  "live holds after the final sweep: " + Num(f.stats.live_holds));
  }
  int64_t type_held = 0;
  for (const holdfast::TypeStats& s : f.types) type_held += s.held_units;
  if (f.stats.held_units != 0 || type_held != 0) {
    check.Problem(f.stats.live_holds == 0 ? 1 : 0, "held units after the final sweep: sale " +
                                                       Num(f.stats.held_units) + ", types " +
                                                       Num(type_held));
  }
  return check;
}

// The per-buyer scan: the sale's view of every buyer against this program's.
struct BuyerScan {
  int64_t over_limit = 0;     // buyers whose bought units exceed --per_buyer
  int64_t mismatched = 0;     // buyers whose bought units differ from what we confirmed
  int64_t still_holding = 0;  // buyers with held units or live holds after the final sweep
  int64_t library_sum = 0;    // sum of Buyer(b).bought_units
  int64_t mine_sum = 0;       // sum of our per-buyer counts
  std::vector<std::string> examples;
};

BuyerScan ScanBuyers(const SharedRun& run) {
  BuyerScan scan;
  for (int64_t b = 0; b < run.params.buyers; ++b) {
    const holdfast::BuyerCounts counts = run.sale.Buyer(static_cast<holdfast::BuyerId>(b));
    const int64_t mine = run.buyers[b].bought_units;
    scan.library_sum += counts.bought_units;
    scan.mine_sum += mine;
    const bool over = std::max(counts.bought_units, mine) > run.params.per_buyer;
    const bool differs = counts.bought_units != mine;
    const bool holding = counts.held_units != 0 || counts.live_holds != 0;
    scan.over_limit += over ? 1 : 0;
    scan.mismatched += differs ? 1 : 0;
    scan.still_holding += holding ? 1 : 0;
    if ((over || differs || holding) && scan.examples.size() < 10) {
      scan.examples.push_back("buyer " + Num(b) + ": sale says bought " + Num(counts.bought_units) +
                              ", held " + Num(counts.held_units) + ", live holds " +
                              Num(counts.live_holds) + "; we confirmed " + Num(mine));
    }
  }
  return scan;
}

// I6: no buyer bought more than the sale's limit or, as far as we can attribute holds to
// cycles, more than the cycle's limit.
Check CheckLimits(const Params& p, const Finals& f, const BuyerScan& scan) {
  Check check("per-buyer limit breaches");
  if (scan.over_limit > 0) {
    check.Problem(scan.over_limit,
                  Num(scan.over_limit) + " buyers bought more than " + Num(p.per_buyer) + " units");
  }
  if (f.mine.cycle_limit_breaches > 0) {
    check.Problem(f.mine.cycle_limit_breaches, Num(f.mine.cycle_limit_breaches) +
                                                   " confirmations took a buyer past " +
                                                   Num(p.cycle_per_buyer) + " units in one cycle");
  }
  if (scan.over_limit > 0) {
    for (const std::string& example : scan.examples) check.details.push_back(example);
  }
  return check;
}

// I10, part 1: units. Every counter of the sale against the others and against ours.
void CheckUnitAccounts(const Params& p, const Finals& f, const BuyerScan& scan,
                       const holdfast::SaleConfig& config, Check& check) {
  int64_t sold = 0, held = 0, released = 0, expired = 0;
  for (size_t t = 0; t < f.types.size(); ++t) {
    const holdfast::TypeStats& s = f.types[t];
    check.Equal("type " + config.types[t].name + " available + held + sold vs capacity",
                s.available + s.held_units + s.sold_units, s.capacity);
    sold += s.sold_units;
    held += s.held_units;
    released += s.released_units;
    expired += s.expired_units;
  }
  check.Equal("sale sold vs types' sold", f.stats.sold_units, sold);
  check.Equal("sale held vs types' held", f.stats.held_units, held);
  check.Equal("sale released vs types' released", f.stats.released_units, released);
  check.Equal("sale expired vs types' expired", f.stats.expired_units, expired);
  check.Equal("sale sold vs units we confirmed", f.stats.sold_units, f.mine.confirmed_units);
  check.Equal("units we confirmed vs our sell-out counter", f.mine.confirmed_units,
              f.confirmed_counter);
  check.Equal("sale sold vs sum of buyers' bought", f.stats.sold_units, scan.library_sum);
  check.Equal("sum of our per-buyer counts vs units we confirmed", scan.mine_sum,
              f.mine.confirmed_units);
  if (scan.mismatched > 0) {
    check.Problem(scan.mismatched, Num(scan.mismatched) + " buyers' bought units differ from ours");
  }
  check.Equal("sale released vs units we released", f.stats.released_units, f.mine.released_units);
  check.Equal("sale expired vs units we abandoned or confirmed too late", f.stats.expired_units,
              f.mine.abandoned_units + f.mine.lost_units);
  check.Equal(
      "units we held vs sold + released + expired + still held", f.mine.held_units,
      f.stats.sold_units + f.stats.released_units + f.stats.expired_units + f.stats.held_units);
  check.Equal("quota hall available vs capacity - sold - held", f.quota_available,
              p.tickets - sold - held);
  // With rollover everywhere, the last cycle carries all the stock the earlier ones left.
  if (f.current_cycle == p.cycles - 1) {
    check.Equal("last cycle available vs tickets - sold - held", f.last_cycle_available,
                p.tickets - f.stats.sold_units - f.stats.held_units);
  }
}

// I10, part 2: holds. Every hold ended exactly once, the way we saw it end.
void CheckHoldAccounts(const Finals& f, Check& check) {
  const ThreadTally& mine = f.mine;
  const int64_t held_ok = mine.outcomes[kOpHold][static_cast<int>(holdfast::Outcome::kOk)];
  check.Equal("sale holds created vs Hold answered Ok", f.stats.holds_created, held_ok);
  check.Equal("sale holds confirmed vs holds we confirmed", f.stats.holds_confirmed,
              mine.confirmed_holds);
  check.Equal("sale holds released vs holds we released", f.stats.holds_released,
              mine.released_holds);
  check.Equal("sale holds expired vs holds we abandoned or confirmed too late",
              f.stats.holds_expired, mine.abandoned_holds + mine.lost_holds);
  check.Equal("holds created vs confirmed + released + expired + live", f.stats.holds_created,
              f.stats.holds_confirmed + f.stats.holds_released + f.stats.holds_expired +
                  f.stats.live_holds);
}

// The sale's outcome counters against ours: the same calls, counted on both sides.
Check CheckOutcomes(const Finals& f) {
  Check check("outcome counts disagreeing");
  for (int i = 0; i < holdfast::kOutcomeCount; ++i) {
    int64_t mine = 0;
    for (int op = 0; op < kOpCount; ++op) mine += f.mine.outcomes[op][i];
    check.Equal(std::string("outcome ") +
                    std::string(holdfast::OutcomeName(static_cast<holdfast::Outcome>(i))) +
                    ": sale counted vs we counted",
                f.stats.outcomes[i], mine);
  }
  return check;
}

Check CheckUnexpected(const Finals& f) {
  Check check("unexpected answers");
  if (f.mine.unexpected_answers > 0) {
    check.Problem(f.mine.unexpected_answers,
                  "a Hold answered other than Ok, SoldOut, BuyerLimit, TooManyHolds, "
                  "HoldTableFull, or a Confirm/Release other than Ok, Expired, UnknownHold "
                  "(see the outcome table)");
  }
  return check;
}

// The event stream against the counters; only meaningful when no event was dropped.
Check CheckEvents(const Params& p, const Finals& f) {
  Check check("event totals disagreeing");
  if (p.events_max == 0) {
    check.skipped = "events are off (--events_max=0)";
    return check;
  }
  if (f.stats.events_dropped > 0) {
    check.skipped = Num(f.stats.events_dropped) + " events were dropped";
    return check;
  }
  const auto& e = f.events;
  using holdfast::EventKind;
  auto at = [](EventKind kind) { return static_cast<size_t>(kind); };
  check.Equal("Held events vs holds created", e.events[at(EventKind::kHeld)],
              f.stats.holds_created);
  check.Equal("Confirmed events vs holds confirmed", e.events[at(EventKind::kConfirmed)],
              f.stats.holds_confirmed);
  check.Equal("Released events vs holds released", e.events[at(EventKind::kReleased)],
              f.stats.holds_released);
  check.Equal("Expired events vs holds expired", e.events[at(EventKind::kExpired)],
              f.stats.holds_expired);
  check.Equal("Held events' units vs units we held", e.units[at(EventKind::kHeld)],
              f.mine.held_units);
  check.Equal("Confirmed events' units vs sold units", e.units[at(EventKind::kConfirmed)],
              f.stats.sold_units);
  check.Equal("Released events' units vs released units", e.units[at(EventKind::kReleased)],
              f.stats.released_units);
  check.Equal("Expired events' units vs expired units", e.units[at(EventKind::kExpired)],
              f.stats.expired_units);
  return check;
}

// --seated, I1 for seats: no seat confirmed twice, and the sale's seats (sold bits, Seat()
// and its buyer) agree with what the buyers confirmed.
Check CheckSeatsSoldTwice(const Finals& f) {
  Check check("seats sold twice");
  const SeatAudit& a = f.seats;
  if (!a.snapshot_ok) check.Problem(1, "SnapshotSeats refused spans of the right size");
  if (a.sold_twice > 0) {
    check.Problem(a.sold_twice, Num(a.sold_twice) + " confirmations of seats already bought");
  }
  if (a.disagreeing > 0) {
    check.Problem(a.disagreeing, Num(a.disagreeing) +
                                     " seats where the sale and the "
                                     "confirmations disagree, e.g.:");
    for (const std::string& example : a.examples) check.details.push_back("  " + example);
  }
  check.Equal("seats sold (sold bits) vs units sold", a.sold_bits, f.stats.sold_units);
  check.Equal("seats held (held bits) after the final sweep", a.held_bits, 0);
  return check;
}

// --seated: at sell-out every seat is sold exactly once (its sold bit set, one buyer).
Check CheckSeatsSoldOnce(const Params& p, const Finals& f) {
  Check check("seats not sold once");
  if (f.stats.sold_units < p.tickets) {
    check.skipped = "not sold out";
    return check;
  }
  check.Equal("seats with their sold bit vs seats in the hall", f.seats.sold_bits, p.tickets);
  check.Equal("seats with one recorded buyer vs seats in the hall", f.seats.recorded, p.tickets);
  return check;
}

void PrintParameters(const Params& p) {
  std::printf("noon_rush: a ticket sale opens at noon; %lld buyers on %d threads press F5\n\n",
              static_cast<long long>(p.buyers), p.threads);
  std::printf("parameters\n");
  if (p.seated) {
    std::printf(
        "  seats            %lld: %d sections (%s, %s, %s, %s) x %d rows x %d seats, one type "
        "each, quota \"hall\" over all\n",
        static_cast<long long>(p.tickets), kHallSections, kHallSectionNames[0],
        kHallSectionNames[1], kHallSectionNames[2], kHallSectionNames[3], kHallRows,
        kHallSeatsPerRow);
    std::printf(
        "  seated requests  1..%d seats; %d%% named front-row seats, %d%% best available "
        "accepting split seats\n",
        p.seats_per_hold, p.front_row_pct, p.split_pct);
  } else {
    std::printf(
        "  tickets          %lld: regular %lld, student %lld, quota \"hall\" %lld over all "
        "types\n",
        static_cast<long long>(p.tickets), static_cast<long long>(p.RegularUnits()),
        static_cast<long long>(p.StudentUnits()), static_cast<long long>(p.tickets));
  }
  std::printf(
      "  cycles           %d, opening %lld ms apart, allotment %lld each (the last "
      "%lld), rollover on\n",
      p.cycles, static_cast<long long>(p.cycle_gap_ms), static_cast<long long>(p.Allotment(0)),
      static_cast<long long>(p.Allotment(p.cycles - 1)));
  std::printf("  buyers           %lld%s, ids 0..%lld split in ranges over %d threads\n",
              static_cast<long long>(p.buyers), p.buyers_auto ? " (auto)" : "",
              static_cast<long long>(p.buyers - 1), p.threads);
  std::printf(
      "  limits           %lld units and %d live holds per buyer, %lld units per buyer "
      "per cycle%s\n",
      static_cast<long long>(p.per_buyer), p.per_buyer_holds,
      static_cast<long long>(p.cycle_per_buyer), p.cycle_per_buyer == 0 ? " (none)" : "");
  std::printf(
      "  holds            1..%d units, ttl %lld ms; confirm %d%%, release %d%%, "
      "abandon %d%%\n",
      p.HoldUnitsMax(), static_cast<long long>(p.ttl_ms), p.confirm_pct, p.release_pct,
      100 - p.confirm_pct - p.release_pct);
  std::printf(
      "  retries          %d on SoldOut/HoldTableFull, %lld us apart; %d%% of requests "
      "greedy\n",
      p.retries, static_cast<long long>(p.retry_pause_us), p.greedy_pct);
  std::printf(
      "  sale             holds_max %d, sweeper every %lld ms, events_max %d, "
      "max_seconds %.1f, seed %llu\n\n",
      p.holds_max, static_cast<long long>(p.sweep_ms), p.events_max, p.max_seconds,
      static_cast<unsigned long long>(p.seed));
}

void PrintTimeline(const SharedRun& run, const Finals& f) {
  const Params& p = run.params;
  std::printf(
      "timeline, in seconds from noon (the instant cycle 0 opened). Setup: Sale::Create took "
      "%.3f s,\nthe buyers were released at %.3f s. A cycle is sold out when the units confirmed "
      "so far\n(counted as each Confirm returns Ok) first reach the allotments of cycles 0..k; "
      "its selling time\nruns from the later of its opening and the buyers' release.\n",
      f.create_seconds, f.setup_seconds);
  for (int k = 0; k < p.cycles; ++k) {
    const double opens = static_cast<double>(p.cycle_gap_ms * k) / 1e3;
    const int64_t ns = run.sold_out_ns[k].load(std::memory_order_relaxed);
    if (ns < 0) {
      std::printf("  cycle %-4d opens %8.3f   not sold out\n", k, opens);
      continue;
    }
    const double sold_out_at = static_cast<double>(ns) / 1e9;
    // Past the next opening the mark was reached with the next cycle's sales: this cycle's
    // leftover had rolled over by then.
    const bool late = k + 1 < p.cycles && sold_out_at >= opens + p.cycle_gap_ms / 1e3;
    std::printf("  cycle %-4d opens %8.3f   sold out %8.3f   selling time %.3f%s\n", k, opens,
                sold_out_at, sold_out_at - std::max(opens, f.setup_seconds),
                late ? "   (only after the next cycle opened; its leftover rolled over)" : "");
  }
  const bool sold_out = f.stats.sold_units >= p.tickets;
  std::printf("\nresult: %s, %lld/%lld sold; the buyers stopped %.3f s after noon%s\n",
              sold_out ? "SOLD OUT" : "NOT sold out", static_cast<long long>(f.stats.sold_units),
              static_cast<long long>(p.tickets), f.run_seconds,
              sold_out ? "" : " (stopped by --max_seconds)");
}

void PrintThroughput(const Finals& f) {
  const LatencyHistogram& latency = f.mine.hold_latency;
  // Rates over the time the buyers were actually buying: from their release to their stop.
  const double seconds = std::max(f.run_seconds - f.setup_seconds, 1e-9);
  std::printf("total wall time %.3f s (noon to the buyers' stop), of which %.3f s of buying\n",
              f.run_seconds, seconds);
  std::printf("throughput: %lld Hold calls (%s/s), %lld holds created (%s/s), %lld retries\n",
              static_cast<long long>(latency.count()),
              FormatRate(static_cast<double>(latency.count()) / seconds).c_str(),
              static_cast<long long>(f.stats.holds_created),
              FormatRate(static_cast<double>(f.stats.holds_created) / seconds).c_str(),
              static_cast<long long>(f.mine.retries));
  std::printf(
      "Hold latency (each call, steady_clock; bucket bounds, at most 1/16 high): "
      "p50 %lld ns, p99 %lld ns, p999 %lld ns, max %lld ns\n",
      static_cast<long long>(latency.Percentile(0.50)),
      static_cast<long long>(latency.Percentile(0.99)),
      static_cast<long long>(latency.Percentile(0.999)), static_cast<long long>(latency.max_ns()));
  std::printf(
      "holds ended: %lld confirmed, %lld released, %lld abandoned, %lld too late to "
      "confirm or release; the final sweep expired %lld\n\n",
      static_cast<long long>(f.mine.confirmed_holds), static_cast<long long>(f.mine.released_holds),
      static_cast<long long>(f.mine.abandoned_holds), static_cast<long long>(f.mine.lost_holds),
      static_cast<long long>(f.final_sweep_expired));
}

// --seated: the seat rate and how often buyers lost a seat or found no adjacent ones.
void PrintSeats(const Finals& f) {
  const double seconds = std::max(f.run_seconds - f.setup_seconds, 1e-9);
  const auto n = [&](holdfast::Outcome o) {
    return static_cast<long long>(f.mine.outcomes[kOpHold][static_cast<int>(o)]);
  };
  std::printf(
      "seats: %lld sold (%s seats/s of buying); %lld holds of named front-row seats; Hold "
      "answers SeatTaken %lld (%lld buyers then took the best available), NoAdjacentSeats "
      "%lld (%lld then asked again accepting split seats)\n\n",
      static_cast<long long>(f.stats.sold_units),
      FormatRate(static_cast<double>(f.stats.sold_units) / seconds).c_str(),
      static_cast<long long>(f.mine.front_row_holds), n(holdfast::Outcome::kSeatTaken),
      static_cast<long long>(f.mine.front_row_fallbacks), n(holdfast::Outcome::kNoAdjacentSeats),
      static_cast<long long>(f.mine.split_retries));
}

void PrintOutcomes(const Finals& f) {
  std::printf("outcomes (our counts per call; the sale's own count of all calls)\n");
  std::printf("  %-18s %12s %12s %12s %12s\n", "outcome", "Hold", "Confirm", "Release", "sale");
  for (int i = 0; i < holdfast::kOutcomeCount; ++i) {
    const std::string name(holdfast::OutcomeName(static_cast<holdfast::Outcome>(i)));
    std::printf("  %-18s %12lld %12lld %12lld %12lld\n", name.c_str(),
                static_cast<long long>(f.mine.outcomes[kOpHold][i]),
                static_cast<long long>(f.mine.outcomes[kOpConfirm][i]),
                static_cast<long long>(f.mine.outcomes[kOpRelease][i]),
                static_cast<long long>(f.stats.outcomes[i]));
  }
  std::printf("\nevents: %lld drained (", static_cast<long long>(f.events_drained));
  for (int kind = 0; kind < 4; ++kind) {
    const std::string name(holdfast::EventKindName(static_cast<holdfast::EventKind>(kind)));
    std::printf("%s%s %lld", kind == 0 ? "" : ", ", name.c_str(),
                static_cast<long long>(f.events.events[kind]));
  }
  std::printf("), %lld dropped%s\n\n", static_cast<long long>(f.stats.events_dropped),
              f.stats.events_dropped > 0 ? " because the drainer fell behind the buyers" : "");
}

// Prints every check and returns true when all passed.
bool PrintChecks(const std::vector<Check>& checks) {
  std::printf("invariant checks (each must be 0)\n");
  bool passed = true;
  for (const Check& check : checks) {
    if (!check.skipped.empty()) {
      std::printf("  %-28s skipped: %s\n", check.name.c_str(), check.skipped.c_str());
      continue;
    }
    std::printf("  %-28s %lld\n", check.name.c_str(), static_cast<long long>(check.count));
    for (const std::string& detail : check.details) std::printf("      %s\n", detail.c_str());
    passed = passed && check.count == 0;
  }
  std::printf("\n%s\n", passed ? "PASS" : "FAIL");
  return passed;
}

bool Report(SharedRun& run, const Finals& f) {
  const Params& p = run.params;
  const holdfast::SaleConfig& config = run.sale.config();
  PrintParameters(p);
  PrintTimeline(run, f);
  PrintThroughput(f);
  if (p.seated) PrintSeats(f);
  PrintOutcomes(f);
  const BuyerScan scan = ScanBuyers(run);
  Check accounts("accounts not adding up");
  CheckUnitAccounts(p, f, scan, config, accounts);
  CheckHoldAccounts(f, accounts);
  Check stuck = CheckStuck(f);
  if (scan.still_holding > 0) {
    stuck.Problem(f.stats.live_holds == 0 ? 1 : 0,
                  Num(scan.still_holding) + " buyers still hold units or holds");
  }
  std::vector<Check> checks;
  checks.push_back(CheckOversold(p, f, config));
  checks.push_back(std::move(stuck));
  checks.push_back(CheckLimits(p, f, scan));
  checks.push_back(std::move(accounts));
  checks.push_back(CheckOutcomes(f));
  checks.push_back(CheckUnexpected(f));
  checks.push_back(CheckEvents(p, f));
  if (p.seated) {
    checks.push_back(CheckSeatsSoldTwice(f));
    checks.push_back(CheckSeatsSoldOnce(p, f));
  }
  return PrintChecks(checks);
}

int RunSale(const Params& p) {
  // Noon is now: cycle 0 opens at the sale clock's wall time, read with the steady time that
  // every duration in the report is measured from.
  const absl::Time noon_wall = holdfast::SystemClock::Get()->WallNow();
  const SteadyClock::time_point noon = SteadyClock::now();
  absl::StatusOr<std::unique_ptr<holdfast::Sale>> sale = BuildSale(p, noon_wall);
  Finals finals;
  finals.create_seconds = std::chrono::duration<double>(SteadyClock::now() - noon).count();
  if (!sale.ok()) {
    std::fprintf(stderr, "noon_rush: Sale::Create refused the config: %s\n",
                 sale.status().ToString().c_str());
    return 2;
  }
  SharedRun run(p, **sale, noon);
  if (p.seated) {
    run.ledger = std::make_unique<SeatLedger>(kHallSeats);
    run.front_rows = HallFrontRows(**sale);
  }
  std::vector<ThreadTally> tallies(p.threads);
  SteadyClock::time_point buyers_stopped;
  RunBuyers(run, tallies, finals, buyers_stopped);
  finals.run_seconds = std::chrono::duration<double>(buyers_stopped - noon).count();
  Gather(run, tallies, finals);
  return Report(run, finals) ? 0 : 1;
}

}  // namespace
}  // namespace noon_rush

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(noon_rush::kUsage);
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "noon_rush: unexpected argument \"%s\"; see --help\n", rest[1]);
    return 2;
  }
  const noon_rush::Params params = noon_rush::ParamsFromFlags();
  const std::vector<std::string> errors = noon_rush::Validate(params);
  for (const std::string& error : errors) std::fprintf(stderr, "noon_rush: %s\n", error.c_str());
  if (!errors.empty()) return 2;
  if (params.buyers_auto) {
    std::fprintf(stderr, "noon_rush: --buyers=0 (auto): using %lld buyers\n",
                 static_cast<long long>(params.buyers));
  }
  return noon_rush::RunSale(params);
}
