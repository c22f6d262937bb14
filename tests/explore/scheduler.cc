// The deterministic scheduler of tests/explore/scheduler.h.
//
// Baton passing: every logical thread waits on its own `go` word; the thread
// that reaches a scheduling point chooses the next thread itself (no
// scheduler thread in between), hands it the baton (store 1 to its `go`,
// release, and a futex wake) and waits for its own. Continuing the same
// thread costs no switch at all. Only one logical thread runs at any time,
// and every hand-over is a release/acquire pair, so all of the explorer's
// own bookkeeping is ordered without locks.
#include "tests/explore/scheduler.h"

#include <cxxabi.h>
#include <execinfo.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/internal/atomic.h"

namespace holdfast::explore {

const char* StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kRandom:
      return "random";
    case Strategy::kPct:
      return "pct";
    case Strategy::kExhaustive:
      return "exhaustive";
  }
  return "?";
}

namespace {

namespace det = internal::det;

constexpr int kThreadsMax = 8;

// A small, fully specified generator (splitmix64), so that a seed means the
// same schedule with every standard library.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

// Where the next step comes from.
class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;
  // `current` reached a point (-1 before the first step); `current_enabled`
  // says whether it may go on; `enabled` lists the runnable threads in
  // increasing order (never empty). `step` counts the points so far.
  virtual int Choose(int current, bool current_enabled, const std::vector<int>& enabled,
                     int64_t step) = 0;
  // `thread` gives the CPU away (sched_yield in the library): a strategy that
  // would keep running it no matter what (PCT's priorities) lets the others
  // go first, as an OS scheduler does.
  virtual void Yielded(int thread) { (void)thread; }
  // For kExhaustive: the replayed prefix did not repeat itself.
  virtual bool Diverged() const { return false; }
};

class RandomChoices final : public ChoiceSource {
 public:
  explicit RandomChoices(uint64_t seed) : random_(seed) {}
  int Choose(int, bool, const std::vector<int>& enabled, int64_t) override {
    return enabled[random_.Below(enabled.size())];
  }

 private:
  SplitMix random_;
};

// PCT: thread priorities depth .. depth + n - 1 in random order; at each of
// depth - 1 random steps in [1, steps] the running thread drops to a priority
// below all of those (0, 1, ...). The highest-priority runnable thread runs.
class PctChoices final : public ChoiceSource {
 public:
  PctChoices(uint64_t seed, int threads, int depth, int64_t steps) : random_(seed) {
    for (int t = 0; t < threads; ++t) priority_.push_back(depth + t);
    for (int t = threads - 1; t > 0; --t) {
      std::swap(priority_[t], priority_[random_.Below(static_cast<uint64_t>(t) + 1)]);
    }
    for (int i = 0; i + 1 < depth; ++i) {
      change_at_.push_back(1 + static_cast<int64_t>(random_.Below(static_cast<uint64_t>(steps))));
    }
  }
  void Yielded(int thread) override {
    // Below every other thread, change points included.
    int lowest = 0;
    for (int p : priority_) lowest = std::min(lowest, p);
    priority_[thread] = lowest - 1;
  }
  int Choose(int current, bool, const std::vector<int>& enabled, int64_t step) override {
    for (size_t i = 0; i < change_at_.size(); ++i) {
      if (change_at_[i] == step && current >= 0) priority_[current] = static_cast<int>(i);
    }
    int best = enabled[0];
    for (int t : enabled) {
      if (priority_[t] > priority_[best]) best = t;
    }
    return best;
  }

 private:
  SplitMix random_;
  std::vector<int> priority_;
  std::vector<int64_t> change_at_;
};

