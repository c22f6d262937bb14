// tests/explore/scheduler.h: deterministic exploration of the real code.
//
// The explorer runs a few logical threads over a Sale built from the
// deterministic library (holdfast_det, lib/internal/atomic.h): each logical
// thread is a real std::thread, but only one runs at a time, and at every
// scheduling point (every atomic operation of the core, every spin, every
// clock reading of a DetClock) the scheduler chooses who moves next. The
// choice comes from a strategy:
//   - kRandom: uniformly among the runnable threads, from a seed;
//   - kPct: probabilistic concurrency testing (Burckhardt et al., ASPLOS
//     2010): random distinct thread priorities, depth-1 change points at
//     random steps where the running thread drops below every other;
//   - kExhaustive: depth-first over every choice sequence with at most
//     `preemption_bound` preemptions (switching away from a thread that could
//     go on), for small scenarios.
// A schedule is reproduced by (strategy, seed, pct steps) or, for
// kExhaustive, by its schedule number; a failure prints them and the choice
// trace. An operation that takes more than `op_step_bound` of its own steps
// made no progress (a livelock or a wait for a paused thread): the schedule
// fails as hung, and its threads are abandoned (parked for good), so a hang
// never hangs the test.
//
// Freeze mode checks lock-freedom (DESIGN.md §4): one thread stops for good
// at a chosen step; every operation of the others must still complete within
// the bound. When one does not, the explorer records who was blocked and
// where the frozen thread stood (its stack), lets the frozen thread go on,
// and finishes the schedule.
//
//   class MyScenario : public Scenario { ... };
//   ExploreSummary s = Explore([] { return std::make_unique<MyScenario>(); },
//                              {.strategy = Strategy::kPct, .seed = 1}, 1000);
//   EXPECT_EQ(s.failures, 0) << s.first_failure;
#ifndef HOLDFAST_TESTS_EXPLORE_SCHEDULER_H_
#define HOLDFAST_TESTS_EXPLORE_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/internal/atomic.h"

namespace holdfast::explore {

enum class Strategy { kRandom, kPct, kExhaustive };

// "random", "pct" or "exhaustive".
const char* StrategyName(Strategy strategy);

// One operation of a logical thread: a name for reports and the call.
struct Op {
  std::string name;
  std::function<void()> run;
};
using ThreadProgram = std::vector<Op>;

// What one schedule runs. Built afresh for every schedule (a new sale).
class Scenario {
 public:
  virtual ~Scenario() = default;
  // The logical threads (at most 8). Called once, from the test thread.
  virtual std::vector<ThreadProgram> Threads() = 0;
  // An invariant checked at every scheduling point, while every logical
  // thread is paused between two atomic operations; runs on the thread that
  // reached the point with its scheduling hook off. "" or the violation.
  virtual std::string CheckStep() { return ""; }
  // Called first at every scheduling point, on the thread that reached it
  // (`thread`), with its hook off: what that thread did before it is done.
  virtual void AtPoint(int thread) { (void)thread; }
  // Checked once every thread has finished, from the test thread.
  virtual std::string CheckEnd() { return ""; }
  // A trace point of the library (lib/internal/atomic.h, det::TracePoint)
  // reached by `thread`, with its scheduling hook off.
  virtual void OnTrace(int thread, internal::det::TracePoint point) {
    (void)thread;
    (void)point;
  }
};
using ScenarioFactory = std::function<std::unique_ptr<Scenario>()>;

struct ExploreOptions {
  Strategy strategy = Strategy::kRandom;
  uint64_t seed = 1;  // schedule i uses seed + i (kRandom, kPct)
  int pct_depth = 3;  // PCT's d: d - 1 priority change points
  // PCT's k, the expected number of steps of a schedule; 0: measured by one
  // calibration run (random, seed 0) before the first schedule.
  int64_t pct_steps = 0;
  int preemption_bound = 2;  // kExhaustive
  // Steps of one operation (its own scheduling points) after which it counts
  // as making no progress.
  int64_t op_step_bound = 20000;
  // Freeze mode: thread `freeze_thread` stops for good at its scheduling
  // point number `freeze_at` (0-based); -1: none.
  int freeze_thread = -1;
  int64_t freeze_at = 0;
  bool stop_at_first_failure = true;
};

// An operation that could not complete while another thread was frozen.
struct Blocked {
  int thread = 0;
  std::string op;     // the blocked operation
  std::string where;  // the blocked thread's stack (holdfast frames)
  int frozen_thread = 0;
  std::string frozen_op;     // what the frozen thread was doing
  int64_t frozen_at = 0;     // its scheduling point number
  std::string frozen_where;  // its stack (holdfast frames), innermost first
  // The frozen thread stood between kReturnBegin and kReturnEnd: it had
  // expired a hold and was giving its units back (holdfast/sale.h,
  // "Progress"). Reported; a blocking refutes the progress claim either way.
  bool frozen_returning = false;
};

struct ScheduleResult {
  bool ok = true;
  bool hung = false;                   // an operation passed op_step_bound
  std::string failure;                 // the first violation, with the thread and operation
  int64_t steps = 0;                   // scheduling points passed
  std::vector<uint8_t> trace;          // the thread chosen at each point
  std::vector<int64_t> thread_points;  // scheduling points per thread
  std::vector<Blocked> blocked;        // freeze mode
  bool froze = false;                  // freeze mode: the freeze point was reached
  bool diverged = false;               // kExhaustive: the replayed prefix took another path
};

struct ExploreSummary {
  int64_t schedules = 0;
  int64_t failures = 0;
  int64_t found_at = 0;       // 1-based number of the first failing schedule; 0: none
  std::string first_failure;  // with how to reproduce it
  bool exhausted = false;     // kExhaustive: the whole bounded space was covered
  double seconds = 0;
  double per_second = 0;
  int64_t steps = 0;      // scheduling points over all schedules
  int64_t pct_steps = 0;  // the k used
  // kExhaustive: schedules whose replayed prefix took another path, because
  // process-wide state of the library (per-thread slot cursors seeded from a
  // global counter) carries over from one schedule to the next. The search
  // goes on from the new path, so "exhausted" is then approximate; for the
  // same reason a rerun from a printed seed may differ until the library
  // offers a reset of that state in the deterministic build.
  int64_t diverged = 0;
  std::vector<Blocked> blocked;
};

// Runs up to `max_schedules` schedules (fewer if a failure stops it or the
// exhaustive space runs out).
ExploreSummary Explore(const ScenarioFactory& factory, const ExploreOptions& options,
                       int64_t max_schedules);

// Freeze mode over a whole scenario: a reference schedule (random, `seed`)
// counts each thread's scheduling points; then every thread is frozen in turn
// at every `stride`-th of its points (every 4 * stride-th under a sanitizer;
// random schedules from `seed`). Returns the distinct blockings found (by
// blocked operation and both stacks).
ExploreSummary ExploreFreezes(const ScenarioFactory& factory, const ExploreOptions& options,
                              int64_t stride);

// The number of schedules a suite runs: HOLDFAST_EXPLORE_SCHEDULES if set
// (a soak), else `fallback`; a tenth of it (at least 1) under a sanitizer.
int64_t SchedulesFromEnv(int64_t fallback);
// HOLDFAST_EXPLORE_SEED if set, else `fallback`.
uint64_t SeedFromEnv(uint64_t fallback);

// One line: "<what>: N schedules in S s (R schedules/s), ...".
std::string DescribeSummary(const std::string& what, const ExploreSummary& summary);

}  // namespace holdfast::explore

#endif  // HOLDFAST_TESTS_EXPLORE_SCHEDULER_H_
