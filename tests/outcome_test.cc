// Checks the naming and Status mapping of every Outcome and EventKind against outcome.h and
// event.h, value by value, including the "Unknown" answer for values outside the enums.
#include "holdfast/outcome.h"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "holdfast/event.h"

namespace holdfast {
namespace {

struct OutcomeCase {
  Outcome outcome;
  std::string_view name;
  absl::StatusCode code;
};

// The names and codes outcome.h documents, in enum order.
constexpr OutcomeCase kOutcomeCases[] = {
    {Outcome::kOk, "Ok", absl::StatusCode::kOk},
    {Outcome::kSoldOut, "SoldOut", absl::StatusCode::kResourceExhausted},
    {Outcome::kSeatTaken, "SeatTaken", absl::StatusCode::kResourceExhausted},
    {Outcome::kNoAdjacentSeats, "NoAdjacentSeats", absl::StatusCode::kResourceExhausted},
    {Outcome::kBuyerLimit, "BuyerLimit", absl::StatusCode::kFailedPrecondition},
    {Outcome::kTooManyHolds, "TooManyHolds", absl::StatusCode::kFailedPrecondition},
    {Outcome::kNotOpen, "NotOpen", absl::StatusCode::kFailedPrecondition},
    {Outcome::kClosed, "Closed", absl::StatusCode::kFailedPrecondition},
    {Outcome::kExpired, "Expired", absl::StatusCode::kFailedPrecondition},
    {Outcome::kUnknownHold, "UnknownHold", absl::StatusCode::kNotFound},
    {Outcome::kNotOwner, "NotOwner", absl::StatusCode::kPermissionDenied},
    {Outcome::kAlreadyConfirmed, "AlreadyConfirmed", absl::StatusCode::kAlreadyExists},
    {Outcome::kHoldTableFull, "HoldTableFull", absl::StatusCode::kResourceExhausted},
    {Outcome::kBuyerTableFull, "BuyerTableFull", absl::StatusCode::kResourceExhausted},
    {Outcome::kInvalidArgument, "InvalidArgument", absl::StatusCode::kInvalidArgument},
    {Outcome::kKeyInUse, "KeyInUse", absl::StatusCode::kAborted},
    {Outcome::kTryAgain, "TryAgain", absl::StatusCode::kUnavailable},
};

TEST(OutcomeTest, TableCoversEveryValueDensely) {
  ASSERT_EQ(std::size(kOutcomeCases), static_cast<size_t>(kOutcomeCount));
  for (int i = 0; i < kOutcomeCount; ++i) {
    EXPECT_EQ(static_cast<int>(kOutcomeCases[i].outcome), i);
  }
}

TEST(OutcomeTest, EveryOutcomeHasItsDocumentedName) {
  for (const OutcomeCase& c : kOutcomeCases) {
    EXPECT_EQ(OutcomeName(c.outcome), c.name) << static_cast<int>(c.outcome);
  }
}

TEST(OutcomeTest, NamesAreDistinctAndNeverUnknown) {
  std::set<std::string> names;
  for (int i = 0; i < kOutcomeCount; ++i) {
    std::string_view name = OutcomeName(static_cast<Outcome>(i));
    EXPECT_NE(name, "Unknown") << i;
    EXPECT_FALSE(name.empty()) << i;
    names.insert(std::string(name));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kOutcomeCount));
}

TEST(OutcomeTest, ValueOutsideTheEnumIsUnknown) {
  EXPECT_EQ(OutcomeName(static_cast<Outcome>(kOutcomeCount)), "Unknown");
  EXPECT_EQ(OutcomeName(static_cast<Outcome>(200)), "Unknown");
  EXPECT_EQ(OutcomeName(static_cast<Outcome>(UINT8_MAX)), "Unknown");
}

TEST(OutcomeTest, ToStatusMapsEachOutcomeToItsCode) {
  for (const OutcomeCase& c : kOutcomeCases) {
    absl::Status status = ToStatus(c.outcome);
    EXPECT_EQ(status.code(), c.code) << c.name;
  }
}

TEST(OutcomeTest, OkMapsToOkStatus) { EXPECT_EQ(ToStatus(Outcome::kOk), absl::OkStatus()); }

TEST(OutcomeTest, NonOkStatusMessageIsTheOutcomeName) {
  for (const OutcomeCase& c : kOutcomeCases) {
    if (c.outcome == Outcome::kOk) continue;
    // absl::string_view is not std::string_view in Debian's Abseil; compare as strings.
    EXPECT_EQ(std::string(ToStatus(c.outcome).message()), std::string(c.name));
  }
}

TEST(EventKindTest, EveryKindHasItsDocumentedName) {
  EXPECT_EQ(EventKindName(EventKind::kHeld), "Held");
  EXPECT_EQ(EventKindName(EventKind::kConfirmed), "Confirmed");
  EXPECT_EQ(EventKindName(EventKind::kReleased), "Released");
  EXPECT_EQ(EventKindName(EventKind::kExpired), "Expired");
}

TEST(EventKindTest, ValueOutsideTheEnumIsUnknown) {
  EXPECT_EQ(EventKindName(static_cast<EventKind>(4)), "Unknown");
  EXPECT_EQ(EventKindName(static_cast<EventKind>(UINT8_MAX)), "Unknown");
}

}  // namespace
}  // namespace holdfast
