// The HoldId sale tags (lib/internal/sale_tags.h) on their own: tests that live leases never
// share a tag, that a released tag comes back only with a first generation at or above what its
// Release named, that PeekNext predicts the next Acquire, that 8,192 live leases exhaust the tags,
// and a stress run where threads acquire and release concurrently while checking both promises.
// The tag table is process-wide: every test releases what it acquired.
#include "lib/internal/sale_tags.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/internal/hold_slot.h"

namespace holdfast::internal {
namespace {

constexpr uint32_t kTags = uint32_t{1} << kSaleTagBits;

TEST(SaleTagsTest, LiveLeasesNeverShareATag) {
  std::vector<SaleTags::Lease> leases;
  std::set<uint32_t> tags;
  for (int i = 0; i < 100; ++i) {
    const std::optional<SaleTags::Lease> lease = SaleTags::Acquire();
    ASSERT_TRUE(lease.has_value());
    EXPECT_LT(lease->tag, kTags);
    EXPECT_GE(lease->first_generation, 1u);
    EXPECT_TRUE(tags.insert(lease->tag).second) << lease->tag;
    leases.push_back(*lease);
  }
  for (const SaleTags::Lease& lease : leases) SaleTags::Release(lease.tag, lease.first_generation);
}

TEST(SaleTagsTest, PeekNextIsTheNextAcquire) {
  std::vector<SaleTags::Lease> leases;
  for (int i = 0; i < 20; ++i) {
    const std::optional<SaleTags::Lease> peeked = SaleTags::PeekNext();
    ASSERT_TRUE(peeked.has_value());
    const std::optional<SaleTags::Lease> again = SaleTags::PeekNext();  // takes nothing
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->tag, peeked->tag);
    const std::optional<SaleTags::Lease> lease = SaleTags::Acquire();
    ASSERT_TRUE(lease.has_value());
    EXPECT_EQ(lease->tag, peeked->tag);
    EXPECT_EQ(lease->first_generation, peeked->first_generation);
    leases.push_back(*lease);
    if (i % 3 == 0) {  // releases in between do not spoil the prediction
      SaleTags::Release(leases.front().tag, leases.front().first_generation + 5);
      leases.erase(leases.begin());
    }
  }
  for (const SaleTags::Lease& lease : leases) SaleTags::Release(lease.tag, lease.first_generation);
}

// Acquires every tag that is left; the caller releases them.
std::vector<SaleTags::Lease> AcquireAll() {
  std::vector<SaleTags::Lease> leases;
  while (std::optional<SaleTags::Lease> lease = SaleTags::Acquire()) leases.push_back(*lease);
  return leases;
}

TEST(SaleTagsTest, ReleasedTagComesBackAboveItsReleasedGenerations) {
  const std::optional<SaleTags::Lease> lease = SaleTags::Acquire();
  ASSERT_TRUE(lease.has_value());
  const uint64_t next = lease->first_generation + 1000;
  SaleTags::Release(lease->tag, next);
  std::vector<SaleTags::Lease> all = AcquireAll();
  bool seen = false;
  for (const SaleTags::Lease& other : all) {
    if (other.tag != lease->tag) continue;
    seen = true;
    EXPECT_GE(other.first_generation, next);
    // A Release naming a lower generation never lowers the floor.
    SaleTags::Release(other.tag, 2);
  }
  EXPECT_TRUE(seen);
  for (const SaleTags::Lease& other : all) {
    if (other.tag != lease->tag) SaleTags::Release(other.tag, other.first_generation);
  }
  all = AcquireAll();
  for (const SaleTags::Lease& other : all) {
    if (other.tag == lease->tag) {
      EXPECT_GE(other.first_generation, next);
    }
    SaleTags::Release(other.tag, other.first_generation);
  }
}

TEST(SaleTagsTest, EightThousandLiveLeasesExhaustTheTags) {
  const std::vector<SaleTags::Lease> all = AcquireAll();
  EXPECT_EQ(all.size(), kTags);
  EXPECT_FALSE(SaleTags::Acquire().has_value());
  EXPECT_FALSE(SaleTags::PeekNext().has_value());
  std::set<uint32_t> tags;
  for (const SaleTags::Lease& lease : all) tags.insert(lease.tag);
  EXPECT_EQ(tags.size(), kTags);
  for (const SaleTags::Lease& lease : all) SaleTags::Release(lease.tag, lease.first_generation);
  EXPECT_TRUE(SaleTags::PeekNext().has_value());
}

// Threads acquire a tag, mark it live (a second live lease of it would find the mark), use a
// few generations, record the highest and release. A lease of a tag must start at or above the
// recorded next generation of its previous lease (the table's mutex orders record and Acquire).
TEST(SaleTagsStressTest, ConcurrentLeasesKeepTagsAndGenerationsApart) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 3000;
  std::vector<std::atomic<bool>> live(kTags);
  std::vector<std::atomic<uint64_t>> released(kTags);  // the next generation of the last release
  std::atomic<int64_t> shared_tags{0};
  std::atomic<int64_t> reused_generations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<SaleTags::Lease> mine;
      for (int round = 0; round < kRounds; ++round) {
        const std::optional<SaleTags::Lease> lease = SaleTags::Acquire();
        if (lease) {
          // Relaxed: Acquire's mutex orders this after the previous lease's record and release.
          if (live[lease->tag].exchange(true, std::memory_order_relaxed)) {
            shared_tags.fetch_add(1, std::memory_order_relaxed);
          }
          if (lease->first_generation < released[lease->tag].load(std::memory_order_relaxed)) {
            reused_generations.fetch_add(1, std::memory_order_relaxed);
          }
          mine.push_back(*lease);
        }
        if (mine.size() > 8 || (!mine.empty() && (round + t) % 3 == 0)) {
          const SaleTags::Lease done = mine.back();
          mine.pop_back();
          const uint64_t next = done.first_generation + 1 + static_cast<uint64_t>(round % 5);
          // Relaxed: Release's mutex publishes these to the next Acquire of the tag.
          released[done.tag].store(next, std::memory_order_relaxed);
          live[done.tag].store(false, std::memory_order_relaxed);
          SaleTags::Release(done.tag, next);
        }
      }
      for (const SaleTags::Lease& lease : mine) {
        live[lease.tag].store(false, std::memory_order_relaxed);
        SaleTags::Release(lease.tag, lease.first_generation + 1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(shared_tags.load(), 0);
  EXPECT_EQ(reused_generations.load(), 0);
}

// Last in the file: it spends one tag for good, which the exhaustion test above must not see
// when the whole file runs in one process.
TEST(SaleTagsTest, TagWithMostGenerationsSpentIsNeverLeasedAgain) {
  const std::optional<SaleTags::Lease> lease = SaleTags::Acquire();
  ASSERT_TRUE(lease.has_value());
  SaleTags::Release(lease->tag, kGenerationMax / 2 + 2);
  const std::vector<SaleTags::Lease> all = AcquireAll();
  EXPECT_LT(all.size(), kTags);
  for (const SaleTags::Lease& other : all) {
    EXPECT_NE(other.tag, lease->tag);
    SaleTags::Release(other.tag, other.first_generation);
  }
}

}  // namespace
}  // namespace holdfast::internal
