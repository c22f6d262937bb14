/* holdfast/holdfast_c.h: the C ABI of holdfast, for C and every language that can call C.
 *
 * The same sale as the C++ API (holdfast/sale.h) behind opaque handles: build a config, create a
 * sale from it, then hold, confirm, release, extend and query from any number of threads. No C++
 * exception and no Abseil type crosses this boundary: expected results are hf_outcome values,
 * configuration errors are hf_error codes with a message in a buffer the caller owns. The header
 * is C11 and C++ (extern "C").
 *
 *   hf_config* config = hf_config_create();
 *   uint32_t regular;
 *   hf_config_add_type(config, "regular", 300, &regular);
 *   hf_config_set_per_buyer_units_max(config, 4);
 *   char message[256];
 *   hf_sale* sale = NULL;
 *   if (hf_sale_create(config, &sale, message, sizeof message) != HF_ERROR_OK) {
 *     fprintf(stderr, "holdfast: %s\n", message);  // names the bad field
 *   }
 *   hf_config_destroy(config);  // the sale keeps its own copy
 *   hf_hold_line line = {regular, 2};
 *   hf_hold_id hold;
 *   hf_outcome held = hf_sale_hold(sale, user_id, &line, 1, 0, 0, &hold);
 *   if (held == HF_OUTCOME_OK) held = hf_sale_confirm(sale, hold, user_id, HF_CONFIRM_RETRY_IS_OK);
 *   if (held != HF_OUTCOME_OK) printf("%s\n", hf_outcome_name(held));
 *   hf_sale_destroy(sale);
 *
 * Conventions, true of every function below unless its comment says otherwise:
 * - Ownership: a handle returned by a *_create function is owned by the caller and freed by the
 *   matching *_destroy (which accepts NULL). Pointers passed in are borrowed for the call only;
 *   strings are NUL-terminated UTF-8 and copied. Output buffers are the caller's.
 * - Bad input (a NULL handle or pointer, a count with a NULL array, an out-of-range value) is
 *   answered with HF_OUTCOME_INVALID_ARGUMENT, HF_ERROR_INVALID_ARGUMENT, or the "unknown" value
 *   a query documents, and changes nothing. Nothing aborts, throws or leaks.
 * - No exception crosses the boundary: one raised inside the library (none is, today, except
 *   out of memory where a function says it allocates) is caught and answered as
 *   HF_OUTCOME_TRY_AGAIN, HF_ERROR_INTERNAL (or HF_ERROR_RESOURCE_EXHAUSTED), or 0.
 * - Sale functions are thread-safe, lock-free and never allocate, as their C++ counterparts in
 *   sale.h (whose progress notes apply unchanged). Config functions are not thread-safe: build
 *   one config from one thread. A handle must not be destroyed while another thread uses it.
 * - Times: durations are int64 nanoseconds; wall-clock instants are int64 nanoseconds since the
 *   Unix epoch, with HF_TIME_INFINITE_PAST and HF_TIME_INFINITE_FUTURE for "no bound".
 *
 * ABI stability: functions are only ever added. Changing a signature, an enum value or a struct
 * layout below is an ABI break and needs a new major version (the shared library's SONAME).
 */
#ifndef HOLDFAST_HOLDFAST_C_H_
#define HOLDFAST_HOLDFAST_C_H_

#include <stddef.h>
#include <stdint.h>

#include "holdfast/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header as one number, MAJOR * 10000 + MINOR * 100 + PATCH; compare it
 * with hf_version() to see which library was loaded. */
#define HF_VERSION \
  (HOLDFAST_VERSION_MAJOR * 10000 + HOLDFAST_VERSION_MINOR * 100 + HOLDFAST_VERSION_PATCH)

/* The version of the library that runs, encoded as HF_VERSION. Thread-safe. Never allocates. */
int hf_version(void);

/* The same as "MAJOR.MINOR.PATCH", e.g. "0.1.0": a static string, never freed.
 * Thread-safe. Never allocates. */
const char* hf_version_string(void);

/* ------------------------------------------------------------------------------------------ */
/* Values */

/* The result of a sale operation; the values equal holdfast::Outcome's (outcome.h documents
 * each one) and never change. */
