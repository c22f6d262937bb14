/* Goal: show that the C ABI (include/holdfast/holdfast_c.h) does what its header promises, from C.
 * Method: each test_NAME function below drives one area of the ABI through its public functions
 * only (good input, every documented outcome, and bad input: NULL pointers, unknown ids, invalid
 * configs, which must answer a clear code and change nothing), with a manual clock so that no
 * test sleeps; test_stress_i1 runs several pthreads holding, confirming and releasing one type
 * and checks I1 (available + held + sold == capacity, never oversold) during and after the run.
 * The file is C11, compiled with -Wall -Wextra -Werror -pedantic. CMake registers every test_NAME
 * as the ctest test c_api.NAME (`holdfast_c_test NAME` runs one; no argument runs them all). */
#define _POSIX_C_SOURCE 200809L

#include "holdfast/holdfast_c.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* A small harness: failures are counted and reported with the line; the run goes on. */

static const char* g_test = "";
static int g_failures = 0;

static void fail(int line, const char* what) {
  fprintf(stderr, "holdfast_c_test.c:%d: [%s] %s\n", line, g_test, what);
  ++g_failures;
}

/* The checks are functions, so each argument is evaluated once; the macros add the line and
 * the expression's text. */
static void expect_i64(int line, const char* text, int64_t expected, int64_t actual) {
  char message[256];
  if (expected == actual) return;
  snprintf(message, sizeof message, "%s == %" PRId64 ", expected %" PRId64, text, actual, expected);
  fail(line, message);
}

static void expect_outcome(int line, const char* text, int expected, int actual) {
  char message[256];
  if (expected == actual) return;
  snprintf(message, sizeof message, "%s answered %s, expected %s", text, hf_outcome_name(actual),
           hf_outcome_name(expected));
  fail(line, message);
}

static void expect_str(int line, const char* text, const char* expected, const char* actual) {
  char message[512];
  if (actual != NULL && strcmp(expected, actual) == 0) return;
  snprintf(message, sizeof message, "%s is \"%s\", expected \"%s\"", text,
           actual != NULL ? actual : "(null)", expected);
  fail(line, message);
}

static void expect_contains(int line, const char* needle, const char* haystack) {
  char message[512];
  if (strstr(haystack, needle) != NULL) return;
  snprintf(message, sizeof message, "\"%s\" does not contain \"%s\"", haystack, needle);
  fail(line, message);
}

#define EXPECT(cond)                    \
  do {                                  \
    if (!(cond)) fail(__LINE__, #cond); \
  } while (0)
#define EXPECT_I64(expected, actual) \
  expect_i64(__LINE__, #actual, (int64_t)(expected), (int64_t)(actual))
#define EXPECT_OUTCOME(expected, actual) \
  expect_outcome(__LINE__, #actual, (int)(expected), (int)(actual))
#define EXPECT_STR(expected, actual) expect_str(__LINE__, #actual, (expected), (actual))
#define EXPECT_CONTAINS(needle, haystack) expect_contains(__LINE__, (needle), (haystack))

static const int64_t kSecondNs = 1000000000;
static const int64_t kStartWallNs = INT64_C(1800000000) * 1000000000; /* 2027-01-15 */

/* A sale of one general-admission type "regular" with `capacity` units, on `clock`. */
static hf_sale* make_ga_sale(int64_t capacity, hf_manual_clock* clock) {
  hf_config* config = hf_config_create();
  EXPECT(config != NULL);
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", capacity, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_manual_clock(config, clock));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_events_max(config, 64));
  hf_sale* sale = NULL;
  char message[256];
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, message, sizeof message));
  EXPECT_STR("", message);
  hf_config_destroy(config);
  return sale;
}

/* Creates a sale from `config` expecting failure; returns the message. */
static const char* create_fails(const hf_config* config, hf_error expected) {
  static char message[512];
  hf_sale* sale = (hf_sale*)&message; /* any non-NULL value: it must be reset to NULL */
  EXPECT_I64(expected, hf_sale_create(config, &sale, message, sizeof message));
  EXPECT(sale == NULL);
  EXPECT(message[0] != '\0');
  return message;
}

/* ---------------------------------------------------------------------------------------- */

static void test_version(void) {
  char expected[32];
  EXPECT_I64(HF_VERSION, hf_version());
  snprintf(expected, sizeof expected, "%d.%d.%d", HOLDFAST_VERSION_MAJOR, HOLDFAST_VERSION_MINOR,
           HOLDFAST_VERSION_PATCH);
  EXPECT_STR(expected, hf_version_string());
  EXPECT_I64(HOLDFAST_VERSION_MAJOR, hf_version() / 10000);
}

static void test_names(void) {
  static const char* const kNames[HF_OUTCOME_COUNT] = {
      "Ok",           "SoldOut",          "SeatTaken",     "NoAdjacentSeats", "BuyerLimit",
      "TooManyHolds", "NotOpen",          "Closed",        "Expired",         "UnknownHold",
      "NotOwner",     "AlreadyConfirmed", "HoldTableFull", "BuyerTableFull",  "InvalidArgument",
      "KeyInUse",     "TryAgain"};
  int i;
  for (i = 0; i < HF_OUTCOME_COUNT; ++i) EXPECT_STR(kNames[i], hf_outcome_name(i));
  EXPECT_STR("SoldOut", hf_outcome_name(HF_OUTCOME_SOLD_OUT));
  EXPECT_STR("TryAgain", hf_outcome_name(HF_OUTCOME_TRY_AGAIN));
  EXPECT_STR("Unknown", hf_outcome_name(HF_OUTCOME_COUNT));
  EXPECT_STR("Unknown", hf_outcome_name(-1));
  EXPECT_STR("Unknown", hf_outcome_name(256)); /* not truncated to a uint8_t: 256 is not Ok */
  EXPECT_STR("Ok", hf_error_name(HF_ERROR_OK));
  EXPECT_STR("InvalidArgument", hf_error_name(HF_ERROR_INVALID_ARGUMENT));
  EXPECT_STR("ResourceExhausted", hf_error_name(HF_ERROR_RESOURCE_EXHAUSTED));
  EXPECT_STR("Internal", hf_error_name(HF_ERROR_INTERNAL));
  EXPECT_STR("Unknown", hf_error_name(99));
  EXPECT_STR("Held", hf_event_kind_name(HF_EVENT_HELD));
  EXPECT_STR("Confirmed", hf_event_kind_name(HF_EVENT_CONFIRMED));
  EXPECT_STR("Released", hf_event_kind_name(HF_EVENT_RELEASED));
  EXPECT_STR("Expired", hf_event_kind_name(HF_EVENT_EXPIRED));
  EXPECT_STR("Unknown", hf_event_kind_name(4));
  EXPECT_STR("Unknown", hf_event_kind_name(-1));
}

static void test_manual_clock(void) {
  hf_manual_clock* clock = hf_manual_clock_create(kStartWallNs);
  EXPECT(clock != NULL);
  EXPECT_I64(0, hf_manual_clock_monotonic_ns(clock));
  hf_manual_clock_advance(clock, 5 * kSecondNs);
  EXPECT_I64(5 * kSecondNs, hf_manual_clock_monotonic_ns(clock));
  hf_manual_clock_advance(clock, -kSecondNs); /* ignored: monotonic time never goes back */
  EXPECT_I64(5 * kSecondNs, hf_manual_clock_monotonic_ns(clock));
  hf_manual_clock_set_wall(clock, 0); /* a wall step leaves the monotonic reading alone */
  EXPECT_I64(5 * kSecondNs, hf_manual_clock_monotonic_ns(clock));
  /* NULL is ignored everywhere. */
  hf_manual_clock_advance(NULL, kSecondNs);
  hf_manual_clock_set_wall(NULL, 0);
  EXPECT_I64(0, hf_manual_clock_monotonic_ns(NULL));
  hf_manual_clock_destroy(NULL);
  hf_manual_clock_destroy(clock);
}

static void test_config_bad_input(void) {
  const uint32_t types[] = {0};
  uint32_t type = 77;
  int index = 77;
  hf_config* config = hf_config_create();
  hf_sale* sale = NULL;
  /* A NULL config: every builder call says so. */
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_add_type(NULL, "regular", 1, &type));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_add_quota(NULL, "q", 1, types, 1, &index));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_add_cycle(NULL, "c", 0, 1, 1, 0, 0, &index));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_seat_map(NULL, "", NULL, 0));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_per_buyer_units_max(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_per_buyer_holds_max(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_units_per_hold_max(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_hold_ttl_default_ns(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_hold_lifetime_max_ns(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_holds_max(NULL, 64));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_buyers_max(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_idempotency_keys_max(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_events_max(NULL, 1));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_set_manual_clock(NULL, NULL));
  hf_config_destroy(NULL);
  /* NULL names and arrays change nothing: the outputs are untouched and the indices unused. */
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_add_type(config, NULL, 1, &type));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_add_quota(config, NULL, 1, types, 1, &index));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_add_quota(config, "q", 1, NULL, 1, &index));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_config_add_cycle(config, NULL, 0, 1, 1, 0, 0, &index));
  EXPECT_I64(77, type);
  EXPECT_I64(77, index);
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", 5, &type));
  EXPECT_I64(0, type);
  EXPECT_I64(HF_ERROR_OK, hf_config_add_quota(config, "hall", 5, types, 1, &index));
  EXPECT_I64(0, index);
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, NULL, 0)); /* message may be NULL */
  EXPECT(sale != NULL);
  EXPECT_I64(5, hf_sale_quota_available(sale, 0));
  EXPECT_I64(0, hf_sale_quota_available(sale, 1)); /* the refused quota was never added */
  hf_sale_destroy(sale);
  hf_sale_destroy(NULL);
  hf_config_destroy(config);
}

