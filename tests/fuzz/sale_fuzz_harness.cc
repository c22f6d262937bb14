// The differential harness: decode bytes into a config and operations, run them on the library
// and on the reference model, compare after every step (see sale_fuzz_harness.h).
#include "tests/fuzz/sale_fuzz_harness.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

// A small seat map: 1-2 sections of 1-3 rows of 1-127 seats (a row of 65 or more crosses a
// 64-seat word; in a row of 127 the centre lies on the boundary, so best available's rule that a
// run never crosses it decides), some seats accessible or restricted, rows ranked 0 (map order)
// to 2. A seated type's capacity is its seat count.
void DecodeSeatMap(ByteReader& in, SaleConfig& config) {
  static const int kRowSeats[] = {1, 2, 3, 5, 64, 65, 70, 127};
  const int sections = 1 + in.Below(2);
  std::vector<int64_t> seats_of_type(config.types.size(), 0);
  for (int s = 0; s < sections; ++s) {
    SectionConfig section{
        .name = absl::StrCat("s", s),
        .type = static_cast<TypeId>(in.Below(static_cast<int>(config.types.size()))),
        .rows = {}};
    const int rows = 1 + in.Below(3);
    for (int r = 0; r < rows; ++r) {
      RowConfig row{.label = std::string(1, static_cast<char>('A' + r)),
                    .seat_count = kRowSeats[in.Below(8)],
                    .first_number = in.Below(4) == 0 ? -2 : 1,
                    .rank = in.Below(3),
                    .accessible = {},
                    .restricted = {}};
      const int flags = in.Below(4);
      for (int i = 0; i < 3 && (flags & 1) != 0; ++i) {
        row.accessible.push_back(row.first_number + in.Below(row.seat_count));
      }
      for (int i = 0; i < 2 && (flags & 2) != 0; ++i) {
        row.restricted.push_back(row.first_number + in.Below(row.seat_count));
      }
      seats_of_type[section.type] += row.seat_count;
      section.rows.push_back(row);
    }
    config.seat_map.sections.push_back(section);
  }
  for (size_t t = 0; t < config.types.size(); ++t) {
    if (seats_of_type[t] > 0) config.types[t].capacity = seats_of_type[t];
  }
  // Up to 8 units a hold, so that explicit seats can need more runs than a hold has lines; best
  // available asks for at most kLinesPerHoldMax seats (PickRequest), where the model's split
  // rule is exact.
  config.units_per_hold_max = 2 + in.Below(7);
}

// One rule of the seat map broken (ValidateConfig, seat_map.h), chosen by `which`.
void CorruptSeatMap(int which, SaleConfig& c) {
  if (c.seat_map.empty()) return;
  SectionConfig& section = c.seat_map.sections[0];
  RowConfig& row = section.rows[0];
  switch (which) {
    case 26:
      c.types[section.type].capacity += 1;  // capacity != seats
      break;
    case 27:
      section.rows.push_back(row);  // duplicate row label
      break;
    case 28:
      section.type = 99;
      break;
    case 29:
      row.accessible.push_back(row.first_number + row.seat_count);  // not in the row
      break;
    case 30:
      row.seat_count = 0;
      break;
    case 31:
      row.label = "A-";
      break;
    case 32:
      c.seat_map.sections.push_back(section);  // duplicate section name
      break;
    case 33:
      row.restricted.push_back(row.first_number - 1);
      break;
    case 34:
      section.name = " s";
      break;
    case 35:
      section.rows.clear();
      break;
    default:
      break;
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
      CorruptSeatMap(which, c);
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
  if (in.Below(3) != 0) DecodeSeatMap(in, config);
  if (in.Below(8) == 0) Corrupt(in.Below(37), config);
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
      " keys_max=", c.idempotency_keys_max, " events_max=", c.events_max);
  for (const SectionConfig& s : c.seat_map.sections) {
    absl::StrAppend(&out, "; section ", s.name, " type=", s.type);
    for (const RowConfig& r : s.rows) {
      absl::StrAppend(&out, " [row ", r.label, " seats=", r.seat_count, " first=", r.first_number,
                      " rank=", r.rank, " accessible=", absl::StrJoin(r.accessible, ","),
                      " restricted=", absl::StrJoin(r.restricted, ","), "]");
    }
  }
  absl::StrAppend(&out, "\n");
  return out;
}

std::string Describe(const SeatState& s) {
  return absl::StrCat("status=", static_cast<int>(s.status), " hold=", s.hold.value,
                      " buyer=", s.buyer);
}

