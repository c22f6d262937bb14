/* noon_rush.c: the noon rush in C11 with pthreads, through the C ABI (holdfast/holdfast_c.h).
 *
 * A sale of TICKETS general-admission tickets opens at noon. THREADS threads (a server's worker
 * pool) each serve a stream of buyers: every buyer holds 1 to 4 tickets, then confirms (most of
 * them), releases the hold (some abandon their cart), or walks away and leaves the hold live.
 * A buyer told SoldOut gives up; a thread stops when the sale has nothing left. Afterwards the
 * program prints what sold and checks, from the sale's counters and from what the threads were
 * told, that nothing was oversold and the stock adds up (DESIGN.md I1):
 *   sold + held + available == capacity, sold <= capacity,
 *   sold == units the threads confirmed, held == units the threads walked away from.
 * It exits 0 when every check passes, 1 on a violation, 2 on bad arguments.
 *
 *   noon_rush_c                  # 1000 tickets, 8 threads
 *   noon_rush_c 100000 16        # TICKETS THREADS
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/holdfast_c.h"

/* Per-buyer limit of the sale and the largest hold a buyer asks for. */
#define UNITS_PER_BUYER_MAX 4
/* Out of 100 buyers who hold: this many release the hold, this many walk away; the rest confirm. */
#define RELEASE_PERCENT 10
#define WALK_AWAY_PERCENT 5
/* Each thread serves at most this many buyers per ticket per thread (a bound, never reached
 * unless the sale misbehaves), so the run always ends. */
#define ATTEMPTS_PER_TICKET 4

/* One worker thread's share of the run: its inputs and what the sale told it. */
typedef struct worker {
  hf_sale* sale;
  uint32_t type;
  uint64_t first_buyer; /* buyers first_buyer .. first_buyer + attempts_max - 1 */
  int64_t attempts_max;
  uint64_t random_state; /* xorshift64 state, never 0 */
  int64_t buyers;        /* buyers served */
  int64_t confirmed_units;
  int64_t released_units;
  int64_t walked_units; /* units left in live holds */
  int64_t outcomes[HF_OUTCOME_COUNT];
  int failed; /* a call answered something no correct sale answers here */
} worker;

/* A fast, per-thread pseudo-random number (xorshift64). */
static uint64_t next_random(uint64_t* state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

/* One buyer: hold 1-4 tickets, then confirm, release or walk away. Returns 0 when the sale has
 * nothing left for this thread, 1 to go on. */
static int serve_buyer(worker* w, hf_buyer_id buyer) {
  hf_hold_line line = {w->type, (int32_t)(1 + next_random(&w->random_state) % 4)};
  hf_hold_id hold = 0;
  hf_outcome held = hf_sale_hold(w->sale, buyer, &line, 1, 0, 0, &hold);
  w->outcomes[held]++;
  if (held == HF_OUTCOME_SOLD_OUT) return hf_sale_available(w->sale, w->type) > 0;
  if (held == HF_OUTCOME_TRY_AGAIN) return 1; /* a stopped thread's return was in flight */
  if (held != HF_OUTCOME_OK) {
    fprintf(stderr, "noon_rush_c: hold answered %s\n", hf_outcome_name(held));
    w->failed = 1;
    return 0;
  }
  unsigned choice = (unsigned)(next_random(&w->random_state) % 100);
  if (choice < WALK_AWAY_PERCENT) {
    w->walked_units += line.quantity;
    return 1;
  }
  hf_outcome ended = choice < WALK_AWAY_PERCENT + RELEASE_PERCENT
                         ? hf_sale_release(w->sale, hold, buyer)
                         : hf_sale_confirm(w->sale, hold, buyer, HF_CONFIRM_RETRY_IS_OK);
  w->outcomes[ended]++;
  if (ended != HF_OUTCOME_OK) {
    fprintf(stderr, "noon_rush_c: ending a live hold answered %s\n", hf_outcome_name(ended));
    w->failed = 1;
    return 0;
  }
  if (choice < WALK_AWAY_PERCENT + RELEASE_PERCENT) {
    w->released_units += line.quantity;
  } else {
    w->confirmed_units += line.quantity;
  }
  return 1;
}

static void* run_worker(void* argument) {
  worker* w = argument;
  while (w->buyers < w->attempts_max) {
    hf_buyer_id buyer = w->first_buyer + (uint64_t)w->buyers;
    w->buyers++;
    if (!serve_buyer(w, buyer)) break;
  }
  return NULL;
}

/* Parses a positive integer argument no larger than `max`; returns -1 if it is not one. */
static long parse_count(const char* text, long max) {
  char* end = NULL;
  long value = strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 1 || value > max) return -1;
  return value;
}

/* Builds the sale: one type "general" of `tickets` units, 4 per buyer, room for every buyer and
 * every walked-away hold. Returns NULL (after printing why) on an error. */
