// tests/model/history.h: random concurrent workloads on a sale, recorded as histories.
//
// A workload is a tiny sale (capacities 1-3, tight limits, so that every operation conflicts)
// and a few phases; in each phase 3-4 threads run a handful of operations each, all at once.
// Between phases the threads are joined and the ManualClock is moved, so time is fixed within a
// phase and holds of earlier phases can be dead in a later one. Every operation is recorded with
// its arguments, its outcome, and the values of one global sequentially consistent counter taken
// just before the call (invoked) and just after it (responded): if a.responded < b.invoked, a
// really ended before b began. The checker (linearizability.h) reads nothing else.
//
//   holdfast::model::Workload workload = holdfast::model::RandomWorkload(seed);
//   holdfast::model::History history = holdfast::model::RunWorkload(workload, MakeRealTarget);
#ifndef HOLDFAST_TESTS_MODEL_HISTORY_H_
#define HOLDFAST_TESTS_MODEL_HISTORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "holdfast/config.h"
#include "holdfast/sale.h"

namespace holdfast::model {

enum class OpKind { kHold, kConfirm, kRelease, kExtend, kSweep };

// Which hold a Confirm, Release or Extend names, decided when it runs.
enum class HandleSource {
  kOwnLast,  // the last hold this thread made in this phase (id 0 if none)
  kEarlier,  // hold number `earlier` (mod count) of those made in earlier phases
  kForged,   // an id no hold has (UnknownHold)
};

struct PlannedOp {
  OpKind kind = OpKind::kHold;
  BuyerId buyer = 1;  // for handle operations: the caller, usually the hold's owner
  std::vector<HoldLine> lines;
  HoldOptions options;
  HandleSource source = HandleSource::kOwnLast;
  int earlier = 0;
  bool foreign_buyer = false;             // call as `buyer` even if the hold is someone else's
  absl::Duration ttl = absl::Minutes(5);  // Extend
  ConfirmMode mode = ConfirmMode::kRetryIsOk;
};

struct Workload {
  SaleConfig config;  // its clock is set by RunWorkload
  absl::Time start_wall;
  // phases[p][thread] is what that thread runs in phase p; advances[p] is applied before it.
  std::vector<std::vector<std::vector<PlannedOp>>> phases;
  std::vector<absl::Duration> advances;
};

struct RecordedOp {
  OpKind kind = OpKind::kHold;
  int thread = 0;
  BuyerId buyer = 0;
  std::vector<HoldLine> lines;
  HoldOptions options;
  HoldId id;  // the handle used (handle operations)
  absl::Duration ttl;
  ConfirmMode mode = ConfirmMode::kRetryIsOk;
  Outcome outcome = Outcome::kOk;
  HoldId result;      // Hold's id on kOk
  int64_t swept = 0;  // Sweep's count
  uint64_t invoked = 0;
  uint64_t responded = 0;
};

// What the recorder read at the end, with no call in flight (I10).
struct FinalCounters {
  SaleStats stats;
  std::vector<TypeStats> types;
  std::map<BuyerId, BuyerCounts> buyers;
};

struct History {
  SaleConfig config;
  absl::Time start_wall;
  std::vector<absl::Duration> advances;
  std::vector<std::vector<RecordedOp>> phases;
  FinalCounters final_counters;
  bool has_final_counters = true;
};

// The system under test: the real Sale, or a deliberately broken one (linearizability_test).
class Target {
 public:
  virtual ~Target() = default;
  virtual HoldResult Hold(BuyerId buyer, absl::Span<const HoldLine> lines,
                          const HoldOptions& options) = 0;
  virtual Outcome Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode) = 0;
  virtual Outcome Release(HoldId hold, BuyerId buyer) = 0;
  virtual Outcome Extend(HoldId hold, BuyerId buyer, absl::Duration ttl) = 0;
  virtual int64_t Sweep() = 0;
  // False for a target whose counters mean nothing (the broken ones).
  virtual bool ReadCounters(const SaleConfig& config, FinalCounters& out) = 0;
};

// Builds a target for `config` (whose clock is set). Returns nullptr if Create refuses.
using TargetFactory = std::function<std::unique_ptr<Target>(const SaleConfig& config)>;

// The real holdfast::Sale behind the Target interface.
std::unique_ptr<Target> MakeSaleTarget(const SaleConfig& config);

// A random workload from `seed`: 3-4 threads, 2-3 phases, 2-4 operations per thread and phase.
// Each buyer confirms at most 3 times in a history, so its recent confirmations are never
// forgotten (see ConfirmMode in sale.h and IdentityMode::kLoose).
Workload RandomWorkload(uint64_t seed);

// Runs `workload` on a fresh target, each phase's threads started together.
History RunWorkload(const Workload& workload, const TargetFactory& factory);

}  // namespace holdfast::model

#endif  // HOLDFAST_TESTS_MODEL_HISTORY_H_