typedef enum hf_outcome {
  HF_OUTCOME_OK = 0,
  HF_OUTCOME_SOLD_OUT = 1,
  HF_OUTCOME_SEAT_TAKEN = 2,
  HF_OUTCOME_NO_ADJACENT_SEATS = 3,
  HF_OUTCOME_BUYER_LIMIT = 4,
  HF_OUTCOME_TOO_MANY_HOLDS = 5,
  HF_OUTCOME_NOT_OPEN = 6,
  HF_OUTCOME_CLOSED = 7,
  HF_OUTCOME_EXPIRED = 8,
  HF_OUTCOME_UNKNOWN_HOLD = 9,
  HF_OUTCOME_NOT_OWNER = 10,
  HF_OUTCOME_ALREADY_CONFIRMED = 11,
  HF_OUTCOME_HOLD_TABLE_FULL = 12,
  HF_OUTCOME_BUYER_TABLE_FULL = 13,
  HF_OUTCOME_INVALID_ARGUMENT = 14,
  HF_OUTCOME_KEY_IN_USE = 15,
  HF_OUTCOME_TRY_AGAIN = 16
} hf_outcome;

/* Number of hf_outcome values: valid values are 0 .. HF_OUTCOME_COUNT - 1. */
#define HF_OUTCOME_COUNT 17

/* The outcome's name in CamelCase, as holdfast::OutcomeName: "Ok", "SoldOut", ...; "Unknown"
 * for a value outside the enum. A static string, never freed. Thread-safe. Never allocates. */
const char* hf_outcome_name(int outcome);

/* The result of building a config or a sale (not of a sale operation). */
typedef enum hf_error {
  HF_ERROR_OK = 0,
  /* A NULL pointer, or a config that Sale::Create refuses (the message names the field). */
  HF_ERROR_INVALID_ARGUMENT = 1,
  /* Out of memory, or too many sales alive in the process (see Sale::Create). */
  HF_ERROR_RESOURCE_EXHAUSTED = 2,
  /* Anything else the library did not expect; the message says what. */
  HF_ERROR_INTERNAL = 3
} hf_error;

/* "Ok", "InvalidArgument", "ResourceExhausted", "Internal"; "Unknown" otherwise. A static
 * string. Thread-safe. Never allocates. */
const char* hf_error_name(int error);

/* A buyer: an opaque 64-bit id chosen by the server. HF_RESERVED_BUYER may not be used. */
typedef uint64_t hf_buyer_id;
#define HF_RESERVED_BUYER UINT64_MAX

/* The handle of a hold (holdfast::HoldId's value). 0 is never a valid hold. */
typedef uint64_t hf_hold_id;

/* A seat's index in the sale's seat map; HF_NO_SEAT names none. */
typedef uint32_t hf_seat_id;
#define HF_NO_SEAT UINT32_MAX

/* Wall-clock instants meaning "no bound" (absl::InfinitePast() and absl::InfiniteFuture()). */
#define HF_TIME_INFINITE_PAST INT64_MIN
#define HF_TIME_INFINITE_FUTURE INT64_MAX

/* One line of a hold: `quantity` units of ticket type `type` (its index in the config). */
typedef struct hf_hold_line {
  uint32_t type;
  int32_t quantity;
} hf_hold_line;

/* How hf_sale_confirm answers a hold this buyer already confirmed (holdfast::ConfirmMode). */
typedef enum hf_confirm_mode {
  HF_CONFIRM_RETRY_IS_OK = 0,             /* answer HF_OUTCOME_OK */
  HF_CONFIRM_REPORT_ALREADY_CONFIRMED = 1 /* answer HF_OUTCOME_ALREADY_CONFIRMED */
} hf_confirm_mode;

/* ------------------------------------------------------------------------------------------ */
/* A manual clock, for tests and simulations (holdfast::ManualClock): time moves only when told.
 * A sale without one reads the system clocks. */

typedef struct hf_manual_clock hf_manual_clock;

/* A clock at monotonic time 0 and wall time `wall_unix_ns`. Returns NULL if out of memory.
 * Allocates; the caller owns it and destroys it after every sale that uses it. Thread-safe. */
