// holdfast/config.h: the description of a sale, checked once by Sale::Create.
//
// Everything a sale will ever need is sized here: hold slots, buyers tracked,
// idempotency keys, the event queue. Nothing grows with traffic afterwards.
//
//   holdfast::SaleConfig config;
//   config.types = {{.name = "regular", .capacity = 300}, {.name = "student", .capacity = 50}};
//   config.quotas = {{.name = "hall", .capacity = 320, .types = {0, 1}}};
//   config.cycles = {{.name = "noon", .opens_at = noon, .allotment = 200,
//                     .per_buyer_max = 4, .rollover = true},
//                    {.name = "evening", .opens_at = noon + absl::Hours(6), .allotment = 150}};
//   config.per_buyer_units_max = 6;
//   config.per_buyer_holds_max = 2;
//   absl::StatusOr<std::unique_ptr<holdfast::Sale>> sale = holdfast::Sale::Create(config);
#ifndef HOLDFAST_CONFIG_H_
#define HOLDFAST_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "holdfast/clock.h"
#include "holdfast/seat_map.h"
#include "holdfast/types.h"

namespace holdfast {

// The hard ceilings of every option. Each one comes from a field width in the
// lock-free layout (see lib/internal/hold_slot.h) or from a bound on work done
// on a hot path; Create refuses a config that goes past one.
inline constexpr int kTypesMax = 256;               // ticket ids are 16 bits in a hold slot
inline constexpr int kQuotasMax = 64;               // a hold touches at most this many quotas
inline constexpr int kQuotasPerTypeMax = 4;         // bounds the counters one hold line claims
inline constexpr int kCyclesMax = 1024;             // cycle index is 16 bits in a buyer's word
inline constexpr int kLinesPerHoldMax = 6;          // lines are stored inline in a 64-byte slot
inline constexpr int32_t kUnitsPerHoldMax = 65535;  // a line's quantity is 16 bits in a slot
inline constexpr int64_t kCapacityMax = int64_t{1} << 40;  // keeps every counter sum in range
// Units one buyer may hold + buy over the whole sale: a buyer's claims word
// counts them in 39 bits (lib/internal/buyer_table.h), so this is also what
// per_buyer_units_max = 0 ("no limit") means.
inline constexpr int64_t kPerBuyerUnitsMax = (int64_t{1} << 39) - 1;
// Units one buyer may hold + buy within one cycle (CycleConfig::per_buyer_max).
// A buyer's cycle-units word has 48 bits for them; kCapacityMax is the
// tighter bound.
inline constexpr int64_t kCyclePerBuyerMax = kCapacityMax;
inline constexpr int32_t kHoldsMax = 1 << 24;   // 1 GiB of slots; a HoldId has 24 slot bits
inline constexpr int32_t kBuyersMax = 1 << 24;  // at most 192 bytes a buyer
inline constexpr int32_t kIdempotencyKeysMax = 1 << 24;  // at most 64 bytes a key
// Bounds the event queue's memory: 9 rings x 48 bytes x 65534 = 27 MiB.
inline constexpr int32_t kEventsMax = 65534;
// A hold's deadline is kept as microseconds after its creation in 34 bits.
inline constexpr absl::Duration kHoldLifetimeMax = absl::Hours(4);

// A fungible ticket type (general admission), e.g. "regular".
struct TicketTypeConfig {
  std::string name;      // non-empty, unique within the sale
  int64_t capacity = 0;  // units for sale over the whole sale, 0 .. kCapacityMax
};

// A cap on the total over several ticket types, e.g. the hall's 320 seats
// shared by "regular" and "student". A type's availability is the minimum
// over its own capacity and every quota it belongs to.
struct QuotaConfig {
  std::string name;           // non-empty, unique among quotas
  int64_t capacity = 0;       // 0 .. kCapacityMax
  std::vector<TypeId> types;  // at least one, each a valid index, no repeats
};

// A window in which part of the stock is on sale. Cycles are ordered by
// opens_at and never overlap: a cycle ends at its closes_at or when the next
// one opens, whichever is first. Between windows holds answer kNotOpen, after
// the last one kClosed. A sale with no cycles is always open.
struct CycleConfig {
  std::string name;                               // non-empty
  absl::Time opens_at = absl::InfinitePast();     // wall-clock instant
  absl::Time closes_at = absl::InfiniteFuture();  // after opens_at
  // Units this cycle releases over all ticket types together, 0 .. kCapacityMax.
  int64_t allotment = 0;
  // Units one buyer may hold + buy within this cycle: 0 .. kCyclePerBuyerMax;
  // 0 means no cycle limit.
  int64_t per_buyer_max = 0;
  // When true, units this cycle did not sell (including units of its holds
  // that are released or expire later) move into the next cycle's allotment.
  bool rollover = false;
};

// The whole description of a sale. Every bound is explicit.
struct SaleConfig {
  std::vector<TicketTypeConfig> types;  // 1 .. kTypesMax
  std::vector<QuotaConfig> quotas;      // 0 .. kQuotasMax
  std::vector<CycleConfig> cycles;      // 0 .. kCyclesMax, ordered by opens_at
  // Reserved seating; empty for a general-admission-only sale.
  SeatMapConfig seat_map;

