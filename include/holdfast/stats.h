// holdfast/stats.h: counters of a sale, read without stopping buyers.
//
//   holdfast::SaleStats stats = sale->Stats();
//   std::cout << stats.sold_units << " sold, " << stats.held_units << " held\n";
//
// A snapshot is taken while buyers keep buying. Counters are read twice and
// the snapshot is kept when both passes agree; under constant churn the
// fields may come from slightly different instants, but every field stays
// within what some instant allows (0 <= held_units <= capacity - sold_units,
// live_holds >= 0, no end counted without its creation). At a quiescent
// point (no call in flight) they agree exactly with the history (I10). Units of holds whose
// deadline has passed count as held until something expires them (a Hold that
// needs them, Sweep, or the Sweeper).
#ifndef HOLDFAST_STATS_H_
#define HOLDFAST_STATS_H_

#include <array>
#include <cstdint>

#include "holdfast/outcome.h"

namespace holdfast {

// Counters of one ticket type. At a quiescent point:
// available + held_units + sold_units == capacity.
struct TypeStats {
  int64_t capacity = 0;
  int64_t available = 0;       // neither held by a live hold nor sold
  int64_t held_units = 0;      // in holds not yet ended
  int64_t sold_units = 0;      // confirmed
  int64_t released_units = 0;  // returned by Release, over the sale's life
  int64_t expired_units = 0;   // returned by expiry, over the sale's life
};

// Counters of the whole sale.
struct SaleStats {
  int64_t held_units = 0;      // units in holds not yet ended
  int64_t sold_units = 0;      // units confirmed
  int64_t released_units = 0;  // units returned by Release
  int64_t expired_units = 0;   // units returned by expiry
  int64_t live_holds = 0;      // holds created and not yet ended
  int64_t holds_created = 0;
  int64_t holds_confirmed = 0;
  int64_t holds_released = 0;
  int64_t holds_expired = 0;
  // Hold, Confirm, Release and Extend answers, counted per outcome (kOk too).
  std::array<int64_t, kOutcomeCount> outcomes{};
  int64_t events_dropped = 0;  // events lost to a full queue
  int64_t slots_retired = 0;   // hold slots retired because their generation ran out
};

}  // namespace holdfast

#endif  // HOLDFAST_STATS_H_
