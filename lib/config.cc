// Config validation: every field checked once, every refusal names its field.
#include "holdfast/config.h"

#include <limits>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/internal/buyer_table.h"

namespace holdfast {

// The per-buyer bounds of config.h are what the buyer table's words can count
// (buyer_table.h checks kPerBuyerUnitsMax against its claims word).
static_assert(kCyclePerBuyerMax <= internal::CycleUnitsOf(~uint64_t{0}),
              "a cycle's per_buyer_max must fit a buyer's cycle-units word");

namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status CheckRange(absl::string_view field, int64_t value, int64_t low, int64_t high) {
  if (value < low || value > high) {
    return Invalid(field, absl::StrCat(value, " is outside [", low, ", ", high, "]"));
  }
  return absl::OkStatus();
}

absl::Status ValidateTypes(const SaleConfig& config) {
  if (config.types.empty()) return Invalid("types", "a sale needs at least one ticket type");
  if (config.types.size() > static_cast<size_t>(kTypesMax)) {
    return Invalid("types", absl::StrCat("more than kTypesMax = ", kTypesMax));
  }
  std::set<std::string> names;
  for (size_t i = 0; i < config.types.size(); ++i) {
    const TicketTypeConfig& type = config.types[i];
    const std::string field = absl::StrCat("types[", i, "]");
    if (type.name.empty()) return Invalid(absl::StrCat(field, ".name"), "empty");
    if (!names.insert(type.name).second) {
      return Invalid(absl::StrCat(field, ".name"), absl::StrCat("duplicate \"", type.name, "\""));
    }
    if (absl::Status s =
            CheckRange(absl::StrCat(field, ".capacity"), type.capacity, 0, kCapacityMax);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateQuotas(const SaleConfig& config) {
  if (config.quotas.size() > static_cast<size_t>(kQuotasMax)) {
    return Invalid("quotas", absl::StrCat("more than kQuotasMax = ", kQuotasMax));
  }
  std::vector<int> quotas_of_type(config.types.size(), 0);
  std::set<std::string> names;
  for (size_t i = 0; i < config.quotas.size(); ++i) {
    const QuotaConfig& quota = config.quotas[i];
    const std::string field = absl::StrCat("quotas[", i, "]");
    if (quota.name.empty()) return Invalid(absl::StrCat(field, ".name"), "empty");
    if (!names.insert(quota.name).second) {
      return Invalid(absl::StrCat(field, ".name"), absl::StrCat("duplicate \"", quota.name, "\""));
    }
    if (absl::Status s =
            CheckRange(absl::StrCat(field, ".capacity"), quota.capacity, 0, kCapacityMax);
        !s.ok()) {
      return s;
    }
    if (quota.types.empty()) return Invalid(absl::StrCat(field, ".types"), "empty");
    std::set<TypeId> seen;
    for (TypeId type : quota.types) {
      if (type >= config.types.size()) {
        return Invalid(absl::StrCat(field, ".types"), absl::StrCat("unknown type ", type));
      }
      if (!seen.insert(type).second) {
        return Invalid(absl::StrCat(field, ".types"), absl::StrCat("type ", type, " repeated"));
      }
      if (++quotas_of_type[type] > kQuotasPerTypeMax) {
        return Invalid(absl::StrCat(field, ".types"),
                       absl::StrCat("type ", type, " is in more than kQuotasPerTypeMax = ",
                                    kQuotasPerTypeMax, " quotas"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCycles(const SaleConfig& config) {
  if (config.cycles.size() > static_cast<size_t>(kCyclesMax)) {
    return Invalid("cycles", absl::StrCat("more than kCyclesMax = ", kCyclesMax));
  }
  for (size_t i = 0; i < config.cycles.size(); ++i) {
    const CycleConfig& cycle = config.cycles[i];
    const std::string field = absl::StrCat("cycles[", i, "]");
    if (cycle.name.empty()) return Invalid(absl::StrCat(field, ".name"), "empty");
    if (cycle.closes_at <= cycle.opens_at) {
      return Invalid(absl::StrCat(field, ".closes_at"), "not after opens_at");
    }
    if (i > 0 && cycle.opens_at <= config.cycles[i - 1].opens_at) {
      return Invalid(absl::StrCat(field, ".opens_at"),
                     absl::StrCat("not after cycles[", i - 1, "].opens_at"));
    }
    if (absl::Status s =
            CheckRange(absl::StrCat(field, ".allotment"), cycle.allotment, 0, kCapacityMax);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckRange(absl::StrCat(field, ".per_buyer_max"), cycle.per_buyer_max, 0,
                                    kCyclePerBuyerMax);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDurations(const SaleConfig& config) {
  if (config.hold_lifetime_max <= absl::ZeroDuration() ||
      config.hold_lifetime_max > kHoldLifetimeMax) {
    return Invalid("hold_lifetime_max", "must be > 0 and <= kHoldLifetimeMax (4h)");
  }
  if (config.hold_ttl_default <= absl::ZeroDuration() ||
      config.hold_ttl_default > config.hold_lifetime_max) {
    return Invalid("hold_ttl_default", "must be > 0 and <= hold_lifetime_max");
  }
  return absl::OkStatus();
}

absl::Status ValidateBounds(const SaleConfig& config) {
  const struct {
    const char* field;
    int64_t value, low, high;
  } checks[] = {
      {"per_buyer_units_max", config.per_buyer_units_max, 0, kPerBuyerUnitsMax},
      {"per_buyer_holds_max", config.per_buyer_holds_max, 0, kHoldsMax},
      {"units_per_hold_max", config.units_per_hold_max, 1, kUnitsPerHoldMax},
      {"holds_max", config.holds_max, 64, kHoldsMax},
      {"buyers_max", config.buyers_max, 1, kBuyersMax},
      {"idempotency_keys_max", config.idempotency_keys_max, 0, kIdempotencyKeysMax},
      {"events_max", config.events_max, 0, kEventsMax},
  };
  for (const auto& check : checks) {
    if (absl::Status s = CheckRange(check.field, check.value, check.low, check.high); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

bool HasControlCharacter(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// The label rules of seat_map.h that make "SECTION ROW-NUMBER" name one seat:
// the last space ends the section name, and the row label's last character
// is not the '-' that could be a negative number's sign.
absl::Status ValidateSectionName(const std::string& field, const std::string& name) {
  if (name.empty()) return Invalid(field, "empty");
  if (HasControlCharacter(name)) {
    return Invalid(field, absl::StrCat("\"", name, "\" holds a control character"));
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return Invalid(field, absl::StrCat("\"", name, "\" starts or ends with a space"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRowLabel(const std::string& field, const std::string& label) {
  if (label.empty()) return Invalid(field, "empty");
  if (HasControlCharacter(label) || label.find(' ') != std::string::npos) {
    return Invalid(field, absl::StrCat("\"", label, "\" holds a space or a control character"));
  }
  if (label.back() == '-') {
    return Invalid(field, absl::StrCat("\"", label,
                                       "\" ends with '-' (its labels could be another row's "
                                       "negative seat numbers)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRow(const std::string& field, const RowConfig& row) {
  if (absl::Status s = ValidateRowLabel(absl::StrCat(field, ".label"), row.label); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckRange(absl::StrCat(field, ".seat_count"), row.seat_count, 1, kSeatsPerRowMax);
      !s.ok()) {
    return s;
  }
  // 64-bit: the int sum overflows for a row numbered up to INT_MAX.
  const int64_t last = int64_t{row.first_number} + row.seat_count - 1;
  if (last > std::numeric_limits<int>::max()) {
    return Invalid(absl::StrCat(field, ".first_number"),
                   absl::StrCat(row.first_number, " + ", row.seat_count,
                                " seats numbers a seat past INT_MAX"));
  }
  for (const auto& [name, numbers] :
       {std::pair{"accessible", &row.accessible}, std::pair{"restricted", &row.restricted}}) {
    for (int number : *numbers) {
      if (number < row.first_number || number > last) {
        return Invalid(absl::StrCat(field, ".", name),
                       absl::StrCat("seat ", number, " is not in row ", row.label));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSection(const SaleConfig& config, size_t index,
                             std::vector<int64_t>& seats_of_type, int64_t& seats, int64_t& words) {
  const SectionConfig& section = config.seat_map.sections[index];
  const std::string field = absl::StrCat("seat_map.sections[", index, "]");
  if (absl::Status s = ValidateSectionName(absl::StrCat(field, ".name"), section.name); !s.ok()) {
    return s;
  }
  if (section.type >= config.types.size()) {
    return Invalid(absl::StrCat(field, ".type"), absl::StrCat("unknown type ", section.type));
  }
  if (section.rows.empty()) return Invalid(absl::StrCat(field, ".rows"), "empty");
  std::set<std::string> labels;
  for (size_t j = 0; j < section.rows.size(); ++j) {
    const RowConfig& row = section.rows[j];
    const std::string row_field = absl::StrCat(field, ".rows[", j, "]");
    if (absl::Status s = ValidateRow(row_field, row); !s.ok()) return s;
    if (!labels.insert(row.label).second) {
      return Invalid(absl::StrCat(row_field, ".label"),
                     absl::StrCat("duplicate \"", row.label, "\""));
    }
    seats += row.seat_count;
    words += (row.seat_count + 63) / 64;
    seats_of_type[section.type] += row.seat_count;
  }
  return absl::OkStatus();
}

absl::Status ValidateSeatMap(const SaleConfig& config) {
  const SeatMapConfig& map = config.seat_map;
  std::vector<int64_t> seats_of_type(config.types.size(), 0);
  std::set<std::string> names;
  int64_t seats = 0, words = 0;
  for (size_t i = 0; i < map.sections.size(); ++i) {
    if (!names.insert(map.sections[i].name).second) {
      return Invalid(absl::StrCat("seat_map.sections[", i, "].name"),
                     absl::StrCat("duplicate \"", map.sections[i].name, "\""));
    }
    if (absl::Status s = ValidateSection(config, i, seats_of_type, seats, words); !s.ok()) {
      return s;
    }
  }
  if (seats > kSeatsMax) {
    return Invalid("seat_map", absl::StrCat(seats, " seats, more than kSeatsMax"));
  }
  if (words > kSeatWordsMax) {
    return Invalid("seat_map", absl::StrCat(words, " seat words, more than kSeatWordsMax"));
  }
  for (size_t t = 0; t < config.types.size(); ++t) {
    if (seats_of_type[t] > 0 && seats_of_type[t] != config.types[t].capacity) {
      return Invalid(absl::StrCat("types[", t, "].capacity"),
                     absl::StrCat(config.types[t].capacity, ", but the seat map has ",
                                  seats_of_type[t], " seats of this type"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const SaleConfig& config) {
  for (auto validate : {ValidateTypes, ValidateQuotas, ValidateCycles, ValidateDurations,
                        ValidateBounds, ValidateSeatMap}) {
    if (absl::Status s = validate(config); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace holdfast