// Depth-first search over choice sequences with a preemption bound. Each
// decision lists its options with the running thread (when it may go on)
// first, so option 0 is "no preemption". Next() moves to the next sequence.
class DfsChoices final : public ChoiceSource {
 public:
  explicit DfsChoices(int bound) : bound_(bound) {}
  void Begin() {
    position_ = 0;
    diverged_ = false;
  }
  int Choose(int current, bool current_enabled, const std::vector<int>& enabled, int64_t) override {
    std::vector<int> options;
    if (current_enabled) options.push_back(current);
    for (int t : enabled) {
      if (!(current_enabled && t == current)) options.push_back(t);
    }
    if (position_ < stack_.size()) {
      Decision& d = stack_[position_++];
      if (d.options != options) {
        diverged_ = true;
        d.options = options;
        d.chosen = std::min(d.chosen, options.size() - 1);
      }
      return d.options[d.chosen];
    }
    stack_.push_back({std::move(options), 0, current_enabled});
    ++position_;
    return stack_.back().options[0];
  }
  bool Diverged() const override { return diverged_; }
  bool Next() {
    stack_.resize(position_);
    std::vector<int> preemptions(stack_.size() + 1, 0);
    for (size_t i = 0; i < stack_.size(); ++i) {
      preemptions[i + 1] = preemptions[i] + (stack_[i].preemptive && stack_[i].chosen > 0 ? 1 : 0);
    }
    for (size_t i = stack_.size(); i-- > 0;) {
      Decision& d = stack_[i];
      if (d.chosen + 1 >= d.options.size()) continue;
      if (preemptions[i] + (d.preemptive ? 1 : 0) > bound_) continue;
      ++d.chosen;
      stack_.resize(i + 1);
      return true;
    }
    return false;
  }

 private:
  struct Decision {
    std::vector<int> options;
    size_t chosen = 0;
    bool preemptive = false;  // options[0] is the running thread
  };
  int bound_;
  std::vector<Decision> stack_;
  size_t position_ = 0;
  bool diverged_ = false;
};

// The holdfast frames of the calling thread's stack, innermost first, e.g.
// "SaleCore::HoldWithSlot <- SaleCore::HoldPlanned <- Sale::Hold".
std::string HoldfastStack() {
  void* frames[64];
  const int n = backtrace(frames, 64);
  char** names = backtrace_symbols(frames, n);
  if (names == nullptr) return "?";
  std::string out;
  int kept = 0;
  for (int i = 0; i < n && kept < 6; ++i) {
    const std::string line = names[i];
    const size_t open = line.find('(');
    const size_t plus = line.find('+', open);
    if (open == std::string::npos || plus == std::string::npos || plus == open + 1) continue;
    const std::string mangled = line.substr(open + 1, plus - open - 1);
    int status = 0;
    char* demangled = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
    std::string name = status == 0 && demangled != nullptr ? demangled : mangled;
    std::free(demangled);
    if (name.find("holdfast::") == std::string::npos) continue;
    if (name.find("explore::") != std::string::npos) continue;
    if (name.find("det::") != std::string::npos) continue;
    if (name.find("DetAtomic") != std::string::npos) continue;
    name = name.substr(0, name.find('('));
    for (const char* prefix : {"holdfast::internal::", "holdfast::"}) {
      if (name.rfind(prefix, 0) == 0) name = name.substr(std::string(prefix).size());
    }
    absl::StrAppend(&out, kept == 0 ? "" : " <- ", name);
    ++kept;
  }
  std::free(names);  // NOLINT: backtrace_symbols allocates with malloc
  return out.empty() ? "(no holdfast frame)" : out;
}

class RunState;

struct HookContext {
  RunState* run = nullptr;
  int me = 0;
};

struct Logical {
  std::atomic<uint32_t> go{0};
  std::thread thread;
  ThreadProgram program;
  size_t op = 0;
  int64_t op_steps = 0;
  int64_t points = 0;
  bool finished = false;
  // Between the library's kReturnBegin and kReturnEnd: giving back the units
  // of a hold this thread expired (where a short Hold waits, a bounded time).
  bool returning = false;
  HookContext context;
};

void Hook(void* context);
void TraceHook(void* context, det::TracePoint point);

