// Goal: show that a Sale keeps I1-I10 (DESIGN §2, general admission) under any interleaving of
// many buyers.
// Method: worker threads each run a bounded number of randomized Hold, Confirm, Release, Extend
// and Sweep calls (valid, invalid, retried, stale, forged and foreign ones) against sales of
// several shapes, while a time-keeper thread moves a ManualClock (paced by the operation count)
// so that holds expire and sales cycles open and close mid-run, and an observer thread checks
// the relations that hold at every instant. Each worker logs exactly what the sale told it; at the
// quiescent end the sale's counters must agree with the union of those logs.
//
// HOLDFAST_STRESS_SCALE (default 1.0) scales the operation counts; HOLDFAST_STRESS_SEED fixes
// the seed of the random choices (otherwise it is random and printed with every failure).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "holdfast/holdfast.h"

#if defined(__SANITIZE_THREAD__)
#define HOLDFAST_STRESS_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HOLDFAST_STRESS_UNDER_TSAN 1
#endif
#endif
#ifndef HOLDFAST_STRESS_UNDER_TSAN
#define HOLDFAST_STRESS_UNDER_TSAN 0
#endif

namespace holdfast {
namespace {

// ThreadSanitizer slows this suite about 15x (most of its time is thread hand-offs, which TSan
// slows less than memory accesses); half the work runs in ~10 s on two cores, far below the two
// minutes allowed, and still takes every path many times.
constexpr int64_t kSanitizerDivisor = HOLDFAST_STRESS_UNDER_TSAN ? 2 : 1;
constexpr BuyerId kFirstBuyer = 1000;  // the buyer pool is kFirstBuyer .. kFirstBuyer + buyers - 1
constexpr BuyerId kProbeBuyer = 7;     // used only by the quiescent I5 probe
// Deadlines are stored in microseconds (config.h); a millisecond of slack makes the test's
// live/dead classification of a hold immune to that rounding.
constexpr int64_t kMarginNs = 1'000'000;
constexpr int64_t kOpsPerReport = 16;
constexpr size_t kOpenHoldsMax = 16;  // holds a worker keeps working on; older ones it abandons
constexpr size_t kRingMax = 64;       // ended or abandoned ids kept for stale-handle calls
constexpr int kCorruptions = 12;      // kinds of invalid Hold requests, see Corrupt()

absl::Time StartWall() { return absl::FromUnixSeconds(1'795'000'000); }

template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

std::string Hex(uint64_t value) {
  std::ostringstream out;
  out << "0x" << std::hex << value;
  return out.str();
}

double StressScale() {
  const char* text = std::getenv("HOLDFAST_STRESS_SCALE");
  if (text == nullptr) return 1.0;
  char* end = nullptr;
  const double scale = std::strtod(text, &end);
  return (end != text && scale > 0) ? scale : 1.0;
}

uint64_t StressSeed() {
  const char* text = std::getenv("HOLDFAST_STRESS_SEED");
  if (text != nullptr && *text != '\0') return std::strtoull(text, nullptr, 0);
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

// A set of outcomes, one bit each.
using OutcomeSet = uint32_t;

constexpr OutcomeSet Bit(Outcome outcome) { return OutcomeSet{1} << static_cast<int>(outcome); }

bool Contains(OutcomeSet set, Outcome outcome) {
  return static_cast<int>(outcome) < kOutcomeCount && (set & Bit(outcome)) != 0;
}

std::string Names(OutcomeSet set) {
  std::string names;
  for (int i = 0; i < kOutcomeCount; ++i) {
    if (((set >> i) & 1) == 0) continue;
    if (!names.empty()) names += "|";
    names += OutcomeName(static_cast<Outcome>(i));
  }
  return names;
}

constexpr OutcomeSet kEndedAnswers = Bit(Outcome::kExpired) | Bit(Outcome::kUnknownHold);
constexpr OutcomeSet kForeignAnswers = Bit(Outcome::kNotOwner) | Bit(Outcome::kUnknownHold) |
                                       Bit(Outcome::kExpired) | Bit(Outcome::kAlreadyConfirmed);
// What a valid Hold may answer besides kOk. kHoldTableFull is not among them: every shape sizes
// holds_max above what its per-buyer hold limits (or its stock) let be live at once.
// kTryAgain is: a thread preempted while it gives back an expired hold's units (more threads
// than cores) can make a Hold that needs them answer it, which changes nothing.
constexpr OutcomeSet kHoldRefusals = Bit(Outcome::kSoldOut) | Bit(Outcome::kBuyerLimit) |
                                     Bit(Outcome::kTooManyHolds) | Bit(Outcome::kTryAgain);

// Invariant violations seen by one thread; the main thread reports them after the join, so
// checker threads never call into GoogleTest and a broken build cannot flood the log.
class Violations {
 public:
  void Add(std::string message) {
    ++count_;
    if (messages_.size() < kMessagesMax) messages_.push_back(std::move(message));
  }
  void Merge(const Violations& other) {
    count_ += other.count_;
    for (const std::string& message : other.messages_) {
      if (messages_.size() < kMessagesMax) messages_.push_back(message);
    }
  }
  int64_t count() const { return count_; }
  std::string Summary() const {
    std::string summary;
    for (const std::string& message : messages_) summary += "\n  " + message;
    return summary;
  }

 private:
  static constexpr size_t kMessagesMax = 12;
  int64_t count_ = 0;
  std::vector<std::string> messages_;
};

// Relative weights of what a worker does next.
struct OpWeights {
  int hold = 30;
  int invalid_hold = 2;
  int key_retry = 4;
  int confirm = 18;
  int release = 8;
  int extend = 8;
  int foreign = 4;
  int stale = 6;
  int forged = 2;
  int sweep = 1;
};

// One sale shape and the crowd that buys from it.
struct Shape {
  std::string name;
  SaleConfig config;  // clock and idempotency_keys_max are set per round
  int threads = 8;
  int buyers = 64;                 // buyers shared by all workers, so limits see contention
  int64_t ops_per_thread = 20000;  // at scale 1, over all rounds
  int64_t ops_per_round = 0;       // per thread; 0 means one round (one sale)
  // The time keeper steps the clock (~100 ms) once per 1/ticks_per_round of a round's
  // operations, so the timeline (expiry, windows) is the same in operations on any machine.
  int ticks_per_round = 400;
  int lines_max = 1;  // lines in a valid hold, at most kLinesPerHoldMax
  int line_quantity_max = 4;
  int keyed_percent = 20;      // holds that carry an idempotency key
  int walk_away_percent = 15;  // new holds left to expire (only stale calls touch them)
  bool wall_jumps = false;     // SetWall steps (only for sales without cycles)
  OpWeights weights;
};

enum class HoldEnd : uint8_t { kLive, kConfirmed, kReleased, kExpired };
enum class Liveness : uint8_t { kLive, kDead, kUnsure };
enum class Op : uint8_t { kConfirm, kRelease, kExtend };
enum class Action : uint8_t {
  kHold,
  kInvalidHold,
  kKeyRetry,
  kConfirm,
  kRelease,
  kExtend,
  kForeign,
  kStale,
  kForged,
  kSweep,
};

std::string_view EndName(HoldEnd end) {
  switch (end) {
    case HoldEnd::kLive:
      return "not ended by its owner";
    case HoldEnd::kConfirmed:
      return "confirmed";
    case HoldEnd::kReleased:
      return "released";
    case HoldEnd::kExpired:
      return "expired";
  }
  return "?";
}

std::string_view LivenessName(Liveness liveness) {
  switch (liveness) {
    case Liveness::kLive:
      return "before its deadline";
    case Liveness::kDead:
      return "past its deadline";
    case Liveness::kUnsure:
      return "near its deadline";
  }
  return "?";
}

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kConfirm:
      return "Confirm";
    case Op::kRelease:
      return "Release";
    case Op::kExtend:
      return "Extend";
  }
  return "?";
}

// A Hold request as the worker made it; one more line than allowed fits, for invalid requests.
struct Request {
  BuyerId buyer = 0;
  std::array<HoldLine, kLinesPerHoldMax + 1> lines{};
  int line_count = 0;
  absl::Duration ttl = absl::ZeroDuration();

  absl::Span<const HoldLine> span() const {
    return absl::MakeConstSpan(lines.data(), static_cast<size_t>(line_count));
  }
  int32_t units() const {
    int32_t units = 0;
    for (const HoldLine& line : span()) units += line.quantity;
    return units;
  }
};

// What a worker knows of one hold it created. Deadlines and creation are bounded by the clock
// readings taken just before and just after the call that set them.
struct HoldRecord {
  HoldId id;
  Request request;
  uint64_t key = 0;
  int32_t units = 0;
  int64_t created_lo_ns = 0;
  int64_t created_hi_ns = 0;
  int64_t deadline_lo_ns = 0;
  int64_t deadline_hi_ns = 0;
  int cycle_first = -1;  // the cycles whose window the creation may fall in; -1 without cycles
  int cycle_last = -1;
  HoldEnd end = HoldEnd::kLive;  // as far as this worker learned
};

struct Stamp {
  int64_t mono_ns = 0;
  absl::Time wall;
};

// Everything one worker was told: its holds and how many answers of each outcome it got.
struct WorkerLog {
  std::unordered_map<uint64_t, HoldRecord> holds;
  std::array<int64_t, kOutcomeCount> outcomes{};
  Violations violations;
};

enum class WindowState : uint8_t { kOpen, kNotOpen, kClosed, kUnsure };

struct Window {
  WindowState state = WindowState::kUnsure;
  int cycle = -1;  // kOpen: the open cycle; kNotOpen: the next one to open, so gaps differ
  friend bool operator==(const Window&, const Window&) = default;
};

// The cycles' windows on the wall clock: cycle k runs from its opens_at to its closes_at or the
// next cycle's opens_at, whichever is first.
class Timeline {
 public:
  explicit Timeline(const std::vector<CycleConfig>& cycles) {
    for (size_t k = 0; k < cycles.size(); ++k) {
      absl::Time end = cycles[k].closes_at;
      if (k + 1 < cycles.size()) end = std::min(end, cycles[k + 1].opens_at);
      spans_.push_back({cycles[k].opens_at, end});
    }
  }

  bool empty() const { return spans_.empty(); }

  // Where `wall` falls; kUnsure within the margin of any window's edge.
  Window At(absl::Time wall) const {
    const absl::Duration margin = absl::Nanoseconds(kMarginNs);
    for (size_t k = 0; k < spans_.size(); ++k) {
      const WindowSpan& span = spans_[k];
      if (absl::AbsDuration(wall - span.begin) <= margin ||
          absl::AbsDuration(wall - span.end) <= margin) {
        return {WindowState::kUnsure, -1};
      }
      if (span.begin < wall && wall < span.end) return {WindowState::kOpen, static_cast<int>(k)};
    }
    for (size_t k = 0; k < spans_.size(); ++k) {  // before the first window or in a gap
      if (wall < spans_[k].begin) return {WindowState::kNotOpen, static_cast<int>(k)};
    }
    return {WindowState::kClosed, -1};
  }

  // The first and last cycle whose window, widened by the margin, meets [from, to]; {-1, -1}
  // when none does.
  std::pair<int, int> Touched(absl::Time from, absl::Time to) const {
    const absl::Duration margin = absl::Nanoseconds(kMarginNs);
    int first = -1;
    int last = -1;
    for (size_t k = 0; k < spans_.size(); ++k) {
      if (spans_[k].begin - margin <= to && from <= spans_[k].end + margin) {
        if (first < 0) first = static_cast<int>(k);
        last = static_cast<int>(k);
      }
    }
    return {first, last};
  }

 private:
  struct WindowSpan {
    absl::Time begin;
    absl::Time end;
  };
  std::vector<WindowSpan> spans_;
};

// What the threads of one round share.
struct SharedState {
  SharedState(const Shape& shape_in, const SaleConfig& config_in, ManualClock& clock_in,
              Sale& sale_in, int64_t ops_per_tick_in, uint64_t tick_seed_in)
      : shape(shape_in),
        config(config_in),
        clock(clock_in),
        sale(sale_in),
        timeline(config_in.cycles),
        ops_per_tick(ops_per_tick_in),
        tick_seed(tick_seed_in) {}

  const Shape& shape;
  const SaleConfig& config;
  ManualClock& clock;
  Sale& sale;
  const Timeline timeline;
  const int64_t ops_per_tick;
  const uint64_t tick_seed;
  // The start barrier, so that the workers overlap as much as the machine allows. Seq_cst: it is
  // off the measured path and carries no data.
  std::atomic<int> workers_ready{0};
  // Operations done by all workers, and clock steps taken. Relaxed: they only pace the clock
  // (the compare-and-swap on ticks_taken makes each step happen once) and carry no data.
  std::atomic<int64_t> ops_done{0};
  std::atomic<int64_t> ticks_taken{0};
  // Set after every worker has joined; the observer and keeper only stop on it (their results
  // are read after their own join), so seq_cst is simply the plainest choice.
  std::atomic<bool> workers_done{false};
};

Stamp Now(const ManualClock& clock) { return {clock.MonotonicNanos(), clock.WallNow()}; }

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// Takes the next clock step if the workers have earned it, and returns whether this call took
// it. The time keeper calls it in a loop; a worker that runs more than two steps ahead (the
// keeper starved of CPU) takes steps itself, so nobody waits and the timeline follows the
// operations. Each step's size comes from its index, not from who takes it.
bool TryTick(SharedState& state) {
  int64_t tick = state.ticks_taken.load(std::memory_order_relaxed);
  if (state.ops_done.load(std::memory_order_relaxed) < (tick + 1) * state.ops_per_tick) {
    return false;
  }
  if (!state.ticks_taken.compare_exchange_strong(tick, tick + 1, std::memory_order_relaxed)) {
    return false;
  }
  const uint64_t random = Mix(state.tick_seed + static_cast<uint64_t>(tick));
  state.clock.Advance(absl::Milliseconds(50 + random % 101));
  // A wall-clock step must not cut a hold short (DESIGN §5); only in sales without cycles,
  // whose windows would move with it.
  if (state.shape.wall_jumps && (random >> 8) % 8 == 0) {
    const int64_t minutes = static_cast<int64_t>((random >> 16) % 2881) - 1440;
    state.clock.SetWall(StartWall() + absl::Minutes(minutes));
  }
  return true;
}

int64_t Nanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

// The outcomes that a request with a valid window check may be refused with, given where the
// wall clock was before and after the call: none if the window was open throughout.
OutcomeSet WindowRefusals(const Timeline& timeline, const Stamp& before, const Stamp& after) {
  if (timeline.empty()) return 0;
  const Window window = timeline.At(before.wall);
  if (window.state == WindowState::kUnsure || !(window == timeline.At(after.wall))) {
    return Bit(Outcome::kNotOpen) | Bit(Outcome::kClosed);
  }
  switch (window.state) {
    case WindowState::kOpen:
      return 0;
    case WindowState::kNotOpen:
      return Bit(Outcome::kNotOpen);
    case WindowState::kClosed:
      return Bit(Outcome::kClosed);
    case WindowState::kUnsure:
      break;
  }
  return Bit(Outcome::kNotOpen) | Bit(Outcome::kClosed);
}

// Whether a hold was certainly live (or dead) for the whole of a call bracketed by the stamps.
Liveness Classify(const HoldRecord& record, const Stamp& before, const Stamp& after) {
  if (after.mono_ns < record.deadline_lo_ns - kMarginNs) return Liveness::kLive;
  if (before.mono_ns >= record.deadline_hi_ns + kMarginNs) return Liveness::kDead;
  return Liveness::kUnsure;
}

// What an owner's Confirm, Release or Extend may answer, from the hold's history (I3, I4, I8, I9).
OutcomeSet ExpectedForOwner(HoldEnd end, Op op, ConfirmMode mode, bool ttl_valid,
                            Liveness liveness) {
  const OutcomeSet bad_ttl = ttl_valid ? 0 : Bit(Outcome::kInvalidArgument);
  switch (end) {
    case HoldEnd::kConfirmed: {
      const bool retry_ok = op == Op::kConfirm && mode == ConfirmMode::kRetryIsOk;
      return bad_ttl | Bit(Outcome::kUnknownHold) |
             Bit(retry_ok ? Outcome::kOk : Outcome::kAlreadyConfirmed);
    }
    case HoldEnd::kReleased:
      return bad_ttl | Bit(Outcome::kUnknownHold);
    case HoldEnd::kExpired:
      return bad_ttl | kEndedAnswers;
    case HoldEnd::kLive:
      break;
  }
  const OutcomeSet success = ttl_valid ? Bit(Outcome::kOk) : Bit(Outcome::kInvalidArgument);
  if (liveness == Liveness::kLive) return success;
  if (liveness == Liveness::kDead) return kEndedAnswers | bad_ttl;
  return kEndedAnswers | success;
}

// One buyer-simulating thread. It owns its log; nothing in it is shared.
class Worker {
 public:
  Worker(SharedState& state, int index, uint64_t seed)
      : state_(state), index_(index), rng_(SeedOf(seed, index)), actions_(Distribution(state)) {}

  void Run(int64_t ops);
  WorkerLog& log() { return log_; }

 private:
  void ReportProgress();
  static std::mt19937_64 SeedOf(uint64_t seed, int index) {
    std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                           static_cast<uint32_t>(index)};
    return std::mt19937_64(sequence);
  }
  static std::discrete_distribution<int> Distribution(const SharedState& state) {
    const OpWeights& w = state.shape.weights;
    const std::array<int, 10> weights = {w.hold,    w.invalid_hold, w.key_retry, w.confirm,
                                         w.release, w.extend,       w.foreign,   w.stale,
                                         w.forged,  w.sweep};
    return std::discrete_distribution<int>(weights.begin(), weights.end());
  }

  void RunOne(Action action);
  void DoHold(bool keyed);
  void DoInvalidHold();
  void DoKeyRetry();
  void DoOwnOp(Op op);
  void DoForeign();
  void DoStale();
  void DoForged();
  void DoSweep();

  Outcome ApplyOwnOp(HoldRecord& record, Op op);
  void Transition(HoldRecord& record, Op op, Outcome outcome, absl::Duration ttl,
                  const Stamp& before, const Stamp& after);
  void CheckRetryRefused(const HoldRecord& original, Outcome outcome, const Stamp& before,
                         const Stamp& after);
  void CheckRetrySameHold(const HoldRecord& original, const Stamp& before, const Stamp& after);
  void CheckRefusal(Outcome outcome, const Stamp& before, const Stamp& after);
  void AcceptHold(const Request& request, uint64_t key, HoldId id, const Stamp& before,
                  const Stamp& after);
  void AddRecord(const Request& request, uint64_t key, HoldId id, const Stamp& before,
                 const Stamp& after);

  HoldResult CallHold(const Request& request, uint64_t key);
  Outcome Call(Op op, HoldId id, BuyerId buyer, ConfirmMode mode, absl::Duration ttl);
  void Count(Outcome outcome);

  Request RandomRequest();
  std::string_view Corrupt(Request& request, int kind);
  absl::Duration RandomTtl(bool allow_default);
  absl::Duration InvalidExtendTtl();
  int64_t TtlNanos(absl::Duration ttl) const;
  BuyerId RandomBuyer() { return kFirstBuyer + rng_() % state_.shape.buyers; }
  BuyerId OtherBuyer(BuyerId buyer);
  Op RandomOp() { return static_cast<Op>(rng_() % 3); }
  ConfirmMode RandomMode() {
    return Roll(20) ? ConfirmMode::kReportAlreadyConfirmed : ConfirmMode::kRetryIsOk;
  }
  bool Roll(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  uint64_t NextKey() { return (uint64_t(index_ + 1) << 48) | ++keys_used_; }
  void Remember(std::vector<uint64_t>& ring, uint64_t id);
  void Retire(size_t open_index);
  Stamp Now() const { return holdfast::Now(state_.clock); }
  void Violation(std::string message) { log_.violations.Add(std::move(message)); }
  std::string Describe(const HoldRecord& record, const Stamp& before, const Stamp& after) const;

  SharedState& state_;
  const int index_;
  std::mt19937_64 rng_;
  std::discrete_distribution<int> actions_;
  WorkerLog log_;
  std::vector<uint64_t> open_;   // ids of holds this worker still works on
  std::vector<uint64_t> known_;  // ids of ended or abandoned holds, for stale calls
  std::vector<uint64_t> keyed_;  // keys used, for idempotent retries
  std::unordered_map<uint64_t, uint64_t> latest_hold_of_key_;  // key -> id of its latest hold
  uint64_t keys_used_ = 0;
};

void Worker::Run(int64_t ops) {
  state_.workers_ready.fetch_add(1);
  while (state_.workers_ready.load() < state_.shape.threads) std::this_thread::yield();
  for (int64_t i = 0; i < ops; ++i) {
    RunOne(static_cast<Action>(actions_(rng_)));
    if ((i + 1) % kOpsPerReport == 0) ReportProgress();
  }
}

// Counts the operations, and takes the clock steps the time keeper is more than two behind on.
void Worker::ReportProgress() {
  const int64_t done =
      state_.ops_done.fetch_add(kOpsPerReport, std::memory_order_relaxed) + kOpsPerReport;
  while (done > (state_.ticks_taken.load(std::memory_order_relaxed) + 2) * state_.ops_per_tick) {
    TryTick(state_);
  }
}

void Worker::RunOne(Action action) {
  switch (action) {
    case Action::kHold:
      return DoHold(Roll(state_.shape.keyed_percent));
    case Action::kInvalidHold:
      return DoInvalidHold();
    case Action::kKeyRetry:
      return DoKeyRetry();
    case Action::kConfirm:
      return DoOwnOp(Op::kConfirm);
    case Action::kRelease:
      return DoOwnOp(Op::kRelease);
    case Action::kExtend:
      return DoOwnOp(Op::kExtend);
    case Action::kForeign:
      return DoForeign();
    case Action::kStale:
      return DoStale();
    case Action::kForged:
      return DoForged();
    case Action::kSweep:
      return DoSweep();
  }
}

void Worker::DoHold(bool keyed) {
  const Request request = RandomRequest();
  const uint64_t key = keyed ? NextKey() : 0;
  const Stamp before = Now();
  const HoldResult result = CallHold(request, key);
  const Stamp after = Now();
  if (result.ok()) {
    AcceptHold(request, key, result.id, before, after);
  } else {
    CheckRefusal(result.outcome, before, after);
  }
}

void Worker::DoInvalidHold() {
  Request request = RandomRequest();
  const std::string_view what = Corrupt(request, static_cast<int>(rng_() % kCorruptions));
  const Stamp before = Now();
  const HoldResult result = CallHold(request, 0);
  const Stamp after = Now();
  const OutcomeSet expected =
      Bit(Outcome::kInvalidArgument) | WindowRefusals(state_.timeline, before, after);
  if (!Contains(expected, result.outcome)) {
    Violation(Cat("an invalid Hold (", what, ") answered ", OutcomeName(result.outcome),
                  ", expected ", Names(expected)));
  }
}

// Repeats the Hold of one of this worker's keyed holds, same buyer, lines and key: a client
// retrying after a lost response. While the first hold is live it must come back, counted once.
void Worker::DoKeyRetry() {
  if (keyed_.empty()) return DoHold(/*keyed=*/true);
  const HoldRecord& original =
      log_.holds.at(latest_hold_of_key_.at(keyed_[rng_() % keyed_.size()]));
  const Stamp before = Now();
  const HoldResult result = CallHold(original.request, original.key);
  const Stamp after = Now();
  if (!result.ok()) return CheckRetryRefused(original, result.outcome, before, after);
  if (result.id == original.id) return CheckRetrySameHold(original, before, after);
  if (original.end == HoldEnd::kLive && Classify(original, before, after) == Liveness::kLive) {
    Violation(Cat("idempotency: a retry made a second hold ", Hex(result.id.value),
                  " while the key's first hold is live: ", Describe(original, before, after)));
  }
  const Request request = original.request;  // AcceptHold may grow the map
  AcceptHold(request, original.key, result.id, before, after);
}

void Worker::CheckRetryRefused(const HoldRecord& original, Outcome outcome, const Stamp& before,
                               const Stamp& after) {
  if (original.end == HoldEnd::kLive && Classify(original, before, after) == Liveness::kLive &&
      WindowRefusals(state_.timeline, before, after) == 0) {
    Violation(Cat("idempotency: a retry answered ", OutcomeName(outcome),
                  " while the key's hold is live: ", Describe(original, before, after)));
    return;
  }
  CheckRefusal(outcome, before, after);
}

void Worker::CheckRetrySameHold(const HoldRecord& original, const Stamp& before,
                                const Stamp& after) {
  const bool ended =
      original.end == HoldEnd::kReleased || original.end == HoldEnd::kExpired ||
      (original.end == HoldEnd::kLive && Classify(original, before, after) == Liveness::kDead);
  if (ended) {
    Violation(Cat("idempotency: a retry answered kOk with a hold that is no longer live: ",
                  Describe(original, before, after)));
  }
}

void Worker::DoOwnOp(Op op) {
  if (open_.empty()) return DoHold(Roll(state_.shape.keyed_percent));
  const size_t index = rng_() % open_.size();
  HoldRecord& record = log_.holds.at(open_[index]);
  const Outcome outcome = ApplyOwnOp(record, op);
  // A retry after a lost response must answer kOk again and sell nothing twice (I9).
  if (op == Op::kConfirm && outcome == Outcome::kOk && Roll(30)) ApplyOwnOp(record, Op::kConfirm);
  if (record.end != HoldEnd::kLive) Retire(index);
}

// Calls `op` on the worker's own hold as its owner and checks the answer against the hold's
// history and the clock (I3, I4, I8, I9).
Outcome Worker::ApplyOwnOp(HoldRecord& record, Op op) {
  const ConfirmMode mode = RandomMode();
  const bool ttl_valid = op != Op::kExtend || !Roll(10);
  const absl::Duration ttl = ttl_valid ? RandomTtl(/*allow_default=*/false) : InvalidExtendTtl();
  const Stamp before = Now();
  const Outcome outcome = Call(op, record.id, record.request.buyer, mode, ttl);
  const Stamp after = Now();
  const OutcomeSet expected =
      ExpectedForOwner(record.end, op, mode, ttl_valid, Classify(record, before, after));
  if (!Contains(expected, outcome)) {
    Violation(Cat(OpName(op), mode == ConfirmMode::kRetryIsOk ? "" : " (report mode)",
                  ttl_valid ? "" : " (bad ttl)", " by the owner answered ", OutcomeName(outcome),
                  ", expected ", Names(expected), ": ", Describe(record, before, after)));
  }
  Transition(record, op, outcome, ttl, before, after);
  return outcome;
}

// Updates what the worker knows of a hold after its own call on it. Updates follow the sale's
// answer even when it was wrong, so that one bug is reported once, not again by every count.
void Worker::Transition(HoldRecord& record, Op op, Outcome outcome, absl::Duration ttl,
                        const Stamp& before, const Stamp& after) {
  if (record.end != HoldEnd::kLive) return;
  if (outcome == Outcome::kExpired || outcome == Outcome::kUnknownHold) {
    record.end = HoldEnd::kExpired;  // only expiry ends a hold behind its owner's back
    return;
  }
  if (outcome != Outcome::kOk) return;
  if (op == Op::kConfirm) record.end = HoldEnd::kConfirmed;
  if (op == Op::kRelease) record.end = HoldEnd::kReleased;
  if (op == Op::kExtend) {
    const int64_t lifetime_ns = Nanos(state_.config.hold_lifetime_max);
    record.deadline_lo_ns =
        std::min(before.mono_ns + Nanos(ttl), record.created_lo_ns + lifetime_ns);
    record.deadline_hi_ns =
        std::min(after.mono_ns + Nanos(ttl), record.created_hi_ns + lifetime_ns);
  }
}

// Another buyer's Confirm, Release or Extend of this worker's hold changes nothing (I8).
void Worker::DoForeign() {
  const bool use_open = !open_.empty() && (known_.empty() || Roll(70));
  const std::vector<uint64_t>& pool = use_open ? open_ : known_;
  if (pool.empty()) return DoHold(/*keyed=*/false);
  HoldRecord& record = log_.holds.at(pool[rng_() % pool.size()]);
  const Op op = RandomOp();
  const BuyerId intruder = OtherBuyer(record.request.buyer);
  const Stamp before = Now();
  const Outcome outcome =
      Call(op, record.id, intruder, RandomMode(), RandomTtl(/*allow_default=*/false));
  const Stamp after = Now();
  OutcomeSet expected = kForeignAnswers;
  if (record.end == HoldEnd::kLive && Classify(record, before, after) == Liveness::kLive) {
    expected = Bit(Outcome::kNotOwner);
  }
  if (!Contains(expected, outcome)) {
    Violation(Cat("I8: ", OpName(op), " by buyer ", intruder, " answered ", OutcomeName(outcome),
                  ", expected ", Names(expected), ": ", Describe(record, before, after)));
  }
  // kExpired says the deadline has passed, whoever asked: the owner can never confirm it (I4).
  if (outcome == Outcome::kExpired && record.end == HoldEnd::kLive) record.end = HoldEnd::kExpired;
}

void Worker::DoStale() {
  if (known_.empty()) return DoForged();
  ApplyOwnOp(log_.holds.at(known_[rng_() % known_.size()]), RandomOp());
}

void Worker::DoForged() {
  const HoldId forged{Roll(10) ? 0 : rng_()};
  const Op op = RandomOp();
  const Outcome outcome =
      Call(op, forged, RandomBuyer(), RandomMode(), RandomTtl(/*allow_default=*/false));
  if (outcome != Outcome::kUnknownHold) {
    Violation(Cat("I8: ", OpName(op), " of forged id ", Hex(forged.value), " answered ",
                  OutcomeName(outcome)));
  }
}

void Worker::DoSweep() {
  // A time ahead of the clock is cut to the clock's now: no hold may expire early.
  const int64_t expired =
      Roll(30) ? state_.sale.Sweep(state_.clock.MonotonicNanos() + Nanos(absl::Hours(1)))
               : state_.sale.Sweep();
  if (expired < 0) Violation(Cat("Sweep returned ", expired));
}

void Worker::CheckRefusal(Outcome outcome, const Stamp& before, const Stamp& after) {
  const OutcomeSet expected = kHoldRefusals | WindowRefusals(state_.timeline, before, after);
  if (!Contains(expected, outcome)) {
    Violation(Cat("a valid Hold answered ", OutcomeName(outcome), ", expected ", Names(expected),
                  " (wall ", before.wall, " .. ", after.wall, ")"));
  }
}

void Worker::AcceptHold(const Request& request, uint64_t key, HoldId id, const Stamp& before,
                        const Stamp& after) {
  if (id.value == 0 || log_.holds.contains(id.value)) {
    Violation(Cat("I8: a new hold got id ", Hex(id.value), ", which is 0 or names an earlier hold",
                  key == 0 ? "" : " (keyed)"));
    return;
  }
  if (!state_.timeline.empty() && state_.timeline.Touched(before.wall, after.wall).first < 0) {
    Violation(Cat("I7: a hold was created outside every cycle window (wall ", before.wall, " .. ",
                  after.wall, ")"));
  }
  AddRecord(request, key, id, before, after);
}

void Worker::AddRecord(const Request& request, uint64_t key, HoldId id, const Stamp& before,
                       const Stamp& after) {
  HoldRecord& record = log_.holds[id.value];
  record.id = id;
  record.request = request;
  record.key = key;
  record.units = request.units();
  record.created_lo_ns = before.mono_ns;
  record.created_hi_ns = after.mono_ns;
  record.deadline_lo_ns = before.mono_ns + TtlNanos(request.ttl);
  record.deadline_hi_ns = after.mono_ns + TtlNanos(request.ttl);
  std::tie(record.cycle_first, record.cycle_last) =
      state_.timeline.Touched(before.wall, after.wall);
  if (Roll(state_.shape.walk_away_percent)) {
    Remember(known_, id.value);  // the buyer walks away; the hold should expire
  } else if (open_.size() < kOpenHoldsMax) {
    open_.push_back(id.value);
  } else {  // abandon one: it lives on until it expires, and serves stale calls
    uint64_t& victim = open_[rng_() % open_.size()];
    Remember(known_, victim);
    victim = id.value;
  }
  if (key == 0) return;
  // A retry that made a new hold for the key (the first one had ended) replaces it.
  const auto [it, inserted] = latest_hold_of_key_.insert_or_assign(key, id.value);
  if (inserted) Remember(keyed_, key);
}

HoldResult Worker::CallHold(const Request& request, uint64_t key) {
  const HoldResult result =
      state_.sale.Hold(request.buyer, request.span(), {.ttl = request.ttl, .idempotency_key = key});
  Count(result.outcome);
  return result;
}

Outcome Worker::Call(Op op, HoldId id, BuyerId buyer, ConfirmMode mode, absl::Duration ttl) {
  Outcome outcome = Outcome::kOk;
  switch (op) {
    case Op::kConfirm:
      outcome = state_.sale.Confirm(id, buyer, mode);
      break;
    case Op::kRelease:
      outcome = state_.sale.Release(id, buyer);
      break;
    case Op::kExtend:
      outcome = state_.sale.Extend(id, buyer, ttl);
      break;
  }
  Count(outcome);
  return outcome;
}

void Worker::Count(Outcome outcome) {
  const int index = static_cast<int>(outcome);
  if (index < kOutcomeCount) {
    ++log_.outcomes[index];
  } else {
    Violation(Cat("an operation answered the outcome value ", index));
  }
}

Request Worker::RandomRequest() {
  const SaleConfig& config = state_.config;
  Request request;
  request.buyer = RandomBuyer();
  request.ttl = RandomTtl(/*allow_default=*/true);
  request.line_count = 1 + static_cast<int>(rng_() % state_.shape.lines_max);
  int32_t budget = config.units_per_hold_max;  // lines of one type may repeat; they add up
  for (int i = 0; i < request.line_count; ++i) {
    HoldLine& line = request.lines[i];
    line.type = static_cast<TypeId>(rng_() % config.types.size());
    const int32_t left = budget - (request.line_count - i - 1);  // one unit for each later line
    line.quantity =
        std::min<int32_t>(1 + static_cast<int32_t>(rng_() % state_.shape.line_quantity_max), left);
    budget -= line.quantity;
  }
  return request;
}

// Turns a valid request into one that Hold must refuse with kInvalidArgument; returns what.
std::string_view Worker::Corrupt(Request& request, int kind) {
  const int32_t units_max = state_.config.units_per_hold_max;
  switch (kind) {
    case 0:
      request.line_count = 0;
      return "no lines";
    case 1:
      request.line_count = kLinesPerHoldMax + 1;
      for (HoldLine& line : request.lines) line = {.type = 0, .quantity = 1};
      return "too many lines";
    case 2:
      request.lines[0].quantity = 0;
      return "zero quantity";
    case 3:
      request.lines[0].quantity = -1 - static_cast<int32_t>(rng_() % 5);
      return "negative";
    case 4:
      request.line_count = 1;
      request.lines[0].quantity = units_max + 1;
      return "too many";
    case 5:
      request.line_count = 1;
      request.lines[0].quantity = std::numeric_limits<int32_t>::max();
      return "huge quantity";
    case 6:
      request.line_count = 2;
      request.lines[1] = request.lines[0] = {.type = 0, .quantity = units_max / 2 + 1};
      return "two lines of one type adding up past units_per_hold_max";
    case 7:
      request.lines[0].type = static_cast<TypeId>(state_.config.types.size());
      break;
    case 8:
      request.lines[0].type = ~TypeId{0};
      break;
    case 9:
      request.ttl = -absl::Milliseconds(1 + rng_() % 1000);
      return "negative ttl";
    case 10:
      request.ttl = state_.config.hold_lifetime_max + absl::Milliseconds(1);
      return "ttl above hold_lifetime_max";
    default:
      request.buyer = kReservedBuyer;
      return "kReservedBuyer";
  }
  return "unknown type";
}

absl::Duration Worker::RandomTtl(bool allow_default) {
  static constexpr int64_t kChoicesMs[] = {0, 150, 330, 700, 1100, 2300};
  const size_t first = allow_default ? 0 : 1;
  const int64_t ms = kChoicesMs[first + rng_() % (std::size(kChoicesMs) - first)];
  return std::min(absl::Milliseconds(ms), state_.config.hold_lifetime_max);
}

absl::Duration Worker::InvalidExtendTtl() {
  switch (rng_() % 3) {
    case 0:
      return absl::ZeroDuration();
    case 1:
      return -absl::Milliseconds(100);
    default:
      return state_.config.hold_lifetime_max + absl::Milliseconds(1);
  }
}

int64_t Worker::TtlNanos(absl::Duration ttl) const {
  return Nanos(ttl == absl::ZeroDuration() ? state_.config.hold_ttl_default : ttl);
}

BuyerId Worker::OtherBuyer(BuyerId buyer) {
  const BuyerId offset = 1 + rng_() % (state_.shape.buyers - 1);
  return kFirstBuyer + (buyer - kFirstBuyer + offset) % state_.shape.buyers;
}

void Worker::Remember(std::vector<uint64_t>& ring, uint64_t id) {
  if (ring.size() < kRingMax) {
    ring.push_back(id);
  } else {
    ring[rng_() % ring.size()] = id;
  }
}

void Worker::Retire(size_t open_index) {
  Remember(known_, open_[open_index]);
  open_[open_index] = open_.back();
  open_.pop_back();
}

std::string Worker::Describe(const HoldRecord& record, const Stamp& before,
                             const Stamp& after) const {
  return Cat("hold ", Hex(record.id.value), " of buyer ", record.request.buyer, " (", record.units,
             " units, ", EndName(record.end), ", ", LivenessName(Classify(record, before, after)),
             "; clock ", before.mono_ns, " .. ", after.mono_ns, " ns, deadline ",
             record.deadline_lo_ns, " .. ", record.deadline_hi_ns, " ns, created ",
             record.created_lo_ns, " ns)");
}

// Checks, while the workers run, the relations that hold at every instant whatever the
// interleaving (I1, I6): counters within their bounds, monotonic counters never going back.
// Snapshots are racy, so no relation between two separately read counters is checked, except
// sums of monotonic counters against a bound they can never pass.
class Observer {
 public:
  explicit Observer(SharedState& state)
      : state_(state),
        last_types_(state.config.types.size()),
        last_bought_(state.shape.buyers, 0) {}

  void Run() {
    do {
      ObserveTypes();
      ObserveQuotas();
      ObserveCycles();
      ObserveSale();
      ObserveBuyers();
      ++passes_;  // no yield: the observer should look as often as the machine lets it
    } while (!state_.workers_done.load());
  }
  const Violations& violations() const { return violations_; }
  int64_t passes() const { return passes_; }

 private:
  void ObserveTypes();
  void ObserveQuotas();
  void ObserveCycles();
  void ObserveSale();
  void ObserveBuyers();
  void Within(std::string_view what, int64_t index, int64_t value, int64_t low, int64_t high) {
    if (value < low || value > high) {
      violations_.Add(
          Cat(what, "[", index, "] = ", value, " outside [", low, ", ", high, "] mid-run"));
    }
  }
  void Grows(std::string_view what, int64_t index, int64_t before, int64_t now) {
    if (now < before) {
      violations_.Add(Cat("I10: ", what, "[", index, "] went back from ", before, " to ", now));
    }
  }

  SharedState& state_;
  std::vector<TypeStats> last_types_;
  SaleStats last_sale_;
  std::vector<int64_t> last_bought_;
  int next_buyer_ = 0;
  int64_t passes_ = 0;
  Violations violations_;
};

void Observer::ObserveTypes() {
  for (TypeId t = 0; t < state_.config.types.size(); ++t) {
    const int64_t capacity = state_.config.types[t].capacity;
    const TypeStats stats = state_.sale.TypeStatsOf(t);
    Within("I1: TypeStats.capacity", t, stats.capacity, capacity, capacity);
    Within("I1: TypeStats.available", t, stats.available, 0, capacity);
    Within("I1: TypeStats.held_units", t, stats.held_units, 0, capacity);
    Within("I1: TypeStats.sold_units", t, stats.sold_units, 0, capacity);
    Within("I1: TypeAvailable", t, state_.sale.TypeAvailable(t), 0, capacity);
    Within("I1: Available", t, state_.sale.Available(t), 0, capacity);
    const TypeStats& last = last_types_[t];
    Grows("TypeStats.sold_units", t, last.sold_units, stats.sold_units);
    Grows("TypeStats.released_units", t, last.released_units, stats.released_units);
    Grows("TypeStats.expired_units", t, last.expired_units, stats.expired_units);
    last_types_[t] = stats;
  }
}

// Sold counters only grow, so a sum of sold counters read one after another is at most their
// sum at the last read, which I1 bounds by the quota.
void Observer::ObserveQuotas() {
  for (size_t q = 0; q < state_.config.quotas.size(); ++q) {
    const QuotaConfig& quota = state_.config.quotas[q];
    Within("I1: QuotaAvailable", q, state_.sale.QuotaAvailable(static_cast<int>(q)), 0,
           quota.capacity);
    int64_t sold = 0;
    for (TypeId t : quota.types) sold += last_types_[t].sold_units;
    Within("I1: sold units over quota", q, sold, 0, quota.capacity);
  }
}

void Observer::ObserveCycles() {
  const std::vector<CycleConfig>& cycles = state_.config.cycles;
  if (cycles.empty()) return;
  int64_t allotments = 0;
  for (size_t k = 0; k < cycles.size(); ++k) {
    allotments += cycles[k].allotment;
    const bool gets_rollover = k > 0 && cycles[k - 1].rollover;
    Within("I1: CycleAvailable", k, state_.sale.CycleAvailable(static_cast<int>(k)), 0,
           gets_rollover ? std::numeric_limits<int64_t>::max() : cycles[k].allotment);
  }
  int64_t sold = 0;
  for (const TypeStats& stats : last_types_) sold += stats.sold_units;
  Within("I7: sold units over all cycles", 0, sold, 0, allotments);
  const Stamp before = Now(state_.clock);
  const int current = state_.sale.CurrentCycle();
  const Window window = state_.timeline.At(before.wall);
  if (window.state != WindowState::kUnsure &&
      window == state_.timeline.At(Now(state_.clock).wall)) {
    const int expected = window.state == WindowState::kOpen ? window.cycle : -1;
    Within("I7: CurrentCycle at a steady wall clock", 0, current, expected, expected);
  }
}

void Observer::ObserveSale() {
  const SaleStats stats = state_.sale.Stats();
  int64_t capacity = 0;
  for (const TicketTypeConfig& type : state_.config.types) capacity += type.capacity;
  Within("I1: Stats.sold_units", 0, stats.sold_units, 0, capacity);
  Within("I1: Stats.held_units", 0, stats.held_units, 0, capacity);
  Within("I1: Stats.live_holds", 0, stats.live_holds, 0, state_.config.holds_max);
  const SaleStats& last = last_sale_;
  Grows("Stats.holds_created", 0, last.holds_created, stats.holds_created);
  Grows("Stats.holds_confirmed", 0, last.holds_confirmed, stats.holds_confirmed);
  Grows("Stats.holds_released", 0, last.holds_released, stats.holds_released);
  Grows("Stats.holds_expired", 0, last.holds_expired, stats.holds_expired);
  Grows("Stats.sold_units", 0, last.sold_units, stats.sold_units);
  Grows("Stats.released_units", 0, last.released_units, stats.released_units);
  Grows("Stats.expired_units", 0, last.expired_units, stats.expired_units);
  for (int i = 0; i < kOutcomeCount; ++i) {
    Grows("Stats.outcomes", i, last.outcomes[i], stats.outcomes[i]);
  }
  last_sale_ = stats;
}

void Observer::ObserveBuyers() {
  const SaleConfig& config = state_.config;
  const int64_t units_max = config.per_buyer_units_max > 0 ? config.per_buyer_units_max
                                                           : std::numeric_limits<int64_t>::max();
  const int64_t holds_max = config.per_buyer_holds_max > 0 ? config.per_buyer_holds_max
                                                           : std::numeric_limits<int64_t>::max();
  for (int i = 0; i < 4; ++i) {
    const int b = next_buyer_;
    next_buyer_ = (next_buyer_ + 1) % state_.shape.buyers;
    const BuyerCounts counts = state_.sale.Buyer(kFirstBuyer + b);
    Within("I6: Buyer.held_units", kFirstBuyer + b, counts.held_units, 0, units_max);
    Within("I6: Buyer.bought_units", kFirstBuyer + b, counts.bought_units, 0, units_max);
    Within("I6: Buyer.live_holds", kFirstBuyer + b, counts.live_holds, 0, holds_max);
    Grows("Buyer.bought_units", kFirstBuyer + b, last_bought_[b], counts.bought_units);
    last_bought_[b] = counts.bought_units;
  }
}

// Events drained during and after the run, per kind.
class EventLog {
 public:
  void Drain(Sale& sale, const SaleConfig& config) {
    std::array<Event, 256> batch;
    for (;;) {
      const size_t n = sale.DrainEvents(absl::MakeSpan(batch));
      for (size_t i = 0; i < n; ++i) Add(batch[i], config);
      if (n < batch.size()) return;
    }
  }
  int64_t count(EventKind kind) const { return count_[static_cast<int>(kind)]; }
  int64_t units(EventKind kind) const { return units_[static_cast<int>(kind)]; }
  int64_t total() const { return count_[0] + count_[1] + count_[2] + count_[3]; }
  const Violations& violations() const { return violations_; }

 private:
  void Add(const Event& event, const SaleConfig& config) {
    const int kind = static_cast<int>(event.kind);
    if (kind > static_cast<int>(EventKind::kExpired) || event.units < 1 ||
        event.units > config.units_per_hold_max) {
      violations_.Add(Cat("I10: event of kind ", kind, " with ", event.units, " units"));
      return;
    }
    ++count_[kind];
    units_[kind] += event.units;
  }

  std::array<int64_t, 4> count_{};
  std::array<int64_t, 4> units_{};
  Violations violations_;
};

// Moves the clock one step each time the workers together have done ops_per_tick operations
// (see TryTick): holds expire while others hold and confirm, cycle windows open and close
// mid-run. It also sweeps now and then and drains the event queue.
class TimeKeeper {
 public:
  TimeKeeper(SharedState& state, uint64_t seed) : state_(state), rng_(seed) {}

  void Run() {
    while (!state_.workers_done.load()) {
      if (!TryTick(state_)) {
        std::this_thread::yield();
        continue;
      }
      if (rng_() % 4 == 0) (void)state_.sale.Sweep();
      events_.Drain(state_.sale, state_.config);
    }
  }
  EventLog& events() { return events_; }

 private:
  SharedState& state_;
  std::mt19937_64 rng_;
  EventLog events_;
};

// The union of the workers' logs: what the sale's counters must say at the quiescent end.
struct Tally {
  explicit Tally(const SaleConfig& config)
      : type_created(config.types.size()),
        type_sold(config.types.size()),
        type_released(config.types.size()) {}

  void Merge(const WorkerLog& log, int source);
  void Add(const HoldRecord& record);

  int64_t holds_created = 0;
  int64_t holds_confirmed = 0;
  int64_t holds_released = 0;
  int64_t holds_expired_seen = 0;  // a worker got kExpired (or kUnknownHold) for it
  int64_t units_created = 0;
  int64_t units_sold = 0;
  int64_t units_released = 0;
  std::vector<int64_t> type_created;
  std::vector<int64_t> type_sold;
  std::vector<int64_t> type_released;
  std::map<BuyerId, int64_t> bought;
  // Units bought per (buyer, cycle), for holds whose cycle is known exactly.
  std::map<std::pair<BuyerId, int>, int64_t> bought_in_cycle;
  // Units sold per range of cycles the hold was created in (first, last candidate).
  std::map<std::pair<int, int>, int64_t> sold_by_cycles;
  std::array<int64_t, kOutcomeCount> outcomes{};
  std::unordered_map<uint64_t, int> source_of;  // hold id -> worker that created it
  Violations violations;
};

void Tally::Merge(const WorkerLog& log, int source) {
  for (const auto& [id, record] : log.holds) {
    const auto [it, inserted] = source_of.emplace(id, source);
    if (!inserted) {
      violations.Add(Cat("I8: hold id ", Hex(id), " was handed to workers ", it->second, " and ",
                         source, " for different holds"));
      continue;
    }
    Add(record);
  }
  for (int i = 0; i < kOutcomeCount; ++i) outcomes[i] += log.outcomes[i];
  violations.Merge(log.violations);
}

void Tally::Add(const HoldRecord& record) {
  ++holds_created;
  units_created += record.units;
  for (const HoldLine& line : record.request.span()) type_created[line.type] += line.quantity;
  if (record.end == HoldEnd::kExpired) ++holds_expired_seen;
  if (record.end == HoldEnd::kReleased) {
    ++holds_released;
    units_released += record.units;
    for (const HoldLine& line : record.request.span()) type_released[line.type] += line.quantity;
  }
  if (record.end != HoldEnd::kConfirmed) return;
  ++holds_confirmed;
  units_sold += record.units;
  for (const HoldLine& line : record.request.span()) type_sold[line.type] += line.quantity;
  bought[record.request.buyer] += record.units;
  if (record.cycle_first < 0) return;
  sold_by_cycles[{record.cycle_first, record.cycle_last}] += record.units;
  if (record.cycle_first == record.cycle_last) {
    bought_in_cycle[{record.request.buyer, record.cycle_first}] += record.units;
  }
}

// Units of `type` that a fresh buyer could hold once every dead hold is counted as returned.
int64_t RemainingUnits(const SaleConfig& config, const Tally& tally, TypeId type) {
  int64_t remaining = config.types[type].capacity - tally.type_sold[type];
  for (const QuotaConfig& quota : config.quotas) {
    if (std::find(quota.types.begin(), quota.types.end(), type) == quota.types.end()) continue;
    int64_t left = quota.capacity;
    for (TypeId t : quota.types) left -= tally.type_sold[t];
    remaining = std::min(remaining, left);
  }
  return remaining;
}

// I5 at a quiescent point: with every hold past its deadline but none swept, a fresh buyer must
// get one unit of every type that has stock left; lazy expiry must not make it lose to the dead.
void ProbeNoFalseSoldOut(SharedState& state, const Tally& tally, WorkerLog& probe) {
  for (TypeId t = 0; t < state.config.types.size(); ++t) {
    const int64_t remaining = RemainingUnits(state.config, tally, t);
    if (remaining < 1) continue;
    Request request;
    request.buyer = kProbeBuyer;
    request.lines[0] = {.type = t, .quantity = 1};
    request.line_count = 1;
    const HoldResult hold = state.sale.Hold(kProbeBuyer, request.span());
    ++probe.outcomes[static_cast<int>(hold.outcome)];
    EXPECT_EQ(hold.outcome, Outcome::kOk)
        << "I5: type " << t << " has " << remaining << " units once dead holds are returned";
    if (!hold.ok()) continue;
    const Outcome released = state.sale.Release(hold.id, kProbeBuyer);
    ++probe.outcomes[static_cast<int>(released)];
    EXPECT_EQ(released, Outcome::kOk) << "release of the probe hold";
    HoldRecord& record = probe.holds[hold.id.value];
    record.id = hold.id;
    record.request = request;
    record.units = 1;
    record.end = released == Outcome::kOk ? HoldEnd::kReleased : HoldEnd::kLive;
  }
}

void SweepUntilIdle(Sale& sale) {
  for (int i = 0; i < 1000 && sale.Sweep() > 0; ++i) {
  }
  EXPECT_EQ(sale.Sweep(), 0) << "Sweep still finds holds after every deadline has passed";
}

void CheckTypesAtEnd(const SharedState& state, const Tally& tally) {
  for (TypeId t = 0; t < state.config.types.size(); ++t) {
    SCOPED_TRACE(Cat("type ", t, " (", state.config.types[t].name, ")"));
    const int64_t capacity = state.config.types[t].capacity;
    const TypeStats stats = state.sale.TypeStatsOf(t);
    EXPECT_EQ(stats.capacity, capacity);
    EXPECT_EQ(stats.held_units, 0) << "I1: units held after every hold ended";
    EXPECT_EQ(stats.available + stats.sold_units, capacity) << "I1: available + sold";
    EXPECT_EQ(stats.sold_units, tally.type_sold[t]) << "I3/I10: units of confirmed holds";
    EXPECT_EQ(stats.released_units, tally.type_released[t]) << "I10: units of released holds";
    EXPECT_EQ(stats.expired_units,
              tally.type_created[t] - tally.type_sold[t] - tally.type_released[t])
        << "I3/I10: units of holds that ended neither confirmed nor released";
    EXPECT_EQ(state.sale.TypeAvailable(t), stats.available);
  }
}

void CheckQuotasAtEnd(const SharedState& state, const Tally& tally) {
  for (size_t q = 0; q < state.config.quotas.size(); ++q) {
    const QuotaConfig& quota = state.config.quotas[q];
    int64_t sold = 0;
    for (TypeId t : quota.types) sold += tally.type_sold[t];
    EXPECT_LE(sold, quota.capacity) << "I1: quota " << quota.name << " oversold";
    EXPECT_EQ(state.sale.QuotaAvailable(static_cast<int>(q)), quota.capacity - sold)
        << "I1: quota " << quota.name;
  }
}

// Available() is the minimum of the type's and its quotas' counters, and 0 once the last cycle
// has closed; in an open cycle its share is not the test's to know.
void CheckAvailableAtEnd(const SharedState& state) {
  const SaleConfig& config = state.config;
  const bool closed = !config.cycles.empty() && state.sale.CurrentCycle() < 0;
  if (!config.cycles.empty() && !closed) return;
  for (TypeId t = 0; t < config.types.size(); ++t) {
    int64_t expected = state.sale.TypeAvailable(t);
    for (size_t q = 0; q < config.quotas.size(); ++q) {
      const std::vector<TypeId>& members = config.quotas[q].types;
      if (std::find(members.begin(), members.end(), t) == members.end()) continue;
      expected = std::min(expected, state.sale.QuotaAvailable(static_cast<int>(q)));
    }
    EXPECT_EQ(state.sale.Available(t), closed ? 0 : expected) << "type " << t;
  }
}

void CheckSaleAtEnd(const SaleStats& stats, const Tally& tally) {
  EXPECT_EQ(stats.live_holds, 0);
  EXPECT_EQ(stats.held_units, 0);
  EXPECT_EQ(stats.holds_created, tally.holds_created) << "I10: distinct holds handed out";
  EXPECT_EQ(stats.holds_confirmed, tally.holds_confirmed) << "I3: holds confirmed once each";
  EXPECT_EQ(stats.holds_released, tally.holds_released) << "I3";
  EXPECT_EQ(stats.holds_expired, tally.holds_created - tally.holds_confirmed - tally.holds_released)
      << "I3: every hold ends exactly once";
  EXPECT_GE(stats.holds_expired, tally.holds_expired_seen) << "I3: holds seen expiring";
  EXPECT_EQ(stats.sold_units, tally.units_sold) << "I9: retries must sell nothing twice";
  EXPECT_EQ(stats.released_units, tally.units_released) << "I10";
  EXPECT_EQ(stats.expired_units, tally.units_created - tally.units_sold - tally.units_released)
      << "I10: created = sold + released + expired";
  for (int i = 0; i < kOutcomeCount; ++i) {
    EXPECT_EQ(stats.outcomes[i], tally.outcomes[i])
        << "I10: answers " << OutcomeName(static_cast<Outcome>(i));
  }
}

void CheckBuyersAtEnd(const SharedState& state, const Tally& tally) {
  const int64_t units_max = state.config.per_buyer_units_max;
  for (int b = 0; b < state.shape.buyers; ++b) {
    const BuyerId buyer = kFirstBuyer + b;
    const BuyerCounts counts = state.sale.Buyer(buyer);
    const auto it = tally.bought.find(buyer);
    const int64_t bought = it == tally.bought.end() ? 0 : it->second;
    EXPECT_EQ(counts.bought_units, bought) << "I6/I10: buyer " << buyer;
    EXPECT_EQ(counts.held_units, 0) << "buyer " << buyer;
    EXPECT_EQ(counts.live_holds, 0) << "buyer " << buyer;
    if (units_max > 0) {
      EXPECT_LE(counts.bought_units, units_max) << "I6: buyer " << buyer;
    }
  }
  EXPECT_EQ(state.sale.Buyer(kProbeBuyer).bought_units, 0);
}

// I7 in the form the logs can check honestly: within a run of cycles linked by rollover, the
// units sold in holds created in its first cycles never pass those cycles' allotments. A hold
// created while the wall clock crossed a window's edge counts only where both candidates lie.
void CheckCycleRun(const std::vector<CycleConfig>& cycles, const Tally& tally, size_t first,
                   size_t last) {
  int64_t allotment = 0;
  for (size_t k = first; k <= last; ++k) {
    allotment += cycles[k].allotment;
    int64_t sold = 0;
    for (const auto& [range, units] : tally.sold_by_cycles) {
      if (range.first >= static_cast<int>(first) && range.second <= static_cast<int>(k)) {
        sold += units;
      }
    }
    EXPECT_LE(sold, allotment) << "I7: sold in cycles " << first << " .. " << k;
  }
}

void CheckCyclesAtEnd(const SharedState& state, const Tally& tally) {
  const std::vector<CycleConfig>& cycles = state.config.cycles;
  if (cycles.empty()) return;
  for (const auto& [buyer_cycle, units] : tally.bought_in_cycle) {
    const int64_t limit = cycles[buyer_cycle.second].per_buyer_max;
    if (limit > 0) {
      EXPECT_LE(units, limit) << "I6: buyer " << buyer_cycle.first << " in cycle "
                              << buyer_cycle.second;
    }
  }
  int64_t allotments = 0;
  for (const CycleConfig& cycle : cycles) allotments += cycle.allotment;
  EXPECT_LE(tally.units_sold, allotments) << "I7: sold over all cycles";
  for (size_t first = 0; first < cycles.size();) {
    size_t last = first;
    while (last + 1 < cycles.size() && cycles[last].rollover) ++last;
    CheckCycleRun(cycles, tally, first, last);
    first = last + 1;
  }
}

void CheckEventsAtEnd(const SharedState& state, EventLog& events, const SaleStats& stats) {
  events.Drain(state.sale, state.config);
  if (state.config.events_max == 0) {
    EXPECT_EQ(events.total(), 0) << "events while events are off";
    return;
  }
  const int64_t happened =
      stats.holds_created + stats.holds_confirmed + stats.holds_released + stats.holds_expired;
  EXPECT_EQ(events.total() + stats.events_dropped, happened) << "I10: events drained + dropped";
  if (stats.events_dropped != 0) return;
  EXPECT_EQ(events.count(EventKind::kHeld), stats.holds_created);
  EXPECT_EQ(events.count(EventKind::kConfirmed), stats.holds_confirmed);
  EXPECT_EQ(events.count(EventKind::kReleased), stats.holds_released);
  EXPECT_EQ(events.count(EventKind::kExpired), stats.holds_expired);
  EXPECT_EQ(events.units(EventKind::kHeld),
            stats.sold_units + stats.released_units + stats.expired_units);
  EXPECT_EQ(events.units(EventKind::kConfirmed), stats.sold_units);
  EXPECT_EQ(events.units(EventKind::kReleased), stats.released_units);
  EXPECT_EQ(events.units(EventKind::kExpired), stats.expired_units);
}

void ExpectNoViolations(std::string_view who, const Violations& violations) {
  EXPECT_EQ(violations.count(), 0) << who << " saw violations:" << violations.Summary();
}

// What one round did, for the summary line a test prints.
struct RoundSummary {
  int64_t holds_created = 0;
  int64_t holds_confirmed = 0;
  int64_t holds_released = 0;
  int64_t holds_expired = 0;
  int64_t sold_out = 0;
  int64_t observer_passes = 0;
  int64_t ticks = 0;
};

void RunThreads(SharedState& state, std::vector<std::unique_ptr<Worker>>& workers,
                Observer& observer, TimeKeeper& keeper, int64_t ops_per_thread) {
  std::thread observer_thread([&observer] { observer.Run(); });
  std::thread keeper_thread([&keeper] { keeper.Run(); });
  std::vector<std::thread> threads;
  for (std::unique_ptr<Worker>& worker : workers) {
    threads.emplace_back([&worker, ops_per_thread] { worker->Run(ops_per_thread); });
  }
  for (std::thread& thread : threads) thread.join();
  state.workers_done.store(true);
  observer_thread.join();
  keeper_thread.join();
}

SaleConfig RoundConfig(const Shape& shape, const Clock& clock, int64_t ops_per_thread) {
  SaleConfig config = shape.config;
  config.clock = &clock;
  // Every Hold may bring a new key; with this many, kHoldTableFull never comes from the keys.
  const int64_t keys = shape.threads * ops_per_thread + 64;
  config.idempotency_keys_max = static_cast<int32_t>(std::min<int64_t>(keys, kIdempotencyKeysMax));
  return config;
}

// Settles the sale after the run and checks every quiescent invariant against the logs.
void CheckRound(SharedState& state, std::vector<std::unique_ptr<Worker>>& workers,
                TimeKeeper& keeper, RoundSummary& summary) {
  Tally tally(state.config);
  for (size_t i = 0; i < workers.size(); ++i) tally.Merge(workers[i]->log(), static_cast<int>(i));
  // Every deadline passes, nothing is swept yet: the dead holds are still in the counters.
  state.clock.Advance(state.config.hold_lifetime_max + absl::Seconds(1));
  WorkerLog probe;
  if (state.config.cycles.empty()) ProbeNoFalseSoldOut(state, tally, probe);
  tally.Merge(probe, static_cast<int>(workers.size()));
  ExpectNoViolations("the workers", tally.violations);
  SweepUntilIdle(state.sale);
  const SaleStats stats = state.sale.Stats();
  CheckTypesAtEnd(state, tally);
  CheckQuotasAtEnd(state, tally);
  CheckAvailableAtEnd(state);
  CheckSaleAtEnd(stats, tally);
  CheckBuyersAtEnd(state, tally);
  CheckCyclesAtEnd(state, tally);
  CheckEventsAtEnd(state, keeper.events(), stats);
  ExpectNoViolations("the event drain", keeper.events().violations());
  summary.holds_created += stats.holds_created;
  summary.holds_confirmed += stats.holds_confirmed;
  summary.holds_released += stats.holds_released;
  summary.holds_expired += stats.holds_expired;
  summary.sold_out += stats.outcomes[static_cast<int>(Outcome::kSoldOut)];
}

// One sale, one crowd: builds the sale, runs workers, observer and time keeper, then checks.
// Returns false when something failed, so that later rounds do not repeat the report.
bool RunRound(const Shape& shape, uint64_t seed, int64_t ops_per_thread, RoundSummary& summary) {
  ManualClock clock(StartWall());
  const SaleConfig config = RoundConfig(shape, clock, ops_per_thread);
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  EXPECT_TRUE(sale.ok()) << sale.status();
  if (!sale.ok()) return false;
  const int64_t ops_per_tick =
      std::max<int64_t>(1, shape.threads * ops_per_thread / shape.ticks_per_round);
  SharedState state(shape, config, clock, **sale, ops_per_tick, Mix(seed));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < shape.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(state, i, seed));
  }
  Observer observer(state);
  TimeKeeper keeper(state, seed ^ 0x9e3779b97f4a7c15);
  RunThreads(state, workers, observer, keeper, ops_per_thread);
  ExpectNoViolations("the observer", observer.violations());
  summary.observer_passes += observer.passes();
  summary.ticks += state.ticks_taken.load();
  CheckRound(state, workers, keeper, summary);
  return !::testing::Test::HasFailure();
}

// Runs a shape for its scaled number of operations, in rounds of fresh sales if it asks.
void RunShape(const Shape& shape) {
  ASSERT_TRUE(shape.config.cycles.empty() || !shape.wall_jumps);
  ASSERT_GE(shape.buyers, 2);
  ASSERT_GE(shape.config.units_per_hold_max, shape.lines_max);
  const uint64_t seed = StressSeed();
  SCOPED_TRACE(Cat("shape ", shape.name, ", seed ", seed, " (HOLDFAST_STRESS_SEED=", seed,
                   " repeats the random choices, not the interleaving)"));
  const int64_t ops_per_thread = std::max<int64_t>(
      64, static_cast<int64_t>(shape.ops_per_thread * StressScale()) / kSanitizerDivisor);
  const int64_t per_round =
      shape.ops_per_round > 0 ? std::min(shape.ops_per_round, ops_per_thread) : ops_per_thread;
  const int64_t rounds = ops_per_thread / per_round;
  RoundSummary summary;
  for (int64_t round = 0; round < rounds; ++round) {
    SCOPED_TRACE(Cat("round ", round + 1, " of ", rounds));
    if (!RunRound(shape, seed + static_cast<uint64_t>(round) * 0xbf58476d1ce4e5b9, per_round,
                  summary)) {
      return;
    }
  }
  std::printf(
      "[ %s ] %d threads x %lld ops in %lld rounds: %lld holds, %lld confirmed, %lld "
      "released, %lld expired, %lld SoldOut, %lld clock ticks, %lld observer passes\n",
      shape.name.c_str(), shape.threads, static_cast<long long>(per_round * rounds),
      static_cast<long long>(rounds), static_cast<long long>(summary.holds_created),
      static_cast<long long>(summary.holds_confirmed),
      static_cast<long long>(summary.holds_released), static_cast<long long>(summary.holds_expired),
      static_cast<long long>(summary.sold_out), static_cast<long long>(summary.ticks),
      static_cast<long long>(summary.observer_passes));
}

// Capacities of 1 to 3 units, so that nearly every hold races another for the last unit; many
// short rounds repeat the sell-out moment.
Shape TinyShape() {
  Shape shape;
  shape.name = "TinyCapacity";
  shape.config.types = {{.name = "one", .capacity = 1},
                        {.name = "two", .capacity = 2},
                        {.name = "three", .capacity = 3}};
  shape.config.per_buyer_units_max = 3;
  shape.config.per_buyer_holds_max = 2;
  shape.config.units_per_hold_max = 3;
  shape.config.hold_ttl_default = absl::Milliseconds(250);
  shape.config.hold_lifetime_max = absl::Milliseconds(1500);
  shape.config.holds_max = 64;
  shape.config.buyers_max = 64;
  shape.buyers = 12;
  shape.ops_per_round = 250;
  shape.ticks_per_round = 100;
  shape.lines_max = 2;
  shape.line_quantity_max = 2;
  shape.walk_away_percent = 30;
  shape.weights.confirm = 4;
  shape.weights.release = 12;
  shape.weights.sweep = 3;
  return shape;
}

// A big sale and a big crowd: many buyers, events on, and the wall clock jumping around.
Shape LargeShape() {
  Shape shape;
  shape.name = "LargeCapacity";
  shape.config.types = {{.name = "regular", .capacity = 100000},
                        {.name = "parking", .capacity = 20000}};
  shape.config.per_buyer_units_max = 60;
  shape.config.per_buyer_holds_max = 4;
  shape.config.units_per_hold_max = 10;
  shape.config.hold_ttl_default = absl::Milliseconds(500);
  shape.config.hold_lifetime_max = absl::Seconds(3);
  shape.config.holds_max = 1 << 14;  // above 2048 buyers x 4 live holds
  shape.config.buyers_max = 4096;
  shape.config.events_max = 4096;
  shape.buyers = 2048;
  shape.lines_max = 2;
  shape.line_quantity_max = 6;
  shape.wall_jumps = true;
  return shape;
}

// Multi-line holds over three types under three overlapping quotas, each of which binds:
// floor + balcony <= 5000 < 7000, balcony + box <= 3500 < 5500, all <= 7000 < 7500.
Shape QuotaShape() {
  Shape shape;
  shape.name = "SharedQuotas";
  shape.config.types = {{.name = "floor", .capacity = 4000},
                        {.name = "balcony", .capacity = 3000},
                        {.name = "box", .capacity = 2500}};
  shape.config.quotas = {{.name = "hall", .capacity = 5000, .types = {0, 1}},
                         {.name = "upper", .capacity = 3500, .types = {1, 2}},
                         {.name = "venue", .capacity = 7000, .types = {0, 1, 2}}};
  shape.config.per_buyer_units_max = 200;
  shape.config.per_buyer_holds_max = 3;
  shape.config.units_per_hold_max = 12;
  shape.config.hold_ttl_default = absl::Milliseconds(400);
  shape.config.hold_lifetime_max = absl::Seconds(2);
  shape.config.holds_max = 512;
  shape.config.buyers_max = 128;
  shape.config.events_max = 2048;
  shape.buyers = 48;
  shape.ops_per_round = 1500;
  shape.lines_max = 4;
  shape.line_quantity_max = 4;
  return shape;
}

// A cycle whose window runs from `opens` to `closes` after StartWall(); an infinite `closes`
// leaves the end to the next cycle's opening.
CycleConfig Cycle(std::string name, absl::Duration opens, absl::Duration closes, int64_t allotment,
                  int64_t per_buyer_max, bool rollover) {
  return {.name = std::move(name),
          .opens_at = StartWall() + opens,
          .closes_at =
              closes == absl::InfiniteDuration() ? absl::InfiniteFuture() : StartWall() + closes,
          .allotment = allotment,
          .per_buyer_max = per_buyer_max,
          .rollover = rollover};
}

// Four cycles over a 40-second timeline (400 ticks of ~100 ms): rollover from the first into the
// second and from the third into the fourth, a gap before the second, a cycle that ends when the
// next opens, NotOpen before the first and Closed after the last. Allotments (600, 500, 700, 800)
// bind under a 3500-unit hall; per-cycle buyer limits (30, none, 20, 40) bind for busy buyers,
// and the sale-wide limit (80 x 40 buyers = 3200 > 2600 allotted) binds late in the sale.
Shape CycleShape() {
  using absl::Seconds;
  Shape shape;
  shape.name = "CyclesAndLimits";
  shape.config.types = {{.name = "regular", .capacity = 3000},
                        {.name = "student", .capacity = 1000}};
  shape.config.quotas = {{.name = "hall", .capacity = 3500, .types = {0, 1}}};
  shape.config.cycles = {Cycle("early", Seconds(2), Seconds(10), 600, 30, /*rollover=*/true),
                         Cycle("main", Seconds(12), absl::InfiniteDuration(), 500, 0, false),
                         Cycle("late", Seconds(20), Seconds(28), 700, 20, /*rollover=*/true),
                         Cycle("last", Seconds(30), Seconds(38), 800, 40, false)};
  shape.config.per_buyer_units_max = 80;
  shape.config.per_buyer_holds_max = 2;
  shape.config.units_per_hold_max = 8;
  shape.config.hold_ttl_default = absl::Milliseconds(600);
  shape.config.hold_lifetime_max = absl::Seconds(3);
  shape.config.holds_max = 256;
  shape.config.buyers_max = 128;
  shape.buyers = 40;
  shape.lines_max = 3;
  shape.line_quantity_max = 5;
  shape.keyed_percent = 25;
  shape.walk_away_percent = 30;
  shape.weights.confirm = 8;
  return shape;
}

TEST(SaleStress, TinyCapacity) { RunShape(TinyShape()); }

TEST(SaleStress, LargeCapacity) { RunShape(LargeShape()); }

TEST(SaleStress, SharedQuotas) { RunShape(QuotaShape()); }

TEST(SaleStress, CyclesAndLimits) { RunShape(CycleShape()); }

}  // namespace
}  // namespace holdfast