hf_manual_clock* hf_manual_clock_create(int64_t wall_unix_ns);

/* Frees the clock; NULL is ignored. No sale may still use it. */
void hf_manual_clock_destroy(hf_manual_clock* clock);

/* Moves both readings forward by `ns` (a negative `ns` is ignored; saturates, never wraps).
 * NULL is ignored. Thread-safe. Never allocates. */
void hf_manual_clock_advance(hf_manual_clock* clock, int64_t ns);

/* Sets the wall-clock reading alone, forwards or backwards (a wall-clock step, which never
 * moves hold deadlines). NULL is ignored. Thread-safe. Never allocates. */
void hf_manual_clock_set_wall(hf_manual_clock* clock, int64_t wall_unix_ns);

/* The monotonic reading in nanoseconds (0 for NULL). Thread-safe. Never allocates. */
int64_t hf_manual_clock_monotonic_ns(const hf_manual_clock* clock);

/* ------------------------------------------------------------------------------------------ */
/* The config builder (holdfast::SaleConfig). Setters store what they are given; every bound is
 * checked by hf_sale_create, whose message names the first bad field, exactly as the C++
 * ValidateConfig. Not thread-safe: one config, one thread. Setters allocate only where noted. */

typedef struct hf_config hf_config;

/* A config with the C++ defaults (no types yet). Returns NULL if out of memory. Allocates; the
 * caller owns it (hf_config_destroy). */
hf_config* hf_config_create(void);

/* Frees the config; NULL is ignored. Sales made from it keep their own copy. */
void hf_config_destroy(hf_config* config);

/* Adds a ticket type with `name` and `capacity`; its index (the hf_hold_line type) goes to
 * `*type_out` unless `type_out` is NULL. Allocates (copies the name).
 * HF_ERROR_INVALID_ARGUMENT for a NULL config or name; HF_ERROR_RESOURCE_EXHAUSTED if out of
 * memory. On an error nothing changes. */
hf_error hf_config_add_type(hf_config* config, const char* name, int64_t capacity,
                            uint32_t* type_out);

/* Adds a quota: a cap of `capacity` units over the `type_count` types in `types`; its index goes
 * to `*quota_out` unless NULL. Allocates. Errors as hf_config_add_type (also for a NULL `types`
 * with a non-zero count). */
hf_error hf_config_add_quota(hf_config* config, const char* name, int64_t capacity,
                             const uint32_t* types, size_t type_count, int* quota_out);

/* Adds a sales cycle open from `opens_at_unix_ns` to `closes_at_unix_ns` (or until the next
 * cycle opens) releasing `allotment` units, at most `per_buyer_max` per buyer (0: no limit);
 * `rollover` non-zero moves unsold units into the next cycle. Its index goes to `*cycle_out`
 * unless NULL. Allocates. Errors as hf_config_add_type. */
hf_error hf_config_add_cycle(hf_config* config, const char* name, int64_t opens_at_unix_ns,
                             int64_t closes_at_unix_ns, int64_t allotment, int64_t per_buyer_max,
                             int rollover, int* cycle_out);

/* Replaces the seat map with the one `text` describes (the format of holdfast::ParseSeatMap,
 * seat_map.h). On a parse error returns HF_ERROR_INVALID_ARGUMENT, writes the message
 * (e.g. "line 3: row B: seats=0 is outside [1, 1024]") into `message` (at most `message_size`
 * bytes, always NUL-terminated when message_size > 0; `message` may be NULL) and changes
 * nothing. Allocates. */
hf_error hf_config_set_seat_map(hf_config* config, const char* text, char* message,
                                size_t message_size);

/* Per-buyer limits and the per-hold maximum (SaleConfig::per_buyer_units_max,
 * per_buyer_holds_max, units_per_hold_max). HF_ERROR_INVALID_ARGUMENT for a NULL config. */
hf_error hf_config_set_per_buyer_units_max(hf_config* config, int64_t units);
hf_error hf_config_set_per_buyer_holds_max(hf_config* config, int32_t holds);
hf_error hf_config_set_units_per_hold_max(hf_config* config, int32_t units);

