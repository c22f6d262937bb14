// Goal: show that reserved seating keeps I1 (a seat is in at most one live hold or one sale), I2
// (a seat hold claims all its seats or none) and I5 under any interleaving of many buyers.
// Method: 8 worker threads race on a small hall (3 rows x 10 seats) with overlapping sets of
// specific seats and best-available requests under per-buyer limits; they confirm, release or
// abandon their holds, move a shared ManualClock in bounded steps (so holds die mid-run) and
// sweep. Each worker checks that the seats of its live hold are its own; an observer thread
// checks at every instant that sold seats stay sold to the same buyer and that the sold bits
// only grow. At the quiescent end: no seat was confirmed twice, every unsold seat is free and
// counted as available, the accounts agree with the workers' logs, and a sell-out phase sells
// every remaining seat exactly once.
//
// HOLDFAST_STRESS_SCALE (default 1.0) scales the operation counts; HOLDFAST_STRESS_SEED fixes
// the seed (otherwise it is random and printed with every failure).
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "holdfast/holdfast.h"

#if defined(__SANITIZE_THREAD__)
#define HOLDFAST_SEAT_STRESS_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HOLDFAST_SEAT_STRESS_UNDER_TSAN 1
#endif
#endif
#ifndef HOLDFAST_SEAT_STRESS_UNDER_TSAN
#define HOLDFAST_SEAT_STRESS_UNDER_TSAN 0
#endif

namespace holdfast {
namespace {

// ThreadSanitizer slows thread hand-offs and atomics about 10-20x: a quarter of the work keeps
// the suite well under two minutes there and still races every path many times.
constexpr double kSanitizerDivisor = HOLDFAST_SEAT_STRESS_UNDER_TSAN ? 4 : 1;
constexpr int kRows = 3;
constexpr int kSeatsPerRow = 10;
constexpr int kSeats = kRows * kSeatsPerRow;
constexpr int kWorkers = 8;
constexpr int kBuyersPerWorker = 4;
constexpr BuyerId kFirstBuyer = 100;       // worker w's buyers: kFirstBuyer + 4w .. + 3
constexpr BuyerId kSellOutBuyer = 10'000;  // the sell-out phase's buyers count up from here
constexpr int kUnitsPerBuyerMax = 4;
constexpr int kHoldsPerBuyerMax = 2;
constexpr size_t kErrorsMax = 20;

double Scale() {
  const char* text = std::getenv("HOLDFAST_STRESS_SCALE");
  const double scale = text != nullptr ? std::atof(text) : 1.0;
  return (scale > 0 ? scale : 1.0) / kSanitizerDivisor;
}

// OutcomeName as a std::string (absl::StrCat here predates std::string_view).
std::string Name(Outcome outcome) { return std::string(OutcomeName(outcome)); }

int Scaled(int count) { return std::max(1, static_cast<int>(count * Scale())); }

uint64_t Seed() {
  const char* text = std::getenv("HOLDFAST_STRESS_SEED");
  if (text != nullptr) return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

// Errors found by any thread, kept (the first few) for the report at the end.
class Errors {
 public:
  void Add(std::string error) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++count_;
    if (errors_.size() < kErrorsMax) errors_.push_back(std::move(error));
  }
  int64_t count() const { return count_; }
  std::string Text() const {
    std::string text;
    for (const std::string& e : errors_) absl::StrAppend(&text, "  ", e, "\n");
    return text;
  }

 private:
  std::mutex mutex_;
  int64_t count_ = 0;
  std::vector<std::string> errors_;
};

SaleConfig HallConfig(const Clock* clock) {
  absl::StatusOr<SeatMapConfig> map = ParseSeatMap(
      "section Hall type=0\n"
      "row A seats=10\n"
      "row B seats=10\n"
      "row C seats=10\n");
  EXPECT_TRUE(map.ok()) << map.status();
  SaleConfig config;
  config.types = {{.name = "hall", .capacity = kSeats}};
  config.seat_map = map.ok() ? *map : SeatMapConfig{};
  config.per_buyer_units_max = kUnitsPerBuyerMax;
  config.per_buyer_holds_max = kHoldsPerBuyerMax;
  config.units_per_hold_max = 6;
  config.hold_ttl_default = absl::Milliseconds(5);
  config.hold_lifetime_max = absl::Minutes(1);
  config.holds_max = 128;
  config.buyers_max = 256;
  config.idempotency_keys_max = 0;
  config.clock = clock;
  return config;
}

SeatId SeatOf(int row, int number) { return static_cast<SeatId>(row * kSeatsPerRow + number); }

// Sorts seats[0 .. count) (insertion sort: at most 8 seats).
void SortSeats(std::array<SeatId, 8>& seats, int count) {
  for (int i = 1; i < count; ++i) {
    for (int j = i; j > 0 && seats[j - 1] > seats[j]; --j) std::swap(seats[j - 1], seats[j]);
  }
}

// A hold a worker made: its seats (sorted) and when it must still be live.
struct Held {
  HoldResult result;
  std::array<SeatId, 8> seats{};
  int seat_count = 0;
  int64_t live_until_ns = 0;  // the clock read before the call + ttl: live before this
};

// What one worker saw; merged after the join.
struct WorkerLog {
  std::vector<std::pair<SeatId, BuyerId>> confirmed;  // every seat of every confirmed hold
  std::map<BuyerId, int64_t> bought;
  std::array<int64_t, kOutcomeCount> hold_outcomes{};
  int64_t holds = 0, confirms = 0, releases = 0, abandons = 0, late = 0;
};

struct Race {
  explicit Race(uint64_t seed_in) : seed(seed_in) {}

