// The C ABI (include/holdfast/holdfast_c.h) over the C++ API. Every function catches every
// exception before it could reach a C caller, turns NULL pointers and out-of-range values into
// the documented answer, and otherwise forwards to holdfast::Sale unchanged, so the C++ API's
// guarantees (thread safety, progress, no allocation on the hot path) carry over.
#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/event.h"
#include "holdfast/holdfast_c.h"
#include "holdfast/outcome.h"
#include "holdfast/sale.h"
#include "holdfast/seat_map.h"
#include "holdfast/stats.h"
#include "holdfast/types.h"
#include "holdfast/version.h"

// The handles. hf_sale is never defined: an hf_sale* is a holdfast::Sale* in disguise, so the
// hot path pays no extra indirection.
struct hf_config {
  holdfast::SaleConfig config;
};

struct hf_manual_clock {
  holdfast::ManualClock clock;
};

namespace {

using holdfast::Outcome;

// The C enums are the C++ ones, value for value: a mismatch fails the build here.
static_assert(HF_OUTCOME_COUNT == holdfast::kOutcomeCount, "a holdfast::Outcome is missing in C");
static_assert(HF_OUTCOME_COUNT <= HF_OUTCOME_SLOTS, "hf_sale_stats::outcomes is too short");
#define HOLDFAST_C_SAME(c_value, cc_value) \
  static_assert(static_cast<int>(c_value) == static_cast<int>(cc_value), #c_value)
HOLDFAST_C_SAME(HF_OUTCOME_OK, Outcome::kOk);
HOLDFAST_C_SAME(HF_OUTCOME_SOLD_OUT, Outcome::kSoldOut);
HOLDFAST_C_SAME(HF_OUTCOME_SEAT_TAKEN, Outcome::kSeatTaken);
HOLDFAST_C_SAME(HF_OUTCOME_NO_ADJACENT_SEATS, Outcome::kNoAdjacentSeats);
HOLDFAST_C_SAME(HF_OUTCOME_BUYER_LIMIT, Outcome::kBuyerLimit);
HOLDFAST_C_SAME(HF_OUTCOME_TOO_MANY_HOLDS, Outcome::kTooManyHolds);
HOLDFAST_C_SAME(HF_OUTCOME_NOT_OPEN, Outcome::kNotOpen);
HOLDFAST_C_SAME(HF_OUTCOME_CLOSED, Outcome::kClosed);
HOLDFAST_C_SAME(HF_OUTCOME_EXPIRED, Outcome::kExpired);
HOLDFAST_C_SAME(HF_OUTCOME_UNKNOWN_HOLD, Outcome::kUnknownHold);
HOLDFAST_C_SAME(HF_OUTCOME_NOT_OWNER, Outcome::kNotOwner);
HOLDFAST_C_SAME(HF_OUTCOME_ALREADY_CONFIRMED, Outcome::kAlreadyConfirmed);
HOLDFAST_C_SAME(HF_OUTCOME_HOLD_TABLE_FULL, Outcome::kHoldTableFull);
HOLDFAST_C_SAME(HF_OUTCOME_BUYER_TABLE_FULL, Outcome::kBuyerTableFull);
HOLDFAST_C_SAME(HF_OUTCOME_INVALID_ARGUMENT, Outcome::kInvalidArgument);
HOLDFAST_C_SAME(HF_OUTCOME_KEY_IN_USE, Outcome::kKeyInUse);
HOLDFAST_C_SAME(HF_HOLD_HELD, holdfast::HoldState::kHeld);
HOLDFAST_C_SAME(HF_HOLD_CONFIRMED, holdfast::HoldState::kConfirmed);
HOLDFAST_C_SAME(HF_HOLD_RELEASED, holdfast::HoldState::kReleased);
HOLDFAST_C_SAME(HF_HOLD_EXPIRED, holdfast::HoldState::kExpired);
HOLDFAST_C_SAME(HF_LINES_PER_HOLD_MAX, holdfast::kLinesPerHoldMax);
HOLDFAST_C_SAME(HF_OUTCOME_TRY_AGAIN, Outcome::kTryAgain);
HOLDFAST_C_SAME(HF_EVENT_HELD, holdfast::EventKind::kHeld);
HOLDFAST_C_SAME(HF_EVENT_CONFIRMED, holdfast::EventKind::kConfirmed);
HOLDFAST_C_SAME(HF_EVENT_RELEASED, holdfast::EventKind::kReleased);
HOLDFAST_C_SAME(HF_EVENT_EXPIRED, holdfast::EventKind::kExpired);
HOLDFAST_C_SAME(HF_SEAT_FREE, holdfast::SeatStatus::kFree);
HOLDFAST_C_SAME(HF_SEAT_HELD, holdfast::SeatStatus::kHeld);
HOLDFAST_C_SAME(HF_SEAT_SOLD, holdfast::SeatStatus::kSold);
HOLDFAST_C_SAME(HF_CONFIRM_RETRY_IS_OK, holdfast::ConfirmMode::kRetryIsOk);
HOLDFAST_C_SAME(HF_CONFIRM_REPORT_ALREADY_CONFIRMED,
                holdfast::ConfirmMode::kReportAlreadyConfirmed);
#undef HOLDFAST_C_SAME
static_assert(std::is_same_v<hf_seat_id, holdfast::SeatId>, "seat ids are passed as spans");
static_assert(HF_NO_SEAT == holdfast::kNoSeat);
static_assert(HF_RESERVED_BUYER == holdfast::kReservedBuyer);
static_assert(std::is_same_v<decltype(holdfast::HoldId::value), hf_hold_id>);

constexpr unsigned kBestFlagsAll = HF_BEST_AVOID_ORPHANS | HF_BEST_ALLOW_SPLIT |
                                   HF_BEST_ACCESSIBLE_ONLY | HF_BEST_ALLOW_RESTRICTED;

holdfast::Sale* Cc(hf_sale* sale) { return reinterpret_cast<holdfast::Sale*>(sale); }
const holdfast::Sale* Cc(const hf_sale* sale) {
  return reinterpret_cast<const holdfast::Sale*>(sale);
}

hf_outcome C(Outcome outcome) { return static_cast<hf_outcome>(outcome); }

// Runs `body`, answering `on_exception` if it throws anything: no exception reaches C. The
// library throws nothing on these paths today; this is the boundary's promise, not a code path.
template <typename R, typename F>
R Guarded(R on_exception, F&& body) noexcept {
  try {
    return std::forward<F>(body)();
  } catch (...) {
    return on_exception;
  }
}

// A query: `fallback` for a NULL sale (or an exception), else `body` on the sale.
template <typename R, typename F>
R Query(const hf_sale* sale, R fallback, F&& body) noexcept {
  if (sale == nullptr) return fallback;
  return Guarded(fallback, [&] { return std::forward<F>(body)(*Cc(sale)); });
}

// A query with an out-parameter: HF_ERROR_INVALID_ARGUMENT for a NULL sale or out (left
// unchanged), else `*out` = `body` on the sale.
template <typename T, typename F>
hf_error Fill(const hf_sale* sale, T* out, F&& body) noexcept {
  if (sale == nullptr || out == nullptr) return HF_ERROR_INVALID_ARGUMENT;
  return Guarded(HF_ERROR_INTERNAL, [&] {
    *out = std::forward<F>(body)(*Cc(sale));
    return HF_ERROR_OK;
  });
}

// Copies `text` into the caller's buffer, cut to fit and NUL-terminated when size > 0.
void CopyOut(absl::string_view text, char* buffer, size_t size) {
  if (buffer == nullptr || size == 0) return;
  const size_t n = std::min(text.size(), size - 1);
  std::memcpy(buffer, text.data(), n);
  buffer[n] = '\0';
}

hf_error ErrorOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return HF_ERROR_OK;
    case absl::StatusCode::kInvalidArgument:
      return HF_ERROR_INVALID_ARGUMENT;
    case absl::StatusCode::kResourceExhausted:
      return HF_ERROR_RESOURCE_EXHAUSTED;
    default:
      return HF_ERROR_INTERNAL;
  }
}

