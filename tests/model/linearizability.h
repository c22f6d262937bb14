// tests/model/linearizability.h: does a recorded concurrent history (history.h) have a
// sequential explanation on the reference model (sale_model.h)?
//
// Method: Wing and Gong's search, with Porcupine's memoization. Phases are separated by
// quiescence, so they are checked one after another; within a phase the search picks, again and
// again, an operation that may come next (no operation still unplaced responded before it was
// invoked), replays it on a copy of the model and goes deeper if the model gives the recorded
// outcome. A (placed set, model fingerprint) pair that failed once is never explored again.
// Every distinct model state that ends a phase is carried into the next one. At the end, one of
// them must also agree with the counters the recorder read at quiescence (I10).
//
// What "gives the recorded outcome" means, precisely:
//   - Hold kOk: the model creates the hold (under the id the library gave) or finds the same
//     hold again by its idempotency key.
//   - Any other outcome: the same outcome, with one documented weakening (sale.h, "Where the
//     guarantees are weaker than they sound"), accepted only when `allow_in_flight_claims`:
//     a Hold that answered kSoldOut, kBuyerLimit or kTooManyHolds is also explained if the
//     model answers that outcome once the claims in flight at that instant are counted: for
//     each other thread, at most one of its Holds that overlaps this one in real time and has
//     not been placed as a success before it, with a proper prefix of its claim sequence (in
//     the library's order: buyer, buyer in cycle, cycle, types, quotas) taken. A hold that
//     failed never took its failing claim, and one that succeeded but is placed later had not
//     finished, hence "proper". The same holds for returns: a Release takes its hold out of
//     Held with one compare-and-swap and then gives its units back, so a short Hold is also
//     explained if, for a Release that overlaps it and is placed before it, the units not yet
//     given back are counted as taken (the library's return order: types and quotas, then the
//     cycle, then the buyer's cycle units, then the buyer's word; any point of it). Nothing
//     else is relaxed: dead holds never explain a short answer (I5: the library waits for an
//     expiry's units), and Confirm/Release/Extend must match exactly.
//   - Confirm, Release, Extend of a hold that already ended: the model accepts both the answer
//     for "its slot still remembers it" and for "its slot was reused" (IdentityMode::kLoose),
//     because slot reuse is a race the contract leaves open.
//   - Sweep: expires every dead hold at its place; its count is not compared (concurrent sweeps
//     share the work, sale.h).
//
//   holdfast::model::CheckResult r = holdfast::model::CheckLinearizable(history, {});
//   EXPECT_TRUE(r.ok) << r.why;
#ifndef HOLDFAST_TESTS_MODEL_LINEARIZABILITY_H_
#define HOLDFAST_TESTS_MODEL_LINEARIZABILITY_H_

#include <cstdint>
#include <string>

#include "tests/model/history.h"

namespace holdfast::model {

struct CheckOptions {
  bool allow_in_flight_claims = true;
  bool check_final_counters = true;
  // The search gives up (ok stays true, gave_up is set) after this many replayed operations.
  int64_t max_steps = 5'000'000;
};

struct CheckResult {
  bool ok = true;
  bool gave_up = false;
  std::string why;             // when !ok: the phase, its operations and what failed
  int64_t steps = 0;           // operations replayed on the model
  int64_t in_flight_used = 0;  // short Holds explained only by claims in flight
};

CheckResult CheckLinearizable(const History& history, const CheckOptions& options);

// The history as text, one operation a line, for failure messages.
std::string DescribeHistory(const History& history);

}  // namespace holdfast::model

#endif  // HOLDFAST_TESTS_MODEL_LINEARIZABILITY_H_
