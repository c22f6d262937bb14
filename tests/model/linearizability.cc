// The linearizability search (see linearizability.h): depth-first over the operations that may
// come next, memoized on (placed set, model fingerprint), phase after phase.
#include "tests/model/linearizability.h"

#include <algorithm>
#include <bit>
#include <initializer_list>
#include <map>
#include <sstream>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/model/sale_model.h"

namespace holdfast::model {
namespace {

constexpr const char* kKindNames[] = {"Hold", "Confirm", "Release", "Extend", "Sweep"};

std::string Describe(const RecordedOp& op) {
  std::ostringstream os;
  os << "[" << op.invoked << "," << op.responded << "] thread " << op.thread << " "
     << kKindNames[static_cast<int>(op.kind)] << "(buyer " << op.buyer;
  if (op.kind == OpKind::kHold) {
    for (const HoldLine& l : op.lines) os << " {type " << l.type << " x" << l.quantity << "}";
    os << " ttl " << op.options.ttl << " key " << op.options.idempotency_key;
  } else if (op.kind != OpKind::kSweep) {
    os << " id " << op.id.value;
    if (op.kind == OpKind::kExtend) os << " ttl " << op.ttl;
    if (op.mode == ConfirmMode::kReportAlreadyConfirmed) os << " report";
  }
  os << ") -> ";
  if (op.kind == OpKind::kSweep) {
    os << op.swept;
  } else {
    os << OutcomeName(op.outcome);
    if (op.kind == OpKind::kHold && op.outcome == Outcome::kOk) os << " id " << op.result.value;
  }
  return os.str();
}

bool IsShort(Outcome o) {
  return o == Outcome::kSoldOut || o == Outcome::kBuyerLimit || o == Outcome::kTooManyHolds;
}

bool Overlap(const RecordedOp& a, const RecordedOp& b) {
  return a.invoked < b.responded && b.invoked < a.responded;
}

bool Accept(SaleModel& model, const Answer& answer, Outcome answered) {
  if (!answer.Accepts(answered)) return false;
  model.Recount(answer, answered);
  return true;
}

// The search within one phase.
class PhaseSearch {
 public:
  // `made`: every hold the history made, by id (for the claims of a Release's hold).
  PhaseSearch(const std::vector<RecordedOp>& ops, const CheckOptions& options,
              const std::map<uint64_t, const RecordedOp*>& made, CheckResult& result)
      : ops_(ops),
        options_(options),
        made_(made),
        result_(result),
        all_((uint64_t{1} << ops.size()) - 1) {}

  // Every distinct end state reachable from `start`, added to `ends` by fingerprint.
  void Run(const SaleModel& start, std::map<std::string, SaleModel>& ends) {
    ends_ = &ends;
    Search(0, start);
  }
  size_t deepest() const { return deepest_; }

 private:
  void Search(uint64_t placed, const SaleModel& model);
  bool Replay(const RecordedOp& op, uint64_t placed, SaleModel& model);
  bool ExplainShort(const RecordedOp& op, uint64_t placed, const SaleModel& model,
                    SaleModel& after);

