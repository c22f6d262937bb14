// outcome_http.h: how a holdfast::Outcome is told over HTTP, in one table.
//
// The table (README "A web backend: examples/box_office" shows it with the reasons):
//
//   outcome           | status | why
//   ------------------+--------+----------------------------------------------------------
//   Ok                | 201    | POST /v1/holds made a hold (200 when an Idempotency-Key
//                     | 200    |   retry found it again; 200 for confirm, release, extend)
//   SoldOut           | 409    | the request conflicts with the stock's current state
//   SeatTaken         | 409    |   (reserved seating; the example sells general admission)
//   NoAdjacentSeats   | 409    |
//   BuyerLimit        | 409    | the buyer's own purchases conflict; waiting does not help,
//                     |        |   so it is not 429
//   TooManyHolds      | 429    | too many live holds at once: it clears as holds end
//   NotOpen           | 403    | refused for now; 425 is reserved for TLS early data
//   Closed            | 410    | the sale is gone for good
//   Expired           | 410    | the hold is gone for good (I4)
//   UnknownHold       | 404    | ended, stale or forged (I8)
//   NotOwner          | 403    | another buyer's hold; nothing changes (I8)
//   AlreadyConfirmed  | 409    | release or extend of a sold hold (a retried confirm is 200)
//   HoldTableFull     | 503    | a server bound; Retry-After says try again shortly
//   BuyerTableFull    | 503    |
//   InvalidArgument   | 400    |
//   KeyInUse          | 409    | the same Idempotency-Key's request is in flight: retry
//   TryAgain          | 503    | the units are on their way back from an expired hold;
//                     |        |   Retry-After: 1
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_OUTCOME_HTTP_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_OUTCOME_HTTP_H_

#include <string_view>

#include "holdfast/outcome.h"

namespace box_office {

// The HTTP status of `outcome`; kOk answers `ok_status` (201 for a new hold, else 200).
int HttpStatusOf(holdfast::Outcome outcome, int ok_status = 200);

// The snake_case error code clients switch on, e.g. "sold_out". Never allocates.
std::string_view OutcomeCode(holdfast::Outcome outcome);

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_OUTCOME_HTTP_H_