  // Units one buyer may hold + buy over the whole sale: 0 .. kPerBuyerUnitsMax;
  // 0 means no limit of the config's own, which is kPerBuyerUnitsMax (a
  // buyer past it gets kBuyerLimit). Larger values are refused, not cut.
  int64_t per_buyer_units_max = 0;
  // Live holds one buyer may have at once; 0 means no limit.
  int32_t per_buyer_holds_max = 0;
  // Units in one hold, all lines together: 1 .. kUnitsPerHoldMax.
  int32_t units_per_hold_max = 10;

  // TTL of a hold that names none: > 0 and <= hold_lifetime_max.
  absl::Duration hold_ttl_default = absl::Minutes(10);
  // No hold lives longer than this after its creation, however often it is
  // extended: > 0 and <= kHoldLifetimeMax.
  absl::Duration hold_lifetime_max = absl::Minutes(30);

  // Live holds the sale can carry at once (hold slots, 64 bytes each):
  // 64 .. kHoldsMax. Past it, Hold answers kHoldTableFull.
  int32_t holds_max = 1 << 16;
  // Distinct buyers the sale tracks over its life (their limits are
  // permanent): 1 .. kBuyersMax. A buyer is tracked from its first valid Hold
  // inside an open window, even one that fails (kSoldOut). Past it, a new
  // buyer gets kBuyerTableFull.
  int32_t buyers_max = 1 << 16;
  // Distinct (buyer, idempotency key) pairs remembered over the sale's life:
  // 0 .. kIdempotencyKeysMax; 0 turns idempotency keys off (a key is then
  // InvalidArgument). Past it, a hold with a new key gets kHoldTableFull.
  int32_t idempotency_keys_max = 1 << 16;
  // Events the queue keeps per publishing thread: 0 .. kEventsMax; 0 turns
  // events off. Each of the first 8 threads that publish into the sale gets a
  // lane of events_max events; later threads share one more ring of
  // events_max, so at most 9 * events_max events wait at once. Memory: 432
  // bytes per unit of events_max (counted by Sale::MemoryBytes). A full lane
  // or ring drops the event and counts it (SaleStats::events_dropped).
  int32_t events_max = 0;

  // The time source; nullptr means SystemClock::Get(). Not owned: it must
  // outlive the sale.
  const Clock* clock = nullptr;
};

// Checks a config the way Sale::Create does. Returns OkStatus or
// InvalidArgument whose message names the offending field, e.g.
// "cycles[1].opens_at: before cycles[0].opens_at".
absl::Status ValidateConfig(const SaleConfig& config);

}  // namespace holdfast

#endif  // HOLDFAST_CONFIG_H_