static void test_create_invalid_config(void) {
  char small[8];
  const uint32_t bad_types[] = {7};
  hf_sale* sale = NULL;
  hf_config* config = hf_config_create();
  char message[256];
  /* NULL arguments. */
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_create(NULL, &sale, message, sizeof message));
  EXPECT_STR("config is NULL", message);
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_create(config, NULL, message, sizeof message));
  EXPECT_STR("sale_out is NULL", message);
  /* No ticket type. */
  EXPECT_CONTAINS("types", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  /* A negative capacity: the message names the field. */
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", -1, NULL));
  EXPECT_CONTAINS("types[0].capacity", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  hf_config_destroy(config);

  config = hf_config_create();
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", 10, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_add_quota(config, "hall", 5, bad_types, 1, NULL));
  EXPECT_CONTAINS("quotas[0]", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  hf_config_destroy(config);

  config = hf_config_create();
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", 10, NULL));
  EXPECT_I64(HF_ERROR_OK,
             hf_config_add_cycle(config, "late", kStartWallNs, kStartWallNs - 1, 5, 0, 0, NULL));
  EXPECT_CONTAINS("cycles[0]", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  hf_config_destroy(config);

  config = hf_config_create();
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", 10, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_holds_max(config, 1));
  EXPECT_CONTAINS("holds_max", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_holds_max(config, 64));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_hold_ttl_default_ns(config, 0));
  EXPECT_CONTAINS("hold_ttl_default", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_hold_ttl_default_ns(config, 60 * kSecondNs));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_buyers_max(config, -3));
  EXPECT_CONTAINS("buyers_max", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_buyers_max(config, 16));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_events_max(config, 1 << 30));
  EXPECT_CONTAINS("events_max", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  /* A short message buffer gets a cut, NUL-terminated message. */
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_create(config, &sale, small, sizeof small));
  EXPECT_I64(sizeof small - 1, strlen(small));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_create(config, &sale, NULL, 0));
  /* The failed creates changed nothing: with the field fixed, the same config builds. */
  EXPECT_I64(HF_ERROR_OK, hf_config_set_events_max(config, 0));
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, message, sizeof message));
  EXPECT_I64(10, hf_sale_available(sale, 0));
  hf_sale_destroy(sale);
  hf_config_destroy(config);
}

/* Sale::Create's ResourceExhausted: at most 8192 sales alive in a process (HoldId tags). */
static void test_create_resource_exhausted(void) {
  enum { kSalesMax = 8192 };
  static hf_sale* sales[kSalesMax];
  hf_config* config = hf_config_create();
  hf_sale* more = NULL;
  char message[256];
  int made = 0, i;
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", 1, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_holds_max(config, 64));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_buyers_max(config, 1));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_idempotency_keys_max(config, 0));
  while (made < kSalesMax && hf_sale_create(config, &sales[made], NULL, 0) == HF_ERROR_OK) ++made;
  EXPECT_I64(kSalesMax, made);
  EXPECT_CONTAINS("8192", create_fails(config, HF_ERROR_RESOURCE_EXHAUSTED));
  hf_sale_destroy(sales[0]);
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &more, message, sizeof message));
  hf_sale_destroy(more);
  for (i = 1; i < made; ++i) hf_sale_destroy(sales[i]);
  hf_config_destroy(config);
}

