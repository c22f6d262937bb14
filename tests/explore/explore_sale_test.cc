// Deterministic exploration of the real Sale (holdfast_det): small sales,
// two or three logical threads and a clock thread that moves time in the
// middle of operations, explored with PCT, random and bounded-exhaustive
// schedules; I1 checked at every step, I3/I10/I5 at the end, the reference
// model (linearizability) where the clock stands still; and the freeze test
// of the lock-freedom claim (DESIGN.md §4).
//
// Scale: HOLDFAST_EXPLORE_SCHEDULES=N runs N schedules per suite (a soak);
// HOLDFAST_EXPLORE_SEED=S starts from seed S (a failure prints the seed).
//   HOLDFAST_EXPLORE_SCHEDULES=200000 build/tests/explore/explore_sale_test
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "holdfast/sale.h"
#include "tests/explore/sale_scenario.h"
#include "tests/explore/scheduler.h"
#include "tests/model/history.h"
#include "tests/model/linearizability.h"

namespace holdfast::explore {
namespace {

enum class Flavor { kPlain, kKeys, kCycle, kSeats };

int Pick(std::mt19937_64& random, int low, int high) {
  return low + static_cast<int>(random() % static_cast<uint64_t>(high - low + 1));
}

SaleConfig FlavorConfig(Flavor flavor, std::mt19937_64& random) {
  SaleConfig config;
  config.holds_max = 64;
  config.units_per_hold_max = 10;
  config.buyers_max = 64;
  config.idempotency_keys_max = flavor == Flavor::kKeys ? 64 : 0;
  config.hold_lifetime_max = absl::Minutes(30);
  if (flavor == Flavor::kSeats) {
    config.types = {{.name = "stalls", .capacity = 4}};
    RowConfig row;
    row.label = "A";
    row.seat_count = 4;
    SectionConfig section;
    section.name = "Stalls";
    section.type = 0;
    section.rows = {row};
    config.seat_map.sections = {section};
    return config;
  }
  config.types = {{.name = "a", .capacity = Pick(random, 1, 3)}};
  if (flavor == Flavor::kCycle) {
    config.cycles = {{.name = "noon",
                      .opens_at = StartWall() - absl::Minutes(1),
                      .closes_at = StartWall() + absl::Minutes(Pick(random, 2, 6)),
                      .allotment = Pick(random, 1, 2),
                      .per_buyer_max = Pick(random, 0, 2)}};
  }
  return config;
}

// A random program (from `seed`) on a tiny sale: 2-3 buyer threads of 2-4
// operations and a clock thread of 1-2 advances.
class RandomSaleScenario final : public SaleScenario {
 public:
  RandomSaleScenario(uint64_t seed, Flavor flavor)
      : SaleScenario(ConfigFor(seed, flavor)), seed_(seed), flavor_(flavor) {
    check_i5_at_end_ = flavor != Flavor::kCycle;
  }

  std::vector<ThreadProgram> Threads() override {
    std::mt19937_64 random(seed_ * 7919 + 17);
    static const absl::Duration kTtls[] = {absl::Minutes(1), absl::Minutes(2), absl::Minutes(10)};
    static const absl::Duration kExtends[] = {absl::Seconds(30), absl::Minutes(1),
                                              absl::Minutes(5)};
    static const absl::Duration kAdvances[] = {absl::Seconds(30), absl::Minutes(1),
                                               absl::Minutes(2), absl::Minutes(5)};
    std::vector<ThreadProgram> threads;
    const int buyers = Pick(random, 2, 3);
    for (int t = 0; t < buyers; ++t) {
      ThreadProgram program;
      const BuyerId buyer = flavor_ == Flavor::kKeys ? 1 : static_cast<BuyerId>(t + 1);
      const int ops = Pick(random, 2, 4);
      for (int i = 0; i < ops; ++i) {
        const int kind = Pick(random, 0, 7);
        const absl::Duration ttl = kTtls[Pick(random, 0, 2)];
        if (kind < 4 || i == 0) {
          if (flavor_ == Flavor::kSeats) {
            if (Pick(random, 0, 1) == 0) {
              const SeatId first = static_cast<SeatId>(Pick(random, 0, 2));
              std::vector<SeatId> seats = {first};
              if (Pick(random, 0, 1) == 1) seats.push_back(first + 1);
              program.push_back(HoldSeatsOp(t, buyer, seats, ttl));
            } else {
              program.push_back(BestOp(t, buyer, Pick(random, 1, 2), ttl));
            }
          } else {
            const uint64_t key =
                flavor_ == Flavor::kKeys ? static_cast<uint64_t>(Pick(random, 1, 2)) : 0;
            program.push_back(HoldOp(t, buyer, Pick(random, 1, 2), ttl, 0, key));
          }
        } else if (kind == 4) {
          program.push_back(ConfirmOp(t));
        } else if (kind == 5) {
          program.push_back(ReleaseOp(t));
        } else if (kind == 6) {
          program.push_back(ExtendOp(t, kExtends[Pick(random, 0, 2)]));
        } else {
          program.push_back(SweepOp());
        }
      }
      threads.push_back(std::move(program));
    }
    ThreadProgram ticker;
    const int advances = Pick(random, 1, 2);
    for (int i = 0; i < advances; ++i) ticker.push_back(AdvanceOp(kAdvances[Pick(random, 0, 3)]));
    threads.push_back(std::move(ticker));
    return threads;
  }

