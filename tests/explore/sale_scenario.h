// tests/explore/sale_scenario.h: a Sale under the explorer, with its oracles.
//
// SaleScenario owns a DetClock and a Sale of the deterministic build, and
// records what the logical threads' operations answered. Its oracles:
//   - CheckStep (every scheduling point): I1, every type's and quota's
//     counters within [0, capacity] and sold + available <= capacity;
//   - CheckEnd (quiescence): I3, each hold ends at most once (the event
//     stream: at most one Confirmed/Released/Expired per hold, each kOk of
//     Confirm and Release matched by its event), and I10, the counters agree
//     with the recorded history (live holds, held and sold units per type);
//     then I5 sequentially: once every hold is dead, one Hold of all unsold
//     units succeeds.
// Operations run on logical threads one at a time, so the records are plain
// containers.
//
//   class Mine : public SaleScenario {
//     Mine() : SaleScenario(TinyConfig()) {}
//     std::vector<ThreadProgram> Threads() override {
//       return {{HoldOp(1, 1, absl::Minutes(1))}, {SweepOp()}, {AdvanceOp(absl::Minutes(2))}};
//     }
//   };
#ifndef HOLDFAST_TESTS_EXPLORE_SALE_SCENARIO_H_
#define HOLDFAST_TESTS_EXPLORE_SALE_SCENARIO_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "holdfast/sale.h"
#include "lib/internal/atomic.h"
#include "tests/explore/det_clock.h"
#include "tests/explore/scheduler.h"