static void test_hold_confirm_release(void) {
  hf_manual_clock* clock = hf_manual_clock_create(kStartWallNs);
  hf_sale* sale = make_ga_sale(10, clock);
  const hf_hold_line two = {0, 2};
  hf_hold_id a = 0, b = 0, c = 0;
  hf_buyer_counts counts;
  hf_type_stats type;
  hf_sale_stats stats;
  int i;

  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 0, 0, &a));
  EXPECT(a != 0);
  EXPECT_I64(8, hf_sale_available(sale, 0));
  EXPECT_I64(8, hf_sale_type_available(sale, 0));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 0, 0, &b));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 2, &two, 1, 0, 0, &c));
  EXPECT(a != b && b != c && a != c);

  /* Confirm: once, then retries per mode; a stranger and a forged id change nothing. */
  EXPECT_OUTCOME(HF_OUTCOME_NOT_OWNER, hf_sale_confirm(sale, a, 2, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_confirm(sale, a, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_confirm(sale, a, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_ALREADY_CONFIRMED,
                 hf_sale_confirm(sale, a, 1, HF_CONFIRM_REPORT_ALREADY_CONFIRMED));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_confirm(sale, b, 1, 2));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_confirm(sale, b, 1, -1));
  EXPECT_OUTCOME(HF_OUTCOME_UNKNOWN_HOLD,
                 hf_sale_confirm(sale, a ^ 0x5a5a0000u, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_UNKNOWN_HOLD, hf_sale_confirm(sale, 0, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_ALREADY_CONFIRMED, hf_sale_release(sale, a, 1));

  /* Release: returns the units once; the ended id is stale for everything. */
  EXPECT_OUTCOME(HF_OUTCOME_NOT_OWNER, hf_sale_release(sale, b, 2));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_release(sale, b, 1));
  EXPECT_OUTCOME(HF_OUTCOME_UNKNOWN_HOLD, hf_sale_release(sale, b, 1));
  EXPECT_OUTCOME(HF_OUTCOME_UNKNOWN_HOLD, hf_sale_confirm(sale, b, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_UNKNOWN_HOLD, hf_sale_extend(sale, b, 1, kSecondNs));
  EXPECT_I64(6, hf_sale_available(sale, 0)); /* 2 sold, 2 held by c */

  /* Sold out: all or nothing, nothing claimed. */
  {
    const hf_hold_line seven = {0, 7};
    hf_hold_id none = 99;
    EXPECT_OUTCOME(HF_OUTCOME_SOLD_OUT, hf_sale_hold(sale, 3, &seven, 1, 0, 0, &none));
    EXPECT_I64(0, none);
    EXPECT_I64(6, hf_sale_available(sale, 0));
  }

  EXPECT_I64(HF_ERROR_OK, hf_sale_buyer(sale, 1, &counts));
  EXPECT_I64(0, counts.held_units);
  EXPECT_I64(2, counts.bought_units);
  EXPECT_I64(0, counts.live_holds);
  EXPECT_I64(HF_ERROR_OK, hf_sale_buyer(sale, 2, &counts));
  EXPECT_I64(2, counts.held_units);
  EXPECT_I64(1, counts.live_holds);
  EXPECT_I64(HF_ERROR_OK, hf_sale_buyer(sale, 12345, &counts));
  EXPECT_I64(0, counts.held_units + counts.bought_units + counts.live_holds);

  EXPECT_I64(HF_ERROR_OK, hf_sale_type_stats(sale, 0, &type));
  EXPECT_I64(10, type.capacity);
  EXPECT_I64(6, type.available);
  EXPECT_I64(2, type.held_units);
  EXPECT_I64(2, type.sold_units);
  EXPECT_I64(2, type.released_units);
  EXPECT_I64(0, type.expired_units);
  EXPECT_I64(type.capacity, type.available + type.held_units + type.sold_units);
  EXPECT_I64(HF_ERROR_OK, hf_sale_type_stats(sale, 9, &type)); /* unknown type: all zero */
  EXPECT_I64(0, type.capacity + type.available + type.held_units + type.sold_units);

  EXPECT_I64(HF_ERROR_OK, hf_sale_stats_get(sale, &stats));
  EXPECT_I64(2, stats.held_units);
  EXPECT_I64(2, stats.sold_units);
  EXPECT_I64(2, stats.released_units);
  EXPECT_I64(1, stats.live_holds);
  EXPECT_I64(3, stats.holds_created);
  EXPECT_I64(1, stats.holds_confirmed);
  EXPECT_I64(1, stats.holds_released);
  EXPECT_I64(0, stats.holds_expired);
  EXPECT_I64(0, stats.events_dropped);
  /* Answers counted by the sale: 3 holds + 2 confirms + 1 release were Ok. */
  EXPECT_I64(6, stats.outcomes[HF_OUTCOME_OK]);
  EXPECT_I64(1, stats.outcomes[HF_OUTCOME_SOLD_OUT]);
  EXPECT_I64(2, stats.outcomes[HF_OUTCOME_NOT_OWNER]);
  for (i = HF_OUTCOME_COUNT; i < HF_OUTCOME_SLOTS; ++i) EXPECT_I64(0, stats.outcomes[i]);
  EXPECT(hf_sale_memory_bytes(sale) > 0);

  hf_sale_destroy(sale);
  hf_manual_clock_destroy(clock);
}

static void test_hold_bad_input(void) {
  hf_sale* sale = make_ga_sale(10, NULL);
  const hf_hold_line one = {0, 1};
  hf_hold_line lines[7];
  hf_hold_id id = 42;
  hf_sale_stats stats;
  int i;
  for (i = 0; i < 7; ++i) {
    lines[i].type = 0;
    lines[i].quantity = 1;
  }
  /* Refused at the boundary (the sale never sees them). */
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(NULL, 1, &one, 1, 0, 0, &id));
  EXPECT_I64(0, id);
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, &one, 1, 0, 0, NULL));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, NULL, 1, 0, 0, &id));
  /* Refused by the sale, as the C++ Hold. */
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, NULL, 0, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, lines, 7, 0, 0, &id));
  lines[0].quantity = 0;
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, lines, 1, 0, 0, &id));
  lines[0].quantity = -2;
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, lines, 1, 0, 0, &id));
  lines[0].quantity = 11; /* above units_per_hold_max (10) */
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, lines, 1, 0, 0, &id));
  lines[0].quantity = 1;
  lines[0].type = 1; /* unknown type */
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, lines, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                 hf_sale_hold(sale, HF_RESERVED_BUYER, &one, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, &one, 1, -5, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                 hf_sale_hold(sale, 1, &one, 1, 24 * 3600 * kSecondNs, 0, &id));
  EXPECT_I64(0, id);
  /* Nothing changed. */
  EXPECT_I64(10, hf_sale_available(sale, 0));
  EXPECT_I64(HF_ERROR_OK, hf_sale_stats_get(sale, &stats));
  EXPECT_I64(0, stats.holds_created);
  EXPECT_I64(0, stats.live_holds);
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_stats_get(sale, NULL));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_stats_get(NULL, &stats));
  /* Extend, confirm, release with bad arguments. */
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &one, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_extend(sale, id, 1, 0));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_extend(sale, id, 1, -kSecondNs));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_extend(NULL, id, 1, kSecondNs));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_confirm(NULL, id, 1, 0));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_release(NULL, id, 1));
  EXPECT_I64(9, hf_sale_available(sale, 0));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_release(sale, id, 1));
  EXPECT_I64(10, hf_sale_available(sale, 0));
  hf_sale_destroy(sale);
}

