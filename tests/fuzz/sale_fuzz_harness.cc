// The differential harness: decode bytes into a config and operations, run them on the library
// and on the reference model, compare after every step (see sale_fuzz_harness.h).
#include "tests/fuzz/sale_fuzz_harness.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "holdfast/clock.h"
#include "holdfast/sale.h"
#include "lib/internal/hold_slot.h"
#include "lib/internal/sale_tags.h"
#include "lib/internal/slot_table.h"
#include "tests/model/sale_model.h"

namespace holdfast::fuzz {
namespace {

// The model writes out the HoldId layout on its own; it must be the library's.
static_assert(internal::kSlotIndexBits == 24 && internal::kGenerationBits == 27,
              "tests/model/sale_model.cc spells the HoldId layout out; keep them in step");

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

// Reads the input a byte at a time; past the end every read is 0, so every input decodes.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Next() { return at_ < size_ ? data_[at_++] : 0; }
  int Below(int n) { return Next() % n; }
  bool Done() const { return at_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

// Durations that hit the rounding to whole microseconds and the bounds.
absl::Duration PickDuration(ByteReader& in) {
  static const absl::Duration kChoices[] = {
      absl::ZeroDuration(),    absl::Nanoseconds(1),
      absl::Nanoseconds(999),  absl::Microseconds(1),
      absl::Nanoseconds(1500), absl::Seconds(1),
      absl::Minutes(1),        absl::Minutes(5),
      absl::Minutes(10),       absl::Minutes(30),
      absl::Minutes(31),       absl::Hours(4),
      -absl::Nanoseconds(1),   absl::Hours(5),
      absl::Seconds(59),       absl::Minutes(30) + absl::Nanoseconds(1)};
  return kChoices[in.Below(16)];
}

int64_t PickCapacity(ByteReader& in) {
  const int pick = in.Below(16);
  return pick < 12 ? pick % 6 : (pick < 15 ? 70 : 1000);  // 70: enough for 64 live holds
}

void DecodeCycles(ByteReader& in, SaleConfig& config) {
  const int count = in.Below(4);
  absl::Time opens = kNoon;
  for (int c = 0; c < count; ++c) {
    CycleConfig cycle;
    cycle.name = absl::StrCat("c", c);
    cycle.opens_at = opens;
    if (in.Below(2) == 1) cycle.closes_at = opens + absl::Minutes(30);
    cycle.allotment = PickCapacity(in);
    cycle.per_buyer_max = in.Below(4);
    cycle.rollover = in.Below(2) == 1;
    config.cycles.push_back(cycle);
    opens += absl::Hours(1);
  }
}

// One field made invalid (or, for some choices, an unusual valid value), chosen by `which`.
void Corrupt(int which, SaleConfig& c) {
  switch (which) {
    case 0:
      c.types.clear();
      break;
    case 1:
      c.types.push_back(c.types[0]);
      break;  // duplicate name
    case 2:
      c.types[0].capacity = -1;
      break;
    case 3:
      c.types[0].capacity = kCapacityMax + 1;
      break;
    case 4:
      c.types[0].name.clear();
      break;
    case 5:
      c.quotas.push_back({.name = "q", .capacity = 1, .types = {99}});
      break;
    case 6:
      c.quotas.push_back({.name = "q", .capacity = 1, .types = {0, 0}});
      break;
    case 7:
      c.quotas.push_back({.name = "q", .capacity = 1, .types = {}});
      break;
    case 8:
      for (int q = 0; q < 5; ++q) c.quotas.push_back({absl::StrCat("x", q), 1, {0}});
      break;
    case 9:
      c.cycles.push_back({.name = "z", .opens_at = kNoon, .closes_at = kNoon});
      break;
    case 10:
      c.cycles.push_back({.name = "z", .opens_at = kNoon - absl::Hours(9)});
      break;
    case 11:
      c.cycles.push_back({.name = "z", .opens_at = kNoon + absl::Hours(9), .allotment = -1});
      break;
    case 12:
      c.per_buyer_units_max = -1;
      break;
    case 13:
      c.holds_max = 63;
      break;
    case 14:
      c.holds_max = 65;
      break;  // valid, but the exact model needs 64 (see below)
    case 15:
      c.buyers_max = 0;
      break;
    case 16:
      c.idempotency_keys_max = -1;
      break;
    case 17:
      c.events_max = kEventsMax + 1;
      break;
    case 18:
      c.hold_ttl_default = absl::ZeroDuration();
      break;
    case 19:
      c.hold_ttl_default = c.hold_lifetime_max + absl::Nanoseconds(1);
      break;
    case 20:
      c.hold_lifetime_max = kHoldLifetimeMax + absl::Nanoseconds(1);
      break;
    case 21:
      c.units_per_hold_max = 0;
      break;
    case 22:
      c.units_per_hold_max = kUnitsPerHoldMax + 1;
      break;
    case 23:
      c.per_buyer_holds_max = kHoldsMax + 1;
      break;
    case 24:
      c.cycles.push_back({.name = "", .opens_at = kNoon + absl::Hours(9)});
      break;
    case 25:
      c.quotas.push_back({.name = "", .capacity = 1, .types = {0}});
      break;
    default:
      break;
  }
}

SaleConfig DecodeConfig(ByteReader& in) {
  SaleConfig config;
  const int types = 1 + in.Below(3);
  for (int t = 0; t < types; ++t) config.types.push_back({absl::StrCat("t", t), PickCapacity(in)});
  const int quotas = in.Below(3);
  for (int q = 0; q < quotas; ++q) {
    QuotaConfig quota{.name = absl::StrCat("q", q), .capacity = PickCapacity(in), .types = {}};
    const int mask = 1 + in.Below((1 << types) - 1);
    for (int t = 0; t < types; ++t) {
      if ((mask >> t) & 1) quota.types.push_back(static_cast<TypeId>(t));
    }
    config.quotas.push_back(quota);
  }
  DecodeCycles(in, config);
  config.per_buyer_units_max = in.Below(6);
  config.per_buyer_holds_max = in.Below(4);
  config.units_per_hold_max = 1 + in.Below(5);
  config.hold_lifetime_max = in.Below(4) == 0 ? absl::Nanoseconds(1500) : absl::Minutes(30);
  config.hold_ttl_default = in.Below(4) == 0 ? config.hold_lifetime_max : absl::Minutes(10);
  config.holds_max = 64;
  config.buyers_max = 1 + in.Below(4);
  config.idempotency_keys_max = in.Below(4);
  config.events_max = in.Below(8);
  if (in.Below(8) == 0) Corrupt(in.Below(27), config);
  return config;
}

std::string Name(Outcome o) { return std::string(OutcomeName(o)); }

std::string Describe(const TypeStats& t) {
  return absl::StrCat("cap=", t.capacity, " avail=", t.available, " held=", t.held_units,
                      " sold=", t.sold_units, " released=", t.released_units,
                      " expired=", t.expired_units);
}

std::string Describe(const SaleStats& s) {
  std::string out =
      absl::StrCat("held=", s.held_units, " sold=", s.sold_units, " released=", s.released_units,
                   " expired=", s.expired_units, " live=", s.live_holds,
                   " created=", s.holds_created, " confirmed=", s.holds_confirmed,
                   " released_holds=", s.holds_released, " expired_holds=", s.holds_expired,
                   " dropped=", s.events_dropped, " retired=", s.slots_retired, " outcomes=");
  for (int64_t count : s.outcomes) absl::StrAppend(&out, count, ",");
  return out;
}

std::string Describe(const SaleConfig& c) {
  std::string out = "config: types";
  for (const TicketTypeConfig& t : c.types) absl::StrAppend(&out, " ", t.name, "=", t.capacity);
  for (const QuotaConfig& q : c.quotas) {
    absl::StrAppend(&out, "; quota ", q.name, "=", q.capacity, " over");
    for (TypeId t : q.types) absl::StrAppend(&out, " ", t);
  }
  for (const CycleConfig& y : c.cycles) {
    absl::StrAppend(
        &out, "; cycle ", y.name, " opens noon", absl::FormatDuration(y.opens_at - kNoon),
        " closes ", y.closes_at == absl::InfiniteFuture() ? "never" : "after 30m",
        " allotment=", y.allotment, " per_buyer_max=", y.per_buyer_max, " rollover=", y.rollover);
  }
  absl::StrAppend(
      &out, "; per_buyer_units_max=", c.per_buyer_units_max,
      " per_buyer_holds_max=", c.per_buyer_holds_max, " units_per_hold_max=", c.units_per_hold_max,
      " ttl_default=", absl::FormatDuration(c.hold_ttl_default),
      " lifetime_max=", absl::FormatDuration(c.hold_lifetime_max), " buyers_max=", c.buyers_max,
      " keys_max=", c.idempotency_keys_max, " events_max=", c.events_max, "\n");
  return out;
}

std::string Describe(const BuyerCounts& b) {
  return absl::StrCat("held=", b.held_units, " bought=", b.bought_units, " live=", b.live_holds);
}

std::string Describe(const Event& e) {
  return absl::StrCat(std::string(EventKindName(e.kind)), " id=", e.hold.value, " buyer=", e.buyer,
                      " units=", e.units, " t=", e.monotonic_ns);
}

// One run: a sale, its model, their clock, the handles seen so far and the trace.
class Run {
 public:
  Run(const SaleConfig& config, const model::ModelOptions& identity, std::unique_ptr<Sale> sale,
      ManualClock& clock, HoldId foreign)
      : config_(config),
        sale_(std::move(sale)),
        model_(config, identity),
        clock_(clock),
        epoch_ns_(clock.MonotonicNanos()),
        foreign_(foreign) {
    trace_ << Describe(config) << "start: wall noon" << (clock.WallNow() - kNoon) << "\n";
    SyncTime();
  }

  // Decodes and runs one operation; false at the first disagreement.
  bool Step(ByteReader& in);
  std::string trace() const { return trace_.str(); }

 private:
  void SyncTime() { model_.SetTime(clock_.MonotonicNanos() - epoch_ns_, clock_.WallNow()); }
  bool Expect(bool ok, const std::string& what) {
    if (!ok) trace_ << "  MISMATCH: " << what << "\n";
    return ok;
  }
  template <typename T>
  bool Same(const T& library, const T& model, const std::string& what) {
    return Expect(library == model, absl::StrCat(what, ": library ", library, ", model ", model));
  }
  bool SameOutcome(Outcome library, const model::Answer& model, const std::string& what);
  bool SameText(const std::string& library, const std::string& model, const std::string& what) {
    return Expect(library == model,
                  absl::StrCat(what, ":\n    library ", library, "\n    model   ", model));
  }
  bool CompareCounters();
  std::vector<HoldLine> PickLines(ByteReader& in);
  BuyerId PickBuyer(ByteReader& in);
  std::pair<HoldId, BuyerId> PickHandle(ByteReader& in);
  bool DoHold(ByteReader& in);
  bool DoEnd(ByteReader& in, int kind);
  bool DoClock(ByteReader& in, int kind);
  bool DoSweep(ByteReader& in);
  bool DoDrain(ByteReader& in);
  bool DoQueries();

  SaleConfig config_;
  std::unique_ptr<Sale> sale_;
  model::SaleModel model_;
  ManualClock& clock_;
  const int64_t epoch_ns_;
  const HoldId foreign_;  // an id of another sale
  std::vector<std::pair<HoldId, BuyerId>> handles_;
  std::ostringstream trace_;
};

bool Run::SameOutcome(Outcome library, const model::Answer& model, const std::string& what) {
  return Expect(model.Accepts(library),
                absl::StrCat(what, ": library ", Name(library), ", model ", Name(model.outcome)));
}

BuyerId Run::PickBuyer(ByteReader& in) {
  const int pick = in.Below(16);
  return pick == 15 ? kReservedBuyer : static_cast<BuyerId>(1 + pick % 4);
}

std::vector<HoldLine> Run::PickLines(ByteReader& in) {
  static const int32_t kQuantities[] = {1, 1,  2,     3,
                                        0, -1, 65535, std::numeric_limits<int32_t>::max()};
  const int shape = in.Below(16);
  const int count = shape == 15 ? 7 : (shape == 14 ? 0 : 1 + shape % 3);
  std::vector<HoldLine> lines;
  for (int i = 0; i < count; ++i) {
    const int q = in.Below(16);
    lines.push_back(
        {.type = static_cast<TypeId>(in.Below(static_cast<int>(config_.types.size()) + 1)),
         .quantity = q < 8 ? 1 + q % 3 : kQuantities[q % 8]});
  }
  return lines;
}

std::pair<HoldId, BuyerId> Run::PickHandle(ByteReader& in) {
  const int pick = in.Below(16);
  std::pair<HoldId, BuyerId> handle{HoldId{}, 1};
  if (!handles_.empty()) handle = handles_[in.Below(static_cast<int>(handles_.size()))];
  switch (pick) {
    case 0:
      handle.first = HoldId{};
      break;  // id 0
    case 1:
      handle.first = foreign_;
      break;  // another sale's
    case 2:
      handle.first.value += uint64_t{1} << 24;
      break;  // next generation
    case 3:
      handle.first.value ^= 1;
      break;  // neighbour slot
    case 4:
      handle.first.value = (uint64_t{in.Next()} << 56) | in.Next();
      break;  // forged
    case 5:
    case 6:
      handle.second = PickBuyer(in);
      break;  // maybe not the owner
    default:
      break;  // as made
  }
  return handle;
}

bool Run::DoHold(ByteReader& in) {
  const BuyerId buyer = PickBuyer(in);
  const std::vector<HoldLine> lines = PickLines(in);
  HoldOptions options;
  options.ttl = in.Below(2) == 0 ? absl::ZeroDuration() : PickDuration(in);
  options.idempotency_key = in.Below(3) == 0 ? 1 + in.Below(3) : 0;
  trace_ << "Hold(buyer=" << buyer << ", lines=";
  for (const HoldLine& l : lines) trace_ << "{" << l.type << "," << l.quantity << "}";
  trace_ << ", ttl=" << options.ttl << ", key=" << options.idempotency_key << ")";
  const HoldResult library = sale_->Hold(buyer, lines, options);
  const HoldResult model = model_.Hold(buyer, lines, options);
  trace_ << " -> " << Name(library.outcome) << " " << library.id.value << "\n";
  if (library.ok()) handles_.emplace_back(library.id, buyer);
  return Same(Name(library.outcome), Name(model.outcome), "Hold outcome") &&
         Same(library.id.value, model.id.value, "Hold id");
}

// kind 0: Confirm, 1: Confirm reporting kAlreadyConfirmed, 2: Release, 3: Extend.
bool Run::DoEnd(ByteReader& in, int kind) {
  const auto [id, buyer] = PickHandle(in);
  static const char* const kNames[] = {"Confirm", "Confirm(report)", "Release", "Extend"};
  const absl::Duration ttl = kind == 3 ? PickDuration(in) : absl::ZeroDuration();
  trace_ << kNames[kind] << "(id=" << id.value << ", buyer=" << buyer;
  if (kind == 3) trace_ << ", ttl=" << ttl;
  const ConfirmMode mode =
      kind == 1 ? ConfirmMode::kReportAlreadyConfirmed : ConfirmMode::kRetryIsOk;
  Outcome library;
  model::Answer model;
  if (kind <= 1) {
    library = sale_->Confirm(id, buyer, mode);
    model = model_.Confirm(id, buyer, mode);
  } else if (kind == 2) {
    library = sale_->Release(id, buyer);
    model = model_.Release(id, buyer);
  } else {
    library = sale_->Extend(id, buyer, ttl);
    model = model_.Extend(id, buyer, ttl);
  }
  trace_ << ") -> " << Name(library) << "\n";
  return SameOutcome(library, model, kNames[kind]);
}

// kind 0: Advance (both clocks), 1: SetWall (forwards or back).
bool Run::DoClock(ByteReader& in, int kind) {
  if (kind == 0) {
    const absl::Duration d = PickDuration(in);
    trace_ << "Advance(" << d << ")\n";
    clock_.Advance(d);
  } else {
    const absl::Time wall = kNoon + absl::Minutes(20 * (in.Below(16) - 3));
    trace_ << "SetWall(noon" << (wall - kNoon) << ")\n";
    clock_.SetWall(wall);
  }
  SyncTime();
  return true;
}

bool Run::DoSweep(ByteReader& in) {
  const int pick = in.Below(4);
  int64_t library = 0, model = 0;
  if (pick == 0) {
    trace_ << "Sweep()";
    library = sale_->Sweep();
    model = model_.Sweep();
  } else {
    // A reading behind the clock sweeps as of then; one ahead is cut to the clock.
    const int64_t at =
        clock_.MonotonicNanos() + (pick == 1 ? 1000000 : -int64_t{60000000000} * pick);
    trace_ << "Sweep(" << at << ")";
    library = sale_->Sweep(at);
    model = model_.SweepAt(at - epoch_ns_);
  }
  trace_ << " -> " << library << "\n";
  return Same(library, model, "Sweep count");
}

bool Run::DoDrain(ByteReader& in) {
  const size_t max = in.Below(5);
  std::vector<Event> library(max);
  library.resize(sale_->DrainEvents(absl::MakeSpan(library)));
  std::vector<Event> model = model_.DrainEvents(max);
  trace_ << "DrainEvents(" << max << ") -> " << library.size() << "\n";
  if (!Same(library.size(), model.size(), "events drained")) return false;
  for (size_t i = 0; i < library.size(); ++i) {
    library[i].monotonic_ns -= epoch_ns_;
    if (!SameText(Describe(library[i]), Describe(model[i]), absl::StrCat("event ", i))) {
      return false;
    }
  }
  return true;
}

// The queries that seal ended cycles (so they are an operation, not a check after every step).
bool Run::DoQueries() {
  trace_ << "CycleQueries\n";
  bool ok = Same(sale_->CurrentCycle(), model_.CurrentCycle(), "CurrentCycle");
  for (int c = -1; c <= static_cast<int>(config_.cycles.size()); ++c) {
    ok = ok && Same(sale_->CycleAvailable(c), model_.CycleAvailable(c), absl::StrCat("Cycle ", c));
  }
  for (TypeId t = 0; t <= config_.types.size(); ++t) {
    ok = ok && Same(sale_->Available(t), model_.Available(t), absl::StrCat("Available ", t));
  }
  return ok;
}

// Every counter that has no side effect, after every step (I10 at each quiescent point).
bool Run::CompareCounters() {
  bool ok = SameText(Describe(sale_->Stats()), Describe(model_.Stats()), "Stats");
  for (TypeId t = 0; ok && t <= config_.types.size(); ++t) {
    ok = SameText(Describe(sale_->TypeStatsOf(t)), Describe(model_.TypeStatsOf(t)),
                  absl::StrCat("TypeStats ", t)) &&
         Same(sale_->TypeAvailable(t), model_.TypeAvailable(t), "TypeAvailable");
  }
  for (int q = -1; ok && q <= static_cast<int>(config_.quotas.size()); ++q) {
    ok = Same(sale_->QuotaAvailable(q), model_.QuotaAvailable(q), absl::StrCat("Quota ", q));
  }
  for (BuyerId b = 0; ok && b <= 5; ++b) {
    ok = SameText(Describe(sale_->Buyer(b)), Describe(model_.Buyer(b)), absl::StrCat("Buyer ", b));
  }
  // I1, checked on the library's own counters: never oversold.
  for (TypeId t = 0; ok && t < config_.types.size(); ++t) {
    const TypeStats s = sale_->TypeStatsOf(t);
    ok = Expect(s.available >= 0 && s.available + s.held_units + s.sold_units == s.capacity,
                "I1/I10: available + held + sold == capacity");
  }
  return ok;
}

bool Run::Step(ByteReader& in) {
  const int op = in.Below(20);
  bool ok = true;
  if (op < 6) {
    ok = DoHold(in);
  } else if (op < 12) {
    ok = DoEnd(in, (op - 6) % 4);
  } else if (op < 15) {
    ok = DoClock(in, op == 14 ? 1 : 0);
  } else if (op < 17) {
    ok = DoSweep(in);
  } else if (op == 17) {
    ok = DoDrain(in);
  } else if (op == 18) {
    ok = DoQueries();
  } else {
    // A burst of one-unit holds, to reach the hold table's bound.
    trace_ << "Burst:\n";
    for (int i = 0; i < 16 && ok; ++i) {
      const BuyerId buyer = 1 + i % 4;
      const HoldLine line{.type = 0, .quantity = 1};
      const HoldResult library = sale_->Hold(buyer, absl::MakeConstSpan(&line, 1));
      const HoldResult model = model_.Hold(buyer, absl::MakeConstSpan(&line, 1), {});
      if (library.ok()) handles_.emplace_back(library.id, buyer);
      trace_ << "  Hold(buyer=" << buyer << ", {0,1}) -> " << Name(library.outcome) << " "
             << library.id.value << "\n";
      ok = Same(Name(library.outcome), Name(model.outcome), "Burst outcome") &&
           Same(library.id.value, model.id.value, "Burst id");
    }
  }
  return ok && CompareCounters();
}

// A HoldId of another sale (a throwaway one, ended before the sale under test is made).
HoldId ForeignHoldId() {
  SaleConfig probe;
  probe.types = {{.name = "probe", .capacity = 1}};
  probe.holds_max = 64;  // small tables: this runs once per input
  probe.buyers_max = 1;
  probe.idempotency_keys_max = 0;
  std::unique_ptr<Sale> sale = std::move(*Sale::Create(probe));
  const HoldLine line{.type = 0, .quantity = 1};
  return sale->Hold(1, absl::MakeConstSpan(&line, 1)).id;
}

// How the library will make the next sale's ids: its tag and first generation (the tag lease,
// lib/internal/sale_tags.h) and where this thread's slot allocation starts. Single-threaded
// callers only.
model::ModelOptions NextSaleIdentity() {
  const std::optional<internal::SaleTags::Lease> lease = internal::SaleTags::PeekNext();
  model::ModelOptions options{.identity = model::IdentityMode::kExact};
  if (lease) {
    options.tag = lease->tag;
    options.first_generation = lease->first_generation;
  }
  options.slot_cursor = internal::SlotTable::CursorOfThisThread();
  return options;
}

}  // namespace

bool RunSaleFuzzInput(const uint8_t* data, size_t size, std::string* failure) {
  ByteReader in(data, size);
  SaleConfig config = DecodeConfig(in);
  ManualClock clock(kNoon + absl::Minutes(20 * (in.Below(8) - 2)));
  config.clock = &clock;
  const bool model_valid = model::SaleModel::Validate(config).ok();
  const HoldId foreign = ForeignHoldId();
  const model::ModelOptions identity = NextSaleIdentity();
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  if (sale.ok() != model_valid) {
    *failure = absl::StrCat("Create: library says ", sale.status().ToString(), ", model says ",
                            model_valid ? "valid" : "invalid");
    return false;
  }
  // The exact model places holds in a single group of 64 slots (sale_model.h).
  if (!sale.ok() || config.holds_max != 64) return true;
  Run run(config, identity, std::move(*sale), clock, foreign);
  for (int step = 0; step < 256 && !in.Done(); ++step) {
    if (!run.Step(in)) {
      *failure = run.trace();
      return false;
    }
  }
  return true;
}

}  // namespace holdfast::fuzz