// One schedule in progress. Leaked (kept in Abandoned()) when a hang leaves
// threads parked inside it for good.
class RunState {
 public:
  RunState(Scenario& scenario, const ExploreOptions& options, ChoiceSource& choices,
           std::vector<ThreadProgram> programs)
      : scenario_(scenario), options_(options), choices_(choices), threads_(programs.size()) {
    for (size_t t = 0; t < programs.size(); ++t) {
      threads_[t].program = std::move(programs[t]);
      threads_[t].context = {this, static_cast<int>(t)};
    }
  }

  // Runs the schedule; false when threads were abandoned (hung).
  bool Run() {
    for (size_t t = 0; t < threads_.size(); ++t) {
      threads_[t].thread = std::thread([this, t] { ThreadMain(static_cast<int>(t)); });
    }
    const int first = Next(-1, false);
    if (first >= 0) {
      Handoff(first);
      // Acquire: pairs with the release of the thread that ends the schedule.
      while (done_.load(std::memory_order_acquire) == 0) done_.wait(0, std::memory_order_acquire);
    }
    if (result_.hung) {
      for (Logical& l : threads_) l.thread.detach();
      return false;
    }
    for (Logical& l : threads_) l.thread.join();
    return true;
  }

  ScheduleResult& result() { return result_; }

  void Point(int me) {
    Logical& self = threads_[me];
    ++self.points;
    ++self.op_steps;
    ++result_.steps;
    if (options_.freeze_thread == me && !result_.froze && self.points - 1 == options_.freeze_at) {
      result_.froze = true;
      frozen_ = me;
      frozen_op_ = OpName(me);
      frozen_where_ = HoldfastStack();
      frozen_returning_ = self.returning;
    }
    if (self.op_steps > options_.op_step_bound) {
      if (frozen_ >= 0) {
        result_.blocked.push_back({me, OpName(me), HoldfastStack(), frozen_, frozen_op_,
                                   options_.freeze_at, frozen_where_, frozen_returning_});
        frozen_ = -1;  // let it go on: the others must now finish
        for (Logical& l : threads_) l.op_steps = 0;
      } else {
        Fail(me, absl::StrCat("no progress: ", options_.op_step_bound,
                              " steps without completing (", HoldfastStack(), ")"));
        result_.hung = true;
        Finish();
        for (;;) self.go.wait(0, std::memory_order_acquire);  // parked for good
      }
    }
    det::SetThreadHook(nullptr, nullptr);
    scenario_.AtPoint(me);
    if (result_.ok) {
      const std::string violation = scenario_.CheckStep();
      if (!violation.empty()) Fail(me, violation);
    }
    det::SetThreadHook(&Hook, &self.context);
    const int next = Next(me, frozen_ != me);
    if (next == me) return;
    Handoff(next);
    WaitTurn(me);
  }

 private:
  std::string OpName(int t) const {
    const Logical& l = threads_[t];
    return l.op < l.program.size() ? l.program[l.op].name : "(done)";
  }

  void Fail(int me, const std::string& what) {
    if (!result_.ok) return;
    result_.ok = false;
    result_.failure = absl::StrCat("thread ", me, " in ", OpName(me), " (op ", threads_[me].op,
                                   "), step ", result_.steps, ": ", what);
  }

 public:
  // A trace point of thread `me`'s library code (its hook is on).
  void Traced(int me, det::TracePoint point) {
    Logical& self = threads_[me];
    switch (point) {
      case det::TracePoint::kYield:
        choices_.Yielded(me);
        break;
      case det::TracePoint::kReturnBegin:
        self.returning = true;
        break;
      case det::TracePoint::kReturnEnd:
        self.returning = false;
        break;
      default:
        break;
    }
    det::SetThreadHook(nullptr, nullptr);
    scenario_.OnTrace(me, point);
    det::SetThreadHook(&Hook, &self.context);
  }

