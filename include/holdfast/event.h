// holdfast/event.h: what a sale tells the embedding server about its holds.
//
// Events are pushed into a bounded lock-free queue sized by
// SaleConfig::events_max and drained by the server; a full queue drops the
// event and counts it (SaleStats::events_dropped), it never blocks a buyer.
//
//   holdfast::Event events[256];
//   size_t n = sale->DrainEvents(events);
//   for (size_t i = 0; i < n; ++i) journal.Append(events[i]);
#ifndef HOLDFAST_EVENT_H_
#define HOLDFAST_EVENT_H_

#include <cstdint>
#include <string_view>

#include "holdfast/types.h"

namespace holdfast {

// What happened to a hold.
enum class EventKind : uint8_t {
  kHeld = 0,   // a hold was created
  kConfirmed,  // a hold became a sale
  kReleased,   // a hold was ended early by its buyer
  kExpired,    // a hold passed its deadline and its units came back
};

// "Held", "Confirmed", "Released" or "Expired"; "Unknown" otherwise.
// Thread-safe. Never allocates.
std::string_view EventKindName(EventKind kind);

// One event. Trivially copyable.
struct Event {
  EventKind kind = EventKind::kHeld;
  HoldId hold;
  BuyerId buyer = 0;
  int32_t units = 0;         // all lines of the hold together
  int64_t monotonic_ns = 0;  // the sale clock's MonotonicNanos() when it happened
};

}  // namespace holdfast

#endif  // HOLDFAST_EVENT_H_