namespace holdfast::explore {

// OutcomeName as a std::string (absl::StrCat takes no std::string_view here).
inline std::string OutcomeText(Outcome outcome) { return std::string(OutcomeName(outcome)); }

inline absl::Time StartWall() { return absl::FromUnixSeconds(1'800'000'000); }

class SaleScenario : public Scenario {
 public:
  // `with_events`: turn the event queue on (4096) when the config has none;
  // CheckHistory needs it.
  explicit SaleScenario(SaleConfig config, bool with_events = true) : clock_(StartWall()) {
    config.clock = &clock_;
    if (with_events && config.events_max == 0) config.events_max = 4096;
    config_ = config;
    absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
    if (sale.ok()) sale_ = std::move(*sale);
    create_status_ = sale.status().ToString();
  }

  Sale& sale() { return *sale_; }
  DetClock& clock() { return clock_; }
  const SaleConfig& config() const { return config_; }
  bool created() const { return sale_ != nullptr; }

  // I1 at every step.
  std::string CheckStep() override { return CheckCounters(); }

  // Subclasses that watch trace points call this first.
  void OnTrace(int thread, internal::det::TracePoint point) override {
    (void)thread;
    if (point == internal::det::TracePoint::kReturnBegin) {
      ++returns_open_;
      ++returns_begun_;
    } else if (point == internal::det::TracePoint::kReturnEnd) {
      --returns_open_;
    }
  }

  std::string CheckEnd() override {
    if (!unowed_try_again_.empty()) return unowed_try_again_;
    std::string r = CheckHistory();
    if (r.empty() && check_i5_at_end_) r = CheckNoDeadHoldBlocks();
    return r;
  }

  // ---- Operations (run on logical threads) --------------------------------

  // A hold of `units` of `type` by `buyer`; remembered as the thread's last.
  Op HoldOp(int thread, BuyerId buyer, int32_t units, absl::Duration ttl, TypeId type = 0,
            uint64_t key = 0) {
    return {
        absl::StrCat("Hold(b", buyer, ", ", units, "u, ", absl::FormatDuration(ttl), ")"),
        [this, thread, buyer, units, ttl, type, key] {
          const HoldLine line{.type = type, .quantity = units};
          const ReturnWatch watch = WatchReturns();
          const HoldResult r = sale_->Hold(buyer, {&line, 1}, {.ttl = ttl, .idempotency_key = key});
          Note(thread, buyer, r, {{type, units}}, watch);
        }};
  }
  Op HoldSeatsOp(int thread, BuyerId buyer, std::vector<SeatId> seats, absl::Duration ttl) {
    return {absl::StrCat("HoldSeats(b", buyer, ", ", seats.size(), " seats)"),
            [this, thread, buyer, seats, ttl] {
              const ReturnWatch watch = WatchReturns();
              const HoldResult r =
                  sale_->HoldSeats(buyer, absl::MakeConstSpan(seats), {}, {.ttl = ttl});
              std::map<TypeId, int64_t> units;
              for (SeatId s : seats) units[SeatType(s)] += 1;
              Note(thread, buyer, r, units, watch);
            }};
  }
  Op BestOp(int thread, BuyerId buyer, int count, absl::Duration ttl) {
    return {absl::StrCat("HoldBestAvailable(b", buyer, ", ", count, ")"),
            [this, thread, buyer, count, ttl] {
              std::vector<SeatId> out(static_cast<size_t>(count), kNoSeat);
              BestAvailableRequest request;
              request.count = count;
              const ReturnWatch watch = WatchReturns();
              const HoldResult r =
                  sale_->HoldBestAvailable(buyer, request, absl::MakeSpan(out), {.ttl = ttl});
              std::map<TypeId, int64_t> units;
              if (r.ok()) {
                for (SeatId s : out) units[SeatType(s)] += 1;
              }
              Note(thread, buyer, r, units, watch);
            }};
  }
  Op ConfirmOp(int thread) {
    return {"Confirm(last)", [this, thread] {
              const Last last = last_[thread];
              const Outcome o = sale_->Confirm(last.id, last.buyer);
              if (o == Outcome::kOk) confirmed_.insert(last.id.value);
              answers_.push_back({"Confirm", last.id.value, o});
            }};
  }
  Op ReleaseOp(int thread) {
    return {"Release(last)", [this, thread] {
              const Last last = last_[thread];
              const Outcome o = sale_->Release(last.id, last.buyer);
              if (o == Outcome::kOk) released_.insert(last.id.value);
              answers_.push_back({"Release", last.id.value, o});
            }};
  }
  Op ExtendOp(int thread, absl::Duration ttl) {
    return {absl::StrCat("Extend(last, ", absl::FormatDuration(ttl), ")"), [this, thread, ttl] {
              const Last last = last_[thread];
              const Outcome o = sale_->Extend(last.id, last.buyer, ttl);
              answers_.push_back({"Extend", last.id.value, o});
            }};
  }
  Op SweepOp() {
    return {"Sweep", [this] { swept_ += sale_->Sweep(); }};
  }
  // The clock thread's step: a scheduling point, then time moves by `d`.
  Op AdvanceOp(absl::Duration d) {
    return {absl::StrCat("Advance(", absl::FormatDuration(d), ")"), [this, d] {
              internal::det::Point();
              clock_.Advance(d);
            }};
  }

 protected:
  struct Last {
    HoldId id;
    BuyerId buyer = 0;
  };
  struct Answer {
    std::string op;
    uint64_t hold = 0;
    Outcome outcome = Outcome::kOk;
  };
  struct Made {
    BuyerId buyer = 0;
    std::map<TypeId, int64_t> units;
  };

  // Expiries giving their units back (the library's kReturnBegin and
  // kReturnEnd trace points): kTryAgain is owed only while one is in flight.
  struct ReturnWatch {
    int64_t begun = 0;  // returns begun before the call
    bool open = false;  // one was in flight when the call began
  };
  ReturnWatch WatchReturns() const { return {returns_begun_, returns_open_ > 0}; }

  // A Hold's answer against the watch taken before it: kTryAgain with no
  // return in flight at any point of the call is remembered as a failure.
  void CheckOwed(const ReturnWatch& watch, Outcome outcome, BuyerId buyer) {
    if (outcome == Outcome::kTryAgain && !watch.open && returns_begun_ == watch.begun &&
        unowed_try_again_.empty()) {
      unowed_try_again_ = absl::StrCat("Hold of buyer ", buyer,
                                       " answered kTryAgain while no expiry's units were on their "
                                       "way back during the call");
    }
  }

  void Note(int thread, BuyerId buyer, const HoldResult& r, std::map<TypeId, int64_t> units,
            const ReturnWatch& watch) {
    answers_.push_back({"Hold", r.id.value, r.outcome});
    CheckOwed(watch, r.outcome, buyer);
    if (!r.ok()) return;
    last_[thread] = {r.id, buyer};
    made_.emplace(r.id.value, Made{buyer, std::move(units)});
  }

  TypeId SeatType(SeatId seat) const {
    SeatId base = 0;
    for (const SectionConfig& section : config_.seat_map.sections) {
      SeatId count = 0;
      for (const RowConfig& row : section.rows) count += static_cast<SeatId>(row.seat_count);
      if (seat < base + count) return section.type;
      base += count;
    }
    return 0;
  }

  std::string CheckCounters() const {
    for (TypeId t = 0; t < config_.types.size(); ++t) {
      const TypeStats s = sale_->TypeStatsOf(t);
      if (s.available < 0 || s.available > s.capacity || s.sold_units < 0 ||
          s.available + s.sold_units > s.capacity) {
        return absl::StrCat("I1: type ", t, " available ", s.available, " sold ", s.sold_units,
                            " capacity ", s.capacity);
      }
    }
    for (size_t q = 0; q < config_.quotas.size(); ++q) {
      const int64_t left = sale_->QuotaAvailable(static_cast<int>(q));
      if (left < 0 || left > config_.quotas[q].capacity) {
        return absl::StrCat("I1: quota ", q, " available ", left);
      }
    }
    return "";
  }

  // I3 and I10 at quiescence.
  std::string CheckHistory() {
    std::string step = CheckCounters();
    if (!step.empty()) return step;
    std::map<uint64_t, int> ends, helds;
    std::set<uint64_t> confirmed_events, released_events, expired_events;
    Event events[256];
    for (size_t n; (n = sale_->DrainEvents(events)) > 0;) {
      for (size_t i = 0; i < n; ++i) {
        const Event& e = events[i];
        if (e.kind == EventKind::kHeld) {
          ++helds[e.hold.value];
        } else {
          ++ends[e.hold.value];
          if (e.kind == EventKind::kConfirmed) confirmed_events.insert(e.hold.value);
          if (e.kind == EventKind::kReleased) released_events.insert(e.hold.value);
          if (e.kind == EventKind::kExpired) expired_events.insert(e.hold.value);
        }
      }
    }
    for (const auto& [id, count] : ends) {
      if (count > 1) return absl::StrCat("I3: hold ", id, " ended ", count, " times");
    }
    for (const auto& [id, count] : helds) {
      if (count > 1) return absl::StrCat("I3: hold ", id, " created ", count, " times");
    }
    for (uint64_t id : confirmed_) {
      if (!confirmed_events.contains(id) && made_.contains(id)) {
        return absl::StrCat("I3: Confirm of hold ", id, " answered kOk without its event");
      }
    }
    for (uint64_t id : released_) {
      if (!released_events.contains(id)) {
        return absl::StrCat("I3: Release of hold ", id, " answered kOk without its event");
      }
    }
    // I10: the counters tell the history's story.
    std::map<TypeId, int64_t> held, sold;
    int64_t live = 0;
    for (const auto& [id, made] : made_) {
      const bool ended = ends.contains(id);
      if (!ended) ++live;
      for (const auto& [type, units] : made.units) {
        if (!ended) held[type] += units;
        if (confirmed_events.contains(id)) sold[type] += units;
      }
    }
    const SaleStats stats = sale_->Stats();
    if (stats.live_holds != live) {
      return absl::StrCat("I10: live_holds ", stats.live_holds, ", the history says ", live);
    }
    for (TypeId t = 0; t < config_.types.size(); ++t) {
      const TypeStats s = sale_->TypeStatsOf(t);
      if (s.sold_units != sold[t] || s.available + held[t] + sold[t] != s.capacity) {
        return absl::StrCat("I10: type ", t, " available ", s.available, " sold ", s.sold_units,
                            ", the history says held ", held[t], " sold ", sold[t]);
      }
    }
    return "";
  }

  // I5, sequentially at the end: once every hold is dead, all unsold units of
  // type 0 (or seats, in a seated sale) can be held at once (the scenario's
  // config must allow it).
  std::string CheckNoDeadHoldBlocks() {
    clock_.Advance(config_.hold_lifetime_max + absl::Seconds(1));
    const TypeStats s = sale_->TypeStatsOf(0);
    const int64_t unsold = s.capacity - s.sold_units;
    if (unsold == 0) return "";
    HoldResult r;
    if (config_.seat_map.empty()) {
      const HoldLine line{.type = 0, .quantity = static_cast<int32_t>(unsold)};
      r = sale_->Hold(kCheckBuyer, {&line, 1}, {.ttl = absl::Minutes(1)});
    } else {
      // A seated type: every unsold seat, wherever it is.
      BestAvailableRequest request;
      request.count = static_cast<int>(unsold);
      request.avoid_orphans = false;
      request.allow_split = true;
      request.allow_restricted = true;
      std::vector<SeatId> seats(static_cast<size_t>(unsold), kNoSeat);
      r = sale_->HoldBestAvailable(kCheckBuyer, request, absl::MakeSpan(seats),
                                   {.ttl = absl::Minutes(1)});
    }
    if (!r.ok()) {
      return absl::StrCat("I5: with every hold dead, a Hold of the ", unsold,
                          " unsold units answered ", OutcomeText(r.outcome));
    }
    return "";
  }

  static constexpr BuyerId kCheckBuyer = 999'999;

  DetClock clock_;
  SaleConfig config_;
  std::unique_ptr<Sale> sale_;
  std::string create_status_;
  bool check_i5_at_end_ = true;
  std::map<int, Last> last_;
  std::map<uint64_t, Made> made_;
  std::set<uint64_t> confirmed_, released_;
  std::vector<Answer> answers_;
  int64_t swept_ = 0;
  int returns_open_ = 0;
  int64_t returns_begun_ = 0;
  std::string unowed_try_again_;
};

// A dead hold of the only unit; a Sweep expires it while two Holds need its
// unit (the freeze tests, and the teeth of the bound on a short Hold's wait).
class DeadHoldRace final : public SaleScenario {
 public:
  DeadHoldRace() : SaleScenario(OneUnit()) {
    const HoldLine line{.type = 0, .quantity = 1};
    const HoldId dead = sale_->Hold(1, {&line, 1}, {.ttl = absl::Minutes(1)}).id;
    made_.emplace(dead.value, Made{1, {{0, 1}}});
    clock_.Advance(absl::Minutes(2));
  }
  std::vector<ThreadProgram> Threads() override {
    return {{SweepOp()}, {HoldOp(1, 2, 1, absl::Minutes(1))}, {HoldOp(2, 3, 1, absl::Minutes(1))}};
  }
  static SaleConfig OneUnit() {
    SaleConfig config;
    config.types = {{.name = "a", .capacity = 1}};
    config.holds_max = 64;
    config.idempotency_keys_max = 8;
    return config;
  }
};

}  // namespace holdfast::explore

#endif  // HOLDFAST_TESTS_EXPLORE_SALE_SCENARIO_H_