/* The default TTL of a hold and the longest a hold may live (SaleConfig::hold_ttl_default,
 * hold_lifetime_max), in nanoseconds. HF_ERROR_INVALID_ARGUMENT for a NULL config. */
hf_error hf_config_set_hold_ttl_default_ns(hf_config* config, int64_t ns);
hf_error hf_config_set_hold_lifetime_max_ns(hf_config* config, int64_t ns);

/* The bounds the sale is sized by (SaleConfig::holds_max, buyers_max, idempotency_keys_max,
 * events_max; 0 keys or events turns them off). HF_ERROR_INVALID_ARGUMENT for a NULL config. */
hf_error hf_config_set_holds_max(hf_config* config, int32_t holds);
hf_error hf_config_set_buyers_max(hf_config* config, int32_t buyers);
hf_error hf_config_set_idempotency_keys_max(hf_config* config, int32_t keys);
hf_error hf_config_set_events_max(hf_config* config, int32_t events);

/* The sale's time source: `clock`, or the system clocks when NULL. Not owned: the clock must
 * outlive every sale made from this config. HF_ERROR_INVALID_ARGUMENT for a NULL config. */
hf_error hf_config_set_manual_clock(hf_config* config, hf_manual_clock* clock);

/* ------------------------------------------------------------------------------------------ */
/* The sale (holdfast::Sale) */

typedef struct hf_sale hf_sale;

/* Builds a sale from `config` (copied: the config may be destroyed or changed afterwards) into
 * `*sale_out`. On an error `*sale_out` is set to NULL (when sale_out is not NULL) and the
 * message, e.g. "types[0].capacity: -1 is outside [0, 1099511627776]", is written into `message`
 * (at most `message_size` bytes, NUL-terminated when message_size > 0; `message` may be NULL);
 * on success `message` gets "". Errors: HF_ERROR_INVALID_ARGUMENT (NULL config or sale_out, an
 * invalid config), HF_ERROR_RESOURCE_EXHAUSTED (memory, sale count), HF_ERROR_INTERNAL.
 * Allocates all the memory the sale will use; the caller owns the sale (hf_sale_destroy).
 * Thread-safe. */
hf_error hf_sale_create(const hf_config* config, hf_sale** sale_out, char* message,
                        size_t message_size);

/* Frees the sale; NULL is ignored. No other thread may be using it. */
void hf_sale_destroy(hf_sale* sale);

/* Holds the `line_count` lines for `buyer`, all or nothing (holdfast::Sale::Hold). `ttl_ns` 0
 * means the config's default TTL; `idempotency_key` 0 means none. On HF_OUTCOME_OK the hold's id
 * goes to `*hold_out`; otherwise `*hold_out` is 0. Outcomes as Sale::Hold, plus
 * HF_OUTCOME_INVALID_ARGUMENT for a NULL sale or hold_out, or NULL lines with line_count > 0.
 * Thread-safe. Lock-free. Never allocates. */
hf_outcome hf_sale_hold(hf_sale* sale, hf_buyer_id buyer, const hf_hold_line* lines,
                        size_t line_count, int64_t ttl_ns, uint64_t idempotency_key,
                        hf_hold_id* hold_out);

/* Holds the `seat_count` seats and the `line_count` lines for `buyer`, all or nothing
 * (Sale::HoldSeats). `*hold_out` as hf_sale_hold; with HF_OUTCOME_SEAT_TAKEN the taken seat
 * goes to `*taken_seat_out` (otherwise HF_NO_SEAT), unless taken_seat_out is NULL. `lines` may
 * be NULL when line_count is 0; NULL `seats` with seat_count > 0 (or a NULL sale or hold_out) is
 * HF_OUTCOME_INVALID_ARGUMENT. Thread-safe. Lock-free. Never allocates. */
hf_outcome hf_sale_hold_seats(hf_sale* sale, hf_buyer_id buyer, const hf_seat_id* seats,
                              size_t seat_count, const hf_hold_line* lines, size_t line_count,
                              int64_t ttl_ns, uint64_t idempotency_key, hf_hold_id* hold_out,
                              hf_seat_id* taken_seat_out);

