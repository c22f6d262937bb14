// outcome_http.cc: the outcome -> HTTP status table; see outcome_http.h for the reasons.
#include "outcome_http.h"

namespace box_office {

using holdfast::Outcome;

int HttpStatusOf(Outcome outcome, int ok_status) {
  switch (outcome) {
    case Outcome::kOk:
      return ok_status;
    case Outcome::kSoldOut:
    case Outcome::kSeatTaken:
    case Outcome::kNoAdjacentSeats:
    case Outcome::kBuyerLimit:
    case Outcome::kAlreadyConfirmed:
      return 409;
    case Outcome::kTooManyHolds:
      return 429;
    case Outcome::kNotOpen:
    case Outcome::kNotOwner:
      return 403;
    case Outcome::kClosed:
    case Outcome::kExpired:
      return 410;
    case Outcome::kUnknownHold:
      return 404;
    case Outcome::kHoldTableFull:
    case Outcome::kBuyerTableFull:
      return 503;
    case Outcome::kInvalidArgument:
      return 400;
    case Outcome::kKeyInUse:
      return 409;  // the same key's request is in flight: retry
    case Outcome::kTryAgain:
      return 503;  // units on their way back: retry shortly
  }
  return 500;  // a value outside the enum: a bug, said plainly
}

std::string_view OutcomeCode(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kSoldOut:
      return "sold_out";
    case Outcome::kSeatTaken:
      return "seat_taken";
    case Outcome::kNoAdjacentSeats:
      return "no_adjacent_seats";
    case Outcome::kBuyerLimit:
      return "buyer_limit";
    case Outcome::kTooManyHolds:
      return "too_many_holds";
    case Outcome::kNotOpen:
      return "not_open";
    case Outcome::kClosed:
      return "closed";
    case Outcome::kExpired:
      return "expired";
    case Outcome::kUnknownHold:
      return "unknown_hold";
    case Outcome::kNotOwner:
      return "not_owner";
    case Outcome::kAlreadyConfirmed:
      return "already_confirmed";
    case Outcome::kHoldTableFull:
      return "hold_table_full";
    case Outcome::kBuyerTableFull:
      return "buyer_table_full";
    case Outcome::kInvalidArgument:
      return "invalid_argument";
    case Outcome::kKeyInUse:
      return "key_in_use";
    case Outcome::kTryAgain:
      return "try_again";
  }
  return "unknown";
}

}  // namespace box_office