  std::string CheckEnd() override {
    std::string r = SaleScenario::CheckEnd();
    if (!r.empty()) return r;
    if (flavor_ == Flavor::kSeats) return CheckSeats();
    if (flavor_ == Flavor::kCycle) {
      const int64_t left = sale_->CycleAvailable(0);
      if (left < 0 || left > config_.cycles[0].allotment) {
        return absl::StrCat("I1: cycle 0 available ", left);
      }
    }
    return "";
  }

 private:
  static SaleConfig ConfigFor(uint64_t seed, Flavor flavor) {
    std::mt19937_64 random(seed);
    return FlavorConfig(flavor, random);
  }

  // No seat is in two live holds, and the held seats are the held units.
  // (Runs after CheckNoDeadHoldBlocks, which holds every unsold seat.)
  std::string CheckSeats() {
    int held = 0, sold = 0;
    for (SeatId s = 0; s < sale_->SeatCount(); ++s) {
      const SeatState state = sale_->Seat(s);
      held += state.status == SeatStatus::kHeld ? 1 : 0;
      sold += state.status == SeatStatus::kSold ? 1 : 0;
    }
    const TypeStats stats = sale_->TypeStatsOf(0);
    if (sold != stats.sold_units || held + sold != stats.capacity - stats.available) {
      return absl::StrCat("seats: ", held, " held and ", sold, " sold, the type says ",
                          stats.capacity - stats.available - stats.sold_units, " held and ",
                          stats.sold_units, " sold");
    }
    return "";
  }

  uint64_t seed_;
  Flavor flavor_;
};

// Runs `programs` random programs of `flavor`, each explored for `per_program`
// schedules of `strategy`.
void ExploreFlavor(const char* what, Flavor flavor, Strategy strategy, int64_t programs,
                   int64_t per_program) {
  const uint64_t seed = SeedFromEnv(1);
  ExploreSummary total;
  for (int64_t p = 0; p < programs; ++p) {
    const uint64_t program_seed = seed + static_cast<uint64_t>(p);
    const ExploreSummary s =
        Explore([&] { return std::make_unique<RandomSaleScenario>(program_seed, flavor); },
                {.strategy = strategy, .seed = program_seed * 1000}, per_program);
    ASSERT_EQ(s.failures, 0) << what << ", program " << program_seed << ": " << s.first_failure;
    total.schedules += s.schedules;
    total.steps += s.steps;
    total.seconds += s.seconds;
  }
  total.per_second = total.seconds > 0 ? total.schedules / total.seconds : 0;
  std::printf("%s\n", DescribeSummary(what, total).c_str());
}

// Programs of 50 schedules each: `fallback` of them, or as many as
// HOLDFAST_EXPLORE_SCHEDULES (a tenth under a sanitizer) allows.
int64_t Programs(int64_t fallback) {
  return std::max<int64_t>(SchedulesFromEnv(fallback * 50) / 50, 1);
}

TEST(ExploreSaleTest, GeneralAdmissionPct) {
  ExploreFlavor("general admission, pct", Flavor::kPlain, Strategy::kPct, Programs(40), 50);
}

TEST(ExploreSaleTest, GeneralAdmissionRandom) {
  ExploreFlavor("general admission, random", Flavor::kPlain, Strategy::kRandom, Programs(10), 50);
}

// Random, not PCT: two Holds with one key make one hold (the one that meets
// the other mid-way answers kKeyInUse); uniform choices interleave the twins
// at every step, where PCT's priorities mostly run one before the other.
TEST(ExploreSaleTest, IdempotencyKeysRandom) {
  ExploreFlavor("idempotency keys, random", Flavor::kKeys, Strategy::kRandom, Programs(10), 50);
}

TEST(ExploreSaleTest, CycleClosingUnderwayPct) {
  ExploreFlavor("a cycle closing underway, pct", Flavor::kCycle, Strategy::kPct, Programs(20), 50);
}

TEST(ExploreSaleTest, SeatsPct) {
  ExploreFlavor("seats, pct", Flavor::kSeats, Strategy::kPct, Programs(20), 50);
}

// Bounded-exhaustive: every schedule with at most 2 preemptions of a small
// race (capacity 1, a dead hold): a Hold, a Confirm of the dead hold racing
// its expiry, and a Sweep, while the clock stands.
class SmallRace final : public SaleScenario {
 public:
  SmallRace() : SaleScenario(Config()) {
    const HoldLine line{.type = 0, .quantity = 1};
    dead_ = sale_->Hold(1, {&line, 1}, {.ttl = absl::Minutes(1)}).id;
    clock_.Advance(absl::Minutes(2));
    made_.emplace(dead_.value, Made{1, {{0, 1}}});
    last_[0] = {dead_, 1};
  }
  std::vector<ThreadProgram> Threads() override {
    return {{ConfirmOp(0)}, {HoldOp(1, 2, 1, absl::Minutes(1))}, {SweepOp()}};
  }
  std::string CheckEnd() override {
    for (const Answer& a : answers_) {
      if (a.op == "Confirm" && a.outcome != Outcome::kExpired) {
        return absl::StrCat("Confirm of a dead hold answered ", OutcomeText(a.outcome));
      }
      // kTryAgain only while the expiry's return was in flight (checked by
      // SaleScenario::CheckEnd): a schedule may stop that thread longer than
      // the Hold waits.
      if (a.op == "Hold" && a.outcome != Outcome::kOk && a.outcome != Outcome::kTryAgain) {
        return absl::StrCat("I5: Hold answered ", OutcomeText(a.outcome), " with the unit dead");
      }
    }
    return SaleScenario::CheckEnd();
  }