/* Flags of hf_sale_hold_best_available (holdfast::BestAvailableRequest's options). */
#define HF_BEST_AVOID_ORPHANS 1u    /* leave no single orphan seat when avoidable */
#define HF_BEST_ALLOW_SPLIT 2u      /* best seats in few rows if no row has them adjacent */
#define HF_BEST_ACCESSIBLE_ONLY 4u  /* only seats with wheelchair access */
#define HF_BEST_ALLOW_RESTRICTED 8u /* restricted-view seats may be chosen */

/* Holds the best `count` seats for `buyer` among the `section_count` sections in `sections`
 * (all sections when section_count is 0), as Sale::HoldBestAvailable with `flags` (the HF_BEST_*
 * values, or-ed). The chosen seats go to seats_out[0 .. count) (the rest of its `seats_out_size`
 * entries get HF_NO_SEAT); `*hold_out` as hf_sale_hold. HF_OUTCOME_INVALID_ARGUMENT also for an
 * unknown flag bit or a NULL array with a non-zero size. Thread-safe. Lock-free. Allocates a copy
 * of `sections` when section_count > 0 (the C++ request holds a std::vector) and then answers
 * HF_OUTCOME_TRY_AGAIN, changing nothing, if out of memory; never allocates otherwise. */
hf_outcome hf_sale_hold_best_available(hf_sale* sale, hf_buyer_id buyer, int count,
                                       const int* sections, size_t section_count, unsigned flags,
                                       int64_t ttl_ns, uint64_t idempotency_key,
                                       hf_seat_id* seats_out, size_t seats_out_size,
                                       hf_hold_id* hold_out);

/* Turns `buyer`'s live hold into a sale (Sale::Confirm; `mode` is an hf_confirm_mode, anything
 * else is HF_OUTCOME_INVALID_ARGUMENT). Thread-safe. Lock-free. Never allocates. */
hf_outcome hf_sale_confirm(hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer, int mode);

/* Ends `buyer`'s live hold early and returns its units (Sale::Release).
 * Thread-safe. Lock-free. Never allocates. */
hf_outcome hf_sale_release(hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer);

/* Moves the deadline of `buyer`'s live hold to now + ttl_ns (Sale::Extend).
 * Thread-safe. Lock-free. Never allocates. */
hf_outcome hf_sale_extend(hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer, int64_t ttl_ns);

/* Expires every hold past its deadline and returns how many this call expired (Sale::Sweep);
 * 0 for a NULL sale. Thread-safe. Lock-free. Never allocates. */
int64_t hf_sale_sweep(hf_sale* sale);

/* As hf_sale_sweep, as if the clock read `monotonic_now_ns` (Sale::Sweep(int64_t)). */
int64_t hf_sale_sweep_at(hf_sale* sale, int64_t monotonic_now_ns);

/* Queries (Sale::Available, TypeAvailable, QuotaAvailable, CycleAvailable, CurrentCycle): 0 for
 * a NULL sale or an unknown index, -1 from hf_sale_current_cycle when no cycle is open or the
 * sale is NULL. Thread-safe. Lock-free. Never allocate. */
int64_t hf_sale_available(const hf_sale* sale, uint32_t type);
int64_t hf_sale_type_available(const hf_sale* sale, uint32_t type);
int64_t hf_sale_quota_available(const hf_sale* sale, int quota);
int64_t hf_sale_cycle_available(const hf_sale* sale, int cycle);
int hf_sale_current_cycle(const hf_sale* sale);

/* Bytes the sale allocated in hf_sale_create (0 for NULL). Thread-safe. */
size_t hf_sale_memory_bytes(const hf_sale* sale);

/* Where a hold stands (holdfast::HoldState; the values are equal). */
typedef enum hf_hold_state {
  HF_HOLD_HELD = 0,      /* live: it can be confirmed, released or extended */
  HF_HOLD_CONFIRMED = 1, /* sold */
  HF_HOLD_RELEASED = 2,  /* ended by its buyer */
  HF_HOLD_EXPIRED = 3    /* its deadline has passed, swept or not: never confirmable */
} hf_hold_state;

