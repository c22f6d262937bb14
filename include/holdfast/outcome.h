// holdfast/outcome.h: the result of every holdfast operation.
//
// Expected business results (sold out, buyer limit, expired hold) are values of
// `Outcome`, never exceptions. Each value has a stable name and maps to an
// `absl::Status` code for callers that prefer one:
//
//   holdfast::Outcome outcome = sale->Confirm(hold, buyer);
//   if (outcome != holdfast::Outcome::kOk) {
//     LOG(INFO) << "confirm failed: " << holdfast::OutcomeName(outcome);
//     return holdfast::ToStatus(outcome);
//   }
#ifndef HOLDFAST_OUTCOME_H_
#define HOLDFAST_OUTCOME_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace holdfast {

// The result of an operation: kOk or one named reason (DESIGN §3).
// The numeric values are stable and dense; kOutcomeCount counts them.
enum class Outcome : uint8_t {
  kOk = 0,
  // Not enough stock in a ticket type, a shared quota or the current cycle's
  // allotment, after every hold past its deadline has been counted as returned.
  kSoldOut,
  // A requested seat is taken (reserved seating).
  kSeatTaken,
  // No run of adjacent seats fits the request (reserved seating).
  kNoAdjacentSeats,
  // The hold would take the buyer past a per-buyer unit limit (sale or cycle).
  kBuyerLimit,
  // The buyer already has the per-buyer maximum number of live holds.
  kTooManyHolds,
  // The sale has cycles and the current wall-clock instant is before the
  // next cycle's window.
  kNotOpen,
  // The last cycle's window has closed.
  kClosed,
  // The hold's deadline has passed; it can never be confirmed (I4).
  kExpired,
  // The handle names no hold of this sale: ended and released, stale, forged
  // or from another sale.
  kUnknownHold,
  // The hold belongs to another buyer.
  kNotOwner,
  // The hold was already confirmed. Confirm answers this only when asked to
  // (ConfirmMode::kReportAlreadyConfirmed); Release and Extend always do.
  kAlreadyConfirmed,
  // Every hold slot is in use by a live hold (SaleConfig::holds_max).
  kHoldTableFull,
  // The sale tracks SaleConfig::buyers_max buyers already; a new buyer can't
  // be admitted.
  kBuyerTableFull,
  // Bad input: zero or negative quantity, quantity above the per-hold maximum,
  // unknown ticket type, too many lines, TTL <= 0 or above the maximum, a
  // reserved buyer id.
  kInvalidArgument,
  // Another Hold with the same buyer and idempotency key is making its hold
  // at this very instant; its answer is the one to use. Retry the request (it
  // then answers that hold). Answered instead of waiting for the other call,
  // so that a thread stopped there never stalls this one (as Stripe answers
  // 409 for a key whose request is in flight).
  kKeyInUse,
  // The units this Hold needs belong to a hold that has just expired, and
  // the thread that expired it is still giving them back; it has been stopped
  // there (preempted, SIGSTOPped) for longer than this Hold waits (a bounded
  // wait: CPU pauses, then a few sched_yield). Nothing changed. Retry the
  // request: the units are back as soon as that thread runs again.
  // Answered instead of waiting without bound on another thread (DESIGN §4),
  // and never instead of kSoldOut when the stock is short (I5).
  kTryAgain,
};

// Number of Outcome values; valid values are 0 .. kOutcomeCount - 1.
inline constexpr int kOutcomeCount = static_cast<int>(Outcome::kTryAgain) + 1;

// The value's name in CamelCase without the k, e.g. "SoldOut". Returns
// "Unknown" for a value outside the enum. Thread-safe. Never allocates.
std::string_view OutcomeName(Outcome outcome);

// Maps an outcome to an absl::Status:
// kOk -> OkStatus; kSoldOut, kSeatTaken, kNoAdjacentSeats, kHoldTableFull,
// kBuyerTableFull -> kResourceExhausted; kBuyerLimit, kTooManyHolds ->
// kFailedPrecondition; kNotOpen, kClosed, kExpired -> kFailedPrecondition;
// kUnknownHold -> kNotFound; kNotOwner -> kPermissionDenied;
// kAlreadyConfirmed -> kAlreadyExists; kInvalidArgument -> kInvalidArgument;
// kKeyInUse -> kAborted (retry); kTryAgain -> kUnavailable (retry).
// The message is the outcome's name, so a non-Ok status allocates; the hot
// path itself never builds a Status. Thread-safe.
absl::Status ToStatus(Outcome outcome);

}  // namespace holdfast

#endif  // HOLDFAST_OUTCOME_H_