// Runs a config edit: errors for a NULL config, and for exceptions (push_back's strong
// guarantee leaves the config as it was).
template <typename F>
hf_error EditConfig(hf_config* config, F&& edit) noexcept {
  if (config == nullptr) return HF_ERROR_INVALID_ARGUMENT;
  try {
    return std::forward<F>(edit)(config->config);
  } catch (const std::bad_alloc&) {
    return HF_ERROR_RESOURCE_EXHAUSTED;
  } catch (...) {
    return HF_ERROR_INTERNAL;
  }
}

absl::Time WallTime(int64_t unix_ns) {
  if (unix_ns == HF_TIME_INFINITE_PAST) return absl::InfinitePast();
  if (unix_ns == HF_TIME_INFINITE_FUTURE) return absl::InfiniteFuture();
  return absl::FromUnixNanos(unix_ns);
}

holdfast::HoldOptions Options(int64_t ttl_ns, uint64_t idempotency_key) {
  return {.ttl = absl::Nanoseconds(ttl_ns), .idempotency_key = idempotency_key};
}

// Copies C lines into `out`. More than kLinesPerHoldMax lines are cut to kLinesPerHoldMax + 1,
// which the sale still refuses (and counts) as too many.
absl::Span<const holdfast::HoldLine> Lines(
    const hf_hold_line* lines, size_t count,
    std::array<holdfast::HoldLine, holdfast::kLinesPerHoldMax + 1>& out) {
  const size_t n = std::min(count, out.size());
  for (size_t i = 0; i < n; ++i) out[i] = {.type = lines[i].type, .quantity = lines[i].quantity};
  return absl::MakeConstSpan(out.data(), n);
}