/* Lines a hold has at most (holdfast::kLinesPerHoldMax). */
#define HF_LINES_PER_HOLD_MAX 6

/* One hold as its buyer may see it (holdfast::HoldInfo). */
typedef struct hf_hold_info {
  int32_t state; /* an hf_hold_state */
  int32_t line_count;
  hf_buyer_id buyer;
  /* HELD, and EXPIRED while not yet swept: the deadline as a wall-clock instant (ns since the
   * Unix epoch, seen from the wall clock when the call ran); HF_TIME_INFINITE_PAST otherwise. */
  int64_t expires_at_unix_ns;
  int32_t units;                             /* over every line */
  int32_t seat_count;                        /* of them, seats (hf_sale_seats_of names them) */
  hf_hold_line lines[HF_LINES_PER_HOLD_MAX]; /* by ticket type, seats in their section's type */
} hf_hold_info;

/* Describes `buyer`'s hold into `*out` (Sale::Describe): an ended hold is described until its
 * slot holds a later one. HF_OUTCOME_OK; HF_OUTCOME_UNKNOWN_HOLD; HF_OUTCOME_NOT_OWNER (then
 * `*out` is zeroed, state HELD); HF_OUTCOME_INVALID_ARGUMENT for a NULL sale or out. Writes
 * nothing to the sale (a dead hold reads EXPIRED). Thread-safe. Lock-free. Never allocates. */
hf_outcome hf_sale_describe(const hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer,
                            hf_hold_info* out);

/* One buyer's counters (holdfast::BuyerCounts). */
typedef struct hf_buyer_counts {
  int64_t held_units;
  int64_t bought_units;
  int32_t live_holds;
} hf_buyer_counts;

/* `buyer`'s counters into `*out` (all zero for a buyer never seen). HF_ERROR_INVALID_ARGUMENT
 * for a NULL sale or out, which is then left unchanged. Thread-safe. Lock-free. */
hf_error hf_sale_buyer(const hf_sale* sale, hf_buyer_id buyer, hf_buyer_counts* out);

/* Counters of one ticket type (holdfast::TypeStats). At a quiescent point
 * available + held_units + sold_units == capacity. */
typedef struct hf_type_stats {
  int64_t capacity;
  int64_t available;
  int64_t held_units;
  int64_t sold_units;
  int64_t released_units;
  int64_t expired_units;
} hf_type_stats;

/* Counters of `type` into `*out` (all zero for an unknown type). Errors as hf_sale_buyer.
 * Thread-safe. Lock-free. */
hf_error hf_sale_type_stats(const hf_sale* sale, uint32_t type, hf_type_stats* out);

/* Room for outcome counts in hf_sale_stats: outcomes added later fit without a layout change. */
#define HF_OUTCOME_SLOTS 32

/* Counters of the whole sale (holdfast::SaleStats). outcomes[o] counts the Hold, Confirm,
 * Release and Extend answers with outcome o; entries from HF_OUTCOME_COUNT on are 0. */
typedef struct hf_sale_stats {
  int64_t held_units;
  int64_t sold_units;
  int64_t released_units;
  int64_t expired_units;
  int64_t live_holds;
  int64_t holds_created;
  int64_t holds_confirmed;
  int64_t holds_released;
  int64_t holds_expired;
  int64_t events_dropped;
  int64_t slots_retired;
  int64_t outcomes[HF_OUTCOME_SLOTS];
} hf_sale_stats;

/* The sale's counters into `*out`. Errors as hf_sale_buyer. Thread-safe. Lock-free. */
hf_error hf_sale_stats_get(const hf_sale* sale, hf_sale_stats* out);

/* ------------------------------------------------------------------------------------------ */
/* Events (holdfast::Event); the config's events_max turns them on. */

/* What happened to a hold; the values equal holdfast::EventKind's. */
typedef enum hf_event_kind {
  HF_EVENT_HELD = 0,
  HF_EVENT_CONFIRMED = 1,
  HF_EVENT_RELEASED = 2,
  HF_EVENT_EXPIRED = 3
} hf_event_kind;

/* "Held", "Confirmed", "Released", "Expired"; "Unknown" otherwise. A static string.
 * Thread-safe. Never allocates. */
