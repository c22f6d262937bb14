// The buyer table (lib/internal/buyer_table.h) on its own: single-threaded tests of lookup,
// insertion, linear probing past a collision and the buyers_max refusal, then stress runs where
// twin first requests of one buyer race (both must get the same entry) and where distinct new
// buyers race past buyers_max (exactly buyers_max admitted, every admitted buyer found again at
// its one entry, every refused one refused again).
#include "lib/internal/buyer_table.h"

#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/internal/hash.h"

namespace holdfast::internal {
namespace {

TEST(BuyerTableTest, FindsWhatItInserted) {
  BuyerTable table(8);
  EXPECT_EQ(table.Find(42), nullptr);
  BuyerEntry* entry = table.FindOrInsert(42);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->id_plus_one.load(), 43u);
  EXPECT_EQ(entry->claims.load(), 0u);
  EXPECT_EQ(table.Find(42), entry);
  EXPECT_EQ(table.FindOrInsert(42), entry);
  EXPECT_EQ(&table.at(table.IndexOf(*entry)), entry);
  BuyerEntry* zero = table.FindOrInsert(0);  // id 0 is a buyer like any other
  ASSERT_NE(zero, nullptr);
  EXPECT_NE(zero, entry);
  EXPECT_EQ(table.Find(0), zero);
}

TEST(BuyerTableTest, ReservedBuyerIsNeverAdmitted) {
  BuyerTable table(8);
  EXPECT_EQ(table.FindOrInsert(kReservedBuyer), nullptr);
  EXPECT_EQ(table.Find(kReservedBuyer), nullptr);
}

TEST(BuyerTableTest, CollidingBuyersProbeToTheirOwnEntries) {
  BuyerTable table(4);
  const size_t mask = table.MemoryBytes() / sizeof(BuyerEntry) - 1;
  std::vector<BuyerId> colliding;
  for (BuyerId b = 1; colliding.size() < 3; ++b) {
    if ((Mix64(b) & mask) == (Mix64(1) & mask)) colliding.push_back(b);
  }
  std::set<BuyerEntry*> entries;
  for (BuyerId b : colliding) entries.insert(table.FindOrInsert(b));
  EXPECT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries.count(nullptr), 0u);
  for (BuyerId b : colliding) {
    ASSERT_NE(table.Find(b), nullptr);
    EXPECT_EQ(table.Find(b)->id_plus_one.load(), b + 1);
  }
}

TEST(BuyerTableTest, RefusesNewBuyersPastBuyersMax) {
  BuyerTable table(4);
  for (BuyerId b = 100; b < 104; ++b) EXPECT_NE(table.FindOrInsert(b), nullptr) << b;
  EXPECT_EQ(table.FindOrInsert(200), nullptr);
  EXPECT_EQ(table.Find(200), nullptr);
  for (BuyerId b = 100; b < 104; ++b) EXPECT_NE(table.FindOrInsert(b), nullptr) << b;
}

TEST(BuyerTableTest, MemoryIsWhatWasPlanned) {
  for (int32_t buyers_max : {1, 4, 100, 1000}) {
    const BuyerTable table(buyers_max);
    EXPECT_EQ(table.MemoryBytes(), BuyerTable::PlannedBytes(buyers_max));
    const size_t entries = table.MemoryBytes() / sizeof(BuyerEntry);
    EXPECT_GE(entries * 2, static_cast<size_t>(buyers_max) * 3);
    EXPECT_LE(entries, static_cast<size_t>(buyers_max) * 3 + 1);
  }
}

// Runs `body(t)` on `threads` threads released together.
template <typename Body>
void RunTogether(int threads, Body body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      // Relaxed: a start line, nothing travels with it.
      ready.fetch_add(1, std::memory_order_relaxed);
      while (ready.load(std::memory_order_relaxed) < threads) std::this_thread::yield();
      body(t);
    });
  }
  for (std::thread& thread : running) thread.join();
}

TEST(BuyerTableStressTest, TwinsOfANewBuyerMeetAtOneEntry) {
  constexpr int kThreads = 4;
  constexpr int kBuyers = 20'000;
  BuyerTable table(kBuyers);
  std::vector<std::atomic<BuyerEntry*>> seen(kBuyers);
  std::atomic<int64_t> split{0};
  RunTogether(kThreads, [&](int) {
    for (int b = 0; b < kBuyers; ++b) {
      BuyerEntry* entry = table.FindOrInsert(static_cast<BuyerId>(b) * 7919);
      BuyerEntry* expected = nullptr;
      // Relaxed: the first thread records, the others compare; read after join.
      if (entry == nullptr ||
          (!seen[b].compare_exchange_strong(expected, entry, std::memory_order_relaxed) &&
           expected != entry)) {
        split.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  EXPECT_EQ(split.load(), 0);
  for (int b = 0; b < kBuyers; ++b) {
    EXPECT_EQ(table.Find(static_cast<BuyerId>(b) * 7919), seen[b].load());
  }
}

TEST(BuyerTableStressTest, DistinctBuyersRacingPastTheBoundAdmitExactlyBuyersMax) {
  constexpr int kThreads = 4;
  constexpr int kBuyersMax = 1000;
  constexpr int kPerThread = 600;  // 2,400 new buyers for 1,000 places
  for (int round = 0; round < 20; ++round) {
    BuyerTable table(kBuyersMax);
    std::vector<std::vector<BuyerId>> admitted(kThreads);
    RunTogether(kThreads, [&](int t) {
      for (int i = 0; i < kPerThread; ++i) {
        const BuyerId buyer = static_cast<BuyerId>(round) << 32 | (t * kPerThread + i);
        BuyerEntry* entry = table.FindOrInsert(buyer);
        if (entry != nullptr) admitted[t].push_back(buyer);
      }
    });
    std::set<BuyerEntry*> entries;
    size_t count = 0;
    for (const std::vector<BuyerId>& buyers : admitted) {
      for (BuyerId buyer : buyers) {
        BuyerEntry* entry = table.Find(buyer);
        ASSERT_NE(entry, nullptr);
        EXPECT_EQ(entry->id_plus_one.load(), buyer + 1);
        entries.insert(entry);
        ++count;
      }
    }
    EXPECT_EQ(entries.size(), count);
    EXPECT_EQ(count, static_cast<size_t>(kBuyersMax));
  }
}

}  // namespace
}  // namespace holdfast::internal
