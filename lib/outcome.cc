// Names of outcomes and events, and their absl::Status mapping.
#include "holdfast/outcome.h"

#include <array>
#include <string>

#include "holdfast/event.h"

namespace holdfast {
namespace {

constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames = {
    "Ok",           "SoldOut",          "SeatTaken",     "NoAdjacentSeats", "BuyerLimit",
    "TooManyHolds", "NotOpen",          "Closed",        "Expired",         "UnknownHold",
    "NotOwner",     "AlreadyConfirmed", "HoldTableFull", "BuyerTableFull",  "InvalidArgument",
    "KeyInUse",     "TryAgain",
};

absl::StatusCode CodeOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return absl::StatusCode::kOk;
    case Outcome::kSoldOut:
    case Outcome::kSeatTaken:
    case Outcome::kNoAdjacentSeats:
    case Outcome::kHoldTableFull:
    case Outcome::kBuyerTableFull:
      return absl::StatusCode::kResourceExhausted;
    case Outcome::kBuyerLimit:
    case Outcome::kTooManyHolds:
    case Outcome::kNotOpen:
    case Outcome::kClosed:
    case Outcome::kExpired:
      return absl::StatusCode::kFailedPrecondition;
    case Outcome::kUnknownHold:
      return absl::StatusCode::kNotFound;
    case Outcome::kNotOwner:
      return absl::StatusCode::kPermissionDenied;
    case Outcome::kAlreadyConfirmed:
      return absl::StatusCode::kAlreadyExists;
    case Outcome::kInvalidArgument:
      return absl::StatusCode::kInvalidArgument;
    case Outcome::kKeyInUse:
      return absl::StatusCode::kAborted;
    case Outcome::kTryAgain:
      return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kUnknown;
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  const auto index = static_cast<size_t>(outcome);
  return index < kOutcomeNames.size() ? kOutcomeNames[index] : "Unknown";
}

absl::Status ToStatus(Outcome outcome) {
  const absl::StatusCode code = CodeOf(outcome);
  if (code == absl::StatusCode::kOk) return absl::OkStatus();
  return absl::Status(code, std::string(OutcomeName(outcome)));
}

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kHeld:
      return "Held";
    case EventKind::kConfirmed:
      return "Confirmed";
    case EventKind::kReleased:
      return "Released";
    case EventKind::kExpired:
      return "Expired";
  }
  return "Unknown";
}

}  // namespace holdfast
