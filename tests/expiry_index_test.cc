// The expiry index (lib/internal/expiry_index.h) on its own: single-threaded tests of each promise
// of DeadlineBound's protocol (Lower only lowers, a raise needs the token and no intervening
// creator, the token comes back) and of ExpiryIndex's group and sale bounds, then a stress run
// where creators register deadlines and lower the bound while scanners raise it from what they
// saw registered, and every creator checks, for as long as its deadline stays registered, that
// the bound is at or below it. With the old versioned protocol (defect 12: a version that wraps
// lets a stale raise succeed) that check fails.
#include "lib/internal/expiry_index.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace holdfast::internal {
namespace {

TEST(DeadlineBoundTest, StartsWithNoDeadline) {
  DeadlineBound bound;
  EXPECT_EQ(bound.Load(), kNoDeadline);
  EXPECT_FALSE(bound.MayBeDead(0));
  EXPECT_FALSE(bound.MayBeDead(kNoDeadline - 1));
  EXPECT_TRUE(bound.MayBeDead(kNoDeadline));
}

TEST(DeadlineBoundTest, LowerOnlyLowers) {
  DeadlineBound bound;
  bound.Lower(100);
  EXPECT_EQ(bound.Load(), 100u);
  bound.Lower(200);
  EXPECT_EQ(bound.Load(), 100u);
  bound.Lower(100);
  EXPECT_EQ(bound.Load(), 100u);
  bound.Lower(50);
  EXPECT_EQ(bound.Load(), 50u);
}

TEST(DeadlineBoundTest, MayBeDeadOnceTheBoundIsReached) {
  DeadlineBound bound;
  bound.Lower(100);
  EXPECT_FALSE(bound.MayBeDead(99));
  EXPECT_TRUE(bound.MayBeDead(100));
  EXPECT_TRUE(bound.MayBeDead(101));
}

TEST(DeadlineBoundTest, RaiseWithTheTokenAndNoCreatorSucceeds) {
  DeadlineBound bound;
  bound.Lower(100);
  bound.Lower(150);  // covered already: must not spoil a raise that begins later
  const DeadlineBound::Raise raise = bound.BeginRaise();
  ASSERT_TRUE(raise.taken);
  bound.EndRaise(raise, 300, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 300u);
  EXPECT_FALSE(bound.MayBeDead(299));
}

TEST(DeadlineBoundTest, RaiseAfterACoveredLowerDuringTheScanDoesNotHappen) {
  DeadlineBound bound;
  bound.Lower(100);
  const DeadlineBound::Raise raise = bound.BeginRaise();
  ASSERT_TRUE(raise.taken);
  bound.Lower(150);  // not lower than the bound, but the scan may have missed it
  bound.EndRaise(raise, 300, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 100u);
  EXPECT_LE(bound.Load(), 150u);
}

TEST(DeadlineBoundTest, RaiseNeverPassesADeadlineLoweredDuringTheScan) {
  DeadlineBound bound;  // no deadline yet
  const DeadlineBound::Raise raise = bound.BeginRaise();
  ASSERT_TRUE(raise.taken);
  bound.Lower(120);
  bound.EndRaise(raise, 500, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 120u);

  const DeadlineBound::Raise again = bound.BeginRaise();
  ASSERT_TRUE(again.taken);
  bound.Lower(80);
  bound.EndRaise(again, 500, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 80u);
}

TEST(DeadlineBoundTest, UnsureRaiseDoesNotHappenAndFreesTheToken) {
  DeadlineBound bound;
  bound.Lower(100);
  const DeadlineBound::Raise raise = bound.BeginRaise();
  ASSERT_TRUE(raise.taken);
  bound.EndRaise(raise, 300, /*sure=*/false);
  EXPECT_EQ(bound.Load(), 100u);
  const DeadlineBound::Raise next = bound.BeginRaise();
  EXPECT_TRUE(next.taken);
  bound.EndRaise(next, 300, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 300u);
}

TEST(DeadlineBoundTest, SecondBeginRaiseWhileHeldIsRefusedAndItsEndDoesNothing) {
  DeadlineBound bound;
  bound.Lower(100);
  const DeadlineBound::Raise first = bound.BeginRaise();
  ASSERT_TRUE(first.taken);
  const DeadlineBound::Raise second = bound.BeginRaise();
  EXPECT_FALSE(second.taken);
  bound.EndRaise(second, 400, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 100u);
  // The second EndRaise neither freed the token nor spoiled the first raise.
  EXPECT_FALSE(bound.BeginRaise().taken);
  bound.EndRaise(first, 300, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 300u);
  // After EndRaise the token is free again.
  const DeadlineBound::Raise third = bound.BeginRaise();
  EXPECT_TRUE(third.taken);
  bound.EndRaise(third, 300, /*sure=*/true);
}

TEST(DeadlineBoundTest, LowerWhileTheTokenIsHeldKeepsTheToken) {
  DeadlineBound bound;
  const DeadlineBound::Raise raise = bound.BeginRaise();
  ASSERT_TRUE(raise.taken);
  bound.Lower(70);
  bound.Lower(90);
  EXPECT_EQ(bound.Load(), 70u);
  EXPECT_FALSE(bound.BeginRaise().taken);
  bound.EndRaise(raise, 500, /*sure=*/true);
  EXPECT_EQ(bound.Load(), 70u);
  EXPECT_TRUE(bound.BeginRaise().taken);
}

TEST(ExpiryIndexTest, LowerLowersTheGroupAndTheSaleOnly) {
  ExpiryIndex index(4);
  EXPECT_EQ(index.MemoryBytes(), 4 * sizeof(DeadlineBound));
  EXPECT_FALSE(index.SaleMayBeDead(1'000'000));
  index.Lower(2, 500);
  EXPECT_EQ(index.GroupBound(2), 500u);
  EXPECT_EQ(index.sale().Load(), 500u);
  for (size_t g : {0u, 1u, 3u}) {
    EXPECT_EQ(index.GroupBound(g), kNoDeadline);
    EXPECT_FALSE(index.GroupMayBeDead(g, 1'000'000));
  }
  EXPECT_FALSE(index.SaleMayBeDead(499));
  EXPECT_TRUE(index.SaleMayBeDead(500));
  EXPECT_TRUE(index.GroupMayBeDead(2, 500));
  index.Lower(1, 700);
  EXPECT_EQ(index.GroupBound(1), 700u);
  EXPECT_EQ(index.sale().Load(), 500u);
}

TEST(ExpiryIndexTest, GroupAndSaleBoundsRaiseApart) {
  ExpiryIndex index(2);
  index.Lower(0, 100);
  index.Lower(1, 200);
  // Each bound has its own token.
  const DeadlineBound::Raise group = index.group(0).BeginRaise();
  ASSERT_TRUE(group.taken);
  const DeadlineBound::Raise sale = index.sale().BeginRaise();
  ASSERT_TRUE(sale.taken);
  index.group(0).EndRaise(group, 300, /*sure=*/true);
  EXPECT_EQ(index.GroupBound(0), 300u);
  EXPECT_EQ(index.GroupBound(1), 200u);
  EXPECT_EQ(index.sale().Load(), 100u);  // the sale's raise has not ended yet
  index.sale().EndRaise(sale, 200, /*sure=*/true);
  EXPECT_EQ(index.sale().Load(), 200u);
  EXPECT_FALSE(index.SaleMayBeDead(199));
  // A Lower during a group's raise spoils that raise and lowers the sale's bound too.
  const DeadlineBound::Raise again = index.group(1).BeginRaise();
  ASSERT_TRUE(again.taken);
  index.Lower(1, 150);
  index.group(1).EndRaise(again, 900, /*sure=*/true);
  EXPECT_EQ(index.GroupBound(1), 150u);
  EXPECT_EQ(index.sale().Load(), 150u);
}

// Creators register deadlines in slots (a seq_cst store, as a hold's occupied bit) and then
// Lower the bound; scanners take the token, read every slot (yielding halfway, so that creators
// move during the scan) and raise the bound to the earliest deadline they saw. Each creator
// checks, after each of its steps, that the bound is at or below every deadline it has
// registered and not withdrawn since (I5's invariant). Deadlines take two values, and the low one
// is rare: once the bound is low, no Lower changes the deadline bits, so under the versioned
// protocol (defect 12) a scan that saw no low deadline and missed one registered behind its back
// raised the bound past it whenever the version had wrapped.
TEST(DeadlineBoundStressTest, BoundStaysAtOrBelowEveryRegisteredDeadline) {
  constexpr int kCreators = 3;
  constexpr int kScanners = 2;
  constexpr int kSlotsPerCreator = 4;
  constexpr uint64_t kLow = 100;
  constexpr uint64_t kHigh = 200;
  constexpr int kSlots = kCreators * kSlotsPerCreator;
  // Creators run until the scanners have made enough scans (or a cap, should they make none).
  constexpr int kStepsMin = 20'000;
  constexpr int kStepsMax = 4'000'000;
  constexpr int64_t kScansMin = 300;
  DeadlineBound bound;
  std::vector<std::atomic<uint64_t>> slots(kSlots);  // 0: empty
  std::atomic<bool> done{false};
  std::atomic<int64_t> violations{0};
  std::atomic<int64_t> scans{0};  // sure scans that held the token

  std::vector<std::thread> threads;
  for (int c = 0; c < kCreators; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 random(1234 + c);
      uint64_t mine[kSlotsPerCreator] = {};  // the deadlines this creator has registered
      // Relaxed: a count that only ends the loop.
      for (int step = 0; step < kStepsMax &&
                         (step < kStepsMin || scans.load(std::memory_order_relaxed) < kScansMin);
           ++step) {
        const int k = step % kSlotsPerCreator;
        std::atomic<uint64_t>& slot = slots[c * kSlotsPerCreator + k];
        // Withdraw the old deadline (a hold that ended), then register a new one. seq_cst: the
        // store and the bound's words are in one total order with the scanners' reads.
        slot.store(0, std::memory_order_seq_cst);
        mine[k] = random() % 8 == 0 ? kLow : kHigh;
        slot.store(mine[k], std::memory_order_seq_cst);
        bound.Lower(mine[k]);
        const uint64_t earliest =
            *std::min_element(mine, mine + kSlotsPerCreator, [](uint64_t a, uint64_t b) {
              return (a == 0 ? kNoDeadline : a) < (b == 0 ? kNoDeadline : b);
            });
        if (bound.Load() > earliest) {
          // Relaxed: a count read after join.
          violations.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (int s = 0; s < kScanners; ++s) {
    threads.emplace_back([&, s] {
      uint64_t round = 0;
      // Relaxed: a stop flag, nothing travels with it.
      while (!done.load(std::memory_order_relaxed)) {
        const DeadlineBound::Raise raise = bound.BeginRaise();
        uint64_t earliest = kNoDeadline;
        for (int i = 0; i < kSlots; ++i) {
          if (i == kSlots / 2) std::this_thread::yield();
          // seq_cst: ordered after BeginRaise's compare-and-swap (see expiry_index.h).
          const uint64_t deadline = slots[i].load(std::memory_order_seq_cst);
          if (deadline != 0) earliest = std::min(earliest, deadline);
        }
        const bool sure = (round++ + s) % 7 != 0;  // now and then an unsure scan
        bound.EndRaise(raise, earliest, sure);
        // Relaxed: a count read after join.
        if (raise.taken && sure) scans.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (int c = 0; c < kCreators; ++c) threads[c].join();
  // Relaxed: see above.
  done.store(true, std::memory_order_relaxed);
  for (int s = 0; s < kScanners; ++s) threads[kCreators + s].join();

  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(scans.load(), 0);
  uint64_t earliest = kNoDeadline;
  for (std::atomic<uint64_t>& slot : slots) {
    if (slot.load() != 0) earliest = std::min(earliest, slot.load());
  }
  EXPECT_LE(bound.Load(), earliest);
  // Quiescent: the token is free and a sure scan raises the bound to the exact earliest.
  const DeadlineBound::Raise raise = bound.BeginRaise();
  ASSERT_TRUE(raise.taken);
  bound.EndRaise(raise, earliest, /*sure=*/true);
  EXPECT_EQ(bound.Load(), earliest);
}

}  // namespace
}  // namespace holdfast::internal