 private:
  void ThreadMain(int me) {
    Logical& self = threads_[me];
    WaitTurn(me);
    // The same slot cursors in every schedule (and every process).
    det::SetThreadSeed(static_cast<uint32_t>(me) + 1);
    det::SetThreadTraceHook(&TraceHook, &self.context);
    det::SetThreadHook(&Hook, &self.context);
    for (self.op = 0; self.op < self.program.size(); ++self.op) {
      self.op_steps = 0;
      self.program[self.op].run();
    }
    det::SetThreadHook(nullptr, nullptr);
    self.finished = true;
    const int next = Next(me, false);
    if (next >= 0) {
      Handoff(next);
    } else {
      Finish();
    }
  }

  // The next thread to run, or -1 when every thread has finished.
  int Next(int current, bool current_enabled) {
    std::vector<int> enabled;
    for (size_t t = 0; t < threads_.size(); ++t) {
      if (!threads_[t].finished && static_cast<int>(t) != frozen_) {
        enabled.push_back(static_cast<int>(t));
      }
    }
    int next;
    if (enabled.empty()) {
      next = frozen_;  // -1, or the frozen thread: nobody is left to block
      frozen_ = -1;
    } else {
      next = choices_.Choose(current, current_enabled, enabled, result_.steps);
    }
    if (next >= 0) result_.trace.push_back(static_cast<uint8_t>(next));
    return next;
  }

  void Handoff(int next) {
    // Release: everything this thread did (library and bookkeeping) happens
    // before what `next` does after its acquire in WaitTurn.
    threads_[next].go.store(1, std::memory_order_release);
    threads_[next].go.notify_one();
  }

  void WaitTurn(int me) {
    std::atomic<uint32_t>& go = threads_[me].go;
    // Acquire: pairs with Handoff's release.
    while (go.load(std::memory_order_acquire) == 0) go.wait(0, std::memory_order_acquire);
    // Relaxed: only this thread reads its word until it hands the baton on,
    // and the next Handoff to it comes after that hand-over.
    go.store(0, std::memory_order_relaxed);
  }

  void Finish() {
    for (Logical& l : threads_) result_.thread_points.push_back(l.points);
    // Release: the result is complete before the test thread reads it.
    done_.store(1, std::memory_order_release);
    done_.notify_one();
  }

  Scenario& scenario_;
  const ExploreOptions& options_;
  ChoiceSource& choices_;
  std::vector<Logical> threads_;
  ScheduleResult result_;
  int frozen_ = -1;
  bool frozen_returning_ = false;
  std::string frozen_op_, frozen_where_;
  std::atomic<uint32_t> done_{0};
};

void Hook(void* context) {
  HookContext* c = static_cast<HookContext*>(context);
  c->run->Point(c->me);
}

void TraceHook(void* context, det::TracePoint point) {
  HookContext* c = static_cast<HookContext*>(context);
  c->run->Traced(c->me, point);
}

// Schedules whose threads were abandoned, and their scenarios: kept reachable
// for ever (the parked threads' stacks point into them).
struct Abandoned {
  std::mutex mutex;
  std::vector<std::unique_ptr<RunState>> runs;
  std::vector<std::unique_ptr<Scenario>> scenarios;
};
Abandoned& Graveyard() {
  static Abandoned* graveyard = new Abandoned;  // never destroyed: threads may still wait in it
  return *graveyard;
}

// Runs one schedule; takes the scenario over when the schedule hangs.
ScheduleResult RunOne(std::unique_ptr<Scenario>& scenario, const ExploreOptions& options,
                      ChoiceSource& choices) {
  std::vector<ThreadProgram> programs = scenario->Threads();
  if (programs.empty() || programs.size() > kThreadsMax) {
    ScheduleResult bad;
    bad.ok = false;
    bad.failure = absl::StrCat("a scenario needs 1 to ", kThreadsMax, " threads");
    return bad;
  }
  auto run = std::make_unique<RunState>(*scenario, options, choices, std::move(programs));
  if (run->Run()) {
    ScheduleResult result = std::move(run->result());
    // A replayed prefix that took another path: process-wide state of the
    // library (slot_table.cc's per-thread cursor seeds) differs from one
    // schedule to the next. Counted, not failed: the search goes on from the
    // new path.
    result.diverged = choices.Diverged();
    if (result.ok) {
      const std::string end = scenario->CheckEnd();
      if (!end.empty()) {
        result.ok = false;
        result.failure = absl::StrCat("at the end: ", end);
      }
    }
    return result;
  }
  ScheduleResult result = run->result();  // a copy: the threads may still read the original
  std::lock_guard<std::mutex> lock(Graveyard().mutex);
  Graveyard().runs.push_back(std::move(run));
  Graveyard().scenarios.push_back(std::move(scenario));
  return result;
}