static void test_null_sale_queries(void) {
  hf_buyer_counts counts;
  hf_type_stats type;
  hf_event event;
  hf_seat_state seat;
  hf_seat_id seats[2];
  uint64_t held[1], sold[1];
  size_t count = 7;
  hf_hold_id hold = 7;
  char label[8] = "xxxxxxx";
  EXPECT_I64(0, hf_sale_sweep(NULL));
  EXPECT_I64(0, hf_sale_sweep_at(NULL, 0));
  EXPECT_I64(0, hf_sale_available(NULL, 0));
  EXPECT_I64(0, hf_sale_type_available(NULL, 0));
  EXPECT_I64(0, hf_sale_quota_available(NULL, 0));
  EXPECT_I64(0, hf_sale_cycle_available(NULL, 0));
  EXPECT_I64(-1, hf_sale_current_cycle(NULL));
  EXPECT_I64(0, hf_sale_memory_bytes(NULL));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_buyer(NULL, 1, &counts));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_type_stats(NULL, 0, &type));
  EXPECT_I64(0, hf_sale_drain_events(NULL, &event, 1));
  EXPECT_I64(0, hf_sale_seat_count(NULL));
  EXPECT_I64(0, hf_sale_seat_words(NULL));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_seat(NULL, 0, &seat));
  EXPECT_I64(HF_NO_SEAT, hf_sale_find_seat(NULL, "A-1"));
  EXPECT_I64(0, hf_sale_seat_label(NULL, 0, label, sizeof label));
  EXPECT_STR("", label);
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_seats_of(NULL, 1, 1, seats, 2, &count));
  EXPECT_I64(0, count);
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_snapshot_seats(NULL, held, sold, 1));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                 hf_sale_hold_seats(NULL, 1, seats, 1, NULL, 0, 0, 0, &hold, NULL));
  EXPECT_I64(0, hold);
}

static void test_limits(void) {
  const hf_hold_line one = {0, 1}, two = {0, 2}, three = {0, 3}, four = {0, 4};
  hf_hold_id id;
  hf_sale* sale = NULL;
  hf_config* config = hf_config_create();
  int held = 0;
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", 100, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_per_buyer_units_max(config, 4));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_per_buyer_holds_max(config, 2));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_units_per_hold_max(config, 3));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_buyers_max(config, 2));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_idempotency_keys_max(config, 0));
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, NULL, 0));

  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, &four, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_hold(sale, 1, &one, 1, 0, 42, &id));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &one, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &one, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_TOO_MANY_HOLDS, hf_sale_hold(sale, 1, &one, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 2, &three, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_BUYER_LIMIT, hf_sale_hold(sale, 2, &two, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_BUYER_TABLE_FULL, hf_sale_hold(sale, 3, &one, 1, 0, 0, &id));
  EXPECT_I64(95, hf_sale_available(sale, 0));
  hf_sale_destroy(sale);

  /* The hold table: holds_max live holds at once, then HoldTableFull. */
  EXPECT_I64(HF_ERROR_OK, hf_config_set_per_buyer_holds_max(config, 0));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_per_buyer_units_max(config, 0));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_buyers_max(config, 1000));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_holds_max(config, 64));
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, NULL, 0));
  while (held < 100 &&
         hf_sale_hold(sale, 1 + (hf_buyer_id)held, &one, 1, 0, 0, &id) == HF_OUTCOME_OK) {
    ++held;
  }
  EXPECT_I64(64, held);
  EXPECT_OUTCOME(HF_OUTCOME_HOLD_TABLE_FULL, hf_sale_hold(sale, 500, &one, 1, 0, 0, &id));
  hf_sale_destroy(sale);
  hf_config_destroy(config);
}

static void test_idempotency(void) {
  const hf_hold_line two = {0, 2};
  hf_hold_id first, again, other;
  hf_sale* sale = make_ga_sale(10, NULL); /* keys on by default */
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 0, 42, &first));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 0, 42, &again));
  EXPECT_I64(first, again);
  EXPECT_I64(8, hf_sale_available(sale, 0));                                    /* claimed once */
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 2, &two, 1, 0, 42, &other)); /* per buyer */
  EXPECT(other != first);
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_release(sale, first, 1));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 0, 42, &again));
  EXPECT(again != first); /* a released hold's key makes a new hold */
  EXPECT_I64(6, hf_sale_available(sale, 0));
  hf_sale_destroy(sale);
}