std::string Describe(absl::Span<const SeatId> seats) {
  std::string out = "[";
  for (SeatId s : seats) absl::StrAppend(&out, s == kNoSeat ? "-" : absl::StrCat(s), " ");
  return out + "]";
}

std::string Describe(const BestAvailableRequest& r) {
  return absl::StrCat("count=", r.count, " sections={", absl::StrJoin(r.sections, ","),
                      "} avoid_orphans=", r.avoid_orphans, " allow_split=", r.allow_split,
                      " accessible_only=", r.accessible_only,
                      " allow_restricted=", r.allow_restricted);
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
    SeatId first = 0;
    for (const SectionConfig& section : config.seat_map.sections) {
      for (const RowConfig& row : section.rows) {
        rows_.emplace_back(first, row.seat_count);
        first += static_cast<SeatId>(row.seat_count);
      }
    }
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
  HoldOptions PickOptions(ByteReader& in, int odd_one_in);
  SeatId PickSeat(ByteReader& in);
  std::vector<SeatId> PickSeats(ByteReader& in);
  BestAvailableRequest PickRequest(ByteReader& in);
  bool DoHoldSeats(ByteReader& in);
  bool DoHoldBestAvailable(ByteReader& in);
  bool DoSeatQueries(ByteReader& in);
  bool SameSeat(SeatId seat);

  SaleConfig config_;
  std::unique_ptr<Sale> sale_;
  model::SaleModel model_;
  ManualClock& clock_;
  const int64_t epoch_ns_;
  const HoldId foreign_;  // an id of another sale
  std::vector<std::pair<HoldId, BuyerId>> handles_;
  std::vector<std::pair<SeatId, int>> rows_;  // first seat and seat count of each row
  std::vector<SeatId> known_seats_;           // seats some hold took (to ask for them again)
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

// `odd_one_in`: one call in that many has a ttl of its own (else the default), and a key.
HoldOptions Run::PickOptions(ByteReader& in, int odd_one_in) {
  HoldOptions options;
  options.ttl = in.Below(odd_one_in) != 0 ? absl::ZeroDuration() : PickDuration(in);
  options.idempotency_key = in.Below(odd_one_in + 1) == 0 ? 1 + in.Below(3) : 0;
  return options;
}

bool Run::DoHold(ByteReader& in) {
  const BuyerId buyer = PickBuyer(in);
  const std::vector<HoldLine> lines = PickLines(in);
  const HoldOptions options = PickOptions(in, 2);
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

// A seat: near a row's ends, its 64-seat boundary or its centre, anywhere, a seat some hold
// took, or one past the map (unknown).
SeatId Run::PickSeat(ByteReader& in) {
  const int shape = in.Below(16);
  const SeatId count = sale_->SeatCount();
  if (shape >= 12 && shape <= 14 && !known_seats_.empty()) {
    return known_seats_[in.Below(static_cast<int>(std::min<size_t>(known_seats_.size(), 255)))];
  }
  if (rows_.empty() || shape == 15) {
    const int pick = in.Below(4);
    return pick == 0 ? kNoSeat : count + static_cast<SeatId>(pick - 1);  // unknown
  }
  const auto [first, seats] = rows_[in.Below(static_cast<int>(rows_.size()))];
  const int choices[] = {0, 1, 62, 63, 64, seats - 1, seats / 2, in.Below(seats)};
  return first + static_cast<SeatId>(std::clamp(choices[shape % 8], 0, seats - 1));
}

// Seats for HoldSeats: a run of consecutive ids (it may cross a 64-seat block, a row's end or
// the map's end), scattered seats, repeats, none, or more than a hold may have.
std::vector<SeatId> Run::PickSeats(ByteReader& in) {
  const int shape = in.Below(8);
  const int count = shape == 7 ? 7 * in.Below(2) : (shape == 6 ? 8 : 1 + in.Below(3));
  std::vector<SeatId> seats;
  if (shape <= 3 || shape == 7) {
    const SeatId start = PickSeat(in);
    for (int i = 0; i < count; ++i) seats.push_back(start + static_cast<SeatId>(i));
  } else {
    for (int i = 0; i < count; ++i) seats.push_back(PickSeat(in));
  }
  if (shape == 4 && !seats.empty()) seats.push_back(seats.front());  // a repeat
  if (shape == 5) std::reverse(seats.begin(), seats.end());          // any order
  return seats;
}

// A best-available request, valid or not. Where the outcome would depend on which allowed
// section's type the library takes seats from (a quota over some of those types but not all),
// the request is narrowed to one section: the model needs that (sale_model.h).
BestAvailableRequest Run::PickRequest(ByteReader& in) {
  BestAvailableRequest r;
  const int count = in.Below(16);
  static const int kOddCounts[] = {0, 5, 6, 65};  // 0 and 65 are invalid, 6 is kLinesPerHoldMax
  r.count = count < 12 ? 1 + count % 4 : kOddCounts[count - 12];
  const int sections = in.Below(8);
  const int last = std::max<int>(1, static_cast<int>(config_.seat_map.sections.size())) - 1;
  if (sections == 4) r.sections = {0};
  if (sections == 5) r.sections = {last};
  if (sections == 6) r.sections = {last, 0};                           // a repeat, with one section
  if (sections == 7) r.sections = {in.Below(2) == 0 ? -1 : last + 1};  // unknown
  const uint8_t flags = in.Next();
  r.avoid_orphans = (flags & 1) == 0;
  r.allow_split = (flags & 2) != 0;
  r.accessible_only = (flags & 12) == 12;
  r.allow_restricted = (flags & 16) != 0;
  const std::vector<SectionConfig>& map = config_.seat_map.sections;
  std::vector<int> allowed = r.sections;
  if (allowed.empty()) {
    for (size_t s = 0; s < map.size(); ++s) allowed.push_back(static_cast<int>(s));
  }
  if (std::any_of(allowed.begin(), allowed.end(),
                  [&](int s) { return s < 0 || static_cast<size_t>(s) >= map.size(); })) {
    return r;  // invalid anyway
  }
  std::set<TypeId> types;
  for (int s : allowed) types.insert(map[s].type);
  for (const QuotaConfig& q : config_.quotas) {
    const auto covered = std::count_if(types.begin(), types.end(), [&](TypeId t) {
      return std::find(q.types.begin(), q.types.end(), t) != q.types.end();
    });
    if (covered > 0 && static_cast<size_t>(covered) < types.size()) {
      r.sections = {allowed.front()};
      break;
    }
  }
  return r;
}

bool Run::SameSeat(SeatId seat) {
  return SameText(Describe(sale_->Seat(seat)), Describe(model_.Seat(seat)),
                  absl::StrCat("Seat ", seat));
}

bool Run::DoHoldSeats(ByteReader& in) {
  const BuyerId buyer = PickBuyer(in);
  const std::vector<SeatId> seats = PickSeats(in);
  const std::vector<HoldLine> lines = in.Below(8) == 0 ? PickLines(in) : std::vector<HoldLine>{};
  const HoldOptions options = PickOptions(in, 4);
  trace_ << "HoldSeats(buyer=" << buyer << ", seats=" << Describe(seats) << ", lines=";
  for (const HoldLine& l : lines) trace_ << "{" << l.type << "," << l.quantity << "}";
  trace_ << ", ttl=" << options.ttl << ", key=" << options.idempotency_key << ")";
  const HoldResult library = sale_->HoldSeats(buyer, seats, lines, options);
  const HoldResult model = model_.HoldSeats(buyer, seats, lines, options);
  trace_ << " -> " << Name(library.outcome) << " " << library.id.value << " taken="
         << (library.taken_seat == kNoSeat ? std::string("-") : absl::StrCat(library.taken_seat))
         << "\n";
  if (library.ok()) {
    handles_.emplace_back(library.id, buyer);
    known_seats_.insert(known_seats_.end(), seats.begin(), seats.end());
  }
  bool ok = Same(Name(library.outcome), Name(model.outcome), "HoldSeats outcome") &&
            Same(library.id.value, model.id.value, "HoldSeats id") &&
            Same(library.taken_seat, model.taken_seat, "HoldSeats taken_seat");
  for (size_t i = 0; ok && i < seats.size() && i < 8; ++i) ok = SameSeat(seats[i]);
  return ok;
}

bool Run::DoHoldBestAvailable(ByteReader& in) {
  const BuyerId buyer = PickBuyer(in);
  const BestAvailableRequest request = PickRequest(in);
  const int size = in.Below(8);
  const size_t out_size = static_cast<size_t>(
      std::max(0, size == 0 ? request.count - 1 : (size == 1 ? request.count + 2 : request.count)));
  const HoldOptions options = PickOptions(in, 4);
  trace_ << "HoldBestAvailable(buyer=" << buyer << ", " << Describe(request) << ", out=" << out_size
         << ", ttl=" << options.ttl << ", key=" << options.idempotency_key << ")";
  constexpr SeatId kUntouched = 0xABCDEF;
  std::vector<SeatId> out(out_size, kUntouched);
  const HoldResult library = sale_->HoldBestAvailable(buyer, request, absl::MakeSpan(out), options);
  trace_ << " -> " << Name(library.outcome) << " " << library.id.value << " seats=" << Describe(out)
         << "\n";
  const model::SaleModel::BestAnswer model =
      model_.HoldBestAvailable(buyer, request, out_size, options, library, out);
  bool ok = Same(Name(library.outcome), Name(model.result.outcome), "HoldBestAvailable outcome") &&
            Same(library.id.value, model.result.id.value, "HoldBestAvailable id") &&
            Same(library.taken_seat, model.result.taken_seat, "HoldBestAvailable taken_seat");
  if (ok && library.ok()) {
    handles_.emplace_back(library.id, buyer);
    for (SeatId s : out) {
      if (s < sale_->SeatCount()) known_seats_.push_back(s);
    }
    ok = Expect(model.complaint.empty(), "HoldBestAvailable seats: " + model.complaint) &&
         SameText(Describe(out), Describe(model.seats), "HoldBestAvailable seats_out");
    for (size_t i = 0; ok && i < out.size() && i < 8; ++i) ok = SameSeat(out[i]);
  }
  return ok;
}

// SeatsOf for a handle (real, stale, forged, foreign), Seat for a few seats and SnapshotSeats
// with spans too short (it must refuse and write nothing).
bool Run::DoSeatQueries(ByteReader& in) {
  const auto [id, buyer] = PickHandle(in);
  static const size_t kSizes[] = {0, 1, 3, 8};
  const size_t size = kSizes[in.Below(4)];
  std::vector<SeatId> library(size, kNoSeat);
  int count = -1;
  const Outcome outcome = sale_->SeatsOf(id, buyer, absl::MakeSpan(library), count);
  std::vector<SeatId> model;
  const Outcome expected = model_.SeatsOf(id, buyer, size, model);
  trace_ << "SeatsOf(id=" << id.value << ", buyer=" << buyer << ", out=" << size << ") -> "
         << Name(outcome) << " " << count << "\n";
  bool ok = Same(Name(outcome), Name(expected), "SeatsOf outcome");
  if (ok && outcome == Outcome::kOk) {
    library.resize(static_cast<size_t>(std::max(count, 0)));
    ok = SameText(Describe(library), Describe(model), "SeatsOf seats");
  }
  for (SeatId seat : library) ok = ok && SameSeat(seat);
  for (int i = 0; i < 3; ++i) ok = ok && SameSeat(PickSeat(in));
  const size_t words = (sale_->SeatCount() + 63) / 64;
  if (ok && words > 0) {
    std::vector<uint64_t> held(words - 1, 7), sold(words, 7);
    ok = Expect(!sale_->SnapshotSeats(absl::MakeSpan(held), absl::MakeSpan(sold)) &&
                    std::all_of(sold.begin(), sold.end(), [](uint64_t w) { return w == 7; }),
                "SnapshotSeats with a short span: false, nothing written");
  }
  return ok;
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
  // Every seat's state at once (held includes dead holds not yet expired).
  if (ok && !rows_.empty()) {
    std::vector<uint64_t> held((sale_->SeatCount() + 63) / 64), sold(held.size());
    std::vector<uint64_t> model_held, model_sold;
    ok = Expect(sale_->SnapshotSeats(absl::MakeSpan(held), absl::MakeSpan(sold)), "Snapshot");
    model_.SnapshotSeats(model_held, model_sold);
    for (size_t w = 0; ok && w < held.size(); ++w) {
      ok = Same(held[w], model_held[w], absl::StrCat("Snapshot held word ", w)) &&
           Same(sold[w], model_sold[w], absl::StrCat("Snapshot sold word ", w));
    }
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
  // Reserved seating: a third of the operations on a sale with a seat map, a few without one
  // (kInvalidArgument, nothing held, kFree).
  const int op = in.Below(rows_.empty() ? 22 : 30);
  bool ok = true;
  if (op >= 20) {
    const int seat_op = rows_.empty() ? 10 * (op - 20) + in.Below(10) : op - 20;
    ok = seat_op < 4 ? DoHoldSeats(in) : seat_op < 8 ? DoHoldBestAvailable(in) : DoSeatQueries(in);
  } else if (op < 6) {
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

bool RunSaleFuzzInput(const uint8_t* data, size_t size, std::string* failure, std::string* trace) {
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
  if (sale.ok() && (*sale)->SeatCount() != model::SaleModel(config, identity).SeatCount()) {
    *failure = "SeatCount differs";
    return false;
  }
  Run run(config, identity, std::move(*sale), clock, foreign);
  for (int step = 0; step < 256 && !in.Done(); ++step) {
    if (!run.Step(in)) {
      *failure = run.trace();
      return false;
    }
  }
  if (trace != nullptr) *trace = run.trace();
  return true;
}

}  // namespace holdfast::fuzz