// Stores a hold's result for the caller.
hf_outcome Answer(const holdfast::HoldResult& result, hf_hold_id* hold_out) {
  *hold_out = result.ok() ? result.id.value : 0;
  return C(result.outcome);
}

}  // namespace

extern "C" {

int hf_version(void) { return HF_VERSION; }

const char* hf_version_string(void) {
#define HOLDFAST_C_STR2(x) #x
#define HOLDFAST_C_STR(x) HOLDFAST_C_STR2(x)
  return HOLDFAST_C_STR(HOLDFAST_VERSION_MAJOR) "." HOLDFAST_C_STR(
      HOLDFAST_VERSION_MINOR) "." HOLDFAST_C_STR(HOLDFAST_VERSION_PATCH);
#undef HOLDFAST_C_STR
#undef HOLDFAST_C_STR2
}

const char* hf_outcome_name(int outcome) {
  // OutcomeName's views point at string literals, so .data() is NUL-terminated.
  if (outcome < 0 || outcome >= holdfast::kOutcomeCount) return "Unknown";
  return holdfast::OutcomeName(static_cast<Outcome>(outcome)).data();
}

const char* hf_error_name(int error) {
  switch (error) {
    case HF_ERROR_OK:
      return "Ok";
    case HF_ERROR_INVALID_ARGUMENT:
      return "InvalidArgument";
    case HF_ERROR_RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case HF_ERROR_INTERNAL:
      return "Internal";
    default:
      return "Unknown";
  }
}

const char* hf_event_kind_name(int kind) {
  if (kind < HF_EVENT_HELD || kind > HF_EVENT_EXPIRED) return "Unknown";
  return holdfast::EventKindName(static_cast<holdfast::EventKind>(kind)).data();
}

// ---------------------------------------------------------------------------------------------
// Manual clock

hf_manual_clock* hf_manual_clock_create(int64_t wall_unix_ns) {
  return new (std::nothrow) hf_manual_clock{holdfast::ManualClock(WallTime(wall_unix_ns))};
}

void hf_manual_clock_destroy(hf_manual_clock* clock) { delete clock; }

void hf_manual_clock_advance(hf_manual_clock* clock, int64_t ns) {
  if (clock != nullptr) clock->clock.Advance(absl::Nanoseconds(ns));
}

void hf_manual_clock_set_wall(hf_manual_clock* clock, int64_t wall_unix_ns) {
  if (clock != nullptr) clock->clock.SetWall(WallTime(wall_unix_ns));
}

int64_t hf_manual_clock_monotonic_ns(const hf_manual_clock* clock) {
  return clock != nullptr ? clock->clock.MonotonicNanos() : 0;
}

// ---------------------------------------------------------------------------------------------
// Config

hf_config* hf_config_create(void) { return new (std::nothrow) hf_config(); }

void hf_config_destroy(hf_config* config) { delete config; }

hf_error hf_config_add_type(hf_config* config, const char* name, int64_t capacity,
                            uint32_t* type_out) {
  return EditConfig(config, [&](holdfast::SaleConfig& c) {
    if (name == nullptr) return HF_ERROR_INVALID_ARGUMENT;
    c.types.push_back({.name = name, .capacity = capacity});
    if (type_out != nullptr) *type_out = static_cast<uint32_t>(c.types.size() - 1);
    return HF_ERROR_OK;
  });
}

hf_error hf_config_add_quota(hf_config* config, const char* name, int64_t capacity,
                             const uint32_t* types, size_t type_count, int* quota_out) {
  return EditConfig(config, [&](holdfast::SaleConfig& c) {
    if (name == nullptr || (types == nullptr && type_count > 0)) return HF_ERROR_INVALID_ARGUMENT;
    holdfast::QuotaConfig quota{.name = name, .capacity = capacity, .types = {}};
    if (type_count > 0) quota.types.assign(types, types + type_count);
    c.quotas.push_back(std::move(quota));
    if (quota_out != nullptr) *quota_out = static_cast<int>(c.quotas.size() - 1);
    return HF_ERROR_OK;
  });
}

hf_error hf_config_add_cycle(hf_config* config, const char* name, int64_t opens_at_unix_ns,
                             int64_t closes_at_unix_ns, int64_t allotment, int64_t per_buyer_max,
                             int rollover, int* cycle_out) {
  return EditConfig(config, [&](holdfast::SaleConfig& c) {
    if (name == nullptr) return HF_ERROR_INVALID_ARGUMENT;
    c.cycles.push_back({.name = name,
                        .opens_at = WallTime(opens_at_unix_ns),
                        .closes_at = WallTime(closes_at_unix_ns),
                        .allotment = allotment,
                        .per_buyer_max = per_buyer_max,
                        .rollover = rollover != 0});
    if (cycle_out != nullptr) *cycle_out = static_cast<int>(c.cycles.size() - 1);
    return HF_ERROR_OK;
  });
}

hf_error hf_config_set_seat_map(hf_config* config, const char* text, char* message,
                                size_t message_size) {
  CopyOut("", message, message_size);
  const hf_error error = EditConfig(config, [&](holdfast::SaleConfig& c) {
    if (text == nullptr) {
      CopyOut("seat map text is NULL", message, message_size);
      return HF_ERROR_INVALID_ARGUMENT;
    }
    absl::StatusOr<holdfast::SeatMapConfig> map = holdfast::ParseSeatMap(text);
    if (!map.ok()) {
      CopyOut(map.status().message(), message, message_size);
      return ErrorOf(map.status());
    }
    c.seat_map = *std::move(map);
    return HF_ERROR_OK;
  });
  if (error != HF_ERROR_OK && message != nullptr && message_size > 0 && message[0] == '\0') {
    CopyOut(config == nullptr ? "config is NULL" : hf_error_name(error), message, message_size);
  }
  return error;
}

#define HOLDFAST_C_SETTER(function, type, field, convert)    \
  hf_error function(hf_config* config, type value) {         \
    return EditConfig(config, [&](holdfast::SaleConfig& c) { \
      c.field = convert(value);                              \
      return HF_ERROR_OK;                                    \
    });                                                      \
  }
HOLDFAST_C_SETTER(hf_config_set_per_buyer_units_max, int64_t, per_buyer_units_max, )
HOLDFAST_C_SETTER(hf_config_set_per_buyer_holds_max, int32_t, per_buyer_holds_max, )
HOLDFAST_C_SETTER(hf_config_set_units_per_hold_max, int32_t, units_per_hold_max, )
HOLDFAST_C_SETTER(hf_config_set_hold_ttl_default_ns, int64_t, hold_ttl_default, absl::Nanoseconds)
HOLDFAST_C_SETTER(hf_config_set_hold_lifetime_max_ns, int64_t, hold_lifetime_max, absl::Nanoseconds)
HOLDFAST_C_SETTER(hf_config_set_holds_max, int32_t, holds_max, )
HOLDFAST_C_SETTER(hf_config_set_buyers_max, int32_t, buyers_max, )
HOLDFAST_C_SETTER(hf_config_set_idempotency_keys_max, int32_t, idempotency_keys_max, )
HOLDFAST_C_SETTER(hf_config_set_events_max, int32_t, events_max, )
#undef HOLDFAST_C_SETTER

hf_error hf_config_set_manual_clock(hf_config* config, hf_manual_clock* clock) {
  return EditConfig(config, [&](holdfast::SaleConfig& c) {
    c.clock = clock != nullptr ? &clock->clock : nullptr;
    return HF_ERROR_OK;
  });
}

// ---------------------------------------------------------------------------------------------
// Sale: create, destroy

hf_error hf_sale_create(const hf_config* config, hf_sale** sale_out, char* message,
                        size_t message_size) {
  CopyOut("", message, message_size);
  if (sale_out != nullptr) *sale_out = nullptr;
  if (config == nullptr || sale_out == nullptr) {
    CopyOut(config == nullptr ? "config is NULL" : "sale_out is NULL", message, message_size);
    return HF_ERROR_INVALID_ARGUMENT;
  }
  try {
    absl::StatusOr<std::unique_ptr<holdfast::Sale>> sale = holdfast::Sale::Create(config->config);
    if (!sale.ok()) {
      CopyOut(sale.status().message(), message, message_size);
      return ErrorOf(sale.status());
    }
    *sale_out = reinterpret_cast<hf_sale*>(sale->release());
    return HF_ERROR_OK;
  } catch (const std::bad_alloc&) {
    CopyOut("out of memory", message, message_size);
    return HF_ERROR_RESOURCE_EXHAUSTED;
  } catch (const std::exception& e) {
    CopyOut(e.what(), message, message_size);
    return HF_ERROR_INTERNAL;
  } catch (...) {
    CopyOut("unknown exception", message, message_size);
    return HF_ERROR_INTERNAL;
  }
}

void hf_sale_destroy(hf_sale* sale) { delete Cc(sale); }

// ---------------------------------------------------------------------------------------------
// Sale: holds

hf_outcome hf_sale_hold(hf_sale* sale, hf_buyer_id buyer, const hf_hold_line* lines,
                        size_t line_count, int64_t ttl_ns, uint64_t idempotency_key,
                        hf_hold_id* hold_out) {
  if (hold_out != nullptr) *hold_out = 0;
  if (sale == nullptr || hold_out == nullptr || (lines == nullptr && line_count > 0)) {
    return HF_OUTCOME_INVALID_ARGUMENT;
  }
  return Guarded(HF_OUTCOME_TRY_AGAIN, [&] {
    std::array<holdfast::HoldLine, holdfast::kLinesPerHoldMax + 1> buffer;
    return Answer(
        Cc(sale)->Hold(buyer, Lines(lines, line_count, buffer), Options(ttl_ns, idempotency_key)),
        hold_out);
  });
}

hf_outcome hf_sale_hold_seats(hf_sale* sale, hf_buyer_id buyer, const hf_seat_id* seats,
                              size_t seat_count, const hf_hold_line* lines, size_t line_count,
                              int64_t ttl_ns, uint64_t idempotency_key, hf_hold_id* hold_out,
                              hf_seat_id* taken_seat_out) {
  if (hold_out != nullptr) *hold_out = 0;
  if (taken_seat_out != nullptr) *taken_seat_out = HF_NO_SEAT;
  if (sale == nullptr || hold_out == nullptr || (lines == nullptr && line_count > 0) ||
      (seats == nullptr && seat_count > 0)) {
    return HF_OUTCOME_INVALID_ARGUMENT;
  }
  return Guarded(HF_OUTCOME_TRY_AGAIN, [&] {
    std::array<holdfast::HoldLine, holdfast::kLinesPerHoldMax + 1> buffer;
    const holdfast::HoldResult result =
        Cc(sale)->HoldSeats(buyer, absl::MakeConstSpan(seats, seat_count),
                            Lines(lines, line_count, buffer), Options(ttl_ns, idempotency_key));
    if (taken_seat_out != nullptr && result.outcome == Outcome::kSeatTaken) {
      *taken_seat_out = result.taken_seat;
    }
    return Answer(result, hold_out);
  });
}

hf_outcome hf_sale_hold_best_available(hf_sale* sale, hf_buyer_id buyer, int count,
                                       const int* sections, size_t section_count, unsigned flags,
                                       int64_t ttl_ns, uint64_t idempotency_key,
                                       hf_seat_id* seats_out, size_t seats_out_size,
                                       hf_hold_id* hold_out) {
  if (hold_out != nullptr) *hold_out = 0;
  if (sale == nullptr || hold_out == nullptr || (sections == nullptr && section_count > 0) ||
      (seats_out == nullptr && seats_out_size > 0) || (flags & ~kBestFlagsAll) != 0) {
    return HF_OUTCOME_INVALID_ARGUMENT;
  }
  return Guarded(HF_OUTCOME_TRY_AGAIN, [&] {
    holdfast::BestAvailableRequest request;
    request.count = count;
    if (section_count > 0) request.sections.assign(sections, sections + section_count);
    request.avoid_orphans = (flags & HF_BEST_AVOID_ORPHANS) != 0;
    request.allow_split = (flags & HF_BEST_ALLOW_SPLIT) != 0;
    request.accessible_only = (flags & HF_BEST_ACCESSIBLE_ONLY) != 0;
    request.allow_restricted = (flags & HF_BEST_ALLOW_RESTRICTED) != 0;
    return Answer(
        Cc(sale)->HoldBestAvailable(buyer, request, absl::MakeSpan(seats_out, seats_out_size),
                                    Options(ttl_ns, idempotency_key)),
        hold_out);
  });
}

hf_outcome hf_sale_confirm(hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer, int mode) {
  if (sale == nullptr ||
      (mode != HF_CONFIRM_RETRY_IS_OK && mode != HF_CONFIRM_REPORT_ALREADY_CONFIRMED)) {
    return HF_OUTCOME_INVALID_ARGUMENT;
  }
  return Guarded(HF_OUTCOME_TRY_AGAIN, [&] {
    return C(
        Cc(sale)->Confirm(holdfast::HoldId{hold}, buyer, static_cast<holdfast::ConfirmMode>(mode)));
  });
}

hf_outcome hf_sale_release(hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer) {
  if (sale == nullptr) return HF_OUTCOME_INVALID_ARGUMENT;
  return Guarded(HF_OUTCOME_TRY_AGAIN,
                 [&] { return C(Cc(sale)->Release(holdfast::HoldId{hold}, buyer)); });
}

hf_outcome hf_sale_extend(hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer, int64_t ttl_ns) {
  if (sale == nullptr) return HF_OUTCOME_INVALID_ARGUMENT;
  return Guarded(HF_OUTCOME_TRY_AGAIN, [&] {
    return C(Cc(sale)->Extend(holdfast::HoldId{hold}, buyer, absl::Nanoseconds(ttl_ns)));
  });
}

int64_t hf_sale_sweep(hf_sale* sale) {
  if (sale == nullptr) return 0;
  return Guarded(int64_t{0}, [&] { return Cc(sale)->Sweep(); });
}

int64_t hf_sale_sweep_at(hf_sale* sale, int64_t monotonic_now_ns) {
  if (sale == nullptr) return 0;
  return Guarded(int64_t{0}, [&] { return Cc(sale)->Sweep(monotonic_now_ns); });
}

// ---------------------------------------------------------------------------------------------
// Sale: queries

int64_t hf_sale_available(const hf_sale* sale, uint32_t type) {
  return Query(sale, int64_t{0}, [&](const holdfast::Sale& s) { return s.Available(type); });
}

int64_t hf_sale_type_available(const hf_sale* sale, uint32_t type) {
  return Query(sale, int64_t{0}, [&](const holdfast::Sale& s) { return s.TypeAvailable(type); });
}

int64_t hf_sale_quota_available(const hf_sale* sale, int quota) {
  return Query(sale, int64_t{0}, [&](const holdfast::Sale& s) { return s.QuotaAvailable(quota); });
}

int64_t hf_sale_cycle_available(const hf_sale* sale, int cycle) {
  return Query(sale, int64_t{0}, [&](const holdfast::Sale& s) { return s.CycleAvailable(cycle); });
}

int hf_sale_current_cycle(const hf_sale* sale) {
  return Query(sale, -1, [](const holdfast::Sale& s) { return s.CurrentCycle(); });
}

size_t hf_sale_memory_bytes(const hf_sale* sale) {
  return Query(sale, size_t{0}, [](const holdfast::Sale& s) { return s.MemoryBytes(); });
}

hf_error hf_sale_buyer(const hf_sale* sale, hf_buyer_id buyer, hf_buyer_counts* out) {
  return Fill(sale, out, [&](const holdfast::Sale& s) {
    const holdfast::BuyerCounts counts = s.Buyer(buyer);
    return hf_buyer_counts{.held_units = counts.held_units,
                           .bought_units = counts.bought_units,
                           .live_holds = counts.live_holds};
  });
}

hf_error hf_sale_type_stats(const hf_sale* sale, uint32_t type, hf_type_stats* out) {
  return Fill(sale, out, [&](const holdfast::Sale& s) {
    const holdfast::TypeStats stats = s.TypeStatsOf(type);
    return hf_type_stats{.capacity = stats.capacity,
                         .available = stats.available,
                         .held_units = stats.held_units,
                         .sold_units = stats.sold_units,
                         .released_units = stats.released_units,
                         .expired_units = stats.expired_units};
  });
}

hf_error hf_sale_stats_get(const hf_sale* sale, hf_sale_stats* out) {
  return Fill(sale, out, [](const holdfast::Sale& s) {
    const holdfast::SaleStats stats = s.Stats();
    hf_sale_stats c{};
    c.held_units = stats.held_units;
    c.sold_units = stats.sold_units;
    c.released_units = stats.released_units;
    c.expired_units = stats.expired_units;
    c.live_holds = stats.live_holds;
    c.holds_created = stats.holds_created;
    c.holds_confirmed = stats.holds_confirmed;
    c.holds_released = stats.holds_released;
    c.holds_expired = stats.holds_expired;
    c.events_dropped = stats.events_dropped;
    c.slots_retired = stats.slots_retired;
    std::copy(stats.outcomes.begin(), stats.outcomes.end(), c.outcomes);
    return c;
  });
}

// ---------------------------------------------------------------------------------------------
// Sale: events

int hf_sale_wait_for_events(hf_sale* sale, int64_t timeout_ns) {
  if (sale == nullptr) return 0;
  return Guarded(0, [&] { return Cc(sale)->WaitForEvents(absl::Nanoseconds(timeout_ns)) ? 1 : 0; });
}

size_t hf_sale_drain_events(hf_sale* sale, hf_event* out, size_t capacity) {
  if (sale == nullptr || out == nullptr) return 0;
  return Guarded(size_t{0}, [&] {
    // The C event's layout is its own, so events pass through a small buffer on the stack.
    std::array<holdfast::Event, 32> buffer;
    size_t total = 0;
    while (total < capacity) {
      const size_t want = std::min(buffer.size(), capacity - total);
      const size_t got = Cc(sale)->DrainEvents(absl::MakeSpan(buffer.data(), want));
      for (size_t i = 0; i < got; ++i) {
        const holdfast::Event& e = buffer[i];
        out[total + i] = {.kind = static_cast<int32_t>(e.kind),
                          .units = e.units,
                          .hold = e.hold.value,
                          .buyer = e.buyer,
                          .monotonic_ns = e.monotonic_ns};
      }
      total += got;
      if (got < want) break;
    }
    return total;
  });
}

// ---------------------------------------------------------------------------------------------
// Sale: seats

uint32_t hf_sale_seat_count(const hf_sale* sale) {
  return Query(sale, uint32_t{0}, [](const holdfast::Sale& s) { return s.SeatCount(); });
}

hf_error hf_sale_seat(const hf_sale* sale, hf_seat_id seat, hf_seat_state* out) {
  return Fill(sale, out, [&](const holdfast::Sale& s) {
    const holdfast::SeatState state = s.Seat(seat);
    return hf_seat_state{.status = static_cast<int32_t>(state.status),
                         .hold = state.status == holdfast::SeatStatus::kHeld ? state.hold.value : 0,
                         .buyer = state.buyer};
  });
}

hf_seat_id hf_sale_find_seat(const hf_sale* sale, const char* label) {
  if (sale == nullptr || label == nullptr) return HF_NO_SEAT;
  return Guarded(HF_NO_SEAT, [&] { return Cc(sale)->FindSeat(label); });
}

size_t hf_sale_seat_label(const hf_sale* sale, hf_seat_id seat, char* buffer, size_t size) {
  CopyOut("", buffer, size);
  if (sale == nullptr) return 0;
  return Guarded(size_t{0}, [&] {
    const std::string label = Cc(sale)->SeatLabel(seat);
    CopyOut(label, buffer, size);
    return label.size();
  });
}

hf_outcome hf_sale_describe(const hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer,
                            hf_hold_info* out) {
  if (sale == nullptr || out == nullptr) return HF_OUTCOME_INVALID_ARGUMENT;
  return Guarded(HF_OUTCOME_TRY_AGAIN, [&] {
    holdfast::HoldInfo info;
    const Outcome outcome = Cc(sale)->Describe(holdfast::HoldId{hold}, buyer, info);
    *out = hf_hold_info{};
    out->state = static_cast<int32_t>(info.state);
    out->line_count = info.line_count;
    out->buyer = info.buyer;
    // Saturates: absl::InfinitePast() is INT64_MIN, HF_TIME_INFINITE_PAST.
    out->expires_at_unix_ns = absl::ToUnixNanos(info.expires_at);
    out->units = info.units;
    out->seat_count = info.seat_count;
    for (int i = 0; i < info.line_count; ++i) {
      out->lines[i] = {info.lines[i].type, info.lines[i].quantity};
    }
    return C(outcome);
  });
}

hf_outcome hf_sale_seats_of(const hf_sale* sale, hf_hold_id hold, hf_buyer_id buyer,
                            hf_seat_id* out, size_t out_size, size_t* count_out) {
  if (count_out != nullptr) *count_out = 0;
  if (sale == nullptr || count_out == nullptr || (out == nullptr && out_size > 0)) {
    return HF_OUTCOME_INVALID_ARGUMENT;
  }
  return Guarded(HF_OUTCOME_TRY_AGAIN, [&] {
    int count = 0;
    const Outcome outcome =
        Cc(sale)->SeatsOf(holdfast::HoldId{hold}, buyer, absl::MakeSpan(out, out_size), count);
    *count_out = static_cast<size_t>(std::max(count, 0));
    return C(outcome);
  });
}

size_t hf_sale_seat_words(const hf_sale* sale) {
  return (static_cast<size_t>(hf_sale_seat_count(sale)) + 63) / 64;
}

hf_error hf_sale_snapshot_seats(const hf_sale* sale, uint64_t* held, uint64_t* sold, size_t words) {
  if (sale == nullptr || held == nullptr || sold == nullptr) return HF_ERROR_INVALID_ARGUMENT;
  return Guarded(HF_ERROR_INTERNAL, [&] {
    return Cc(sale)->SnapshotSeats(absl::MakeSpan(held, words), absl::MakeSpan(sold, words))
               ? HF_ERROR_OK
               : HF_ERROR_INVALID_ARGUMENT;
  });
}

}  // extern "C"