std::string TraceText(const std::vector<uint8_t>& trace) {
  // Run-length: "0x12 1x3 ..." (thread x consecutive choices).
  std::string out;
  for (size_t i = 0; i < trace.size();) {
    size_t j = i;
    while (j < trace.size() && trace[j] == trace[i]) ++j;
    absl::StrAppend(&out, out.empty() ? "" : " ", trace[i], "x", j - i);
    i = j;
    if (out.size() > 3000) {
      absl::StrAppend(&out, " ...");
      break;
    }
  }
  return out;
}

std::unique_ptr<ChoiceSource> MakeChoices(const ExploreOptions& options, uint64_t seed, int threads,
                                          int64_t pct_steps) {
  if (options.strategy == Strategy::kPct) {
    return std::make_unique<PctChoices>(seed, threads, options.pct_depth, pct_steps);
  }
  return std::make_unique<RandomChoices>(seed);
}

void AddBlocked(ExploreSummary& summary, std::set<std::string>& seen,
                const std::vector<Blocked>& blocked) {
  for (const Blocked& b : blocked) {
    const std::string key = absl::StrCat(b.op, "|", b.where, "|", b.frozen_op, "|", b.frozen_where);
    if (seen.insert(key).second) summary.blocked.push_back(b);
  }
}

}  // namespace

namespace {
bool UnderSanitizer() {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}
}  // namespace

