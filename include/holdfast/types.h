// holdfast/types.h: the small value types every holdfast call uses.
//
//   holdfast::HoldLine lines[] = {{.type = regular, .quantity = 2},
//                                 {.type = parking, .quantity = 1}};
//   holdfast::HoldResult r = sale->Hold(buyer, lines);
//   if (r.ok()) sale->Confirm(r.id, buyer);
#ifndef HOLDFAST_TYPES_H_
#define HOLDFAST_TYPES_H_

#include <cstdint>

#include "holdfast/outcome.h"

namespace holdfast {

// A buyer: an opaque 64-bit id chosen by the embedding server (its user id).
// kReservedBuyer is the one value a caller may not use (InvalidArgument).
using BuyerId = uint64_t;
inline constexpr BuyerId kReservedBuyer = ~uint64_t{0};

// A ticket type's index: the position of its TicketTypeConfig in
// SaleConfig::types, 0-based.
using TypeId = uint32_t;

// The handle of a hold. It packs the hold slot, that slot's generation and a
// tag of the sale, so an id of a hold that ended never addresses a later hold
// in the same slot (I8): a slot whose generation would wrap is retired
// instead of reused. The tag tells sales apart: of any 8192 sales created one
// after another in a process, no two share a tag, so a HoldId handed to the
// wrong one of them answers kUnknownHold. Value 0 is never a valid id.
// Trivially copyable; compare with ==.
struct HoldId {
  uint64_t value = 0;

  friend bool operator==(HoldId a, HoldId b) = default;
};

// A seat's index in its sale's seat map: 0 .. seat count - 1, in the order
// of sections, rows and seats of the config (see seat_map.h). kNoSeat names
// no seat.
using SeatId = uint32_t;
inline constexpr SeatId kNoSeat = ~SeatId{0};

// One line of a hold: `quantity` units of ticket type `type`.
struct HoldLine {
  TypeId type = 0;
  int32_t quantity = 0;
};

// The result of Sale::Hold and its seated forms. `id` is valid only when
// outcome is kOk.
struct [[nodiscard]] HoldResult {
  Outcome outcome = Outcome::kInvalidArgument;
  HoldId id;
  // With kSeatTaken: a requested seat found taken, the lowest-numbered one
  // of the first run of consecutive requested seats that had one.
  SeatId taken_seat = kNoSeat;

  // True when the hold was created (or found again by its idempotency key).
  bool ok() const { return outcome == Outcome::kOk; }
};

}  // namespace holdfast

#endif  // HOLDFAST_TYPES_H_