  const uint64_t seed;
  ManualClock clock{absl::FromUnixSeconds(1'795'000'000)};
  std::unique_ptr<Sale> sale;
  // Release pairs with the observer's acquire: it stops after the workers' last call.
  std::atomic<bool> done{false};
  Errors errors;
};

// Specific seats: a run of 1-3 in one row, sometimes with the same seat number of the next row
// (a hold over two rows), so sets overlap between threads all the time.
Held HoldSpecific(Race& race, BuyerId buyer, absl::Duration ttl, std::mt19937_64& rng) {
  Held held;
  const int row = static_cast<int>(rng() % kRows);
  const int first = static_cast<int>(rng() % kSeatsPerRow);
  const int length = std::min<int>(1 + static_cast<int>(rng() % 3), kSeatsPerRow - first);
  for (int n = first; n < first + length; ++n) held.seats[held.seat_count++] = SeatOf(row, n);
  if (rng() % 4 == 0) held.seats[held.seat_count++] = SeatOf((row + 1) % kRows, first);
  SortSeats(held.seats, held.seat_count);
  held.live_until_ns = race.clock.MonotonicNanos() + absl::ToInt64Nanoseconds(ttl);
  held.result = race.sale->HoldSeats(buyer, absl::MakeConstSpan(held.seats.data(), held.seat_count),
                                     {}, {.ttl = ttl});
  const Outcome o = held.result.outcome;
  if (o == Outcome::kSeatTaken &&
      !std::binary_search(held.seats.begin(), held.seats.begin() + held.seat_count,
                          held.result.taken_seat)) {
    race.errors.Add(
        absl::StrCat("SeatTaken names seat ", held.result.taken_seat, ", which was not asked for"));
  }
  // kTryAgain: a thread preempted while it gives back an expired hold's seats (changes nothing).
  if (o != Outcome::kOk && o != Outcome::kSeatTaken && o != Outcome::kBuyerLimit &&
      o != Outcome::kTooManyHolds && o != Outcome::kSoldOut && o != Outcome::kTryAgain) {
    race.errors.Add(absl::StrCat("HoldSeats answered ", Name(o)));
  }
  return held;
}

Held HoldBest(Race& race, BuyerId buyer, absl::Duration ttl, std::mt19937_64& rng) {
  Held held;
  BestAvailableRequest request;
  request.count = 1 + static_cast<int>(rng() % 3);
  request.allow_split = rng() % 3 == 0;
  request.avoid_orphans = rng() % 4 != 0;
  held.live_until_ns = race.clock.MonotonicNanos() + absl::ToInt64Nanoseconds(ttl);
  held.result = race.sale->HoldBestAvailable(
      buyer, request, absl::MakeSpan(held.seats.data(), request.count), {.ttl = ttl});
  const Outcome o = held.result.outcome;
  if (o == Outcome::kOk) {
    held.seat_count = request.count;
    SortSeats(held.seats, held.seat_count);
  } else if (o != Outcome::kNoAdjacentSeats && o != Outcome::kBuyerLimit &&
             o != Outcome::kTooManyHolds && o != Outcome::kSoldOut && o != Outcome::kTryAgain) {
    race.errors.Add(absl::StrCat("HoldBestAvailable answered ", Name(o)));
  }
  return held;
}

// Checks a fresh hold: SeatsOf names exactly its seats, and while it is surely live every one
// of them reads held by it (I1: no seat in two live holds).
void CheckFreshHold(Race& race, BuyerId buyer, const Held& held) {
  std::array<SeatId, 8> of{};
  int count = 0;
  const Outcome o = race.sale->SeatsOf(held.result.id, buyer, absl::MakeSpan(of), count);
  const int64_t now_before_ns = race.clock.MonotonicNanos();
  if (o == Outcome::kOk) {
    SortSeats(of, count);
    if (count != held.seat_count ||
        !std::equal(of.begin(), of.begin() + count, held.seats.begin())) {
      race.errors.Add(
          absl::StrCat("SeatsOf disagrees with the seats held, hold ", held.result.id.value));
    }
  } else if (now_before_ns < held.live_until_ns) {
    race.errors.Add(absl::StrCat("SeatsOf of a live hold answered ", Name(o)));
  }
  std::array<SeatState, 8> states;
  for (int i = 0; i < held.seat_count; ++i) states[i] = race.sale->Seat(held.seats[i]);
  // Read after the seats: if the hold was live now, it was live when they were read.
  if (race.clock.MonotonicNanos() >= held.live_until_ns) return;
  for (int i = 0; i < held.seat_count; ++i) {
    const SeatState& s = states[i];
    if (s.status != SeatStatus::kHeld || s.hold != held.result.id || s.buyer != buyer) {
      race.errors.Add(absl::StrCat("seat ", held.seats[i], " of live hold ", held.result.id.value,
                                   " reads status ", static_cast<int>(s.status), " hold ",
                                   s.hold.value, " buyer ", s.buyer));
    }
  }
}

// The buyer confirms, releases or walks away.
void FinishHold(Race& race, BuyerId buyer, const Held& held, int dice, WorkerLog& log) {
  if (dice < 30) {
    ++log.confirms;
    const Outcome o = race.sale->Confirm(held.result.id, buyer);
    if (o == Outcome::kOk) {
      for (int i = 0; i < held.seat_count; ++i) log.confirmed.emplace_back(held.seats[i], buyer);
      log.bought[buyer] += held.seat_count;
    } else if (o == Outcome::kExpired || o == Outcome::kUnknownHold) {
      ++log.late;
    } else {
      race.errors.Add(absl::StrCat("Confirm answered ", Name(o)));
    }
  } else if (dice < 65) {
    ++log.releases;
    const Outcome o = race.sale->Release(held.result.id, buyer);
    if (o != Outcome::kOk && o != Outcome::kExpired && o != Outcome::kUnknownHold) {
      race.errors.Add(absl::StrCat("Release answered ", Name(o)));
    }
    if (o != Outcome::kOk) ++log.late;
  } else {
    ++log.abandons;
  }
}

void CheckBuyerLimits(Race& race, BuyerId buyer) {
  const BuyerCounts counts = race.sale->Buyer(buyer);
  if (counts.held_units + counts.bought_units > kUnitsPerBuyerMax ||
      counts.live_holds > kHoldsPerBuyerMax || counts.held_units < 0) {
    race.errors.Add(absl::StrCat("buyer ", buyer, " past a limit: held ", counts.held_units,
                                 " bought ", counts.bought_units, " live ", counts.live_holds));
  }
}

void Worker(Race& race, int worker, int ops, WorkerLog& log) {
  std::mt19937_64 rng(race.seed * 1'000'003 + static_cast<uint64_t>(worker));
  for (int i = 0; i < ops; ++i) {
    // Time moves in 1 ms steps; ttls are 1-6 ms, so holds die while others still use them.
    if (i % 16 == 15) race.clock.Advance(absl::Milliseconds(1));
    if (i % 32 == 31) race.sale->Sweep();
    const BuyerId buyer =
        kFirstBuyer + static_cast<BuyerId>(worker * kBuyersPerWorker) + rng() % kBuyersPerWorker;
    const absl::Duration ttl = absl::Milliseconds(1 + static_cast<int64_t>(rng() % 6));
    const Held held =
        rng() % 2 == 0 ? HoldSpecific(race, buyer, ttl, rng) : HoldBest(race, buyer, ttl, rng);
    ++log.hold_outcomes[static_cast<int>(held.result.outcome)];
    if (held.result.ok()) {
      ++log.holds;
      CheckFreshHold(race, buyer, held);
      // A slow payer: time passes before the buyer decides, and the hold may die meanwhile.
      if (rng() % 8 == 0) race.clock.Advance(absl::Milliseconds(1 + rng() % 4));
      FinishHold(race, buyer, held, static_cast<int>(rng() % 100), log);
    }
    CheckBuyerLimits(race, buyer);
  }
}

// Runs until the workers are done: sold seats stay sold to one buyer, sold bits only grow, and
// the type's counters stay within the hall.
void Observer(Race& race) {
  std::array<BuyerId, kSeats> sold_to{};
  std::array<bool, kSeats> seen_sold{};
  uint64_t sold_before = 0;
  int64_t sold_units_before = 0;
  // Acquire pairs with the release store of `done`.
  while (!race.done.load(std::memory_order_acquire)) {
    uint64_t held_bits[1], sold_bits[1];
    if (!race.sale->SnapshotSeats(held_bits, sold_bits)) race.errors.Add("SnapshotSeats refused");
    if ((sold_bits[0] & sold_before) != sold_before || (held_bits[0] & sold_bits[0]) != 0 ||
        std::popcount(sold_bits[0]) > kSeats) {
      race.errors.Add(absl::StrCat("sold bits shrank or overlap held bits: ", sold_before, " -> ",
                                   sold_bits[0], ", held ", held_bits[0]));
    }
    sold_before = sold_bits[0];
    for (int s = 0; s < kSeats; ++s) {
      const SeatState state = race.sale->Seat(static_cast<SeatId>(s));
      if (seen_sold[s] && (state.status != SeatStatus::kSold || state.buyer != sold_to[s])) {
        race.errors.Add(absl::StrCat("seat ", s, " was sold to ", sold_to[s], ", now reads ",
                                     static_cast<int>(state.status), " buyer ", state.buyer));
      } else if (!seen_sold[s] && state.status == SeatStatus::kSold) {
        seen_sold[s] = true;
        sold_to[s] = state.buyer;
      }
    }
    const TypeStats stats = race.sale->TypeStatsOf(0);
    if (stats.sold_units < sold_units_before || stats.sold_units > kSeats ||
        stats.held_units + stats.sold_units > kSeats || stats.available < 0 ||
        stats.available > kSeats) {
      race.errors.Add(absl::StrCat("type counters out of the hall: sold ", stats.sold_units,
                                   " held ", stats.held_units, " available ", stats.available));
    }
    sold_units_before = stats.sold_units;
  }
}

std::vector<WorkerLog> RunRace(Race& race, int ops) {
  std::vector<WorkerLog> logs(kWorkers);
  std::thread observer(Observer, std::ref(race));
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back(Worker, std::ref(race), w, ops, std::ref(logs[w]));
  }
  for (std::thread& t : workers) t.join();
  race.done.store(true, std::memory_order_release);
  observer.join();
  return logs;
}

// The quiescent end of a race: every hold ended, the accounts agree with the logs.
void CheckQuiescent(Race& race, const std::vector<WorkerLog>& logs) {
  Sale& sale = *race.sale;
  race.clock.Advance(absl::Minutes(2));  // past every deadline and lifetime
  sale.Sweep();
  std::map<SeatId, BuyerId> confirmed;
  std::map<BuyerId, int64_t> bought;
  for (const WorkerLog& log : logs) {
    for (const auto& [seat, buyer] : log.confirmed) {
      EXPECT_TRUE(confirmed.emplace(seat, buyer).second) << "seat " << seat << " sold twice";
    }
    for (const auto& [buyer, units] : log.bought) bought[buyer] += units;
  }
  uint64_t held_bits[1], sold_bits[1];
  ASSERT_TRUE(sale.SnapshotSeats(held_bits, sold_bits));
  EXPECT_EQ(held_bits[0], 0u);
  int free = 0;
  for (int s = 0; s < kSeats; ++s) {
    const SeatState state = sale.Seat(static_cast<SeatId>(s));
    const auto it = confirmed.find(static_cast<SeatId>(s));
    if (it != confirmed.end()) {
      EXPECT_EQ(state.status, SeatStatus::kSold) << "seat " << s;
      EXPECT_EQ(state.buyer, it->second) << "seat " << s;
      EXPECT_TRUE((sold_bits[0] >> s) & 1) << "seat " << s;
    } else {
      EXPECT_EQ(state.status, SeatStatus::kFree) << "seat " << s;  // no partial claim left
      EXPECT_FALSE((sold_bits[0] >> s) & 1) << "seat " << s;
      ++free;
    }
  }
  EXPECT_EQ(sale.TypeAvailable(0), free);
  const TypeStats type = sale.TypeStatsOf(0);
  EXPECT_EQ(type.sold_units, static_cast<int64_t>(confirmed.size()));
  EXPECT_EQ(type.held_units, 0);
  const SaleStats stats = sale.Stats();
  EXPECT_EQ(stats.live_holds, 0);
  EXPECT_EQ(stats.held_units, 0);
  int64_t holds = 0;
  for (const WorkerLog& log : logs) holds += log.holds;
  EXPECT_EQ(stats.holds_created, holds);
  EXPECT_EQ(stats.holds_created,
            stats.holds_confirmed + stats.holds_released + stats.holds_expired);
  for (BuyerId b = kFirstBuyer; b < kFirstBuyer + kWorkers * kBuyersPerWorker; ++b) {
    const BuyerCounts counts = sale.Buyer(b);
    EXPECT_EQ(counts.bought_units, bought.count(b) ? bought[b] : 0) << "buyer " << b;
    EXPECT_EQ(counts.held_units, 0) << "buyer " << b;
    EXPECT_EQ(counts.live_holds, 0) << "buyer " << b;
  }
}

// One buyer after another takes the best single seat until none is left: every seat ends sold
// exactly once.
void SellOut(Race& race) {
  Sale& sale = *race.sale;
  const int64_t free = sale.TypeAvailable(0);
  int64_t sold = 0;
  for (BuyerId buyer = kSellOutBuyer;; ++buyer) {
    SeatId seat = kNoSeat;
    const HoldResult hold = sale.HoldBestAvailable(
        buyer, {.count = 1, .sections = {}}, absl::MakeSpan(&seat, 1), {.ttl = absl::Minutes(1)});
    if (hold.outcome == Outcome::kNoAdjacentSeats || hold.outcome == Outcome::kSoldOut) break;
    ASSERT_EQ(hold.outcome, Outcome::kOk);
    ASSERT_EQ(sale.Seat(seat).status, SeatStatus::kHeld);
    ASSERT_EQ(sale.Confirm(hold.id, buyer), Outcome::kOk);
    ++sold;
    ASSERT_LE(sold, kSeats);
  }
  EXPECT_EQ(sold, free);
  uint64_t held_bits[1], sold_bits[1];
  ASSERT_TRUE(sale.SnapshotSeats(held_bits, sold_bits));
  EXPECT_EQ(sold_bits[0], (uint64_t{1} << kSeats) - 1);
  EXPECT_EQ(held_bits[0], 0u);
  const TypeStats type = sale.TypeStatsOf(0);
  EXPECT_EQ(type.sold_units, kSeats);
  EXPECT_EQ(type.available, 0);
  EXPECT_EQ(type.sold_units + type.held_units + type.available, type.capacity);
}

TEST(SeatStressTest, RacingBuyersNeverShareOrResellASeat) {
  const uint64_t seed = Seed();
  const int rounds = Scaled(300);
  constexpr int kOpsPerWorker = 120;
  std::array<int64_t, kOutcomeCount> outcomes{};
  int64_t holds = 0, confirms = 0, releases = 0, abandons = 0, late = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(absl::StrCat("HOLDFAST_STRESS_SEED=", seed, " round ", round));
    Race race(seed + static_cast<uint64_t>(round));
    absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(HallConfig(&race.clock));
    ASSERT_TRUE(sale.ok()) << sale.status();
    race.sale = *std::move(sale);
    const std::vector<WorkerLog> logs = RunRace(race, kOpsPerWorker);
    ASSERT_EQ(race.errors.count(), 0) << race.errors.Text();
    CheckQuiescent(race, logs);
    SellOut(race);
    if (HasFailure()) return;
    for (const WorkerLog& log : logs) {
      for (int o = 0; o < kOutcomeCount; ++o) outcomes[o] += log.hold_outcomes[o];
      holds += log.holds;
      confirms += log.confirms;
      releases += log.releases;
      abandons += log.abandons;
      late += log.late;
    }
  }
  std::string summary;
  for (int o = 0; o < kOutcomeCount; ++o) {
    if (outcomes[o] > 0) {
      absl::StrAppend(&summary, " ", Name(static_cast<Outcome>(o)), "=", outcomes[o]);
    }
  }
  std::printf(
      "%d rounds, seed %llu: %lld holds (%lld confirm, %lld release, %lld abandon, %lld "
      "late); hold outcomes:%s\n",
      rounds, static_cast<unsigned long long>(seed), static_cast<long long>(holds),
      static_cast<long long>(confirms), static_cast<long long>(releases),
      static_cast<long long>(abandons), static_cast<long long>(late), summary.c_str());
  // Every kind of answer was raced for, or the test proves little.
  EXPECT_GT(outcomes[static_cast<int>(Outcome::kOk)], 0);
  EXPECT_GT(outcomes[static_cast<int>(Outcome::kSeatTaken)], 0);
  EXPECT_GT(outcomes[static_cast<int>(Outcome::kNoAdjacentSeats)], 0);
  EXPECT_GT(outcomes[static_cast<int>(Outcome::kBuyerLimit)], 0);
  EXPECT_GT(late, 0);
}

// In a hall with no cycles and no quotas a seat hold can only be short of seats: SoldOut (the
// type's counter) must never be the answer while the seats themselves are free. Two threads
// fight over one seat, holding and releasing it.
TEST(SeatStressTest, SeatHoldsNeverAnswerSoldOut) {
  ManualClock clock;
  SaleConfig config = HallConfig(&clock);
  config.per_buyer_units_max = 0;
  config.per_buyer_holds_max = 0;
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  ASSERT_TRUE(sale.ok()) << sale.status();
  const int iterations = Scaled(200'000);
  std::array<std::array<std::atomic<int64_t>, kOutcomeCount>, 2> outcomes{};
  auto fight = [&](int thread) {
    const BuyerId buyer = 1 + static_cast<BuyerId>(thread);
    const SeatId seat[] = {SeatOf(1, 4)};
    for (int i = 0; i < iterations; ++i) {
      HoldResult hold;
      if (i % 2 == 0) {
        hold = (*sale)->HoldSeats(buyer, seat, {}, {.ttl = absl::Minutes(1)});
      } else {
        SeatId out = kNoSeat;
        hold =
            (*sale)->HoldBestAvailable(buyer, {.count = 1, .sections = {}, .avoid_orphans = false},
                                       absl::MakeSpan(&out, 1), {.ttl = absl::Minutes(1)});
      }
      outcomes[i % 2][static_cast<int>(hold.outcome)].fetch_add(1, std::memory_order_relaxed);
      if (hold.ok() && (*sale)->Release(hold.id, buyer) != Outcome::kOk) std::abort();
    }
  };
  // Every seat but one is sold first, so both threads want the same one.
  for (SeatId s = 0; s < kSeats; ++s) {
    if (s == SeatOf(1, 4)) continue;
    const SeatId one[] = {s};
    const HoldResult h = (*sale)->HoldSeats(7, one, {}, {});
    ASSERT_TRUE(h.ok());
    ASSERT_EQ((*sale)->Confirm(h.id, 7), Outcome::kOk);
  }
  std::thread a(fight, 0), b(fight, 1);
  a.join();
  b.join();
  auto n = [&](int kind, Outcome o) { return outcomes[kind][static_cast<int>(o)].load(); };
  std::printf(
      "HoldSeats: Ok %lld, SeatTaken %lld, SoldOut %lld; HoldBestAvailable: Ok %lld, "
      "NoAdjacentSeats %lld, SoldOut %lld\n",
      static_cast<long long>(n(0, Outcome::kOk)), static_cast<long long>(n(0, Outcome::kSeatTaken)),
      static_cast<long long>(n(0, Outcome::kSoldOut)), static_cast<long long>(n(1, Outcome::kOk)),
      static_cast<long long>(n(1, Outcome::kNoAdjacentSeats)),
      static_cast<long long>(n(1, Outcome::kSoldOut)));
  EXPECT_EQ(n(0, Outcome::kSoldOut), 0) << "HoldSeats answered SoldOut for a seat it found free";
  EXPECT_EQ(n(1, Outcome::kSoldOut), 0)
      << "HoldBestAvailable answered SoldOut for a seat it found free";
  EXPECT_EQ(n(0, Outcome::kOk) + n(0, Outcome::kSeatTaken) + n(0, Outcome::kSoldOut),
            2 * ((iterations + 1) / 2));
  EXPECT_EQ((*sale)->TypeAvailable(0), 1);
  EXPECT_EQ((*sale)->Seat(SeatOf(1, 4)).status, SeatStatus::kFree);
}

}  // namespace
}  // namespace holdfast
