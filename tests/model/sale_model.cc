// The reference model of holdfast::Sale (see sale_model.h): records and recomputation, no
// cleverness. Each operation reads top to bottom like its contract in include/holdfast/sale.h.
#include "tests/model/sale_model.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace holdfast::model {
namespace {

// HoldId layout, as types.h describes it (slot, generation, sale tag), with the widths of
// lib/internal/hold_slot.h; the fuzzer static_asserts that the two agree.
constexpr int kSlotBits = 24;
constexpr int kGenerationBits = 27;
constexpr uint64_t kGenerationMask = (uint64_t{1} << kGenerationBits) - 1;

HoldId MakeId(uint32_t tag, uint64_t generation, uint32_t slot) {
  return HoldId{(uint64_t{tag} << (kGenerationBits + kSlotBits)) | (generation << kSlotBits) |
                slot};
}
uint32_t TagOf(HoldId id) {
  return static_cast<uint32_t>(id.value >> (kGenerationBits + kSlotBits));
}
uint64_t GenerationOf(HoldId id) { return (id.value >> kSlotBits) & kGenerationMask; }
uint32_t SlotOf(HoldId id) { return static_cast<uint32_t>(id.value & ((1u << kSlotBits) - 1)); }

int64_t FloorMicros(int64_t ns) { return ns / 1000; }

// The library keeps a buyer's held + bought units in 39 bits and refuses past it.
constexpr int64_t kClaimUnitsMax = (int64_t{1} << 39) - 1;

absl::Status Bad(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool Within(int64_t value, int64_t low, int64_t high) { return value >= low && value <= high; }

absl::Status ValidateTypesAndQuotas(const SaleConfig& c) {
  if (c.types.empty() || c.types.size() > static_cast<size_t>(kTypesMax)) return Bad("types", "");
  std::set<std::string> names;
  for (const TicketTypeConfig& t : c.types) {
    if (t.name.empty() || !names.insert(t.name).second) return Bad("types.name", t.name);
    if (!Within(t.capacity, 0, kCapacityMax)) return Bad("types.capacity", "");
  }
  if (c.quotas.size() > static_cast<size_t>(kQuotasMax)) return Bad("quotas", "");
  std::vector<int> quotas_per_type(c.types.size(), 0);
  names.clear();
  for (const QuotaConfig& q : c.quotas) {
    if (q.name.empty() || !names.insert(q.name).second) return Bad("quotas.name", q.name);
    if (!Within(q.capacity, 0, kCapacityMax)) return Bad("quotas.capacity", "");
    if (q.types.empty()) return Bad("quotas.types", "empty");
    std::set<TypeId> seen;
    for (TypeId t : q.types) {
      if (t >= c.types.size() || !seen.insert(t).second) return Bad("quotas.types", "");
      if (++quotas_per_type[t] > kQuotasPerTypeMax) return Bad("quotas.types", "too many");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCyclesAndBounds(const SaleConfig& c) {
  if (c.cycles.size() > static_cast<size_t>(kCyclesMax)) return Bad("cycles", "");
  for (size_t i = 0; i < c.cycles.size(); ++i) {
    const CycleConfig& cycle = c.cycles[i];
    if (cycle.name.empty()) return Bad("cycles.name", "");
    if (cycle.closes_at <= cycle.opens_at) return Bad("cycles.closes_at", "");
    if (i > 0 && cycle.opens_at <= c.cycles[i - 1].opens_at) return Bad("cycles.opens_at", "");
    if (!Within(cycle.allotment, 0, kCapacityMax)) return Bad("cycles.allotment", "");
    if (!Within(cycle.per_buyer_max, 0, kCapacityMax)) return Bad("cycles.per_buyer_max", "");
  }
  if (c.hold_lifetime_max <= absl::ZeroDuration() || c.hold_lifetime_max > kHoldLifetimeMax) {
    return Bad("hold_lifetime_max", "");
  }
  if (c.hold_ttl_default <= absl::ZeroDuration() || c.hold_ttl_default > c.hold_lifetime_max) {
    return Bad("hold_ttl_default", "");
  }
  if (!Within(c.per_buyer_units_max, 0, kCapacityMax) ||
      !Within(c.per_buyer_holds_max, 0, kHoldsMax) ||
      !Within(c.units_per_hold_max, 1, kUnitsPerHoldMax) || !Within(c.holds_max, 64, kHoldsMax) ||
      !Within(c.buyers_max, 1, kBuyersMax) ||
      !Within(c.idempotency_keys_max, 0, kIdempotencyKeysMax) ||
      !Within(c.events_max, 0, kEventsMax)) {
    return Bad("bounds", "");
  }
  return absl::OkStatus();
}

bool HasControl(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// seat_map.h: names and labels that keep "SECTION ROW-NUMBER" unique, rows of 1 ..
// kSeatsPerRowMax seats numbered within int, flags naming seats of the row, and a seated type's
// capacity equal to its seats.
absl::Status ValidateSeatMap(const SaleConfig& c) {
  std::set<std::string> sections;
  std::vector<int64_t> seats_of_type(c.types.size(), 0);
  int64_t seats = 0, words = 0;
  for (const SectionConfig& section : c.seat_map.sections) {
    const std::string& name = section.name;
    if (name.empty() || HasControl(name) || name.front() == ' ' || name.back() == ' ' ||
        !sections.insert(name).second) {
      return Bad("seat_map.sections.name", name);
    }
    if (section.type >= c.types.size()) return Bad("seat_map.sections.type", "");
    if (section.rows.empty()) return Bad("seat_map.sections.rows", "empty");
    std::set<std::string> labels;
    for (const RowConfig& row : section.rows) {
      const std::string& label = row.label;
      if (label.empty() || HasControl(label) || label.find(' ') != std::string::npos ||
          label.back() == '-' || !labels.insert(label).second) {
        return Bad("seat_map.rows.label", label);
      }
      if (!Within(row.seat_count, 1, kSeatsPerRowMax)) return Bad("seat_map.rows.seat_count", "");
      const int64_t last = int64_t{row.first_number} + row.seat_count - 1;
      if (last > std::numeric_limits<int>::max()) return Bad("seat_map.rows.first_number", "");
      for (const std::vector<int>* list : {&row.accessible, &row.restricted}) {
        for (int number : *list) {
          if (number < row.first_number || number > last) return Bad("seat_map.rows.flags", "");
        }
      }
      seats += row.seat_count;
      words += (row.seat_count + 63) / 64;
      seats_of_type[section.type] += row.seat_count;
    }
  }
  if (seats > kSeatsMax || words > kSeatWordsMax) return Bad("seat_map", "too big");
  for (size_t t = 0; t < c.types.size(); ++t) {
    if (seats_of_type[t] > 0 && seats_of_type[t] != c.types[t].capacity) {
      return Bad("types.capacity", "seats");
    }
  }
  return absl::OkStatus();
}

// Twice a row position's distance from the row's centre (lib/internal/seat_table.cc).
int64_t Distance2(int64_t pos, int64_t seat_count) { return std::abs(2 * pos - (seat_count - 1)); }

}  // namespace

absl::Status SaleModel::Validate(const SaleConfig& config) {
  if (absl::Status s = ValidateTypesAndQuotas(config); !s.ok()) return s;
  if (absl::Status s = ValidateCyclesAndBounds(config); !s.ok()) return s;
  return ValidateSeatMap(config);
}

SaleModel::SaleModel(const SaleConfig& config, ModelOptions options)
    : config_(config),
      options_(options),
      cycle_left_(config.cycles.size()),
      cycle_sealed_(config.cycles.size(), false),
      type_sold_(config.types.size()),
      type_released_(config.types.size()),
      type_expired_(config.types.size()),
      type_held_ever_(config.types.size()),
      outcomes_(kOutcomeCount) {
  seated_.assign(config.types.size(), false);
  for (const SectionConfig& section : config.seat_map.sections) {
    if (section.type < seated_.size()) seated_[section.type] = true;
    for (const RowConfig& row : section.rows) {
      SeatRow r;
      r.section = static_cast<int>(&section - config.seat_map.sections.data());
      r.type = section.type;
      r.rank = row.rank != 0 ? row.rank : static_cast<int>(rows_.size()) + 1;
      r.first = static_cast<SeatId>(seat_rows_.size());
      r.count = row.seat_count;
      r.accessible.assign(row.seat_count, false);
      r.restricted.assign(row.seat_count, false);
      for (int n : row.accessible) r.accessible[n - row.first_number] = true;
      for (int n : row.restricted) r.restricted[n - row.first_number] = true;
      seat_rows_.insert(seat_rows_.end(), row.seat_count, static_cast<int>(rows_.size()));
      rows_.push_back(std::move(r));
    }
  }
  for (size_t r = 0; r < rows_.size(); ++r) rows_by_rank_.push_back(static_cast<int>(r));
  std::stable_sort(rows_by_rank_.begin(), rows_by_rank_.end(),
                   [this](int a, int b) { return rows_[a].rank < rows_[b].rank; });
  for (size_t c = 0; c < config.cycles.size(); ++c) cycle_left_[c] = config.cycles[c].allotment;
  if (options.identity == IdentityMode::kExact) {
    slots_.resize(config.holds_max);
    for (SlotRecord& slot : slots_) slot.generation = options.first_generation;
    slot_cursor_ = options.slot_cursor;
  }
}

void SaleModel::SetTime(int64_t now_ns, absl::Time wall) {
  now_ns_ = now_ns;
  wall_ = wall;
}

Outcome SaleModel::Count(Outcome outcome) {
  ++outcomes_[static_cast<int>(outcome)];
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Counters, recomputed from the hold records every time (slow and plain on purpose).

int64_t SaleModel::TypeHeld(TypeId type) const {
  int64_t units = 0;
  for (const HoldRecord& h : holds_) {
    if (h.state != HoldState::kHeld) continue;
    for (const auto& [t, q] : h.lines) units += t == type ? q : 0;
  }
  return units;
}

int64_t SaleModel::TypeRoom(TypeId type) const {
  return config_.types[type].capacity - TypeHeld(type) - type_sold_[type];
}

int64_t SaleModel::QuotaRoom(int quota) const {
  int64_t room = config_.quotas[quota].capacity;
  for (TypeId t : config_.quotas[quota].types) room -= TypeHeld(t) + type_sold_[t];
  return room;
}

int64_t SaleModel::BuyerLiveHolds(BuyerId buyer) const {
  return std::count_if(holds_.begin(), holds_.end(), [&](const HoldRecord& h) {
    return h.buyer == buyer && h.state == HoldState::kHeld;
  });
}

int64_t SaleModel::BuyerHeldUnits(BuyerId buyer) const {
  int64_t units = 0;
  for (const HoldRecord& h : holds_) {
    if (h.buyer == buyer && h.state == HoldState::kHeld) units += h.units;
  }
  return units;
}

int64_t SaleModel::BuyerBoughtUnits(BuyerId buyer) const {
  int64_t units = 0;
  for (const HoldRecord& h : holds_) {
    if (h.buyer == buyer && h.state == HoldState::kConfirmed) units += h.units;
  }
  return units;
}

// "Units one buyer may hold + buy within this cycle": its live and confirmed holds made in it.
int64_t SaleModel::BuyerCycleUnits(BuyerId buyer, int cycle) const {
  int64_t units = 0;
  for (const HoldRecord& h : holds_) {
    const bool counts = h.state == HoldState::kHeld || h.state == HoldState::kConfirmed;
    if (h.buyer == buyer && h.cycle == cycle && counts) units += h.units;
  }
  return units;
}

// ---------------------------------------------------------------------------------------------
// Cycles: a cycle runs from its opens_at to its closes_at or the next opens_at. Once over it is
// sealed: its unsold allotment moves to the next cycle when it rolls over, or is gone.

// Where the wall clock stands, raised to the floors Holds left (a cycle seen open stays the
// floor; sealed cycles stay over): a wall clock stepped back never moves the sale back. Writes
// nothing, so queries use it as they are.
SaleModel::CycleAt SaleModel::LocateCycle(absl::Time wall) const {
  CycleAt at;
  for (size_t c = 0; c < config_.cycles.size(); ++c) {
    if (config_.cycles[c].opens_at <= wall) at.index = static_cast<int>(c);
  }
  at.open = at.index >= 0 && wall < config_.cycles[at.index].closes_at;
  at.ended = at.index < 0 ? 0 : (at.open ? at.index : at.index + 1);
  if (at.index < seen_open_ - 1) {
    at.index = seen_open_ - 1;
    at.open = true;
  }
  at.ended = std::max(at.ended, sealed_through_);
  if (at.index < at.ended) at.open = false;
  if (at.index < at.ended - 1) at.index = at.ended - 1;
  return at;
}

void SaleModel::SealThrough(int target) {
  for (; sealed_through_ < target; ++sealed_through_) {
    const int c = sealed_through_;
    const int64_t left = cycle_left_[c];
    cycle_left_[c] = 0;
    cycle_sealed_[c] = true;
    if (left > 0 && config_.cycles[c].rollover) GiveToCycle(c + 1, left);
  }
}

// Units coming back to a cycle: to it while it runs; past its end, on along the rollover chain
// to the first cycle that still runs, or nowhere once a cycle without rollover is passed.
void SaleModel::GiveToCycle(int cycle, int64_t units) {
  for (; cycle < static_cast<int>(config_.cycles.size()); ++cycle) {
    if (!cycle_sealed_[cycle]) {
      cycle_left_[cycle] += units;
      return;
    }
    if (!config_.cycles[cycle].rollover) return;
  }
}

Outcome SaleModel::CycleForHold(int& cycle) {
  cycle = -1;
  if (config_.cycles.empty()) return Outcome::kOk;
  const CycleAt at = LocateCycle(wall_);
  if (at.open) seen_open_ = std::max(seen_open_, at.index + 1);
  SealThrough(at.ended);
  if (at.open) {
    cycle = at.index;
    return Outcome::kOk;
  }
  return at.index + 1 >= static_cast<int>(config_.cycles.size()) ? Outcome::kClosed
                                                                 : Outcome::kNotOpen;
}

// ---------------------------------------------------------------------------------------------
// Hold

// `seated`: the plain lines of HoldSeats or HoldBestAvailable, which may be none.
bool SaleModel::PlanHold(BuyerId buyer, absl::Span<const HoldLine> lines,
                         const HoldOptions& options, Plan& plan, bool seated) const {
  if (buyer == kReservedBuyer || (lines.empty() && !seated) || lines.size() > kLinesPerHoldMax) {
    return false;
  }
  for (const HoldLine& line : lines) {
    // A seated type is held seat by seat, never as a plain line.
    if (line.quantity <= 0 || line.type >= config_.types.size() || seated_[line.type]) {
      return false;
    }
    plan.units += line.quantity;
    auto merged = std::find_if(plan.lines.begin(), plan.lines.end(),
                               [&](const auto& l) { return l.first == line.type; });
    if (merged == plan.lines.end()) {
      plan.lines.emplace_back(line.type, line.quantity);
    } else {
      merged->second += line.quantity;
    }
  }
  if (plan.units > config_.units_per_hold_max) return false;
  const absl::Duration ttl =
      options.ttl == absl::ZeroDuration() ? config_.hold_ttl_default : options.ttl;
  if (ttl < absl::Microseconds(1) || ttl > config_.hold_lifetime_max) return false;
  plan.ttl_ns = absl::ToInt64Nanoseconds(ttl);
  plan.key = options.idempotency_key;
  return plan.key == 0 || config_.idempotency_keys_max > 0;
}

// Explicit seats: known, distinct, at most kSeatsPerHoldMax, within units_per_hold_max with the
// plain units, and in runs (consecutive seats of one row inside one 64-seat block) that fit the
// slot's lines beside the plain lines' distinct types.
bool SaleModel::PlanSeats(absl::Span<const SeatId> seats, Plan& plan) const {
  if (rows_.empty() || seats.empty() || seats.size() > static_cast<size_t>(kSeatsPerHoldMax) ||
      plan.units + static_cast<int64_t>(seats.size()) > config_.units_per_hold_max) {
    return false;
  }
  std::vector<SeatId> sorted(seats.begin(), seats.end());
  std::sort(sorted.begin(), sorted.end());
  size_t runs = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] >= SeatCount() || (i > 0 && sorted[i] == sorted[i - 1])) return false;
    const SeatRow& row = rows_[seat_rows_[sorted[i]]];
    const bool joins = i > 0 && sorted[i] == sorted[i - 1] + 1 &&
                       seat_rows_[sorted[i]] == seat_rows_[sorted[i - 1]] &&
                       (sorted[i] - row.first) / 64 == (sorted[i - 1] - row.first) / 64;
    runs += joins ? 0 : 1;
  }
  if (plan.lines.size() + runs > static_cast<size_t>(kLinesPerHoldMax)) return false;
  plan.seats = std::move(sorted);
  plan.units += static_cast<int64_t>(seats.size());
  return true;
}

// The plan's units by type: the plain lines, then the seats' types in the seats' order (sorted
// for explicit seats, the library's order for best available), merged by type.
std::vector<std::pair<TypeId, int64_t>> SaleModel::PlanLines(const Plan& plan) const {
  std::vector<std::pair<TypeId, int64_t>> lines = plan.lines;
  std::vector<SeatId> canonical;
  const std::vector<SeatId>* seats = &plan.seats;
  if (plan.best) {
    if (plan.chosen.empty()) canonical = CanonicalBest(plan.request);
    seats = plan.chosen.empty() ? &canonical : &plan.chosen;
  }
  for (SeatId seat : *seats) {
    const TypeId type = rows_[seat_rows_[seat]].type;
    auto merged =
        std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first == type; });
    if (merged == lines.end()) {
      lines.emplace_back(type, 1);
    } else {
      ++merged->second;
    }
  }
  return lines;
}

std::vector<ClaimStep> SaleModel::Steps(BuyerId buyer, const Plan& plan, int cycle) const {
  std::vector<ClaimStep> steps;
  const std::vector<std::pair<TypeId, int64_t>> lines = PlanLines(plan);
  // The buyer's cycle limit first, then its sale-wide word (lib/sale.cc ClaimStock).
  if (cycle >= 0 && config_.cycles[cycle].per_buyer_max > 0) {
    steps.push_back({ClaimStep::kCycleBuyer, cycle, plan.units});
  }
  steps.push_back({ClaimStep::kBuyer, static_cast<int64_t>(buyer), plan.units});
  // Seats after the buyer, before the shared counters.
  if (plan.best || !plan.seats.empty()) {
    steps.push_back({ClaimStep::kSeats, 0, plan.units});
  }
  if (cycle >= 0) steps.push_back({ClaimStep::kCycle, cycle, plan.units});
  for (const auto& [type, quantity] : lines) steps.push_back({ClaimStep::kType, type, quantity});
  for (const auto& [type, quantity] : lines) {
    for (size_t q = 0; q < config_.quotas.size(); ++q) {
      const std::vector<TypeId>& members = config_.quotas[q].types;
      if (std::find(members.begin(), members.end(), type) != members.end()) {
        steps.push_back({ClaimStep::kQuota, static_cast<int64_t>(q), quantity});
      }
    }
  }
  return steps;
}

// Walks the claims in order and names the first that is short; units other holds have in flight
// count as taken. The buyer's cycle step is keyed by (buyer, cycle): an in-flight claim of the
// same buyer in the same cycle counts.
Outcome SaleModel::CheckClaims(BuyerId buyer, const Plan& plan, int cycle,
                               absl::Span<const InFlightClaim> in_flight, ClaimStep* failed) const {
  auto taken = [&](const ClaimStep& step, BuyerId owner, int64_t& holds) {
    int64_t units = 0;
    for (const InFlightClaim& other : in_flight) {
      BuyerId other_buyer = 0;
      for (const ClaimStep& s : other.claims) {
        if (s.kind == ClaimStep::kBuyer) other_buyer = static_cast<BuyerId>(s.index);
      }
      for (const ClaimStep& s : other.claims) {
        if (s.kind != step.kind || s.index != step.index) continue;
        if (s.kind == ClaimStep::kCycleBuyer && other_buyer != owner) continue;
        units += s.units;
        holds += s.kind == ClaimStep::kBuyer ? 1 : 0;
      }
    }
    return units;
  };
  // This hold's own earlier steps count too: two lines may claim one quota.
  std::map<std::pair<int, int64_t>, int64_t> mine;
  for (const ClaimStep& step : Steps(buyer, plan, cycle)) {
    int64_t holds = 0;
    int64_t& own = mine[{step.kind, step.index}];
    const int64_t busy = taken(step, buyer, holds) + own;
    own += step.units;
    if (failed != nullptr) *failed = step;
    switch (step.kind) {
      case ClaimStep::kBuyer: {
        const int64_t holds_max = config_.per_buyer_holds_max;
        if (holds_max > 0 && BuyerLiveHolds(buyer) + holds >= holds_max) {
          return Outcome::kTooManyHolds;
        }
        const int64_t units_max = config_.per_buyer_units_max > 0
                                      ? std::min(config_.per_buyer_units_max, kClaimUnitsMax)
                                      : kClaimUnitsMax;
        const int64_t claimed = BuyerHeldUnits(buyer) + BuyerBoughtUnits(buyer) + busy;
        if (claimed + plan.units > units_max) return Outcome::kBuyerLimit;
        break;
      }
      case ClaimStep::kCycleBuyer:
        if (BuyerCycleUnits(buyer, cycle) + busy + plan.units >
            config_.cycles[cycle].per_buyer_max) {
          return Outcome::kBuyerLimit;
        }
        break;
      case ClaimStep::kCycle:
        if (cycle_sealed_[cycle]) return Outcome::kClosed;
        if (cycle_left_[cycle] - busy < step.units) return Outcome::kSoldOut;
        break;
      case ClaimStep::kType:
        if (TypeRoom(static_cast<TypeId>(step.index)) - busy < step.units) return Outcome::kSoldOut;
        break;
      case ClaimStep::kQuota:
        if (QuotaRoom(static_cast<int>(step.index)) - busy < step.units) return Outcome::kSoldOut;
        break;
      case ClaimStep::kSeats:
        if (plan.best) {
          if (!BestFits(plan.request)) return Outcome::kNoAdjacentSeats;
        } else {
          const std::vector<uint8_t> statuses = SeatStatuses();
          for (SeatId seat : plan.seats) {
            if (statuses[seat] != kSeatFree) return Outcome::kSeatTaken;
          }
        }
        break;
    }
  }
  return Outcome::kOk;
}

// I5: a short claim is never answered while a dead hold holds what was needed. Expire every dead
// hold and check again, as long as that frees something.
Outcome SaleModel::ClaimWithRetry(BuyerId buyer, const Plan& plan, int cycle) {
  for (;;) {
    ClaimStep failed;
    const Outcome outcome = CheckClaims(buyer, plan, cycle, {}, &failed);
    if (DeadHoldsMayMatter(outcome, buyer, failed) && ExpireDead(now_ns_) > 0) continue;
    return outcome;
  }
}

// The library skips the expiry scan where no dead hold can be in the way: a buyer limit of a
// buyer with no holds (its bought units made the limit), or a ticket type with no held units.
bool SaleModel::DeadHoldsMayMatter(Outcome outcome, BuyerId buyer, const ClaimStep& failed) const {
  switch (outcome) {
    case Outcome::kBuyerLimit:
    case Outcome::kTooManyHolds:
      return BuyerLiveHolds(buyer) > 0;
    case Outcome::kSoldOut:
      return failed.kind != ClaimStep::kType || TypeHeld(static_cast<TypeId>(failed.index)) > 0;
    case Outcome::kSeatTaken:
    case Outcome::kNoAdjacentSeats:
      return true;  // a dead hold's seats are taken until it is expired
    default:
      return false;
  }
}

// A keyed hold answers a repeated key while it is live, or confirmed and still remembered (its
// id resolves, or the buyer's recent confirmations name it). A dead one is expired on the way.
bool SaleModel::KeyedHoldStands(BuyerId buyer, uint64_t key, HoldId id) {
  if (id.value == 0) return false;
  const Resolved r = Resolve(id, buyer);
  if (r.error == Outcome::kUnknownHold) return RecentlyConfirmed(buyer, id);
  if (r.error != Outcome::kOk || holds_[r.hold].key != key) return false;
  HoldRecord& hold = holds_[r.hold];
  if (hold.state == HoldState::kHeld) {
    if (!Dead(hold, now_ns_)) return true;
    End(r.hold, HoldState::kExpired, now_ns_);
    return false;
  }
  // kLoose: a confirmed hold counts as remembered (the checker keeps every buyer within the
  // ring of recent confirmations, so it is remembered either way).
  return hold.state == HoldState::kConfirmed;
}

HoldId SaleModel::StandingKeyedHold(BuyerId buyer, uint64_t key) {
  auto entry = keys_.find({buyer, key});
  if (entry == keys_.end()) return {};
  return KeyedHoldStands(buyer, key, entry->second) ? entry->second : HoldId{};
}

// Takes a hold slot (kExact: the first free one after the last slot taken, round the group, as
// the library's Allocate; kLoose: only the bound is kept). False, with nothing taken, when the
// table is full.
bool SaleModel::TakeSlot(BuyerId buyer, int& slot) {
  slot = -1;
  auto live = [&] {
    return std::count_if(holds_.begin(), holds_.end(),
                         [](const HoldRecord& h) { return h.state == HoldState::kHeld; });
  };
  if (live() >= config_.holds_max && (ExpireDead(now_ns_) == 0 || live() >= config_.holds_max)) {
    return false;
  }
  if (options_.identity == IdentityMode::kExact) {
    const size_t n = slots_.size();
    const size_t start = (slot_cursor_ + 1) % 64;
    for (size_t step = 0; step < 64 && slot < 0; ++step) {
      const size_t s = (start + step) % 64;
      if (s < n && !slots_[s].occupied) slot = static_cast<int>(s);
    }
    slot_cursor_ = static_cast<uint32_t>(slot);
    SlotRecord& record = slots_[slot];
    if (!record.free_state) ++record.generation;
    record.free_state = false;
    record.occupied = true;
    record.hold = -1;
    record.buyer = buyer;
  }
  return true;
}

// Whether a new key can be remembered: keys are taken only by holds that got their stock.
bool SaleModel::KeyRoom(BuyerId buyer, uint64_t key) const {
  return key == 0 || keys_.count({buyer, key}) != 0 ||
         keys_.size() < static_cast<size_t>(config_.idempotency_keys_max);
}

void SaleModel::DropSlot(int slot) {
  if (slot >= 0) slots_[slot].occupied = false;
}

HoldResult SaleModel::Create(BuyerId buyer, const Plan& plan, int cycle, int slot,
                             HoldId fresh_id) {
  HoldRecord hold;
  hold.id = options_.identity == IdentityMode::kExact
                ? MakeId(options_.tag, slots_[slot].generation, static_cast<uint32_t>(slot))
                : fresh_id;
  hold.buyer = buyer;
  hold.lines = PlanLines(plan);
  hold.seats = plan.best ? plan.chosen : plan.seats;
  hold.units = plan.units;
  hold.cycle = cycle;
  hold.created_ns = now_ns_;
  hold.deadline_ns = now_ns_ + FloorMicros(plan.ttl_ns) * 1000;
  hold.key = plan.key;
  holds_.push_back(hold);
  if (cycle >= 0) cycle_left_[cycle] -= plan.units;  // what this cycle released to the hold
  if (slot >= 0) slots_[slot].hold = static_cast<int>(holds_.size() - 1);
  if (plan.key != 0) keys_[{buyer, plan.key}] = hold.id;
  ++holds_created_;
  for (const auto& [type, quantity] : hold.lines) type_held_ever_[type] += quantity;
  Publish(EventKind::kHeld, hold, now_ns_);
  return {Count(Outcome::kOk), hold.id};
}

HoldResult SaleModel::Hold(BuyerId buyer, absl::Span<const HoldLine> lines,
                           const HoldOptions& options, HoldId fresh_id) {
  Plan plan;
  if (!PlanHold(buyer, lines, options, plan)) return {Count(Outcome::kInvalidArgument), {}};
  return HoldPlanned(buyer, plan, fresh_id, /*key_checked=*/false);
}

HoldResult SaleModel::HoldSeats(BuyerId buyer, absl::Span<const SeatId> seats,
                                absl::Span<const HoldLine> lines, const HoldOptions& options,
                                HoldId fresh_id) {
  Plan plan;
  if (!PlanHold(buyer, lines, options, plan, /*seated=*/true) || !PlanSeats(seats, plan)) {
    return {Count(Outcome::kInvalidArgument), {}};
  }
  return HoldPlanned(buyer, plan, fresh_id, /*key_checked=*/false);
}

// Hold once planned: the key, the window, the buyer, a slot, the claims, the key entry.
HoldResult SaleModel::HoldPlanned(BuyerId buyer, Plan& plan, HoldId fresh_id, bool key_checked) {
  // A repeated key answers before anything else, even outside the window.
  if (plan.key != 0 && !key_checked) {
    if (HoldId standing = StandingKeyedHold(buyer, plan.key); standing.value != 0) {
      return {Count(Outcome::kOk), standing};
    }
  }
  int cycle = -1;
  if (Outcome o = CycleForHold(cycle); o != Outcome::kOk) return {Count(o), {}};
  if (buyers_.count(buyer) == 0) {
    if (buyers_.size() >= static_cast<size_t>(config_.buyers_max)) {
      return {Count(Outcome::kBuyerTableFull), {}};
    }
    buyers_[buyer];  // tracked from its first valid Hold in an open window, even a failing one
  }
  int slot = -1;
  if (!TakeSlot(buyer, slot)) return {Count(Outcome::kHoldTableFull), {}};
  Outcome outcome = ClaimWithRetry(buyer, plan, cycle);
  // The key after the stock: a failed Hold leaves no key behind (I2).
  if (outcome == Outcome::kOk && !KeyRoom(buyer, plan.key)) outcome = Outcome::kHoldTableFull;
  if (outcome != Outcome::kOk) {
    DropSlot(slot);  // the generation is spent all the same
    HoldResult failed{Count(outcome), {}};
    if (outcome == Outcome::kSeatTaken) {
      const std::vector<uint8_t> statuses = SeatStatuses();
      failed.taken_seat = *std::find_if(plan.seats.begin(), plan.seats.end(),
                                        [&](SeatId s) { return statuses[s] != kSeatFree; });
    }
    return failed;
  }
  if (plan.best) {
    // The seats are checked on the state the library chose them in: after any expiry, before
    // the hold is made. Without the library's choice (it answered otherwise), the model's own.
    if (plan.chosen.empty()) {
      plan.chosen = CanonicalBest(plan.request);
      plan.complaint = "the library made no hold";
    } else {
      plan.complaint = CheckBestChoice(plan.request, plan.chosen);
    }
  }
  return Create(buyer, plan, cycle, slot, fresh_id);
}

std::vector<ClaimStep> SaleModel::ClaimsOf(BuyerId buyer, absl::Span<const HoldLine> lines) const {
  Plan plan;
  if (!PlanHold(buyer, lines, {}, plan)) return {};
  int cycle = -1;
  if (!config_.cycles.empty()) {
    // The cycle a Hold would claim from now, without sealing anything (this is a query).
    SaleModel copy = *this;
    if (copy.CycleForHold(cycle) != Outcome::kOk) return {};
  }
  return Steps(buyer, plan, cycle);
}

Outcome SaleModel::HoldWithInFlight(BuyerId buyer, absl::Span<const HoldLine> lines,
                                    const HoldOptions& options,
                                    absl::Span<const InFlightClaim> in_flight) {
  Plan plan;
  if (!PlanHold(buyer, lines, options, plan)) return Count(Outcome::kInvalidArgument);
  if (plan.key != 0 && StandingKeyedHold(buyer, plan.key).value != 0) return Count(Outcome::kOk);
  int cycle = -1;
  if (Outcome o = CycleForHold(cycle); o != Outcome::kOk) return Count(o);
  if (buyers_.count(buyer) == 0) {
    if (buyers_.size() >= static_cast<size_t>(config_.buyers_max)) {
      return Count(Outcome::kBuyerTableFull);
    }
    buyers_[buyer];
  }
  int slot = -1;
  if (!TakeSlot(buyer, slot)) return Count(Outcome::kHoldTableFull);
  DropSlot(slot);
  // Where a dead hold could matter, the library answers short only after a reclaim.
  ClaimStep failed;
  Outcome outcome = CheckClaims(buyer, plan, cycle, in_flight, &failed);
  if (DeadHoldsMayMatter(outcome, buyer, failed) && ExpireDead(now_ns_) > 0) {
    outcome = CheckClaims(buyer, plan, cycle, in_flight);
  }
  if (outcome == Outcome::kOk && !KeyRoom(buyer, plan.key)) outcome = Outcome::kHoldTableFull;
  return Count(outcome);
}

// ---------------------------------------------------------------------------------------------
// Confirm, Release, Extend: resolve the handle, then one decision on the hold's state.

SaleModel::Resolved SaleModel::Resolve(HoldId id, BuyerId buyer) const {
  Resolved r;
  r.error = Outcome::kUnknownHold;
  if (id.value == 0) return r;
  if (options_.identity == IdentityMode::kLoose) {
    for (size_t i = 0; i < holds_.size(); ++i) {
      if (holds_[i].id != id) continue;
      r.hold = static_cast<int>(i);
      r.maybe_reused = holds_[i].state != HoldState::kHeld;
      r.error = holds_[i].buyer == buyer ? Outcome::kOk : Outcome::kNotOwner;
    }
    return r;
  }
  if (TagOf(id) != options_.tag || SlotOf(id) >= slots_.size()) return r;
  const SlotRecord& slot = slots_[SlotOf(id)];
  if (slot.free_state || slot.generation != GenerationOf(id)) return r;
  // The slot still describes this id's hold (or the failed hold that spent its generation).
  r.error = slot.buyer == buyer ? Outcome::kOk : Outcome::kNotOwner;
  r.hold = slot.hold;
  if (r.error == Outcome::kOk && r.hold < 0) r.error = Outcome::kUnknownHold;
  return r;
}

bool SaleModel::RecentlyConfirmed(BuyerId buyer, HoldId id) const {
  auto it = buyers_.find(buyer);
  if (id.value == 0 || it == buyers_.end()) return false;
  const std::vector<uint64_t>& recent = it->second.recent_confirmed;
  return std::find(recent.begin(), recent.end(), id.value) != recent.end();
}

Outcome SaleModel::ConfirmResolved(const Resolved& r, HoldId id, BuyerId buyer, ConfirmMode mode) {
  const Outcome already =
      mode == ConfirmMode::kRetryIsOk ? Outcome::kOk : Outcome::kAlreadyConfirmed;
  if (r.error == Outcome::kUnknownHold && RecentlyConfirmed(buyer, id)) return already;
  if (r.error != Outcome::kOk) return r.error;
  HoldRecord& hold = holds_[r.hold];
  switch (hold.state) {
    case HoldState::kHeld:
      if (Dead(hold, now_ns_)) {
        End(r.hold, HoldState::kExpired, now_ns_);  // I4: expired even if nothing swept it
        return Outcome::kExpired;
      }
      End(r.hold, HoldState::kConfirmed, now_ns_);
      return Outcome::kOk;
    case HoldState::kConfirmed:
      return already;
    case HoldState::kExpired:
      return Outcome::kExpired;
    case HoldState::kReleased:
      return Outcome::kUnknownHold;
  }
  return Outcome::kUnknownHold;
}

Outcome SaleModel::ReleaseResolved(const Resolved& r, HoldId id, BuyerId buyer) {
  if (r.error == Outcome::kUnknownHold && RecentlyConfirmed(buyer, id)) {
    return Outcome::kAlreadyConfirmed;
  }
  if (r.error != Outcome::kOk) return r.error;
  HoldRecord& hold = holds_[r.hold];
  switch (hold.state) {
    case HoldState::kHeld: {
      const bool dead = Dead(hold, now_ns_);
      End(r.hold, dead ? HoldState::kExpired : HoldState::kReleased, now_ns_);
      return dead ? Outcome::kExpired : Outcome::kOk;
    }
    case HoldState::kConfirmed:
      return Outcome::kAlreadyConfirmed;
    case HoldState::kExpired:
      return Outcome::kExpired;
    case HoldState::kReleased:
      return Outcome::kUnknownHold;
  }
  return Outcome::kUnknownHold;
}

Outcome SaleModel::ExtendResolved(const Resolved& r, HoldId id, BuyerId buyer, absl::Duration ttl) {
  if (r.error == Outcome::kUnknownHold && RecentlyConfirmed(buyer, id)) {
    return Outcome::kAlreadyConfirmed;
  }
  if (r.error != Outcome::kOk) return r.error;
  HoldRecord& hold = holds_[r.hold];
  switch (hold.state) {
    case HoldState::kHeld: {
      if (Dead(hold, now_ns_)) {
        End(r.hold, HoldState::kExpired, now_ns_);
        return Outcome::kExpired;
      }
      // now + ttl, cut at creation + hold_lifetime_max, in whole microseconds rounded down
      // (as the library: a hold may end up to 1 us early, never late), at least 1.
      const int64_t lifetime_us = absl::ToInt64Microseconds(config_.hold_lifetime_max);
      const int64_t offset_us = std::clamp<int64_t>(
          FloorMicros(now_ns_ + absl::ToInt64Nanoseconds(ttl) - hold.created_ns), 1, lifetime_us);
      hold.deadline_ns = hold.created_ns + offset_us * 1000;
      return Outcome::kOk;
    }
    case HoldState::kConfirmed:
      return Outcome::kAlreadyConfirmed;
    case HoldState::kExpired:
      return Outcome::kExpired;
    case HoldState::kReleased:
      return Outcome::kUnknownHold;
  }
  return Outcome::kUnknownHold;
}

Answer SaleModel::Confirm(HoldId id, BuyerId buyer, ConfirmMode mode) {
  const Resolved r = Resolve(id, buyer);
  Answer a;
  if (r.maybe_reused) a.also = ConfirmResolved({.error = Outcome::kUnknownHold}, id, buyer, mode);
  a.outcome = Count(ConfirmResolved(r, id, buyer, mode));
  if (!r.maybe_reused) a.also = a.outcome;
  return a;
}

Answer SaleModel::Release(HoldId id, BuyerId buyer) {
  const Resolved r = Resolve(id, buyer);
  Answer a;
  if (r.maybe_reused) a.also = ReleaseResolved({.error = Outcome::kUnknownHold}, id, buyer);
  a.outcome = Count(ReleaseResolved(r, id, buyer));
  if (!r.maybe_reused) a.also = a.outcome;
  return a;
}

Answer SaleModel::Extend(HoldId id, BuyerId buyer, absl::Duration ttl) {
  if (ttl < absl::Microseconds(1) || ttl > config_.hold_lifetime_max) {
    const Outcome o = Count(Outcome::kInvalidArgument);
    return {o, o};
  }
  const Resolved r = Resolve(id, buyer);
  Answer a;
  if (r.maybe_reused) a.also = ExtendResolved({.error = Outcome::kUnknownHold}, id, buyer, ttl);
  a.outcome = Count(ExtendResolved(r, id, buyer, ttl));
  if (!r.maybe_reused) a.also = a.outcome;
  return a;
}

void SaleModel::Recount(const Answer& answer, Outcome answered) {
  --outcomes_[static_cast<int>(answer.outcome)];
  ++outcomes_[static_cast<int>(answered)];
}

// The one place a hold ends (I3): confirmed units stay sold; released or expired units go back
// to the types, quotas and the hold's cycle (the types and quotas are recomputed from records).
void SaleModel::End(int index, HoldState to, int64_t at_ns) {
  HoldRecord& hold = holds_[index];
  hold.state = to;
  EventKind kind = EventKind::kConfirmed;
  for (const auto& [type, quantity] : hold.lines) {
    if (to == HoldState::kConfirmed) type_sold_[type] += quantity;
    if (to == HoldState::kReleased) type_released_[type] += quantity;
    if (to == HoldState::kExpired) type_expired_[type] += quantity;
  }
  if (to == HoldState::kConfirmed) {
    ++holds_confirmed_;
    BuyerRecord& buyer = buyers_[hold.buyer];
    if (buyer.recent_confirmed.size() < kRecentConfirmed) buyer.recent_confirmed.resize(3, 0);
    buyer.recent_confirmed[buyer.confirmed_count++ % kRecentConfirmed] = hold.id.value;
  } else {
    if (hold.cycle >= 0) GiveToCycle(hold.cycle, hold.units);
    ++(to == HoldState::kReleased ? holds_released_ : holds_expired_);
    kind = to == HoldState::kReleased ? EventKind::kReleased : EventKind::kExpired;
  }
  Publish(kind, hold, at_ns);
  if (options_.identity == IdentityMode::kExact) {
    slots_[SlotOf(hold.id)].occupied = false;
  }
}

// Expires every dead hold. The order shows only in the events; kExact follows the library's
// scan, by slot index.
int64_t SaleModel::ExpireDead(int64_t at_ns) {
  std::vector<int> dead;
  for (size_t i = 0; i < holds_.size(); ++i) {
    if (holds_[i].state == HoldState::kHeld && Dead(holds_[i], at_ns)) {
      dead.push_back(static_cast<int>(i));
    }
  }
  if (options_.identity == IdentityMode::kExact) {
    std::sort(dead.begin(), dead.end(),
              [&](int a, int b) { return SlotOf(holds_[a].id) < SlotOf(holds_[b].id); });
  }
  for (int i : dead) End(i, HoldState::kExpired, at_ns);
  return static_cast<int64_t>(dead.size());
}

int64_t SaleModel::Sweep() { return ExpireDead(now_ns_); }
int64_t SaleModel::SweepAt(int64_t at_ns) { return ExpireDead(std::min(at_ns, now_ns_)); }

void SaleModel::Publish(EventKind kind, const HoldRecord& hold, int64_t at_ns) {
  if (config_.events_max == 0) return;
  if (events_.size() >= static_cast<size_t>(config_.events_max)) {
    ++events_dropped_;
    return;
  }
  events_.push_back(Event{.kind = kind,
                          .hold = hold.id,
                          .buyer = hold.buyer,
                          .units = static_cast<int32_t>(hold.units),
                          .monotonic_ns = at_ns});
}

std::vector<Event> SaleModel::DrainEvents(size_t max) {
  std::vector<Event> out;
  while (out.size() < max && !events_.empty()) {
    out.push_back(events_.front());
    events_.pop_front();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reserved seating

SaleModel::BestAnswer SaleModel::HoldBestAvailable(
    BuyerId buyer, const BestAvailableRequest& request, size_t out_size, const HoldOptions& options,
    const HoldResult& library, absl::Span<const SeatId> library_seats, HoldId fresh_id) {
  BestAnswer answer;
  Plan plan;
  const bool valid = PlanHold(buyer, {}, options, plan, /*seated=*/true) && !rows_.empty() &&
                     Within(request.count, 1, kSeatsPerHoldMax) &&
                     request.count <= config_.units_per_hold_max &&
                     out_size >= static_cast<size_t>(request.count) &&
                     std::all_of(request.sections.begin(), request.sections.end(), [&](int s) {
                       return s >= 0 && static_cast<size_t>(s) < config_.seat_map.sections.size();
                     });
  if (!valid) {
    answer.result = {Count(Outcome::kInvalidArgument), {}};
    return answer;
  }
  plan.best = true;
  plan.request = request;
  plan.units = request.count;
  // A repeated key: the first request's hold and its seats; one call, one outcome counted.
  if (plan.key != 0) {
    if (const HoldId standing = StandingKeyedHold(buyer, plan.key); standing.value != 0) {
      const Outcome seats = SeatsOf(standing, buyer, out_size, answer.seats);
      if (seats != Outcome::kOk) {
        answer.result = {Count(seats == Outcome::kNotOwner ? Outcome::kUnknownHold : seats), {}};
        return answer;
      }
      if (answer.seats.empty()) {
        answer.result = {Count(Outcome::kInvalidArgument), {}};
        return answer;
      }
      answer.seats.resize(out_size, kNoSeat);
      answer.result = {Count(Outcome::kOk), standing};
      return answer;
    }
  }
  // The library's choice, if it made a hold and its seats are seats at all.
  const bool usable = library.ok() && library_seats.size() >= static_cast<size_t>(request.count) &&
                      std::all_of(library_seats.begin(), library_seats.begin() + request.count,
                                  [&](SeatId s) { return s < SeatCount(); });
  if (usable) plan.chosen.assign(library_seats.begin(), library_seats.begin() + request.count);
  if (library.ok() && !usable) answer.complaint = "seats_out names unknown seats";
  answer.result = HoldPlanned(buyer, plan, fresh_id, /*key_checked=*/true);
  if (answer.result.ok()) {
    if (answer.complaint.empty()) answer.complaint = plan.complaint;
    answer.seats = plan.chosen;
    answer.seats.resize(out_size, kNoSeat);
  }
  return answer;
}

std::vector<uint8_t> SaleModel::SeatStatuses() const {
  std::vector<uint8_t> statuses(SeatCount(), kSeatFree);
  for (const HoldRecord& h : holds_) {
    if (h.state != HoldState::kHeld && h.state != HoldState::kConfirmed) continue;
    for (SeatId seat : h.seats)
      statuses[seat] = h.state == HoldState::kHeld ? kSeatHeld : kSeatSold;
  }
  return statuses;
}

bool SaleModel::Eligible(SeatId seat, const BestAvailableRequest& r,
                         const std::vector<uint8_t>& statuses) const {
  const SeatRow& row = rows_[seat_rows_[seat]];
  const int pos = static_cast<int>(seat - row.first);
  const bool section = r.sections.empty() || std::find(r.sections.begin(), r.sections.end(),
                                                       row.section) != r.sections.end();
  return section && statuses[seat] == kSeatFree && (!r.accessible_only || row.accessible[pos]) &&
         (r.allow_restricted || !row.restricted[pos]);
}

std::vector<int> SaleModel::RowCandidates(int row_index, const BestAvailableRequest& r,
                                          const std::vector<uint8_t>& statuses) const {
  const SeatRow& row = rows_[row_index];
  std::vector<int> starts;
  for (int p = 0; p + r.count <= row.count; ++p) {
    if (p / 64 != (p + r.count - 1) / 64) continue;  // runs never cross a 64-seat block
    bool all = true;
    for (int i = p; i < p + r.count && all; ++i) all = Eligible(row.first + i, r, statuses);
    if (all) starts.push_back(p);
  }
  return starts;
}

// Whether taking `count` seats from `start` leaves a single free seat (whatever the request's
// filters) between them and a taken seat or the row's end.
bool SaleModel::Orphans(int row_index, int start, int count,
                        const std::vector<uint8_t>& statuses) const {
  const SeatRow& row = rows_[row_index];
  auto open = [&](int p) {
    return p >= 0 && p < row.count && (p < start || p >= start + count) &&
           statuses[row.first + p] == kSeatFree;
  };
  const int end = start + count;
  return (open(start - 1) && !open(start - 2)) || (open(end) && !open(end + 1));
}

// Whether the library's best available must find seats now (see the file comment).
bool SaleModel::BestFits(const BestAvailableRequest& r) const {
  const std::vector<uint8_t> statuses = SeatStatuses();
  for (size_t row = 0; row < rows_.size(); ++row) {
    if (!RowCandidates(static_cast<int>(row), r, statuses).empty()) return true;
  }
  if (!r.allow_split) return false;
  int64_t free = 0;
  for (SeatId s = 0; s < SeatCount(); ++s) free += Eligible(s, r, statuses) ? 1 : 0;
  return free >= r.count;
}

// A choice the library could make (for the types of a hold whose seats the library did not
// tell): the first adjacent run in rank order, else the first free seats in rank order.
std::vector<SeatId> SaleModel::CanonicalBest(const BestAvailableRequest& r) const {
  const std::vector<uint8_t> statuses = SeatStatuses();
  std::vector<SeatId> seats;
  for (int row : rows_by_rank_) {
    const std::vector<int> starts = RowCandidates(row, r, statuses);
    if (starts.empty()) continue;
    for (int i = 0; i < r.count; ++i) seats.push_back(rows_[row].first + starts[0] + i);
    return seats;
  }
  if (!r.allow_split) return seats;
  for (int row : rows_by_rank_) {
    for (int p = 0; p < rows_[row].count && seats.size() < static_cast<size_t>(r.count); ++p) {
      if (Eligible(rows_[row].first + p, r, statuses)) seats.push_back(rows_[row].first + p);
    }
  }
  return seats.size() == static_cast<size_t>(r.count) ? seats : std::vector<SeatId>{};
}

// The rules the model can decide about the library's seats, on the state they were chosen in.
// Empty when they hold.
std::string SaleModel::CheckBestChoice(const BestAvailableRequest& r,
                                       absl::Span<const SeatId> seats) const {
  const std::vector<uint8_t> statuses = SeatStatuses();
  std::vector<SeatId> sorted(seats.begin(), seats.end());
  std::sort(sorted.begin(), sorted.end());
  if (sorted.size() != static_cast<size_t>(r.count)) return "not count seats";
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && sorted[i] == sorted[i - 1]) return absl::StrCat("seat ", sorted[i], " twice");
    if (!Eligible(sorted[i], r, statuses)) {
      return absl::StrCat("seat ", sorted[i], " is not free or not allowed by the request");
    }
  }
  // Adjacent seats where a row has them: the library tries adjacent runs first, by rank (rows of
  // equal rank in map order), first without orphans when asked to avoid them, and in the row the
  // run nearest the centre (the first of equals).
  for (int pass = r.avoid_orphans ? 0 : 1; pass < 2; ++pass) {
    for (int row : rows_by_rank_) {
      int best = -1;
      int64_t best_score = -1;
      for (int start : RowCandidates(row, r, statuses)) {
        if (pass == 0 && Orphans(row, start, r.count, statuses)) continue;
        int64_t score = 0;
        for (int i = start; i < start + r.count; ++i) score += Distance2(i, rows_[row].count);
        if (best < 0 || score < best_score) {
          best = start;
          best_score = score;
        }
      }
      if (best < 0) continue;
      const SeatId first = rows_[row].first + static_cast<SeatId>(best);
      for (int i = 0; i < r.count; ++i) {
        if (sorted[i] != first + static_cast<SeatId>(i)) {
          return absl::StrCat("expected the adjacent seats ", first, " .. ", first + r.count - 1,
                              " (row ", row, ", pass ", pass, ")");
        }
      }
      return "";
    }
  }
  // Split: if one row has room for them all, the library takes them all from the first such row
  // by rank (lib/internal/seat_table.cc ChooseSplitRows); beyond that (which rows, which runs)
  // free, allowed and distinct is all the model checks.
  for (int row : rows_by_rank_) {
    int free = 0;
    for (int p = 0; p < rows_[row].count; ++p) free += Eligible(rows_[row].first + p, r, statuses);
    if (free < r.count) continue;
    const bool all_in_row =
        std::all_of(sorted.begin(), sorted.end(), [&](SeatId s) { return seat_rows_[s] == row; });
    return all_in_row ? "" : absl::StrCat("expected every seat in row ", row);
  }
  return "";
}

Outcome SaleModel::SeatsOf(HoldId id, BuyerId buyer, size_t out_size,
                           std::vector<SeatId>& out) const {
  out.clear();
  const Resolved r = Resolve(id, buyer);
  if (r.error != Outcome::kOk) return r.error;
  const HoldRecord& hold = holds_[r.hold];
  if (hold.state != HoldState::kHeld && hold.state != HoldState::kConfirmed) {
    return Outcome::kUnknownHold;
  }
  out.assign(hold.seats.begin(),
             hold.seats.begin() + static_cast<ptrdiff_t>(std::min(out_size, hold.seats.size())));
  return Outcome::kOk;
}

SeatState SaleModel::Seat(SeatId seat) const {
  SeatState state;
  for (const HoldRecord& h : holds_) {
    if (h.state != HoldState::kHeld && h.state != HoldState::kConfirmed) continue;
    if (std::find(h.seats.begin(), h.seats.end(), seat) == h.seats.end()) continue;
    // A sold seat names only its buyer.
    state.status = h.state == HoldState::kHeld ? SeatStatus::kHeld : SeatStatus::kSold;
    state.hold = h.state == HoldState::kHeld ? h.id : HoldId{};
    state.buyer = h.buyer;
  }
  return state;
}

void SaleModel::SnapshotSeats(std::vector<uint64_t>& held, std::vector<uint64_t>& sold) const {
  const std::vector<uint8_t> statuses = SeatStatuses();
  held.assign((SeatCount() + 63) / 64, 0);
  sold.assign((SeatCount() + 63) / 64, 0);
  for (SeatId s = 0; s < SeatCount(); ++s) {
    if (statuses[s] == kSeatHeld) held[s / 64] |= uint64_t{1} << (s % 64);
    if (statuses[s] == kSeatSold) sold[s / 64] |= uint64_t{1} << (s % 64);
  }
}

// ---------------------------------------------------------------------------------------------
// Queries

int64_t SaleModel::TypeAvailable(TypeId type) const {
  return type < config_.types.size() ? TypeRoom(type) : 0;
}

int64_t SaleModel::QuotaAvailable(int quota) const {
  return quota >= 0 && static_cast<size_t>(quota) < config_.quotas.size() ? QuotaRoom(quota) : 0;
}

int64_t SaleModel::CycleAvailable(int cycle) {
  if (cycle < 0 || static_cast<size_t>(cycle) >= config_.cycles.size()) return 0;
  return CycleRoom(cycle, LocateCycle(wall_));
}

// What a cycle can still release at `at`, with the leftovers of ended cycles that roll into it
// but that no Hold has sealed yet (what the next Hold will find).
int64_t SaleModel::CycleRoom(int cycle, const CycleAt& at) const {
  if (cycle < at.ended) return 0;
  int64_t room = cycle_left_[cycle];
  for (int c = cycle - 1; c >= 0 && c < at.ended && config_.cycles[c].rollover; --c) {
    room += cycle_left_[c];  // 0 once sealed
  }
  return room;
}

int SaleModel::CurrentCycle() {
  if (config_.cycles.empty()) return -1;
  const CycleAt at = LocateCycle(wall_);
  return at.open ? at.index : -1;
}

int64_t SaleModel::Available(TypeId type) {
  if (type >= config_.types.size()) return 0;
  int64_t available = TypeRoom(type);
  for (size_t q = 0; q < config_.quotas.size(); ++q) {
    const std::vector<TypeId>& members = config_.quotas[q].types;
    if (std::find(members.begin(), members.end(), type) != members.end()) {
      available = std::min(available, QuotaRoom(static_cast<int>(q)));
    }
  }
  if (!config_.cycles.empty()) {
    const CycleAt at = LocateCycle(wall_);
    available = at.open ? std::min(available, CycleRoom(at.index, at)) : 0;
  }
  return available;
}

BuyerCounts SaleModel::Buyer(BuyerId buyer) const {
  BuyerCounts counts;
  counts.held_units = BuyerHeldUnits(buyer);
  counts.bought_units = BuyerBoughtUnits(buyer);
  counts.live_holds = static_cast<int32_t>(BuyerLiveHolds(buyer));
  return counts;
}

TypeStats SaleModel::TypeStatsOf(TypeId type) const {
  TypeStats stats;
  if (type >= config_.types.size()) return stats;
  stats.capacity = config_.types[type].capacity;
  stats.available = TypeRoom(type);
  stats.held_units = TypeHeld(type);
  stats.sold_units = type_sold_[type];
  stats.released_units = type_released_[type];
  stats.expired_units = type_expired_[type];
  return stats;
}

SaleStats SaleModel::Stats() const {
  SaleStats stats;
  for (TypeId t = 0; t < config_.types.size(); ++t) {
    stats.held_units += TypeHeld(t);
    stats.sold_units += type_sold_[t];
    stats.released_units += type_released_[t];
    stats.expired_units += type_expired_[t];
  }
  stats.live_holds = std::count_if(holds_.begin(), holds_.end(),
                                   [](const HoldRecord& h) { return h.state == HoldState::kHeld; });
  stats.holds_created = holds_created_;
  stats.holds_confirmed = holds_confirmed_;
  stats.holds_released = holds_released_;
  stats.holds_expired = holds_expired_;
  for (int o = 0; o < kOutcomeCount; ++o) stats.outcomes[o] = outcomes_[o];
  stats.events_dropped = events_dropped_;
  return stats;
}

std::string SaleModel::Fingerprint() const {
  std::ostringstream os;
  for (const HoldRecord& h : holds_) {
    os << h.id.value << ':' << h.buyer << ':' << static_cast<int>(h.state) << ':' << h.deadline_ns
       << ':' << h.units;
    for (SeatId seat : h.seats) os << ',' << seat;
    os << ';';
  }
  os << '|';
  for (const auto& [buyer, record] : buyers_) {
    os << buyer << ':' << record.confirmed_count;
    for (uint64_t id : record.recent_confirmed) os << ',' << id;
    os << ';';
  }
  os << '|';
  for (const auto& [pair, id] : keys_)
    os << pair.first << ':' << pair.second << '=' << id.value << ';';
  os << '|' << sealed_through_;
  for (int64_t left : cycle_left_) os << ',' << left;
  os << '|';
  for (int64_t count : outcomes_) os << count << ',';
  return os.str();
}

}  // namespace holdfast::model