static void test_extend_expiry_sweep(void) {
  hf_manual_clock* clock = hf_manual_clock_create(kStartWallNs);
  hf_sale* sale = make_ga_sale(10, clock);
  const hf_hold_line one = {0, 1};
  hf_hold_id a, b, c, d;
  hf_type_stats type;
  hf_sale_stats stats;
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &one, 1, kSecondNs, 0, &a));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &one, 1, kSecondNs, 0, &b));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 2, &one, 1, kSecondNs, 0, &c));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_extend(sale, a, 1, 10 * kSecondNs));
  EXPECT_OUTCOME(HF_OUTCOME_NOT_OWNER, hf_sale_extend(sale, a, 2, 10 * kSecondNs));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_extend(sale, a, 1, 3600 * kSecondNs));
  hf_manual_clock_advance(clock, 2 * kSecondNs);
  /* b and c are dead at once (I4), swept or not; a lives on. */
  EXPECT_OUTCOME(HF_OUTCOME_EXPIRED, hf_sale_confirm(sale, b, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_EXPIRED, hf_sale_extend(sale, c, 2, kSecondNs));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_confirm(sale, a, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_ALREADY_CONFIRMED, hf_sale_extend(sale, a, 1, kSecondNs));
  hf_sale_sweep(sale);
  EXPECT_I64(0, hf_sale_sweep(sale)); /* nothing left to expire */
  EXPECT_I64(HF_ERROR_OK, hf_sale_type_stats(sale, 0, &type));
  EXPECT_I64(9, type.available);
  EXPECT_I64(0, type.held_units);
  EXPECT_I64(2, type.expired_units);
  EXPECT_I64(HF_ERROR_OK, hf_sale_stats_get(sale, &stats));
  EXPECT_I64(2, stats.holds_expired);
  EXPECT_I64(0, stats.live_holds);

  /* sweep_at: an instant before the deadline expires nothing; the clock's now does. */
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 3, &one, 1, kSecondNs, 0, &d));
  hf_manual_clock_advance(clock, 2 * kSecondNs);
  EXPECT_I64(0, hf_sale_sweep_at(sale, 0));
  EXPECT_I64(1, hf_sale_sweep_at(sale, hf_manual_clock_monotonic_ns(clock)));
  EXPECT_OUTCOME(HF_OUTCOME_EXPIRED, hf_sale_confirm(sale, d, 3, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_I64(9, hf_sale_available(sale, 0));
  hf_sale_destroy(sale);
  hf_manual_clock_destroy(clock);
}

static void test_cycles(void) {
  const int64_t hour = 3600 * kSecondNs;
  hf_manual_clock* clock = hf_manual_clock_create(kStartWallNs);
  hf_config* config = hf_config_create();
  const hf_hold_line two = {0, 2}, three = {0, 3};
  hf_hold_id id;
  hf_sale* sale = NULL;
  int index = -5;
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", 100, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_add_cycle(config, "early", kStartWallNs + hour,
                                              kStartWallNs + 2 * hour, 5, 2, 1, &index));
  EXPECT_I64(0, index);
  EXPECT_I64(HF_ERROR_OK, hf_config_add_cycle(config, "late", kStartWallNs + 3 * hour,
                                              kStartWallNs + 4 * hour, 4, 0, 0, &index));
  EXPECT_I64(1, index);
  EXPECT_I64(HF_ERROR_OK, hf_config_set_manual_clock(config, clock));
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, NULL, 0));
  hf_config_destroy(config);

  EXPECT_I64(-1, hf_sale_current_cycle(sale));
  EXPECT_OUTCOME(HF_OUTCOME_NOT_OPEN, hf_sale_hold(sale, 1, &two, 1, 0, 0, &id));
  EXPECT_I64(0, hf_sale_available(sale, 0));
  hf_manual_clock_set_wall(clock, kStartWallNs + hour);
  EXPECT_I64(0, hf_sale_current_cycle(sale));
  EXPECT_I64(5, hf_sale_cycle_available(sale, 0));
  EXPECT_I64(5, hf_sale_available(sale, 0));
  EXPECT_OUTCOME(HF_OUTCOME_BUYER_LIMIT, hf_sale_hold(sale, 1, &three, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_confirm(sale, id, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_I64(3, hf_sale_cycle_available(sale, 0));
  EXPECT_I64(0, hf_sale_cycle_available(sale, 2));
  EXPECT_I64(0, hf_sale_cycle_available(sale, -1));
  hf_manual_clock_set_wall(clock, kStartWallNs + 2 * hour + hour / 2);
  EXPECT_I64(-1, hf_sale_current_cycle(sale));
  EXPECT_OUTCOME(HF_OUTCOME_NOT_OPEN, hf_sale_hold(sale, 2, &two, 1, 0, 0, &id));
  hf_manual_clock_set_wall(clock, kStartWallNs + 3 * hour);
  EXPECT_I64(1, hf_sale_current_cycle(sale));
  EXPECT_I64(7, hf_sale_cycle_available(sale, 1)); /* 4 + the 3 rolled over */
  hf_manual_clock_set_wall(clock, kStartWallNs + 5 * hour);
  EXPECT_OUTCOME(HF_OUTCOME_CLOSED, hf_sale_hold(sale, 2, &two, 1, 0, 0, &id));
  hf_sale_destroy(sale);
  hf_manual_clock_destroy(clock);
}

static void test_quotas(void) {
  const uint32_t both[] = {0, 1};
  const hf_hold_line four_a = {0, 4}, three_b = {1, 3}, two_b = {1, 2};
  hf_config* config = hf_config_create();
  hf_sale* sale = NULL;
  hf_hold_id id;
  uint32_t b = 0;
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "a", 5, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "b", 5, &b));
  EXPECT_I64(1, b);
  EXPECT_I64(HF_ERROR_OK, hf_config_add_quota(config, "hall", 6, both, 2, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, NULL, 0));
  hf_config_destroy(config);
  EXPECT_I64(5, hf_sale_available(sale, 0));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &four_a, 1, 0, 0, &id));
  EXPECT_I64(2, hf_sale_quota_available(sale, 0));
  EXPECT_I64(2, hf_sale_available(sale, 1));
  EXPECT_I64(5, hf_sale_type_available(sale, 1));
  EXPECT_I64(0, hf_sale_type_available(sale, 2));
  EXPECT_I64(0, hf_sale_quota_available(sale, 1));
  EXPECT_I64(0, hf_sale_quota_available(sale, -1));
  EXPECT_OUTCOME(HF_OUTCOME_SOLD_OUT, hf_sale_hold(sale, 2, &three_b, 1, 0, 0, &id));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 2, &two_b, 1, 0, 0, &id));
  EXPECT_I64(0, hf_sale_quota_available(sale, 0));
  hf_sale_destroy(sale);
}

static void test_events(void) {
  hf_manual_clock* clock = hf_manual_clock_create(kStartWallNs);
  hf_sale* sale = make_ga_sale(10, clock); /* events_max 64 */
  const hf_hold_line two = {0, 2}, one = {0, 1};
  hf_hold_id a, b, c;
  hf_event events[8];
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 0, 0, &a));
  hf_manual_clock_advance(clock, kSecondNs);
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_confirm(sale, a, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 2, &one, 1, 0, 0, &b));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_release(sale, b, 2));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 3, &one, 1, kSecondNs, 0, &c));
  hf_manual_clock_advance(clock, 2 * kSecondNs);
  EXPECT_I64(1, hf_sale_sweep(sale));

  EXPECT_I64(0, hf_sale_drain_events(sale, NULL, 8));
  EXPECT_I64(0, hf_sale_drain_events(sale, events, 0));
  EXPECT_I64(1, hf_sale_drain_events(sale, events, 1)); /* one at a time, in order */
  EXPECT_I64(HF_EVENT_HELD, events[0].kind);
  EXPECT_I64(a, events[0].hold);
  EXPECT_I64(1, events[0].buyer);
  EXPECT_I64(2, events[0].units);
  EXPECT_I64(0, events[0].monotonic_ns);
  EXPECT_I64(5, hf_sale_drain_events(sale, events, 8));
  EXPECT_I64(HF_EVENT_CONFIRMED, events[0].kind);
  EXPECT_I64(a, events[0].hold);
  EXPECT_I64(kSecondNs, events[0].monotonic_ns);
  EXPECT_I64(HF_EVENT_HELD, events[1].kind);
  EXPECT_I64(HF_EVENT_RELEASED, events[2].kind);
  EXPECT_I64(b, events[2].hold);
  EXPECT_I64(2, events[2].buyer);
  EXPECT_I64(HF_EVENT_HELD, events[3].kind);
  EXPECT_I64(HF_EVENT_EXPIRED, events[4].kind);
  EXPECT_I64(c, events[4].hold);
  EXPECT_I64(3, events[4].buyer);
  EXPECT_I64(1, events[4].units);
  EXPECT_I64(0, hf_sale_drain_events(sale, events, 8));
  hf_sale_destroy(sale);
  hf_manual_clock_destroy(clock);
}

static void test_describe(void) {
  hf_manual_clock* clock = hf_manual_clock_create(kStartWallNs);
  hf_sale* sale = make_ga_sale(10, clock);
  const hf_hold_line two = {0, 2};
  hf_hold_id held, sold;
  hf_hold_info info;
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &two, 1, 60 * kSecondNs, 0, &held));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_describe(sale, held, 1, &info));
  EXPECT_I64(HF_HOLD_HELD, info.state);
  EXPECT_I64(1, info.buyer);
  EXPECT_I64(kStartWallNs + 60 * kSecondNs, info.expires_at_unix_ns);
  EXPECT_I64(1, info.line_count);
  EXPECT_I64(0, info.lines[0].type);
  EXPECT_I64(2, info.lines[0].quantity);
  EXPECT_I64(2, info.units);
  EXPECT_I64(0, info.seat_count);
  EXPECT_OUTCOME(HF_OUTCOME_NOT_OWNER, hf_sale_describe(sale, held, 2, &info));
  EXPECT_I64(0, info.units);
  EXPECT_OUTCOME(HF_OUTCOME_UNKNOWN_HOLD, hf_sale_describe(sale, 12345, 1, &info));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_describe(NULL, held, 1, &info));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_describe(sale, held, 1, NULL));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 3, &two, 1, 0, 0, &sold));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_confirm(sale, sold, 3, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_describe(sale, sold, 3, &info));
  EXPECT_I64(HF_HOLD_CONFIRMED, info.state);
  EXPECT_I64(HF_TIME_INFINITE_PAST, info.expires_at_unix_ns);
  /* Dead, not swept: EXPIRED with its deadline, and describing it expires nothing. */
  hf_manual_clock_advance(clock, 61 * kSecondNs);
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_describe(sale, held, 1, &info));
  EXPECT_I64(HF_HOLD_EXPIRED, info.state);
  EXPECT_I64(kStartWallNs + 60 * kSecondNs, info.expires_at_unix_ns);
  EXPECT_I64(1, hf_sale_sweep(sale));
  hf_sale_destroy(sale);
  hf_manual_clock_destroy(clock);
}