 private:
  static SaleConfig Config() {
    SaleConfig config;
    config.types = {{.name = "a", .capacity = 1}};
    config.holds_max = 64;
    config.idempotency_keys_max = 0;
    return config;
  }
  HoldId dead_;
};

TEST(ExploreSaleTest, SmallRaceBoundedExhaustive) {
  const ExploreSummary s =
      Explore([] { return std::make_unique<SmallRace>(); },
              {.strategy = Strategy::kExhaustive, .preemption_bound = 2}, SchedulesFromEnv(5000));
  EXPECT_EQ(s.failures, 0) << s.first_failure;
  std::printf("%s\n", DescribeSummary("small race, exhaustive (2 preemptions)", s).c_str());
}

// ---------------------------------------------------------------------------------------------
// The reference model as the oracle: a random workload of tests/model/history.h; its earlier
// phases run sequentially, its last phase is explored (the clock stands within a phase, as the
// checker requires), and the recorded history must linearize.

class LinearizableScenario final : public SaleScenario {
 public:
  explicit LinearizableScenario(uint64_t seed)
      : SaleScenario(model::RandomWorkload(seed).config, /*with_events=*/false),
        workload_(model::RandomWorkload(seed)) {
    check_i5_at_end_ = false;
    for (size_t p = 0; p + 1 < workload_.phases.size(); ++p) {
      clock_.Advance(workload_.advances[p]);
      own_last_.assign(workload_.phases[p].size(), {HoldId{}, 0});
      recorded_.emplace_back();
      for (size_t t = 0; t < workload_.phases[p].size(); ++t) {
        for (const model::PlannedOp& op : workload_.phases[p][t]) {
          recorded_.back().push_back(Execute(op, static_cast<int>(t)));
        }
      }
      EndPhase();
    }
    clock_.Advance(workload_.advances.back());
    own_last_.assign(workload_.phases.back().size(), {HoldId{}, 0});
    recorded_.emplace_back();
    last_phase_.resize(workload_.phases.back().size());
  }

  std::vector<ThreadProgram> Threads() override {
    std::vector<ThreadProgram> threads;
    const auto& phase = workload_.phases.back();
    for (size_t t = 0; t < phase.size(); ++t) {
      ThreadProgram program;
      for (const model::PlannedOp& op : phase[t]) {
        program.push_back({"planned op", [this, &op, t] {
                             last_phase_[t].push_back(Execute(op, static_cast<int>(t)));
                           }});
      }
      threads.push_back(std::move(program));
    }
    return threads;
  }

