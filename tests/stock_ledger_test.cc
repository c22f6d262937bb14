// The stock ledger (lib/internal/stock_ledger.h) on its own: the claim order (cycle, types,
// quotas) and where a short claim stops, Untake giving back exactly what was taken, a sealed
// cycle answering kClosed, a claim resumed from its progress, returns line by line; then a
// stress run where threads claim overlapping types and quotas, undo or keep and return their
// claims, with I1 (no counter below zero, every unit accounted for) checked at the end.
#include "lib/internal/stock_ledger.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace holdfast::internal {
namespace {

// Types a (10), b (10), c (10); quota q0 over a and b (12), q1 over b (5).
SaleConfig ThreeTypes() {
  SaleConfig config;
  config.types = {
      {.name = "a", .capacity = 10}, {.name = "b", .capacity = 10}, {.name = "c", .capacity = 10}};
  config.quotas = {{.name = "q0", .capacity = 12, .types = {0, 1}},
                   {.name = "q1", .capacity = 5, .types = {1}}};
  return config;
}

struct Counters {
  std::vector<int64_t> types, quotas;
  bool operator==(const Counters&) const = default;
};

Counters Read(const StockLedger& ledger, const SaleConfig& config) {
  Counters c;
  for (TypeId t = 0; t < config.types.size(); ++t) c.types.push_back(ledger.TypeAvailable(t));
  for (size_t q = 0; q < config.quotas.size(); ++q) {
    c.quotas.push_back(ledger.QuotaAvailable(static_cast<int>(q)));
  }
  return c;
}

TEST(StockLedgerTest, TakesInOrderAndUntakesExactlyWhatItTook) {
  const SaleConfig config = ThreeTypes();
  CycleWindows cycles(config.cycles);
  StockLedger ledger(config, cycles);
  const Counters full = Read(ledger, config);
  EXPECT_EQ(full, (Counters{{10, 10, 10}, {12, 5}}));
  EXPECT_EQ(ledger.Available(1), 5);  // b: the least of b, q0 and q1
  EXPECT_EQ(ledger.Available(2), 10);

  // 6 of b: type b and quota q0 are taken, q1 (5) is short.
  const TypeUnits six_b[] = {{1, 6}};
  StockLedger::Progress progress;
  EXPECT_EQ(ledger.Take(-1, 6, six_b, progress), Outcome::kSoldOut);
  EXPECT_FALSE(progress.cycle);
  EXPECT_EQ(progress.types, 1);
  EXPECT_EQ(progress.quotas, 1);
  EXPECT_EQ(Read(ledger, config), (Counters{{10, 4, 10}, {6, 5}}));
  ledger.Untake(-1, 6, six_b, progress);
  EXPECT_EQ(Read(ledger, config), full);

  // Two types, the second short at its own counter: only the first is taken.
  const TypeUnits a_and_c[] = {{0, 3}, {2, 11}};
  progress = {};
  EXPECT_EQ(ledger.Take(-1, 14, a_and_c, progress), Outcome::kSoldOut);
  EXPECT_EQ(progress.types, 1);
  EXPECT_EQ(progress.quotas, 0);
  EXPECT_EQ(Read(ledger, config), (Counters{{7, 10, 10}, {12, 5}}));
  ledger.Untake(-1, 14, a_and_c, progress);
  EXPECT_EQ(Read(ledger, config), full);

  // A claim that fits takes every counter of every type.
  const TypeUnits a_and_b[] = {{0, 2}, {1, 3}};
  progress = {};
  ASSERT_EQ(ledger.Take(-1, 5, a_and_b, progress), Outcome::kOk);
  EXPECT_EQ(progress.quotas, 3);  // a: q0; b: q0, q1
  EXPECT_EQ(Read(ledger, config), (Counters{{8, 7, 10}, {7, 2}}));
  // Its return, line by line.
  ledger.GiveLine(a_and_b[0]);
  ledger.GiveLine(a_and_b[1]);
  ledger.GiveCycle(-1, 5);  // no cycle: nothing
  EXPECT_EQ(Read(ledger, config), full);
}

TEST(StockLedgerTest, ResumesFromItsProgress) {
  const SaleConfig config = ThreeTypes();
  CycleWindows cycles(config.cycles);
  StockLedger ledger(config, cycles);
  const TypeUnits five_b[] = {{1, 5}};
  StockLedger::Progress first;
  ASSERT_EQ(ledger.Take(-1, 5, five_b, first), Outcome::kOk);  // q1 is empty now
  const TypeUnits one_b[] = {{1, 1}};
  StockLedger::Progress progress;
  EXPECT_EQ(ledger.Take(-1, 1, one_b, progress), Outcome::kSoldOut);
  EXPECT_EQ(progress.types, 1);
  EXPECT_EQ(progress.quotas, 1);
  ledger.GiveLine(five_b[0]);  // q1 has units again
  // Resumed, it takes only q1: b and q0 are not taken twice.
  EXPECT_EQ(ledger.Take(-1, 1, one_b, progress), Outcome::kOk);
  EXPECT_EQ(Read(ledger, config), (Counters{{10, 9, 10}, {11, 4}}));
}

TEST(StockLedgerTest, CycleComesFirstAndASealedOneAnswersClosed) {
  SaleConfig config = ThreeTypes();
  config.cycles = {{.name = "noon",
                    .opens_at = absl::FromUnixSeconds(100),
                    .closes_at = absl::FromUnixSeconds(200),
                    .allotment = 4}};
  CycleWindows cycles(config.cycles);
  StockLedger ledger(config, cycles);
  const TypeUnits three_c[] = {{2, 3}};
  StockLedger::Progress progress;
  ASSERT_EQ(ledger.Take(0, 3, three_c, progress), Outcome::kOk);
  EXPECT_TRUE(progress.cycle);
  EXPECT_EQ(cycles.counter(0).Load(), 1);
  // Short at the cycle: nothing else is touched.
  StockLedger::Progress short_progress;
  EXPECT_EQ(ledger.Take(0, 3, three_c, short_progress), Outcome::kSoldOut);
  EXPECT_FALSE(short_progress.cycle);
  EXPECT_EQ(short_progress.types, 0);
  EXPECT_EQ(ledger.TypeAvailable(2), 7);
  // The hold's return: the type, then the cycle.
  ledger.GiveLine(three_c[0]);
  ledger.GiveCycle(0, 3);
  EXPECT_EQ(ledger.TypeAvailable(2), 10);
  EXPECT_EQ(cycles.counter(0).Load(), 4);
  // Once the cycle is over and sealed, a claim answers kClosed.
  cycles.Enter(absl::FromUnixSeconds(300));
  StockLedger::Progress closed;
  EXPECT_EQ(ledger.Take(0, 1, three_c, closed), Outcome::kClosed);
  EXPECT_FALSE(closed.cycle);
  EXPECT_EQ(ledger.TypeAvailable(2), 10);
}

// Threads claim random multi-type requests over overlapping quotas; a claim that succeeds is
// kept for a while, then given back line by line (a return) or untaken (an undo); a short one
// is untaken at once. At the end every counter is back at its capacity: no unit lost or made.
TEST(StockLedgerTest, ConcurrentClaimsAndReturnsKeepEveryUnit) {
  const SaleConfig config = ThreeTypes();
  CycleWindows cycles(config.cycles);
  StockLedger ledger(config, cycles);
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  std::vector<int64_t> made(kThreads, 0);
  auto worker = [&](int me) {
    std::mt19937_64 rng(static_cast<uint64_t>(me) + 1);
    struct Kept {
      TypeUnits types[2];
      int count;
      StockLedger::Progress progress;
    };
    std::vector<Kept> kept;
    for (int round = 0; round < kRounds; ++round) {
      Kept k{};
      k.count = 1 + static_cast<int>(rng() % 2);
      k.types[0] = {static_cast<TypeId>(rng() % 3), static_cast<int32_t>(1 + rng() % 3)};
      k.types[1] = {static_cast<TypeId>((k.types[0].type + 1) % 3),
                    static_cast<int32_t>(1 + rng() % 3)};
      const absl::Span<const TypeUnits> types(k.types, static_cast<size_t>(k.count));
      if (ledger.Take(-1, 0, types, k.progress) == Outcome::kOk) {
        ++made[me];
        kept.push_back(k);
      } else {
        ledger.Untake(-1, 0, types, k.progress);
      }
      if (kept.size() > 2 || (!kept.empty() && rng() % 2 == 0)) {
        const Kept& back = kept.front();
        const absl::Span<const TypeUnits> back_types(back.types, static_cast<size_t>(back.count));
        if (rng() % 2 == 0) {
          for (const TypeUnits& t : back_types) ledger.GiveLine(t);
        } else {
          ledger.Untake(-1, 0, back_types, back.progress);
        }
        kept.erase(kept.begin());
      }
      for (TypeId t = 0; t < 3; ++t) ASSERT_GE(ledger.TypeAvailable(t), 0);
    }
    for (const Kept& k : kept) {
      for (int i = 0; i < k.count; ++i) ledger.GiveLine(k.types[i]);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread& t : threads) t.join();
  int64_t total = 0;
  for (int64_t m : made) total += m;
  EXPECT_GT(total, 0);
  EXPECT_EQ(Read(ledger, config), (Counters{{10, 10, 10}, {12, 5}}));
}

}  // namespace
}  // namespace holdfast::internal