static void test_wait_for_events(void) {
  hf_manual_clock* clock = hf_manual_clock_create(kStartWallNs);
  hf_sale* sale = make_ga_sale(10, clock); /* events_max 64 */
  const hf_hold_line one = {0, 1};
  hf_hold_id hold;
  hf_event events[4];
  EXPECT_I64(0, hf_sale_wait_for_events(NULL, kSecondNs));
  EXPECT_I64(0, hf_sale_wait_for_events(sale, 1000000)); /* 1 ms, nothing published */
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_hold(sale, 1, &one, 1, 0, 0, &hold));
  EXPECT_I64(1, hf_sale_wait_for_events(sale, 0));
  EXPECT_I64(1, hf_sale_drain_events(sale, events, 4));
  EXPECT_I64(0, hf_sale_wait_for_events(sale, 0));
  hf_sale_destroy(sale);
  hf_manual_clock_destroy(clock);
}

static const char kSeatMap[] =
    "# a small hall\n"
    "section Orchestra type=0\n"
    "row A seats=6 rank=1 accessible=1,2\n"
    "row B seats=6 rank=2 restricted=6\n"
    "section Balcony type=1\n"
    "row C seats=4\n";

static hf_sale* make_seated_sale(void) {
  hf_config* config = hf_config_create();
  hf_sale* sale = NULL;
  char message[256];
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "orchestra", 12, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "balcony", 4, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "parking", 10, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_seat_map(config, kSeatMap, message, sizeof message));
  EXPECT_STR("", message);
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, message, sizeof message));
  hf_config_destroy(config);
  return sale;
}

static void test_seat_map_errors(void) {
  hf_config* config = hf_config_create();
  hf_sale* sale = NULL;
  char message[256];
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "orchestra", 6, NULL));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT,
             hf_config_set_seat_map(config, "section Orchestra type=0\nrow A seats=0\n", message,
                                    sizeof message));
  EXPECT_CONTAINS("line 2", message);
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT,
             hf_config_set_seat_map(config, NULL, message, sizeof message));
  EXPECT_STR("seat map text is NULL", message);
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT,
             hf_config_set_seat_map(NULL, kSeatMap, message, sizeof message));
  EXPECT_STR("config is NULL", message);
  /* The refused maps changed nothing: the sale builds without seats. */
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &sale, message, sizeof message));
  EXPECT_I64(0, hf_sale_seat_count(sale));
  EXPECT_I64(0, hf_sale_seat_words(sale));
  EXPECT_I64(6, hf_sale_available(sale, 0));
  hf_sale_destroy(sale);
  /* A map whose seats disagree with the type's capacity is refused by create. */
  EXPECT_I64(HF_ERROR_OK, hf_config_set_seat_map(config, "section O type=0\nrow A seats=5\n",
                                                 message, sizeof message));
  EXPECT_CONTAINS("capacity", create_fails(config, HF_ERROR_INVALID_ARGUMENT));
  hf_config_destroy(config);
}