  const std::vector<RecordedOp>& ops_;
  const CheckOptions& options_;
  const std::map<uint64_t, const RecordedOp*>& made_;
  CheckResult& result_;
  const uint64_t all_;
  std::map<std::string, SaleModel>* ends_ = nullptr;
  std::unordered_set<std::string> seen_;
  size_t deepest_ = 0;
};

void PhaseSearch::Search(uint64_t placed, const SaleModel& model) {
  if (placed == all_) {
    ends_->emplace(model.Fingerprint(), model);
    return;
  }
  if (result_.steps > options_.max_steps) {
    result_.gave_up = true;
    return;
  }
  if (!seen_.insert(absl::StrCat(placed, "#", model.Fingerprint())).second) return;
  deepest_ = std::max<size_t>(deepest_, std::popcount(placed));
  // An operation may come next if none still unplaced responded before it was invoked.
  uint64_t first_response = ~uint64_t{0};
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (!(placed >> i & 1)) first_response = std::min(first_response, ops_[i].responded);
  }
  for (size_t i = 0; i < ops_.size(); ++i) {
    if ((placed >> i & 1) || ops_[i].invoked > first_response) continue;
    SaleModel next = model;
    ++result_.steps;
    if (Replay(ops_[i], placed, next)) Search(placed | uint64_t{1} << i, next);
  }
}

bool PhaseSearch::Replay(const RecordedOp& op, uint64_t placed, SaleModel& model) {
  switch (op.kind) {
    case OpKind::kHold: {
      // Nothing changed (outcome.h): the units it needed were on their way
      // back from a stopped thread. No sequential model answers it.
      if (op.outcome == Outcome::kTryAgain) return true;
      SaleModel before = model;
      const HoldResult r = model.Hold(op.buyer, op.lines, op.options, op.result);
      if (r.outcome == op.outcome && r.id == op.result) return true;
      if (!options_.allow_in_flight_claims || !IsShort(op.outcome)) return false;
      return ExplainShort(op, placed, before, model);
    }
    case OpKind::kConfirm:
      return Accept(model, model.Confirm(op.id, op.buyer, op.mode), op.outcome);
    case OpKind::kRelease:
      return Accept(model, model.Release(op.id, op.buyer), op.outcome);
    case OpKind::kExtend:
      return Accept(model, model.Extend(op.id, op.buyer, op.ttl), op.outcome);
    case OpKind::kSweep:
      model.Sweep();
      return true;
  }
  return false;
}

// Tries every choice of at most one in-flight Hold per other thread and every proper prefix of
// its claims; on success `after` is the state the short Hold leaves.
bool PhaseSearch::ExplainShort(const RecordedOp& op, uint64_t placed, const SaleModel& model,
                               SaleModel& after) {
  std::map<int, std::vector<InFlightClaim>> choices;  // thread -> its possible in-flight claims
  for (size_t i = 0; i < ops_.size(); ++i) {
    const RecordedOp& other = ops_[i];
    const bool claims =
        other.kind == OpKind::kHold && (other.outcome == Outcome::kOk || IsShort(other.outcome));
    if (other.thread == op.thread || !claims || !Overlap(op, other)) continue;
    if (other.outcome == Outcome::kOk && (placed >> i & 1)) continue;  // already fully in
    const std::vector<ClaimStep> steps = model.ClaimsOf(other.buyer, other.lines);
    for (size_t k = 1; k < steps.size(); ++k) {
      choices[other.thread].push_back({{steps.begin(), steps.begin() + k}});
    }
  }
  // Releases placed before this Hold whose units may still be on their way back.
  for (size_t i = 0; i < ops_.size(); ++i) {
    const RecordedOp& other = ops_[i];
    if (other.thread == op.thread || other.kind != OpKind::kRelease ||
        other.outcome != Outcome::kOk || !(placed >> i & 1) || !Overlap(op, other)) {
      continue;
    }
    const auto hold = made_.find(other.id.value);
    if (hold == made_.end()) continue;
    const std::vector<ClaimStep> steps = model.ClaimsOf(hold->second->buyer, hold->second->lines);
    // What is still taken at each point of the return (lib/sale.cc ReturnUnits).
    auto keep = [&](std::initializer_list<ClaimStep::Kind> kinds) {
      InFlightClaim left;
      for (const ClaimStep& s : steps) {
        if (std::find(kinds.begin(), kinds.end(), s.kind) != kinds.end()) left.claims.push_back(s);
      }
      if (!left.claims.empty()) choices[other.thread].push_back(std::move(left));
    };
    keep({ClaimStep::kCycleBuyer, ClaimStep::kBuyer, ClaimStep::kCycle, ClaimStep::kType,
          ClaimStep::kQuota});
    keep({ClaimStep::kCycleBuyer, ClaimStep::kBuyer, ClaimStep::kCycle});
    keep({ClaimStep::kCycleBuyer, ClaimStep::kBuyer});
    keep({ClaimStep::kBuyer});
  }
  std::vector<std::vector<InFlightClaim>> per_thread;
  for (auto& [thread, list] : choices) per_thread.push_back(std::move(list));
  // Odometer over (none | one choice) per thread.
  std::vector<size_t> at(per_thread.size(), 0);
  for (;;) {
    size_t d = 0;
    while (d < at.size() && ++at[d] > per_thread[d].size()) at[d++] = 0;
    if (d == at.size()) return false;
    std::vector<InFlightClaim> in_flight;
    for (size_t t = 0; t < at.size(); ++t) {
      if (at[t] > 0) in_flight.push_back(per_thread[t][at[t] - 1]);
    }
    SaleModel trial = model;
    if (trial.HoldWithInFlight(op.buyer, op.lines, op.options, in_flight) == op.outcome) {
      after = trial;
      ++result_.in_flight_used;
      return true;
    }
  }
}

std::string DescribeCounters(const SaleStats& s, const std::vector<TypeStats>& types,
                             const std::map<BuyerId, BuyerCounts>& buyers) {
  std::ostringstream os;
  os << "held " << s.held_units << " sold " << s.sold_units << " released " << s.released_units
     << " expired " << s.expired_units << " live " << s.live_holds << " created " << s.holds_created
     << " confirmed " << s.holds_confirmed << " released_holds " << s.holds_released
     << " expired_holds " << s.holds_expired << " outcomes";
  for (int64_t n : s.outcomes) os << " " << n;
  for (const TypeStats& t : types) {
    os << " | type avail " << t.available << " held " << t.held_units << " sold " << t.sold_units
       << " rel " << t.released_units << " exp " << t.expired_units;
  }
  for (const auto& [buyer, b] : buyers) {
    os << " | buyer " << buyer << " held " << b.held_units << " bought " << b.bought_units
       << " live " << b.live_holds;
  }
  return os.str();
}

std::string CountersOf(const SaleModel& model, const History& history) {
  std::vector<TypeStats> types;
  for (TypeId t = 0; t < history.config.types.size(); ++t) types.push_back(model.TypeStatsOf(t));
  std::map<BuyerId, BuyerCounts> buyers;
  for (const auto& [buyer, counts] : history.final_counters.buyers)
    buyers[buyer] = model.Buyer(buyer);
  return DescribeCounters(model.Stats(), types, buyers);
}

}  // namespace