  std::string CheckEnd() override {
    if (!unowed_try_again_.empty()) return unowed_try_again_;
    for (auto& ops : last_phase_) {
      for (model::RecordedOp& op : ops) recorded_.back().push_back(std::move(op));
    }
    model::History history;
    history.config = workload_.config;
    history.start_wall = workload_.start_wall;
    history.advances = workload_.advances;
    history.phases = recorded_;
    history.final_counters.stats = sale_->Stats();
    for (TypeId t = 0; t < workload_.config.types.size(); ++t) {
      history.final_counters.types.push_back(sale_->TypeStatsOf(t));
    }
    for (BuyerId b = 1; b <= 4; ++b) history.final_counters.buyers[b] = sale_->Buyer(b);
    const model::CheckResult r = model::CheckLinearizable(history, {});
    if (!r.ok) return absl::StrCat("not linearizable: ", r.why);
    return CheckCounters();
  }

 private:
  // As tests/model/history.cc runs a planned operation; the order counter is
  // a plain integer because one logical thread runs at a time.
  model::RecordedOp Execute(const model::PlannedOp& op, int thread) {
    model::RecordedOp r;
    r.kind = op.kind;
    r.thread = thread;
    r.buyer = op.buyer;
    r.lines = op.lines;
    r.options = op.options;
    r.ttl = op.ttl;
    r.mode = op.mode;
    std::pair<HoldId, BuyerId> handle = own_last_[thread];
    if (op.source == model::HandleSource::kEarlier && !earlier_.empty()) {
      handle = earlier_[static_cast<size_t>(op.earlier) % earlier_.size()];
    }
    if (op.source == model::HandleSource::kForged) {
      handle = {HoldId{(uint64_t{1} << 24) - 1}, op.buyer};
    }
    r.id = handle.first;
    if (!op.foreign_buyer && handle.first.value != 0) r.buyer = handle.second;
    r.invoked = ++order_;
    switch (op.kind) {
      case model::OpKind::kHold: {
        const ReturnWatch watch = WatchReturns();
        const HoldResult result = sale_->Hold(r.buyer, r.lines, r.options);
        r.outcome = result.outcome;
        r.result = result.id;
        CheckOwed(watch, r.outcome, r.buyer);
        break;
      }
      case model::OpKind::kConfirm:
        r.outcome = sale_->Confirm(r.id, r.buyer, r.mode);
        break;
      case model::OpKind::kRelease:
        r.outcome = sale_->Release(r.id, r.buyer);
        break;
      case model::OpKind::kExtend:
        r.outcome = sale_->Extend(r.id, r.buyer, r.ttl);
        break;
      case model::OpKind::kSweep:
        r.swept = sale_->Sweep();
        break;
    }
    r.responded = ++order_;
    if (r.kind == model::OpKind::kHold && r.outcome == Outcome::kOk) {
      own_last_[thread] = {r.result, r.buyer};
    }
    return r;
  }

  void EndPhase() {
    for (const model::RecordedOp& op : recorded_.back()) {
      if (op.kind == model::OpKind::kHold && op.outcome == Outcome::kOk) {
        earlier_.emplace_back(op.result, op.buyer);
      }
    }
  }