static hf_sale* build_sale(int64_t tickets, int64_t buyers_max, uint32_t* type) {
  hf_config* config = hf_config_create();
  if (config == NULL) return NULL;
  hf_sale* sale = NULL;
  char message[256];
  if (hf_config_add_type(config, "general", tickets, type) != HF_ERROR_OK ||
      hf_config_set_per_buyer_units_max(config, UNITS_PER_BUYER_MAX) != HF_ERROR_OK ||
      hf_config_set_units_per_hold_max(config, UNITS_PER_BUYER_MAX) != HF_ERROR_OK ||
      hf_config_set_buyers_max(config, (int32_t)buyers_max) != HF_ERROR_OK ||
      hf_config_set_holds_max(config, (int32_t)buyers_max) != HF_ERROR_OK) {
    fprintf(stderr, "noon_rush_c: could not build the config\n");
  } else if (hf_sale_create(config, &sale, message, sizeof message) != HF_ERROR_OK) {
    fprintf(stderr, "noon_rush_c: %s\n", message);
  }
  hf_config_destroy(config);
  return sale;
}

/* Prints what sold and checks I1 and the accounts; returns the number of violations. */
static int report(hf_sale* sale, uint32_t type, int64_t tickets, const worker* workers,
                  long threads) {
  int64_t confirmed = 0, released = 0, walked = 0, buyers = 0;
  int64_t outcomes[HF_OUTCOME_COUNT] = {0};
  int violations = 0;
  for (long t = 0; t < threads; ++t) {
    confirmed += workers[t].confirmed_units;
    released += workers[t].released_units;
    walked += workers[t].walked_units;
    buyers += workers[t].buyers;
    violations += workers[t].failed;
    for (int o = 0; o < HF_OUTCOME_COUNT; ++o) outcomes[o] += workers[t].outcomes[o];
  }
  hf_type_stats stats;
  if (hf_sale_type_stats(sale, type, &stats) != HF_ERROR_OK) return violations + 1;
  printf("sold %" PRId64 " of %" PRId64 " tickets to %" PRId64 " buyers on %ld threads\n",
         stats.sold_units, tickets, buyers, threads);
  printf("  held (walked away) %" PRId64 ", released %" PRId64 ", available %" PRId64 "\n",
         stats.held_units, stats.released_units, stats.available);
  printf("  answers to hold, confirm and release:\n");
  for (int o = 0; o < HF_OUTCOME_COUNT; ++o) {
    if (outcomes[o] > 0) printf("    %-16s %" PRId64 "\n", hf_outcome_name(o), outcomes[o]);
  }
  int64_t total = stats.sold_units + stats.held_units + stats.available;
  if (total != stats.capacity || stats.capacity != tickets) {
    printf("VIOLATION I1: sold + held + available = %" PRId64 ", capacity %" PRId64 "\n", total,
           stats.capacity);
    violations++;
  }
  if (stats.sold_units > tickets || confirmed > tickets) {
    printf("VIOLATION I1: oversold: %" PRId64 " sold of %" PRId64 "\n", stats.sold_units, tickets);
    violations++;
  }
  if (stats.sold_units != confirmed || stats.held_units != walked ||
      stats.released_units != released) {
    printf("VIOLATION I10: the sale counts sold %" PRId64 " held %" PRId64 " released %" PRId64
           ", the buyers were told %" PRId64 " %" PRId64 " %" PRId64 "\n",
           stats.sold_units, stats.held_units, stats.released_units, confirmed, walked, released);
    violations++;
  }
  printf(violations == 0 ? "I1 holds: nothing oversold, every ticket accounted for\n"
                         : "FAILED: %d violations\n",
         violations);
  return violations;
}

int main(int argc, char** argv) {
  long tickets = argc > 1 ? parse_count(argv[1], 1000000) : 1000;
  long threads = argc > 2 ? parse_count(argv[2], 256) : 8;
  if (argc > 3 || tickets < 0 || threads < 0) {
    fprintf(stderr, "usage: noon_rush_c [TICKETS (1..1000000)] [THREADS (1..256)]\n");
    return 2;
  }
  int64_t attempts_max = (int64_t)tickets * ATTEMPTS_PER_TICKET / threads + 16;
  int64_t buyers_max = attempts_max * threads;
  if (buyers_max > (1 << 22)) buyers_max = 1 << 22;
  if (attempts_max * threads > buyers_max) attempts_max = buyers_max / threads;
  uint32_t type = 0;
  hf_sale* sale = build_sale(tickets, buyers_max, &type);
  if (sale == NULL) return 1;

  worker* workers = calloc((size_t)threads, sizeof *workers);
  pthread_t* ids = calloc((size_t)threads, sizeof *ids);
  int status = workers == NULL || ids == NULL;
  long started = 0;
  for (; status == 0 && started < threads; ++started) {
    worker* w = &workers[started];
    w->sale = sale;
    w->type = type;
    w->first_buyer = (uint64_t)(started * attempts_max + 1);
    w->attempts_max = attempts_max;
    w->random_state = 0x9E3779B97F4A7C15u * (uint64_t)(started + 1);
    if (pthread_create(&ids[started], NULL, run_worker, w) != 0) {
      fprintf(stderr, "noon_rush_c: could not start thread %ld\n", started);
      status = 1;
      break;
    }
  }
  if (workers == NULL || ids == NULL) fprintf(stderr, "noon_rush_c: out of memory\n");
  for (long t = 0; t < started; ++t) pthread_join(ids[t], NULL);
  if (status == 0 && report(sale, type, tickets, workers, threads) != 0) status = 1;
  free(ids);
  free(workers);
  hf_sale_destroy(sale);
  return status;
}
