// The event queue (lib/internal/event_queue.h) on its own: unit tests of the order one thread's
// events keep, of a full queue dropping and of its capacity bound, then stress runs where many
// producers push tagged events while one or several drainers take them, ending with an exact
// conservation check: every event a producer pushed comes out exactly once, every event it was
// refused is counted dropped, and each drainer sees each producer's events in push order. The
// stress runs are the ones ThreadSanitizer must pass with no suppressions (scripts/test.sh).
#include "lib/internal/event_queue.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "holdfast/config.h"
#include "holdfast/event.h"

namespace holdfast::internal {
namespace {

// An event that names its producer and its place in that producer's sequence.
Event Tagged(uint32_t producer, uint32_t sequence) {
  Event event;
  event.kind = EventKind::kHeld;
  event.hold = HoldId{(uint64_t{producer} << 32) | sequence};
  event.buyer = producer;
  event.units = static_cast<int32_t>(sequence % 1000) + 1;
  event.monotonic_ns = sequence;
  return event;
}
uint32_t ProducerOf(const Event& event) { return static_cast<uint32_t>(event.hold.value >> 32); }
uint32_t SequenceOf(const Event& event) { return static_cast<uint32_t>(event.hold.value); }

// Drains `queue` in batches of `batch` until a call returns nothing.
std::vector<Event> DrainAll(EventQueue& queue, size_t batch = 7) {
  std::vector<Event> all;
  std::vector<Event> buffer(batch);
  for (size_t n = queue.Drain(absl::MakeSpan(buffer)); n > 0;
       n = queue.Drain(absl::MakeSpan(buffer))) {
    all.insert(all.end(), buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(n));
  }
  return all;
}

TEST(EventQueueTest, OneThreadsEventsComeOutInOrder) {
  EventQueue queue(64);
  for (uint32_t i = 0; i < 50; ++i) ASSERT_TRUE(queue.TryPush(Tagged(0, i)));
  const std::vector<Event> all = DrainAll(queue, 3);
  ASSERT_EQ(all.size(), 50u);
  for (uint32_t i = 0; i < 50; ++i) {
    EXPECT_EQ(SequenceOf(all[i]), i);
    EXPECT_EQ(all[i].units, static_cast<int32_t>(i) + 1);
    EXPECT_EQ(all[i].monotonic_ns, i);
  }
}

TEST(EventQueueTest, DrainTakesNoMoreThanItsSpan) {
  EventQueue queue(8);
  for (uint32_t i = 0; i < 5; ++i) ASSERT_TRUE(queue.TryPush(Tagged(0, i)));
  EXPECT_EQ(queue.Drain(absl::Span<Event>()), 0u);
  Event two[2];
  ASSERT_EQ(queue.Drain(two), 2u);
  EXPECT_EQ(SequenceOf(two[0]), 0u);
  EXPECT_EQ(SequenceOf(two[1]), 1u);
  Event many[16];
  ASSERT_EQ(queue.Drain(many), 3u);
  EXPECT_EQ(SequenceOf(many[0]), 2u);
  EXPECT_EQ(SequenceOf(many[2]), 4u);
  EXPECT_EQ(queue.Drain(many), 0u);
}

TEST(EventQueueTest, FullQueueRefusesThenTakesAgainOnceDrained) {
  EventQueue queue(4);
  for (uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(queue.TryPush(Tagged(0, i)));
  EXPECT_FALSE(queue.TryPush(Tagged(0, 4)));
  EXPECT_FALSE(queue.TryPush(Tagged(0, 5)));
  Event two[2];
  ASSERT_EQ(queue.Drain(two), 2u);
  EXPECT_TRUE(queue.TryPush(Tagged(0, 6)));
  EXPECT_TRUE(queue.TryPush(Tagged(0, 7)));
  EXPECT_FALSE(queue.TryPush(Tagged(0, 8)));
  const std::vector<Event> rest = DrainAll(queue);
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_EQ(SequenceOf(rest[0]), 2u);
  EXPECT_EQ(SequenceOf(rest[1]), 3u);
  EXPECT_EQ(SequenceOf(rest[2]), 6u);
  EXPECT_EQ(SequenceOf(rest[3]), 7u);
}

// One thread can have exactly `capacity` events waiting, for every capacity, across many
// wrap-arounds of the ring.
TEST(EventQueueTest, OneThreadHoldsExactlyCapacityEvents) {
  for (int capacity : {1, 2, 3, 7, 64, 1000, kEventsMax}) {
    EventQueue queue(capacity);
    uint32_t sequence = 0;
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < capacity; ++i) {
        ASSERT_TRUE(queue.TryPush(Tagged(0, sequence++))) << capacity << " round " << round;
      }
      EXPECT_FALSE(queue.TryPush(Tagged(0, sequence))) << capacity;
      const std::vector<Event> all = DrainAll(queue, 256);
      ASSERT_EQ(all.size(), static_cast<size_t>(capacity));
      for (int i = 0; i < capacity; ++i) {
        EXPECT_EQ(SequenceOf(all[static_cast<size_t>(i)]),
                  sequence - static_cast<uint32_t>(capacity) + static_cast<uint32_t>(i));
      }
    }
  }
}

// MemoryBytes counts every ring: (lanes + 1) rings of `capacity` 48-byte cells, and grows by
// exactly that per event of capacity.
TEST(EventQueueTest, MemoryBytesCountsEveryRing) {
  for (int lanes : {0, 1, EventQueue::kLanes, EventQueue::kLanesMax}) {
    EventQueue small(1, lanes);
    EventQueue large(1001, lanes);
    const size_t rings = static_cast<size_t>(lanes) + 1;
    EXPECT_EQ(large.MemoryBytes() - small.MemoryBytes(), rings * 1000 * 48) << lanes;
    EXPECT_GE(small.MemoryBytes(), sizeof(EventQueue) + rings * (48 + 128)) << lanes;
    EXPECT_LE(small.MemoryBytes(), sizeof(EventQueue) + rings * (48 + 128)) << lanes;
  }
  EXPECT_EQ(EventQueue(kEventsMax).MemoryBytes(),
            sizeof(EventQueue) + 9 * (128 + size_t{kEventsMax} * 48));
}

// With no lanes every thread publishes into the shared ring: one thread still keeps its order
// and the ring holds exactly `capacity` events.
TEST(EventQueueTest, SharedRingAloneKeepsOrderAndCapacity) {
  EventQueue queue(5, /*lanes=*/0);
  for (uint32_t i = 0; i < 5; ++i) ASSERT_TRUE(queue.TryPush(Tagged(0, i)));
  EXPECT_FALSE(queue.TryPush(Tagged(0, 5)));
  const std::vector<Event> all = DrainAll(queue, 2);
  ASSERT_EQ(all.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(SequenceOf(all[i]), i);
}

// Each leased thread has a lane of `capacity` events of its own: one thread's full lane does not
// refuse another thread's events.
TEST(EventQueueTest, EachLaneHoldsCapacityEventsOfItsThread) {
  EventQueue queue(3, /*lanes=*/2);
  for (uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(queue.TryPush(Tagged(0, i)));
  ASSERT_FALSE(queue.TryPush(Tagged(0, 3)));
  int other_accepted = 0;
  std::thread other([&] {
    for (uint32_t i = 0; i < 4; ++i) other_accepted += queue.TryPush(Tagged(1, i)) ? 1 : 0;
  });
  other.join();
  EXPECT_EQ(other_accepted, 3);
  const std::vector<Event> all = DrainAll(queue, 16);
  ASSERT_EQ(all.size(), 6u);
  std::vector<uint32_t> next(2, 0);
  for (const Event& event : all) EXPECT_EQ(SequenceOf(event), next[ProducerOf(event)]++);
}

// Threads past the lanes publish into the shared ring, which is bounded on its own; they keep
// their order, and the lane's owner is unaffected.
TEST(EventQueueTest, ThreadsPastTheLanesShareOneRing) {
  EventQueue queue(4, /*lanes=*/1);
  ASSERT_TRUE(queue.TryPush(Tagged(0, 0)));  // this thread takes the only lane
  int accepted[2] = {0, 0};
  for (uint32_t producer = 1; producer <= 2; ++producer) {
    std::thread thread([&, producer] {
      for (uint32_t i = 0; i < 3; ++i) {
        accepted[producer - 1] += queue.TryPush(Tagged(producer, i)) ? 1 : 0;
      }
    });
    thread.join();
  }
  EXPECT_EQ(accepted[0], 3);  // the shared ring holds 4: 3 of the first thread ...
  EXPECT_EQ(accepted[1], 1);  // ... and 1 of the second
  for (uint32_t i = 1; i < 4; ++i) EXPECT_TRUE(queue.TryPush(Tagged(0, i)));  // the lane
  EXPECT_FALSE(queue.TryPush(Tagged(0, 4)));
  const std::vector<Event> all = DrainAll(queue, 3);
  ASSERT_EQ(all.size(), 8u);
  std::vector<uint32_t> next(3, 0);
  for (const Event& event : all) EXPECT_EQ(SequenceOf(event), next[ProducerOf(event)]++);
  EXPECT_EQ(next[0], 4u);
  EXPECT_EQ(next[1], 3u);
  EXPECT_EQ(next[2], 1u);
}

// ---------------------------------------------------------------------------------------------
// Stress: producers and drainers at once, then the conservation check.

struct StressShape {
  int capacity = 256;
  int producers = 12;
  int drainers = 1;
  uint32_t events_per_producer = 20000;
};

struct ProducerLog {
  std::vector<char> accepted;  // by sequence
  int64_t dropped = 0;
};

struct DrainerLog {
  std::vector<Event> events;
};

// Checks the run: per drainer, per producer, sequences strictly increase (FIFO per producing
// thread); over all drainers, each accepted event came out exactly once and nothing else did;
// accepted + dropped == pushed.
void CheckConservation(const StressShape& shape, const std::vector<ProducerLog>& producers,
                       const std::vector<DrainerLog>& drainers) {
  std::vector<std::vector<char>> seen(static_cast<size_t>(shape.producers),
                                      std::vector<char>(shape.events_per_producer, 0));
  int64_t drained = 0;
  int64_t order_breaks = 0;
  int64_t duplicates = 0;
  int64_t unknown = 0;
  for (const DrainerLog& drainer : drainers) {
    std::vector<int64_t> last(static_cast<size_t>(shape.producers), -1);
    for (const Event& event : drainer.events) {
      const uint32_t producer = ProducerOf(event);
      const uint32_t sequence = SequenceOf(event);
      if (producer >= static_cast<uint32_t>(shape.producers) ||
          sequence >= shape.events_per_producer || !producers[producer].accepted[sequence] ||
          event.buyer != producer || event.monotonic_ns != sequence) {
        ++unknown;
        continue;
      }
      ++drained;
      if (seen[producer][sequence]++ != 0) ++duplicates;
      if (static_cast<int64_t>(sequence) <= last[producer]) ++order_breaks;
      last[producer] = sequence;
    }
  }
  int64_t accepted = 0;
  int64_t dropped = 0;
  int64_t lost = 0;
  for (size_t p = 0; p < producers.size(); ++p) {
    dropped += producers[p].dropped;
    for (uint32_t s = 0; s < shape.events_per_producer; ++s) {
      if (!producers[p].accepted[s]) continue;
      ++accepted;
      if (seen[p][s] == 0) ++lost;
    }
  }
  std::printf("capacity %d, %d producers, %zu drain logs: %lld accepted, %lld dropped\n",
              shape.capacity, shape.producers, drainers.size(), static_cast<long long>(accepted),
              static_cast<long long>(dropped));
  EXPECT_EQ(unknown, 0) << "events nobody pushed, or torn";
  EXPECT_EQ(duplicates, 0) << "events drained twice";
  EXPECT_EQ(lost, 0) << "accepted events never drained";
  EXPECT_EQ(order_breaks, 0) << "a drainer saw a producer's events out of order";
  EXPECT_EQ(drained, accepted);
  EXPECT_EQ(accepted + dropped,
            int64_t{shape.producers} * static_cast<int64_t>(shape.events_per_producer));
}

void RunStress(EventQueue& queue, const StressShape& shape) {
  std::vector<ProducerLog> producers(static_cast<size_t>(shape.producers));
  for (ProducerLog& log : producers) log.accepted.assign(shape.events_per_producer, 0);
  std::vector<DrainerLog> drainers(static_cast<size_t>(shape.drainers));
  // `go` is relaxed: it only lines the threads up. producers_left: the release in a producer's
  // fetch_sub pairs with a drainer's acquire load, so a drainer that sees 0 sees every push.
  std::atomic<int> producers_left{shape.producers};
  std::atomic<bool> go{false};

  std::vector<std::thread> threads;
  for (int p = 0; p < shape.producers; ++p) {
    threads.emplace_back([&, p] {
      while (!go.load(std::memory_order_relaxed)) std::this_thread::yield();
      ProducerLog& log = producers[static_cast<size_t>(p)];
      for (uint32_t s = 0; s < shape.events_per_producer; ++s) {
        if (queue.TryPush(Tagged(static_cast<uint32_t>(p), s))) {
          log.accepted[s] = 1;
        } else {
          ++log.dropped;
        }
        if (s % 64 == 0) std::this_thread::yield();  // lets the drainers in on 2 cores
      }
      producers_left.fetch_sub(1, std::memory_order_acq_rel);
    });
  }
  for (int d = 0; d < shape.drainers; ++d) {
    threads.emplace_back([&, d] {
      while (!go.load(std::memory_order_relaxed)) std::this_thread::yield();
      DrainerLog& log = drainers[static_cast<size_t>(d)];
      std::vector<Event> buffer(static_cast<size_t>(5 + 11 * d));
      for (;;) {
        const bool last_pass = producers_left.load(std::memory_order_acquire) == 0;
        const size_t n = queue.Drain(absl::MakeSpan(buffer));
        log.events.insert(log.events.end(), buffer.begin(),
                          buffer.begin() + static_cast<ptrdiff_t>(n));
        if (n == 0) {
          if (last_pass) break;
          std::this_thread::yield();
        }
      }
    });
  }
  go.store(true, std::memory_order_relaxed);
  for (std::thread& thread : threads) thread.join();
  // Whatever a drainer's last pass missed (another drainer held the cell at the time) is
  // drained here, after every thread is joined.
  DrainerLog rest{DrainAll(queue, 64)};
  if (shape.drainers > 1) {
    drainers.push_back(std::move(rest));
  } else {
    EXPECT_TRUE(rest.events.empty()) << "the only drainer stopped early";
    drainers.push_back(std::move(rest));
  }
  CheckConservation(shape, producers, drainers);
  EXPECT_EQ(DrainAll(queue).size(), 0u);
}

TEST(EventQueueTest, ManyProducersOneDrainerConserveEveryEvent) {
  StressShape shape;
  EventQueue queue(shape.capacity);
  RunStress(queue, shape);
}

TEST(EventQueueTest, ManyProducersConcurrentDrainersConserveEveryEvent) {
  StressShape shape;
  shape.drainers = 3;
  EventQueue queue(shape.capacity);
  RunStress(queue, shape);
}

// A tiny queue: producers are refused most of the time, and the ring wraps constantly.
TEST(EventQueueTest, TinyQueueUnderContentionConservesEveryEvent) {
  StressShape shape;
  shape.capacity = 2;
  shape.drainers = 2;
  EventQueue queue(shape.capacity);
  RunStress(queue, shape);
}

// Every producer in the shared ring: the multi-producer path alone, with CAS contention on both
// ends.
TEST(EventQueueTest, SharedRingAloneConservesEveryEvent) {
  StressShape shape;
  shape.drainers = 2;
  EventQueue queue(shape.capacity, /*lanes=*/0);
  RunStress(queue, shape);
}

// More producers than lanes: lanes and the shared ring at once.
TEST(EventQueueTest, FewLanesManyProducersConserveEveryEvent) {
  StressShape shape;
  shape.capacity = 64;
  shape.drainers = 2;
  EventQueue queue(shape.capacity, /*lanes=*/3);
  RunStress(queue, shape);
}

}  // namespace
}  // namespace holdfast::internal