std::string DescribeHistory(const History& history) {
  std::ostringstream os;
  const SaleConfig& c = history.config;
  os << "config: types";
  for (const TicketTypeConfig& t : c.types) os << " " << t.capacity;
  for (const QuotaConfig& q : c.quotas) os << "; quota " << q.capacity << " over all types";
  for (const CycleConfig& y : c.cycles) {
    os << "; open cycle allotment " << y.allotment << " per_buyer_max " << y.per_buyer_max;
  }
  os << "; per_buyer_units_max " << c.per_buyer_units_max << " per_buyer_holds_max "
     << c.per_buyer_holds_max << " buyers_max " << c.buyers_max << " keys_max "
     << c.idempotency_keys_max << "\n";
  for (size_t p = 0; p < history.phases.size(); ++p) {
    os << "phase " << p << " (clock +" << history.advances[p] << "):\n";
    for (const RecordedOp& op : history.phases[p]) os << "  " << Describe(op) << "\n";
  }
  return os.str();
}

CheckResult CheckLinearizable(const History& history, const CheckOptions& options) {
  CheckResult result;
  std::map<std::string, SaleModel> states;
  {
    SaleModel start(history.config, {.identity = IdentityMode::kLoose});
    states.emplace(start.Fingerprint(), start);
  }
  std::map<uint64_t, const RecordedOp*> made;
  for (const std::vector<RecordedOp>& phase : history.phases) {
    for (const RecordedOp& op : phase) {
      if (op.kind == OpKind::kHold && op.outcome == Outcome::kOk)
        made.emplace(op.result.value, &op);
    }
  }
  absl::Duration elapsed;
  for (size_t p = 0; p < history.phases.size(); ++p) {
    elapsed += history.advances[p];
    std::map<std::string, SaleModel> ends;
    size_t deepest = 0;
    for (auto& [fingerprint, state] : states) {
      state.SetTime(absl::ToInt64Nanoseconds(elapsed), history.start_wall + elapsed);
      PhaseSearch search(history.phases[p], options, made, result);
      search.Run(state, ends);
      deepest = std::max(deepest, search.deepest());
    }
    if (result.gave_up) return result;
    if (ends.empty()) {
      result.ok = false;
      result.why =
          absl::StrCat("no sequential order explains phase ", p, " (at most ", deepest, " of its ",
                       history.phases[p].size(), " operations placed)\n", DescribeHistory(history));
      return result;
    }
    states = std::move(ends);
  }
  if (!options.check_final_counters || !history.has_final_counters) return result;
  const FinalCounters& f = history.final_counters;
  const std::string library = DescribeCounters(f.stats, f.types, f.buyers);
  std::string models;
  for (const auto& [fingerprint, state] : states) {
    const std::string counters = CountersOf(state, history);
    if (counters == library) return result;
    absl::StrAppend(&models, "\n  model   ", counters);
  }
  result.ok = false;
  result.why = absl::StrCat(
      "the outcomes linearize, but no end state has the library's counters"
      "\n  library ",
      library, models, "\n", DescribeHistory(history));
  return result;
}

}  // namespace holdfast::model