const char* hf_event_kind_name(int kind);

/* One event. */
typedef struct hf_event {
  int32_t kind; /* an hf_event_kind */
  int32_t units;
  hf_hold_id hold;
  hf_buyer_id buyer;
  int64_t monotonic_ns;
} hf_event;

/* Moves up to `capacity` events into out[0 ..) and returns how many (Sale::DrainEvents, whose
 * ordering notes apply); 0 for a NULL sale or out. Thread-safe: each event goes to exactly one
 * caller. Lock-free. Never allocates. */
size_t hf_sale_drain_events(hf_sale* sale, hf_event* out, size_t capacity);

/* Blocks until an event waits to be drained, or `timeout_ns` of real time passes
 * (Sale::WaitForEvents: woken by the operation that publishes the event, not by polling).
 * Returns 1 when an event waits, 0 on timeout, and 0 at once for a NULL sale or a sale without
 * events. Thread-safe, any number of waiters. Never allocates. Blocks: not for the hot path. */
int hf_sale_wait_for_events(hf_sale* sale, int64_t timeout_ns);

/* ------------------------------------------------------------------------------------------ */
/* Seats */

/* What a seat is doing (holdfast::SeatStatus). */
typedef enum hf_seat_status { HF_SEAT_FREE = 0, HF_SEAT_HELD = 1, HF_SEAT_SOLD = 2 } hf_seat_status;

/* A seat's state, for the server (it names the holder). `hold` is 0 unless held. */
typedef struct hf_seat_state {
  int32_t status; /* an hf_seat_status */
  hf_hold_id hold;
  hf_buyer_id buyer;
} hf_seat_state;

/* Seats in the sale's map (0 without one, or for NULL). Thread-safe. */
uint32_t hf_sale_seat_count(const hf_sale* sale);

/* `seat`'s state into `*out` (HF_SEAT_FREE for an unknown seat). Errors as hf_sale_buyer.
 * Thread-safe. Lock-free. Never allocates. */
hf_error hf_sale_seat(const hf_sale* sale, hf_seat_id seat, hf_seat_state* out);

/* The seat labelled `label` ("SECTION ROW-NUMBER", e.g. "Orchestra B-12"), or HF_NO_SEAT (also
 * for NULL arguments). Thread-safe. Allocates nothing the caller sees; scans names (not for the
 * hot path). */
hf_seat_id hf_sale_find_seat(const hf_sale* sale, const char* label);

/* Writes `seat`'s label into `buffer` (at most `size` bytes, NUL-terminated when size > 0;
 * `buffer` may be NULL when size is 0) and returns the label's full length without the NUL, as
 * snprintf: a result >= size means it was cut. An unknown seat's label is "". Thread-safe.
 * Allocates internally (freed before it returns). */
size_t hf_sale_seat_label(const hf_sale* sale, hf_seat_id seat, char* buffer, size_t size);

/* The seats of `buyer`'s live or confirmed hold into out[0 .. out_size); how many were written
 * goes to `*count_out` (Sale::SeatsOf). HF_OUTCOME_INVALID_ARGUMENT for a NULL sale or
 * count_out, or a NULL out with out_size > 0. Thread-safe. Lock-free. Never allocates. */
hf_outcome hf_sale_seats_of(const hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer,
                            hf_seat_id* out, size_t out_size, size_t* count_out);

/* Words each bitmap of hf_sale_snapshot_seats needs: (seat count + 63) / 64. Thread-safe. */
size_t hf_sale_seat_words(const hf_sale* sale);

/* A snapshot of the map: bit i % 64 of held[i / 64] is set when seat i is held, of sold[i / 64]
 * when it is sold (Sale::SnapshotSeats). Both arrays have `words` entries. Returns
 * HF_ERROR_INVALID_ARGUMENT, writing nothing, for NULL pointers or words <
 * hf_sale_seat_words(sale). Thread-safe. Lock-free. Never allocates. */
hf_error hf_sale_snapshot_seats(const hf_sale* sale, uint64_t* held, uint64_t* sold, size_t words);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HOLDFAST_HOLDFAST_C_H_ */