  model::Workload workload_;
  std::vector<std::vector<model::RecordedOp>> recorded_;
  std::vector<std::vector<model::RecordedOp>> last_phase_;
  std::vector<std::pair<HoldId, BuyerId>> own_last_;
  std::vector<std::pair<HoldId, BuyerId>> earlier_;
  uint64_t order_ = 0;
};

TEST(ExploreSaleTest, LastPhaseLinearizesPct) {
  const uint64_t seed = SeedFromEnv(1);
  const int64_t workloads = Programs(30);
  ExploreSummary total;
  for (int64_t w = 0; w < workloads; ++w) {
    const uint64_t workload_seed = seed + static_cast<uint64_t>(w);
    const ExploreSummary s =
        Explore([&] { return std::make_unique<LinearizableScenario>(workload_seed); },
                {.strategy = Strategy::kPct, .seed = workload_seed * 1000}, 30);
    ASSERT_EQ(s.failures, 0) << "workload " << workload_seed << ": " << s.first_failure;
    total.schedules += s.schedules;
    total.steps += s.steps;
    total.seconds += s.seconds;
  }
  total.per_second = total.seconds > 0 ? total.schedules / total.seconds : 0;
  std::printf("%s\n", DescribeSummary("model workloads, pct, linearizability", total).c_str());
}

// ---------------------------------------------------------------------------------------------
// Freeze: one thread stops for good at any of its steps; every other thread's operations must
// still complete (sale.h, "Progress"), with no exception. A short Hold that needs the units of a
// hold the frozen thread expired and is giving back answers kTryAgain after a bounded wait; the
// library marks that window with trace points, and SaleScenario fails a kTryAgain answered
// outside it. Each blocking found is printed: who was blocked, and where the frozen thread
// stood (and whether it stood in that window).

// A new buyer's first two Holds and a Release of an earlier buyer's hold
// (admission to the buyer table), and the same idempotency key twice.
class AdmissionRace final : public SaleScenario {
 public:
  AdmissionRace() : SaleScenario(Config()) {}
  std::vector<ThreadProgram> Threads() override {
    return {{HoldOp(0, 7, 1, absl::Minutes(1)), ReleaseOp(0)},
            {HoldOp(1, 7, 1, absl::Minutes(1)), ConfirmOp(1)},
            {HoldOp(2, 8, 1, absl::Minutes(1), 0, 5), HoldOp(2, 8, 1, absl::Minutes(1), 0, 5)},
            {HoldOp(3, 8, 1, absl::Minutes(1), 0, 5)}};
  }
  static SaleConfig Config() {
    SaleConfig config;
    config.types = {{.name = "a", .capacity = 3}};
    config.holds_max = 64;
    config.idempotency_keys_max = 8;
    return config;
  }
};

void ReportFreezes(const char* what, const ExploreSummary& s) {
  std::printf("%s\n", DescribeSummary(what, s).c_str());
  for (const Blocked& b : s.blocked) {
    std::printf(
        "  %s: thread %d's %s could not complete (at: %s)\n"
        "           while thread %d was frozen at its point %lld in %s (at: %s)\n",
        b.frozen_returning ? "BLOCKED (frozen while returning units)" : "BLOCKED", b.thread,
        b.op.c_str(), b.where.c_str(), b.frozen_thread, static_cast<long long>(b.frozen_at),
        b.frozen_op.c_str(), b.frozen_where.c_str());
  }
}

TEST(ExploreSaleTest, FrozenThreadNeverBlocksAnExpiryWait) {
  const ExploreSummary s = ExploreFreezes([] { return std::make_unique<DeadHoldRace>(); },
                                          {.seed = SeedFromEnv(1), .op_step_bound = 5000}, 1);
  ReportFreezes("freeze, dead hold race", s);
  EXPECT_EQ(s.failures, 0) << s.first_failure;
  EXPECT_EQ(s.blocked.size(), 0u) << "blockings, listed above";
}

TEST(ExploreSaleTest, FrozenThreadNeverBlocksAdmissionOrAKeyTwin) {
  const ExploreSummary s = ExploreFreezes([] { return std::make_unique<AdmissionRace>(); },
                                          {.seed = SeedFromEnv(1), .op_step_bound = 5000}, 1);
  ReportFreezes("freeze, admission and key race", s);
  EXPECT_EQ(s.failures, 0) << s.first_failure;
  EXPECT_EQ(s.blocked.size(), 0u) << "blockings, listed above";
}

void FreezeRandomPrograms(const char* what, Flavor flavor, int64_t programs) {
  ExploreSummary total;
  for (int64_t p = 0; p < programs; ++p) {
    const uint64_t program_seed = SeedFromEnv(1) + static_cast<uint64_t>(p);
    const ExploreSummary s =
        ExploreFreezes([&] { return std::make_unique<RandomSaleScenario>(program_seed, flavor); },
                       {.seed = program_seed, .op_step_bound = 5000}, 3);
    EXPECT_EQ(s.failures, 0) << what << ", program " << program_seed << ": " << s.first_failure;
    total.schedules += s.schedules;
    total.seconds += s.seconds;
    total.steps += s.steps;
    for (const Blocked& b : s.blocked) total.blocked.push_back(b);
  }
  total.per_second = total.seconds > 0 ? total.schedules / total.seconds : 0;
  ReportFreezes(what, total);
  EXPECT_EQ(total.blocked.size(), 0u) << "blockings, listed above";
}

TEST(ExploreSaleTest, FrozenThreadNeverBlocksRandomPrograms) {
  FreezeRandomPrograms("freeze, random general-admission programs", Flavor::kPlain, Programs(4));
}

TEST(ExploreSaleTest, FrozenThreadNeverBlocksKeyedPrograms) {
  FreezeRandomPrograms("freeze, random programs with keys", Flavor::kKeys, Programs(2));
}

TEST(ExploreSaleTest, FrozenThreadNeverBlocksCyclePrograms) {
  FreezeRandomPrograms("freeze, random programs with a cycle", Flavor::kCycle, Programs(2));
}

TEST(ExploreSaleTest, FrozenThreadNeverBlocksSeatPrograms) {
  FreezeRandomPrograms("freeze, random seat programs", Flavor::kSeats, Programs(3));
}

}  // namespace
}  // namespace holdfast::explore