ExploreSummary Explore(const ScenarioFactory& factory, const ExploreOptions& options,
                       int64_t max_schedules) {
  ExploreSummary summary;
  const auto start = std::chrono::steady_clock::now();
  int threads = 0;
  {
    std::unique_ptr<Scenario> probe = factory();
    threads = static_cast<int>(probe->Threads().size());
  }
  int64_t pct_steps = options.pct_steps;
  if (options.strategy == Strategy::kPct && pct_steps <= 0) {
    std::unique_ptr<Scenario> calibration = factory();
    ExploreOptions plain = options;
    plain.freeze_thread = -1;
    RandomChoices choices(0);
    pct_steps = std::max<int64_t>(RunOne(calibration, plain, choices).steps, 1);
  }
  summary.pct_steps = pct_steps;
  DfsChoices dfs(options.preemption_bound);
  std::set<std::string> seen;
  for (int64_t i = 0; i < max_schedules; ++i) {
    std::unique_ptr<Scenario> scenario = factory();
    const uint64_t seed = options.seed + static_cast<uint64_t>(i);
    std::unique_ptr<ChoiceSource> own;
    ChoiceSource* choices = &dfs;
    if (options.strategy == Strategy::kExhaustive) {
      dfs.Begin();
    } else {
      own = MakeChoices(options, seed, threads, pct_steps);
      choices = own.get();
    }
    const ScheduleResult result = RunOne(scenario, options, *choices);
    ++summary.schedules;
    summary.steps += result.steps;
    summary.diverged += result.diverged ? 1 : 0;
    AddBlocked(summary, seen, result.blocked);
    if (!result.ok) {
      ++summary.failures;
      if (summary.found_at == 0) {
        summary.found_at = i + 1;
        summary.first_failure = absl::StrCat(
            "schedule ", i + 1, " (strategy ", StrategyName(options.strategy),
            options.strategy == Strategy::kExhaustive
                ? absl::StrCat(", preemption bound ", options.preemption_bound)
                : absl::StrCat(", seed ", seed, "; rerun: HOLDFAST_EXPLORE_SEED=", seed,
                               " HOLDFAST_EXPLORE_SCHEDULES=1"),
            options.strategy == Strategy::kPct ? absl::StrCat(", pct steps ", pct_steps) : "",
            options.freeze_thread >= 0 ? absl::StrCat(", thread ", options.freeze_thread,
                                                      " frozen at point ", options.freeze_at)
                                       : "",
            "): ", result.failure, "\n  choices (thread x times): ", TraceText(result.trace));
      }
      if (options.stop_at_first_failure) break;
    }
    if (options.strategy == Strategy::kExhaustive && !dfs.Next()) {
      summary.exhausted = true;
      break;
    }
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.per_second = summary.seconds > 0 ? summary.schedules / summary.seconds : 0;
  return summary;
}

ExploreSummary ExploreFreezes(const ScenarioFactory& factory, const ExploreOptions& options,
                              int64_t stride) {
  ExploreSummary summary;
  const auto start = std::chrono::steady_clock::now();
  std::vector<int64_t> points;
  {
    std::unique_ptr<Scenario> reference = factory();
    ExploreOptions plain = options;
    plain.freeze_thread = -1;
    RandomChoices choices(options.seed);
    const ScheduleResult result = RunOne(reference, plain, choices);
    points = result.thread_points;
    if (!result.ok) {
      summary.failures = 1;
      summary.first_failure = absl::StrCat("reference schedule: ", result.failure);
      return summary;
    }
  }
  std::set<std::string> seen;
  // A sanitizer makes every step slower: freeze at a quarter of the points.
  const int64_t step = std::max<int64_t>(stride, 1) * (UnderSanitizer() ? 4 : 1);
  for (size_t t = 0; t < points.size(); ++t) {
    for (int64_t at = 0; at < points[t]; at += step) {
      ExploreOptions frozen = options;
      frozen.freeze_thread = static_cast<int>(t);
      frozen.freeze_at = at;
      std::unique_ptr<Scenario> scenario = factory();
      const uint64_t seed = options.seed + t * 1'000'003 + static_cast<uint64_t>(at);
      RandomChoices choices(seed);
      const ScheduleResult result = RunOne(scenario, frozen, choices);
      ++summary.schedules;
      summary.steps += result.steps;
      AddBlocked(summary, seen, result.blocked);
      if (!result.ok) {
        ++summary.failures;
        if (summary.first_failure.empty()) {
          summary.found_at = summary.schedules;
          summary.first_failure = absl::StrCat("thread ", t, " frozen at point ", at, ", seed ",
                                               seed, ": ", result.failure);
        }
      }
    }
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.per_second = summary.seconds > 0 ? summary.schedules / summary.seconds : 0;
  return summary;
}

int64_t SchedulesFromEnv(int64_t fallback) {
  if (const char* value = std::getenv("HOLDFAST_EXPLORE_SCHEDULES")) {
    return std::max<int64_t>(std::strtoll(value, nullptr, 10), 1);
  }
  return UnderSanitizer() ? std::max<int64_t>(fallback / 10, 1) : fallback;
}

uint64_t SeedFromEnv(uint64_t fallback) {
  if (const char* value = std::getenv("HOLDFAST_EXPLORE_SEED")) {
    return std::strtoull(value, nullptr, 10);
  }
  return fallback;
}

std::string DescribeSummary(const std::string& what, const ExploreSummary& s) {
  std::ostringstream out;
  out << what << ": " << s.schedules << " schedules in " << s.seconds << " s ("
      << static_cast<int64_t>(s.per_second) << " schedules/s, "
      << (s.schedules > 0 ? s.steps / s.schedules : 0) << " steps each)";
  if (s.pct_steps > 0) out << ", pct k " << s.pct_steps;
  if (s.exhausted) out << ", bounded space exhausted";
  if (s.diverged > 0) out << ", " << s.diverged << " replays diverged";
  if (s.found_at > 0) out << ", first failure at schedule " << s.found_at;
  if (!s.blocked.empty()) out << ", " << s.blocked.size() << " distinct blockings";
  return out.str();
}

}  // namespace holdfast::explore