static void test_seats(void) {
  hf_sale* sale = make_seated_sale();
  const hf_seat_id b1 = hf_sale_find_seat(sale, "Orchestra B-1");
  const hf_seat_id b2 = hf_sale_find_seat(sale, "Orchestra B-2");
  const hf_seat_id b3 = hf_sale_find_seat(sale, "Orchestra B-3");
  const hf_hold_line parking = {2, 1}, orchestra = {0, 1};
  hf_seat_id pair[2], taken = 0, out[8], balcony_seats[3];
  hf_hold_id hold, other;
  hf_seat_state state;
  size_t count = 0;
  char label[8];
  uint64_t held[1], sold[1];

  EXPECT_I64(16, hf_sale_seat_count(sale));
  EXPECT_I64(1, hf_sale_seat_words(sale));
  EXPECT_I64(6, b1);
  EXPECT_I64(7, b2);
  EXPECT_I64(HF_NO_SEAT, hf_sale_find_seat(sale, "Orchestra Z-1"));
  EXPECT_I64(HF_NO_SEAT, hf_sale_find_seat(sale, NULL));
  EXPECT_I64(strlen("Orchestra B-1"), hf_sale_seat_label(sale, b1, label, sizeof label));
  EXPECT_STR("Orchest", label); /* cut to fit, NUL-terminated */
  EXPECT_I64(strlen("Balcony C-4"), hf_sale_seat_label(sale, 15, NULL, 0));
  EXPECT_I64(0, hf_sale_seat_label(sale, 99, label, sizeof label));
  EXPECT_STR("", label);

  /* Seats and a general-admission line in one hold. */
  pair[0] = b1;
  pair[1] = b2;
  EXPECT_OUTCOME(HF_OUTCOME_OK,
                 hf_sale_hold_seats(sale, 1, pair, 2, &parking, 1, 0, 0, &hold, &taken));
  EXPECT_I64(HF_NO_SEAT, taken);
  EXPECT_I64(9, hf_sale_available(sale, 2));
  EXPECT_I64(HF_ERROR_OK, hf_sale_seat(sale, b1, &state));
  EXPECT_I64(HF_SEAT_HELD, state.status);
  EXPECT_I64(hold, state.hold);
  EXPECT_I64(1, state.buyer);
  pair[0] = b2;
  pair[1] = b3;
  EXPECT_OUTCOME(HF_OUTCOME_SEAT_TAKEN,
                 hf_sale_hold_seats(sale, 2, pair, 2, NULL, 0, 0, 0, &other, &taken));
  EXPECT_I64(b2, taken);
  EXPECT_I64(0, other);
  EXPECT_I64(HF_ERROR_OK, hf_sale_seat(sale, b3, &state)); /* all or nothing: b3 stays free */
  EXPECT_I64(HF_SEAT_FREE, state.status);
  /* Bad seat requests. */
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                 hf_sale_hold_seats(sale, 2, NULL, 2, NULL, 0, 0, 0, &other, NULL));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                 hf_sale_hold_seats(sale, 2, pair, 2, NULL, 1, 0, 0, &other, NULL));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                 hf_sale_hold_seats(sale, 2, pair, 2, NULL, 0, 0, 0, NULL, NULL));
  pair[1] = 999; /* unknown seat */
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                 hf_sale_hold_seats(sale, 2, pair, 2, NULL, 0, 0, 0, &other, NULL));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, /* a seated type can't be held as a line */
                 hf_sale_hold(sale, 2, &orchestra, 1, 0, 0, &other));

  /* SeatsOf. */
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_seats_of(sale, hold, 1, out, 8, &count));
  EXPECT_I64(2, count);
  EXPECT_I64(b1, out[0]);
  EXPECT_I64(b2, out[1]);
  EXPECT_OUTCOME(HF_OUTCOME_NOT_OWNER, hf_sale_seats_of(sale, hold, 2, out, 8, &count));
  EXPECT_OUTCOME(HF_OUTCOME_UNKNOWN_HOLD, hf_sale_seats_of(sale, 12345, 1, out, 8, &count));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_seats_of(sale, hold, 1, NULL, 8, &count));
  EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, hf_sale_seats_of(sale, hold, 1, out, 8, NULL));

  /* Confirmed seats are sold; the snapshot shows held and sold bits. */
  EXPECT_OUTCOME(HF_OUTCOME_OK, hf_sale_confirm(sale, hold, 1, HF_CONFIRM_RETRY_IS_OK));
  EXPECT_I64(HF_ERROR_OK, hf_sale_seat(sale, b2, &state));
  EXPECT_I64(HF_SEAT_SOLD, state.status);
  EXPECT_I64(0, state.hold);
  EXPECT_I64(1, state.buyer);
  EXPECT_I64(HF_ERROR_OK, hf_sale_seat(sale, 999, &state));
  EXPECT_I64(HF_SEAT_FREE, state.status);
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_seat(sale, 0, NULL));

  /* Best available: accessible seats of row A, then a balcony request that can't fit. */
  EXPECT_OUTCOME(HF_OUTCOME_OK,
                 hf_sale_hold_best_available(sale, 3, 2, NULL, 0, HF_BEST_ACCESSIBLE_ONLY, 0, 0,
                                             out, 3, &other));
  EXPECT_I64(0, out[0]);
  EXPECT_I64(1, out[1]);
  EXPECT_I64(HF_NO_SEAT, out[2]);
  {
    const int balcony[] = {1};
    hf_hold_id none = 5;
    EXPECT_OUTCOME(HF_OUTCOME_NO_ADJACENT_SEATS,
                   hf_sale_hold_best_available(sale, 4, 5, balcony, 1, HF_BEST_AVOID_ORPHANS, 0, 0,
                                               out, 8, &none));
    EXPECT_I64(0, none);
    EXPECT_OUTCOME(HF_OUTCOME_OK,
                   hf_sale_hold_best_available(sale, 4, 3, balcony, 1, HF_BEST_AVOID_ORPHANS, 0, 0,
                                               out, 3, &none));
    EXPECT(out[0] >= 12 && out[1] >= 12 && out[2] >= 12);
    memcpy(balcony_seats, out, sizeof balcony_seats);
    EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, /* an unknown flag bit */
                   hf_sale_hold_best_available(sale, 5, 1, NULL, 0, 16u, 0, 0, out, 8, &none));
    EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                   hf_sale_hold_best_available(sale, 5, 1, NULL, 1, 0, 0, 0, out, 8, &none));
    EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                   hf_sale_hold_best_available(sale, 5, 1, NULL, 0, 0, 0, 0, NULL, 8, &none));
    EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT, /* seats_out shorter than count */
                   hf_sale_hold_best_available(sale, 5, 3, NULL, 0, 0, 0, 0, out, 2, &none));
    EXPECT_OUTCOME(HF_OUTCOME_INVALID_ARGUMENT,
                   hf_sale_hold_best_available(sale, 5, 0, NULL, 0, 0, 0, 0, out, 8, &none));
  }

  EXPECT_I64(HF_ERROR_OK, hf_sale_snapshot_seats(sale, held, sold, 1));
  EXPECT_I64((UINT64_C(1) << 0) | (UINT64_C(1) << 1) | (UINT64_C(1) << balcony_seats[0]) |
                 (UINT64_C(1) << balcony_seats[1]) | (UINT64_C(1) << balcony_seats[2]),
             held[0]);
  EXPECT_I64((UINT64_C(1) << b1) | (UINT64_C(1) << b2), sold[0]);
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_snapshot_seats(sale, held, sold, 0));
  EXPECT_I64(HF_ERROR_INVALID_ARGUMENT, hf_sale_snapshot_seats(sale, NULL, sold, 1));
  hf_sale_destroy(sale);
}

/* ---------------------------------------------------------------------------------------- */
/* The concurrency stress: I1 through the C ABI. */

static const int64_t kStressTtlNs = INT64_C(5) * 1000000000;
enum { kStressThreads = 4, kStressOps = 50000, kStressCapacity = 50000 };

typedef struct stress_shared {
  hf_sale* sale;
  hf_manual_clock* clock;
  int done; /* set by the main thread after the workers joined; guarded by done_lock */
  pthread_mutex_t done_lock;
} stress_shared;

typedef struct stress_worker {
  stress_shared* shared;
  int index;
  int64_t sold_units;  /* units of this worker's confirms answered Ok */
  int64_t unexpected;  /* answers outside the expected set */
  int last_unexpected; /* the last such answer, for the failure message */
  int64_t holds_ok;
} stress_worker;

typedef struct stress_observer {
  stress_shared* shared;
  int64_t violations;
  int64_t reads;
} stress_observer;

