// Goal: show, below the Sale API, the seat-map pieces issue 10 found wanting: the label number
// parser that FindSeat uses reads exactly what SeatLabel writes (defect 17), the run-time seat
// table's best available sees orphans across a 64-seat word (defect 7), and ParseSeatMap answers
// ResourceExhausted instead of letting std::bad_alloc escape when memory runs out (defect 16).
// Method: tables of texts worked out by hand; SeatTable driven directly on one thread; for the
// memory test this executable replaces the global operator new with one that can be told to fail
// from its Nth call on (or at its Nth call only), and ParseSeatMap is run once for every N
// until it no longer allocates that often.
#include "lib/internal/seat_table.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "holdfast/seat_map.h"

namespace {

// The allocation failure switch: while `armed`, the call that brings `calls` to `fail_at` fails,
// and so does every later one unless `once`.
struct AllocationFaults {
  bool armed = false;
  bool once = false;
  int64_t calls = 0;
  int64_t fail_at = 0;
  int64_t failed = 0;
};
AllocationFaults faults;

bool ShouldFail() {
  if (!faults.armed) return false;
  const int64_t call = faults.calls++;
  if (call == faults.fail_at || (!faults.once && call > faults.fail_at)) {
    ++faults.failed;
    return true;
  }
  return false;
}

void* Allocate(std::size_t size) {
  if (ShouldFail()) throw std::bad_alloc();
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// Every unaligned form, so that what one form allocates another may free (std::stable_sort's
// buffer comes from the nothrow form and goes back through the plain delete). The aligned forms
// stay the library's (or the sanitizer's): they allocate and free among themselves.
void* operator new(std::size_t size) { return Allocate(size); }
void* operator new[](std::size_t size) { return Allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& nothrow) noexcept {
  return operator new(size, nothrow);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace holdfast::internal {
namespace {

TEST(ParseSeatNumberTest, ReadsExactlyWhatStrCatWritesForAnInt) {
  for (int n : {0, 1, -1, 9, 10, -10, 101, 2147483647, -2147483647 - 1, 1000000000}) {
    const std::string text = absl::StrCat(n);
    int64_t got = 12345;
    EXPECT_TRUE(ParseSeatNumber(text, got)) << text;
    EXPECT_EQ(got, n) << text;
  }
  for (const char* bad : {"",
                          "-",
                          "+1",
                          "01",
                          "-01",
                          "-0",
                          "00",
                          " 1",
                          "1 ",
                          "1\n",
                          "\t1",
                          "--1",
                          "+-1",
                          "1-",
                          "0x1",
                          "1.0",
                          "1e3",
                          "a",
                          "2147483648",
                          "-2147483649",
                          "10000000000",
                          "99999999999999999999"}) {
    int64_t got = 12345;
    EXPECT_FALSE(ParseSeatNumber(bad, got)) << '"' << bad << '"';
    EXPECT_EQ(got, 12345) << '"' << bad << '"';  // untouched on refusal
  }
}

// Defect 7 on the table itself: with seats 0..62 of a 70-seat row taken, a pair at bits 0-1 of
// the second word would strand seat 63, the first word's last.
TEST(SeatTableTest, BestAvailableSeesTheSeatsOfTheNeighbouringWord) {
  SeatMapConfig map;
  map.sections.push_back({.name = "H", .type = 0, .rows = {}});
  map.sections[0].rows.push_back(
      {.label = "A", .seat_count = 70, .accessible = {}, .restricted = {}});
  SeatTable table(map);
  ASSERT_EQ(table.word_count(), 2u);
  SeatId taken = kNoSeat;
  ASSERT_TRUE(table.TryTake({.word = 0, .first = 0, .count = 63}, taken));
  SeatRun runs[4];
  int run_count = 0;
  ASSERT_EQ(table.TakeBest({.count = 2, .sections = {}}, runs, 4, run_count), Outcome::kOk);
  ASSERT_EQ(run_count, 1);
  EXPECT_EQ(runs[0].word, 1u);
  EXPECT_EQ(runs[0].first, 1u);  // seats 65 and 66: seats 63 and 64 stay a pair
  EXPECT_EQ(runs[0].count, 2u);
  table.Give(runs[0]);
  // And the other way: seat 64 taken, seats 61..63 free; a pair at bits 61-62 strands 63.
  table.Give({.word = 0, .first = 61, .count = 2});
  ASSERT_TRUE(table.TryTake({.word = 1, .first = 0, .count = 1}, taken));
  ASSERT_EQ(table.TakeBest({.count = 2, .sections = {}}, runs, 4, run_count), Outcome::kOk);
  ASSERT_EQ(run_count, 1);
  EXPECT_EQ(runs[0].word, 1u);
  EXPECT_EQ(runs[0].first, 1u);
}

TEST(SeatTableTest, CoversNamesExactlyTheSeatsOfARun) {
  SeatMapConfig map;
  map.sections.push_back({.name = "H", .type = 0, .rows = {}});
  map.sections[0].rows.push_back(
      {.label = "A", .seat_count = 70, .accessible = {}, .restricted = {}});
  map.sections[0].rows.push_back(
      {.label = "B", .seat_count = 3, .accessible = {}, .restricted = {}});
  const SeatTable table(map);
  ASSERT_EQ(table.seat_count(), 73u);
  const SeatRun run{.word = 1, .first = 2, .count = 3};  // seats 66, 67, 68 of row A
  for (SeatId seat = 0; seat < 80; ++seat) {
    EXPECT_EQ(table.Covers(run, seat), seat >= 66 && seat <= 68) << seat;
  }
  EXPECT_FALSE(table.Covers(run, kNoSeat));
  // Row B starts on word 2: its bits 2..4 are not seats 66..68.
  EXPECT_TRUE(table.Covers({.word = 2, .first = 0, .count = 3}, 72));
  EXPECT_FALSE(table.Covers({.word = 2, .first = 2, .count = 1}, 68));
}

// Runs ParseSeatMap with the allocation fault armed at call `fail_at`; true if it returned (any
// exception escaping is a failure of the test, reported by gtest).
absl::StatusOr<SeatMapConfig> ParseWithFault(const std::string& text, int64_t fail_at, bool once,
                                             int64_t& failed) {
  absl::StatusOr<SeatMapConfig> map = absl::UnknownError("not run");
  faults = {.armed = true, .once = once, .calls = 0, .fail_at = fail_at, .failed = 0};
  try {
    map = ParseSeatMap(text);
  } catch (...) {
    faults.armed = false;
    failed = faults.failed;
    ADD_FAILURE() << "an exception escaped ParseSeatMap, fault at allocation " << fail_at
                  << (once ? " only" : " and after");
    return absl::InternalError("threw");
  }
  faults.armed = false;
  failed = faults.failed;
  return map;
}

TEST(ParseSeatMapMemoryTest, RunningOutOfMemoryAnswersResourceExhaustedNeverThrows) {
  const std::string text =
      "section Orchestra type=0  # front\n"
      "row A seats=20 rank=1 accessible=1,2,18-20\n"
      "row B seats=22 first=101 rank=3 restricted=122,101\n"
      "section Balcony type=1\n"
      "row AA seats=5\n";
  ASSERT_TRUE(ParseSeatMap(text).ok());
  for (bool once : {false, true}) {
    int64_t n = 0;
    for (;; ++n) {
      SCOPED_TRACE(absl::StrCat("fault at allocation ", n, once ? " only" : " and after"));
      int64_t failed = 0;
      const absl::StatusOr<SeatMapConfig> map = ParseWithFault(text, n, once, failed);
      if (failed == 0) {
        // ParseSeatMap made fewer than n + 1 allocations: every one has been failed.
        ASSERT_TRUE(map.ok()) << map.status();
        break;
      }
      ASSERT_FALSE(map.ok());
      EXPECT_EQ(map.status().code(), absl::StatusCode::kResourceExhausted) << map.status();
    }
    EXPECT_GT(n, 10) << "ParseSeatMap allocates; the fault should have hit it many times";
  }
}

}  // namespace
}  // namespace holdfast::internal
