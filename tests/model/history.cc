// Random workloads and their recording (see history.h): plain threads, one spin barrier per
// phase so the threads really overlap, one global sequentially consistent counter for order.
#include "tests/model/history.h"

#include <atomic>
#include <random>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "holdfast/clock.h"

namespace holdfast::model {
namespace {

class SaleTarget final : public Target {
 public:
  explicit SaleTarget(std::unique_ptr<Sale> sale) : sale_(std::move(sale)) {}
  HoldResult Hold(BuyerId buyer, absl::Span<const HoldLine> lines,
                  const HoldOptions& options) override {
    return sale_->Hold(buyer, lines, options);
  }
  Outcome Confirm(HoldId hold, BuyerId buyer, ConfirmMode mode) override {
    return sale_->Confirm(hold, buyer, mode);
  }
  Outcome Release(HoldId hold, BuyerId buyer) override { return sale_->Release(hold, buyer); }
  Outcome Extend(HoldId hold, BuyerId buyer, absl::Duration ttl) override {
    return sale_->Extend(hold, buyer, ttl);
  }
  int64_t Sweep() override { return sale_->Sweep(); }
  bool ReadCounters(const SaleConfig& config, FinalCounters& out) override {
    out.stats = sale_->Stats();
    for (TypeId t = 0; t < config.types.size(); ++t) out.types.push_back(sale_->TypeStatsOf(t));
    for (BuyerId b = 1; b <= 4; ++b) out.buyers[b] = sale_->Buyer(b);
    return true;
  }