static uint64_t next_random(uint64_t* state) { /* xorshift64 */
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

static void* stress_worker_main(void* arg) {
  stress_worker* w = (stress_worker*)arg;
  hf_sale* sale = w->shared->sale;
  uint64_t random = 0x9e3779b97f4a7c15u * (uint64_t)(w->index + 1);
  int i;
  for (i = 0; i < kStressOps; ++i) {
    const hf_buyer_id buyer = 1 + (hf_buyer_id)(w->index * 64 + i % 64);
    hf_hold_line line;
    hf_hold_id hold;
    hf_outcome held, ended;
    uint64_t choice;
    int64_t hold_start;
    line.type = 0;
    line.quantity = (int32_t)(1 + next_random(&random) % 3);
    /* Every worker moves time on as it goes (25 ms per 64 operations), so abandoned holds
     * (TTL 5 s) expire during the run, however the threads are scheduled. */
    if (i % 64 == 0) hf_manual_clock_advance(w->shared->clock, kSecondNs / 40);
    hold_start = hf_manual_clock_monotonic_ns(w->shared->clock);
    held = hf_sale_hold(sale, buyer, &line, 1, kStressTtlNs, 0, &hold);
    if (held != HF_OUTCOME_OK) {
      if (held != HF_OUTCOME_SOLD_OUT && held != HF_OUTCOME_TRY_AGAIN) {
        ++w->unexpected;
        w->last_unexpected = held;
      }
      continue;
    }
    ++w->holds_ok;
    choice = next_random(&random) % 8;
    if (choice == 0) continue; /* abandoned: it expires */
    if (choice == 1) {
      ended = hf_sale_confirm(sale, hold, buyer, HF_CONFIRM_RETRY_IS_OK);
      if (ended == HF_OUTCOME_OK) w->sold_units += line.quantity;
    } else {
      ended = hf_sale_release(sale, hold, buyer);
    }
    /* Only a hold past its deadline may be gone: Expired, or UnknownHold once another thread
     * expired it and its slot was reused. The deadline is at least hold_start + TTL, less the
     * 1 us of rounding (config.h). */
    if (ended != HF_OUTCOME_OK) {
      const int64_t now = hf_manual_clock_monotonic_ns(w->shared->clock);
      const int dead = now >= hold_start + kStressTtlNs - 1000;
      if (!dead || (ended != HF_OUTCOME_EXPIRED && ended != HF_OUTCOME_UNKNOWN_HOLD)) {
        ++w->unexpected;
        w->last_unexpected = ended;
      }
    }
  }
  return NULL;
}

static int stress_done(stress_shared* shared) {
  int done;
  pthread_mutex_lock(&shared->done_lock);
  done = shared->done;
  pthread_mutex_unlock(&shared->done_lock);
  return done;
}

/* Checks, while the workers run, what every instant allows: never oversold, no negative count. */
static void* stress_observer_main(void* arg) {
  stress_observer* o = (stress_observer*)arg;
  while (!stress_done(o->shared)) {
    hf_type_stats type;
    int64_t available;
    if (hf_sale_type_stats(o->shared->sale, 0, &type) != HF_ERROR_OK) ++o->violations;
    available = hf_sale_available(o->shared->sale, 0);
    if (type.sold_units < 0 || type.sold_units > kStressCapacity) ++o->violations;
    if (type.held_units < 0 || type.held_units > kStressCapacity - type.sold_units) {
      ++o->violations;
    }
    if (type.available < 0 || type.available > kStressCapacity) ++o->violations;
    if (available < 0 || available > kStressCapacity) ++o->violations;
    ++o->reads;
  }
  return NULL;
}

static void test_stress_i1(void) {
  stress_shared shared;
  stress_worker workers[kStressThreads];
  stress_observer observer;
  pthread_t threads[kStressThreads], observer_thread;
  hf_config* config = hf_config_create();
  hf_type_stats type;
  hf_sale_stats stats;
  int64_t sold = 0, holds_ok = 0;
  int i;

  memset(&shared, 0, sizeof shared);
  shared.clock = hf_manual_clock_create(kStartWallNs);
  pthread_mutex_init(&shared.done_lock, NULL);
  EXPECT_I64(HF_ERROR_OK, hf_config_add_type(config, "regular", kStressCapacity, NULL));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_manual_clock(config, shared.clock));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_holds_max(config, 8192));
  EXPECT_I64(HF_ERROR_OK, hf_config_set_buyers_max(config, 1024));
  EXPECT_I64(HF_ERROR_OK, hf_sale_create(config, &shared.sale, NULL, 0));
  hf_config_destroy(config);
  if (shared.sale == NULL) return;

  observer.shared = &shared;
  observer.violations = 0;
  observer.reads = 0;
  EXPECT_I64(0, pthread_create(&observer_thread, NULL, stress_observer_main, &observer));
  for (i = 0; i < kStressThreads; ++i) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].shared = &shared;
    workers[i].index = i;
    EXPECT_I64(0, pthread_create(&threads[i], NULL, stress_worker_main, &workers[i]));
  }
  for (i = 0; i < kStressThreads; ++i) {
    pthread_join(threads[i], NULL);
    sold += workers[i].sold_units;
    holds_ok += workers[i].holds_ok;
    EXPECT_I64(0, workers[i].unexpected);
    if (workers[i].unexpected > 0) {
      fprintf(stderr, "  worker %d: last unexpected answer %s\n", i,
              hf_outcome_name(workers[i].last_unexpected));
    }
  }
  pthread_mutex_lock(&shared.done_lock);
  shared.done = 1;
  pthread_mutex_unlock(&shared.done_lock);
  pthread_join(observer_thread, NULL);
  EXPECT_I64(0, observer.violations);
  EXPECT(observer.reads > 0);

  /* Quiescent: I1 exactly, and the confirms the workers saw are the units sold (I10). */
  EXPECT_I64(HF_ERROR_OK, hf_sale_type_stats(shared.sale, 0, &type));
  EXPECT_I64(kStressCapacity, type.available + type.held_units + type.sold_units);
  EXPECT_I64(sold, type.sold_units);
  EXPECT(type.sold_units <= kStressCapacity);
  EXPECT(holds_ok > kStressOps); /* the run did real work */
  /* Every abandoned hold expires; its units come back exactly once. */
  hf_manual_clock_advance(shared.clock, 3600 * kSecondNs);
  hf_sale_sweep(shared.sale);
  EXPECT_I64(HF_ERROR_OK, hf_sale_type_stats(shared.sale, 0, &type));
  EXPECT_I64(0, type.held_units);
  EXPECT_I64(kStressCapacity - sold, type.available);
  EXPECT_I64(kStressCapacity - sold, hf_sale_available(shared.sale, 0));
  EXPECT_I64(HF_ERROR_OK, hf_sale_stats_get(shared.sale, &stats));
  EXPECT_I64(0, stats.live_holds);
  EXPECT_I64(holds_ok, stats.holds_created);
  EXPECT_I64(stats.holds_created,
             stats.holds_confirmed + stats.holds_released + stats.holds_expired);
  hf_sale_destroy(shared.sale);
  hf_manual_clock_destroy(shared.clock);
  pthread_mutex_destroy(&shared.done_lock);
}

/* ---------------------------------------------------------------------------------------- */

typedef struct test_case {
  const char* name;
  void (*run)(void);
} test_case;

#define TEST_CASE(name) \
  { #name, test_##name }
static const test_case kTests[] = {
    TEST_CASE(version),
    TEST_CASE(names),
    TEST_CASE(manual_clock),
    TEST_CASE(config_bad_input),
    TEST_CASE(create_invalid_config),
    TEST_CASE(create_resource_exhausted),
    TEST_CASE(hold_confirm_release),
    TEST_CASE(hold_bad_input),
    TEST_CASE(null_sale_queries),
    TEST_CASE(limits),
    TEST_CASE(idempotency),
    TEST_CASE(extend_expiry_sweep),
    TEST_CASE(cycles),
    TEST_CASE(quotas),
    TEST_CASE(events),
    TEST_CASE(describe),
    TEST_CASE(wait_for_events),
    TEST_CASE(seat_map_errors),
    TEST_CASE(seats),
    TEST_CASE(stress_i1),
};

int main(int argc, char** argv) {
  const size_t count = sizeof kTests / sizeof kTests[0];
  size_t i;
  int ran = 0;
  for (i = 0; i < count; ++i) {
    if (argc > 1 && strcmp(argv[1], kTests[i].name) != 0) continue;
    g_test = kTests[i].name;
    kTests[i].run();
    ++ran;
  }
  if (ran == 0) {
    fprintf(stderr, "holdfast_c_test: no test named %s\n", argc > 1 ? argv[1] : "(none)");
    return 2;
  }
  if (g_failures > 0) {
    fprintf(stderr, "holdfast_c_test: %d failure(s)\n", g_failures);
    return 1;
  }
  printf("holdfast_c_test: %d test(s) passed\n", ran);
  return 0;
}