 private:
  std::unique_ptr<Sale> sale_;
};

using Random = std::mt19937_64;

int Uniform(Random& random, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(random);
}

SaleConfig RandomConfig(Random& random, absl::Time start_wall) {
  SaleConfig config;
  const int types = Uniform(random, 1, 2);
  for (int t = 0; t < types; ++t) {
    config.types.push_back({absl::StrCat("t", t), Uniform(random, 1, 3)});
  }
  if (Uniform(random, 0, 1) == 1) {
    QuotaConfig quota{.name = "hall", .capacity = Uniform(random, 1, 3), .types = {0}};
    if (types == 2) quota.types.push_back(1);
    config.quotas.push_back(quota);
  }
  if (Uniform(random, 0, 2) == 0) {
    config.cycles.push_back({.name = "noon",
                             .opens_at = start_wall - absl::Minutes(1),
                             .allotment = Uniform(random, 1, 3),
                             .per_buyer_max = Uniform(random, 0, 2)});
  }
  config.per_buyer_units_max = Uniform(random, 0, 1) == 0 ? 0 : Uniform(random, 1, 3);
  config.per_buyer_holds_max = Uniform(random, 0, 1) == 0 ? 0 : Uniform(random, 1, 2);
  config.units_per_hold_max = 3;
  config.hold_ttl_default = absl::Minutes(10);
  config.hold_lifetime_max = absl::Minutes(30);
  config.holds_max = 64;
  config.buyers_max = Uniform(random, 0, 1) == 0 ? 2 : 64;
  config.idempotency_keys_max = Uniform(random, 0, 1) == 0 ? 0 : 8;
  config.events_max = 0;
  return config;
}

PlannedOp RandomOp(Random& random, const SaleConfig& config, int phase, int& confirms_left) {
  PlannedOp op;
  op.buyer = static_cast<BuyerId>(Uniform(random, 1, 3));
  const int pick = Uniform(random, 0, 99);
  if (pick < 50) {
    op.kind = OpKind::kHold;
    const int lines = Uniform(random, 1, 2);
    for (int i = 0; i < lines; ++i) {
      op.lines.push_back({.type = static_cast<TypeId>(Uniform(random, 0, config.types.size() - 1)),
                          .quantity = Uniform(random, 1, 2)});
    }
    static const absl::Duration kTtls[] = {absl::Minutes(1), absl::Minutes(5), absl::Minutes(10)};
    op.options.ttl = kTtls[Uniform(random, 0, 2)];
    if (config.idempotency_keys_max > 0 && Uniform(random, 0, 4) == 0) {
      op.options.idempotency_key = static_cast<uint64_t>(Uniform(random, 1, 2));
    }
    return op;
  }
  op.kind = pick < 65   ? OpKind::kConfirm
            : pick < 80 ? OpKind::kRelease
            : pick < 95 ? OpKind::kExtend
                        : OpKind::kSweep;
  // At most 3 confirmations a history, so no buyer's recent confirmations are ever forgotten.
  if (op.kind == OpKind::kConfirm && confirms_left-- <= 0) op.kind = OpKind::kRelease;
  const int source = Uniform(random, 0, 9);
  op.source = source == 0                  ? HandleSource::kForged
              : (phase > 0 && source >= 5) ? HandleSource::kEarlier
                                           : HandleSource::kOwnLast;
  op.earlier = Uniform(random, 0, 63);
  op.foreign_buyer = Uniform(random, 0, 9) == 0;
  op.ttl = absl::Minutes(Uniform(random, 1, 40));  // past 30: InvalidArgument
  op.mode =
      Uniform(random, 0, 3) == 0 ? ConfirmMode::kReportAlreadyConfirmed : ConfirmMode::kRetryIsOk;
  return op;
}

// One thread's view of the handles: its own last hold in this phase and everything earlier.
struct Handles {
  std::vector<std::pair<HoldId, BuyerId>> earlier;
};

RecordedOp Execute(Target& target, const PlannedOp& op, int thread, const Handles& handles,
                   std::pair<HoldId, BuyerId>& own_last, std::atomic<uint64_t>& order) {
  RecordedOp r;
  r.kind = op.kind;
  r.thread = thread;
  r.buyer = op.buyer;
  r.lines = op.lines;
  r.options = op.options;
  r.ttl = op.ttl;
  r.mode = op.mode;
  std::pair<HoldId, BuyerId> handle = own_last;
  if (op.source == HandleSource::kEarlier && !handles.earlier.empty()) {
    handle = handles.earlier[op.earlier % handles.earlier.size()];
  }
  if (op.source == HandleSource::kForged) handle = {HoldId{(uint64_t{1} << 24) - 1}, op.buyer};
  r.id = handle.first;
  if (!op.foreign_buyer && handle.first.value != 0) r.buyer = handle.second;
  // seq_cst on both sides: the counter's order is the real-time order of these points.
  r.invoked = order.fetch_add(1, std::memory_order_seq_cst);
  switch (op.kind) {
    case OpKind::kHold: {
      const HoldResult result = target.Hold(r.buyer, r.lines, r.options);
      r.outcome = result.outcome;
      r.result = result.id;
      break;
    }
    case OpKind::kConfirm:
      r.outcome = target.Confirm(r.id, r.buyer, r.mode);
      break;
    case OpKind::kRelease:
      r.outcome = target.Release(r.id, r.buyer);
      break;
    case OpKind::kExtend:
      r.outcome = target.Extend(r.id, r.buyer, r.ttl);
      break;
    case OpKind::kSweep:
      r.swept = target.Sweep();
      break;
  }
  r.responded = order.fetch_add(1, std::memory_order_seq_cst);
  if (r.kind == OpKind::kHold && r.outcome == Outcome::kOk) own_last = {r.result, r.buyer};
  return r;
}

}  // namespace

std::unique_ptr<Target> MakeSaleTarget(const SaleConfig& config) {
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  if (!sale.ok()) return nullptr;
  return std::make_unique<SaleTarget>(std::move(*sale));
}

Workload RandomWorkload(uint64_t seed) {
  Random random(seed);
  Workload w;
  w.start_wall = absl::FromUnixSeconds(1'800'000'000);
  w.config = RandomConfig(random, w.start_wall);
  const int threads = Uniform(random, 3, 4);
  const int phases = Uniform(random, 2, 3);
  int confirms_left = 3;
  static const absl::Duration kAdvances[] = {absl::ZeroDuration(), absl::Minutes(2),
                                             absl::Minutes(6), absl::Minutes(11)};
  for (int p = 0; p < phases; ++p) {
    w.advances.push_back(p == 0 ? absl::ZeroDuration() : kAdvances[Uniform(random, 0, 3)]);
    std::vector<std::vector<PlannedOp>> phase(threads);
    for (std::vector<PlannedOp>& ops : phase) {
      const int count = Uniform(random, 2, 4);
      for (int i = 0; i < count; ++i) ops.push_back(RandomOp(random, w.config, p, confirms_left));
    }
    w.phases.push_back(std::move(phase));
  }
  return w;
}

History RunWorkload(const Workload& workload, const TargetFactory& factory) {
  ManualClock clock(workload.start_wall);
  History history;
  history.config = workload.config;
  history.start_wall = workload.start_wall;
  history.advances = workload.advances;
  SaleConfig config = workload.config;
  config.clock = &clock;
  std::unique_ptr<Target> target = factory(config);
  std::atomic<uint64_t> order{1};
  Handles handles;
  for (size_t p = 0; p < workload.phases.size(); ++p) {
    clock.Advance(workload.advances[p]);
    const auto& plan = workload.phases[p];
    std::vector<std::vector<RecordedOp>> recorded(plan.size());
    std::atomic<int> waiting{static_cast<int>(plan.size())};
    std::vector<std::thread> threads;
    for (size_t t = 0; t < plan.size(); ++t) {
      threads.emplace_back([&, t] {
        // A spin barrier: the threads leave it together, so their operations overlap.
        waiting.fetch_sub(1);
        while (waiting.load() > 0) {
        }
        std::pair<HoldId, BuyerId> own_last{HoldId{}, 0};
        for (const PlannedOp& op : plan[t]) {
          recorded[t].push_back(
              Execute(*target, op, static_cast<int>(t), handles, own_last, order));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    std::vector<RecordedOp> phase_ops;
    for (auto& ops : recorded) {
      for (RecordedOp& op : ops) {
        if (op.kind == OpKind::kHold && op.outcome == Outcome::kOk) {
          handles.earlier.emplace_back(op.result, op.buyer);
        }
        phase_ops.push_back(std::move(op));
      }
    }
    history.phases.push_back(std::move(phase_ops));
  }
  history.has_final_counters = target->ReadCounters(workload.config, history.final_counters);
  return history;
}

}  // namespace holdfast::model
