// sale_json.cc: JSON <-> sale, with nlohmann::json; see sale_json.h.
#include "sale_json.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace box_office {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultSaleJson = R"json({
  "types": [{"name": "regular", "capacity": 400}, {"name": "student", "capacity": 100}],
  "quotas": [{"name": "hall", "capacity": 450, "types": ["regular", "student"]}],
  "cycles": [{"name": "noon", "opens_at": "now", "allotment": 450, "per_buyer_max": 4}],
  "per_buyer_units_max": 4,
  "per_buyer_holds_max": 2,
  "units_per_hold_max": 4,
  "hold_ttl_default_seconds": 300,
  "hold_lifetime_max_seconds": 1200,
  "holds_max": 65536,
  "buyers_max": 65536,
  "idempotency_keys_max": 65536
})json";

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::StatusOr<int64_t> GetInt(const json& value, absl::string_view field) {
  if (!value.is_number_integer()) return Bad(field, "expected an integer");
  return value.get<int64_t>();
}

absl::StatusOr<absl::Duration> GetSeconds(const json& value, absl::string_view field) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    return Bad(field, "expected a number of seconds");
  }
  return absl::Seconds(value.get<double>());
}

// RFC 3339, "now", or "now" followed by a signed Go-style duration ("now+90s").
absl::StatusOr<absl::Time> GetTime(const json& value, absl::string_view field, absl::Time now) {
  if (!value.is_string()) return Bad(field, "expected an RFC 3339 string or \"now[+-dur]\"");
  absl::string_view text = value.get_ref<const std::string&>();
  if (absl::ConsumePrefix(&text, "now")) {
    absl::Duration offset;
    if (text.empty()) return now;
    if (!absl::ParseDuration(text, &offset)) return Bad(field, "bad duration after \"now\"");
    return now + offset;
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return Bad(field, error);
  return time;
}

absl::StatusOr<int> TypeIndexByName(const holdfast::SaleConfig& config, const json& value,
                                    absl::string_view field) {
  if (value.is_number_integer()) return value.get<int>();
  if (!value.is_string()) return Bad(field, "expected a type name or index");
  for (size_t i = 0; i < config.types.size(); ++i) {
    if (config.types[i].name == value.get_ref<const std::string&>()) return static_cast<int>(i);
  }
  return Bad(field, "no such type");
}

// Calls `parse(key, value, field)` for each member of `object`; every key must be handled.
absl::Status ForEachMember(const json& object, absl::string_view where,
                           const std::function<absl::StatusOr<bool>(const std::string&, const json&,
                                                                    std::string)>& parse) {
  if (!object.is_object()) return Bad(where, "expected an object");
  for (const auto& [key, value] : object.items()) {
    const std::string field = absl::StrCat(where, where.empty() ? "" : ".", key);
    absl::StatusOr<bool> known = parse(key, value, field);
    if (!known.ok()) return known.status();
    if (!*known) return Bad(field, "unknown key");
  }
  return absl::OkStatus();
}

#define BOX_OFFICE_ASSIGN(lhs, expr)            \
  do {                                          \
    auto _result = (expr);                      \
    if (!_result.ok()) return _result.status(); \
    lhs = *std::move(_result);                  \
  } while (0)

absl::Status ParseType(const json& item, absl::string_view where, holdfast::SaleConfig* config) {
  holdfast::TicketTypeConfig type;
  absl::Status status = ForEachMember(
      item, where,
      [&](const std::string& key, const json& value, std::string field) -> absl::StatusOr<bool> {
        if (key == "name") {
          if (!value.is_string()) return Bad(field, "expected a string");
          type.name = value.get<std::string>();
        } else if (key == "capacity") {
          BOX_OFFICE_ASSIGN(type.capacity, GetInt(value, field));
        } else {
          return false;
        }
        return true;
      });
  config->types.push_back(std::move(type));
  return status;
}

absl::Status ParseQuota(const json& item, absl::string_view where, holdfast::SaleConfig* config) {
  holdfast::QuotaConfig quota;
  absl::Status status = ForEachMember(
      item, where,
      [&](const std::string& key, const json& value, std::string field) -> absl::StatusOr<bool> {
        if (key == "name") {
          if (!value.is_string()) return Bad(field, "expected a string");
          quota.name = value.get<std::string>();
        } else if (key == "capacity") {
          BOX_OFFICE_ASSIGN(quota.capacity, GetInt(value, field));
        } else if (key == "types") {
          if (!value.is_array()) return Bad(field, "expected an array");
          for (const json& type : value) {
            int index = 0;
            BOX_OFFICE_ASSIGN(index, TypeIndexByName(*config, type, field));
            quota.types.push_back(static_cast<holdfast::TypeId>(index));
          }
        } else {
          return false;
        }
        return true;
      });
  config->quotas.push_back(std::move(quota));
  return status;
}

absl::Status ParseCycle(const json& item, absl::string_view where, absl::Time now,
                        holdfast::SaleConfig* config) {
  holdfast::CycleConfig cycle;
  absl::Status status = ForEachMember(
      item, where,
      [&](const std::string& key, const json& value, std::string field) -> absl::StatusOr<bool> {
        if (key == "name") {
          if (!value.is_string()) return Bad(field, "expected a string");
          cycle.name = value.get<std::string>();
        } else if (key == "opens_at") {
          BOX_OFFICE_ASSIGN(cycle.opens_at, GetTime(value, field, now));
        } else if (key == "closes_at") {
          BOX_OFFICE_ASSIGN(cycle.closes_at, GetTime(value, field, now));
        } else if (key == "allotment") {
          BOX_OFFICE_ASSIGN(cycle.allotment, GetInt(value, field));
        } else if (key == "per_buyer_max") {
          BOX_OFFICE_ASSIGN(cycle.per_buyer_max, GetInt(value, field));
        } else if (key == "rollover") {
          if (!value.is_boolean()) return Bad(field, "expected true or false");
          cycle.rollover = value.get<bool>();
        } else {
          return false;
        }
        return true;
      });
  config->cycles.push_back(std::move(cycle));
  return status;
}

// The list members: each element parsed by `parse_item(element, "key[i]")`.
absl::Status ParseList(const json& value, absl::string_view key,
                       const std::function<absl::Status(const json&, absl::string_view)>& parse) {
  if (!value.is_array()) return Bad(key, "expected an array");
  for (size_t i = 0; i < value.size(); ++i) {
    if (absl::Status status = parse(value[i], absl::StrCat(key, "[", i, "]")); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ParseScalar(const std::string& key, const json& value,
                                 const std::string& field, holdfast::SaleConfig* config) {
  int64_t number = 0;
  if (key == "hold_ttl_default_seconds") {
    BOX_OFFICE_ASSIGN(config->hold_ttl_default, GetSeconds(value, field));
    return true;
  }
  if (key == "hold_lifetime_max_seconds") {
    BOX_OFFICE_ASSIGN(config->hold_lifetime_max, GetSeconds(value, field));
    return true;
  }
  const std::map<absl::string_view, std::function<void(int64_t)>> integers = {
      {"per_buyer_units_max", [&](int64_t v) { config->per_buyer_units_max = v; }},
      {"per_buyer_holds_max",
       [&](int64_t v) { config->per_buyer_holds_max = static_cast<int32_t>(v); }},
      {"units_per_hold_max",
       [&](int64_t v) { config->units_per_hold_max = static_cast<int32_t>(v); }},
      {"holds_max", [&](int64_t v) { config->holds_max = static_cast<int32_t>(v); }},
      {"buyers_max", [&](int64_t v) { config->buyers_max = static_cast<int32_t>(v); }},
      {"idempotency_keys_max",
       [&](int64_t v) { config->idempotency_keys_max = static_cast<int32_t>(v); }},
      {"events_max", [&](int64_t v) { config->events_max = static_cast<int32_t>(v); }},
  };
  const auto it = integers.find(key);
  if (it == integers.end()) return false;
  BOX_OFFICE_ASSIGN(number, GetInt(value, field));
  if (number < INT32_MIN || number > INT32_MAX) return Bad(field, "out of range");
  it->second(number);
  return true;
}

}  // namespace

std::string_view DefaultSaleJson() { return {kDefaultSaleJson.data(), kDefaultSaleJson.size()}; }

absl::StatusOr<holdfast::SaleConfig> ParseSaleConfig(std::string_view text, absl::Time now) {
  const json root = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false,
                                /*ignore_comments=*/true);
  if (root.is_discarded()) return absl::InvalidArgumentError("sale config: not valid JSON");
  holdfast::SaleConfig config;
  // Types first: quotas may name them.
  if (root.is_object() && root.contains("types")) {
    absl::Status status = ParseList(
        root["types"], "types",
        [&](const json& item, absl::string_view where) { return ParseType(item, where, &config); });
    if (!status.ok()) return status;
  }
  absl::Status status = ForEachMember(
      root, "",
      [&](const std::string& key, const json& value, std::string field) -> absl::StatusOr<bool> {
        if (key == "types") return true;
        if (key == "quotas") {
          absl::Status s = ParseList(value, key, [&](const json& item, absl::string_view where) {
            return ParseQuota(item, where, &config);
          });
          if (!s.ok()) return s;
          return true;
        }
        if (key == "cycles") {
          absl::Status s = ParseList(value, key, [&](const json& item, absl::string_view where) {
            return ParseCycle(item, where, now, &config);
          });
          if (!s.ok()) return s;
          return true;
        }
        return ParseScalar(key, value, field, &config);
      });
  if (!status.ok()) return status;
  return config;
}

absl::StatusOr<holdfast::SaleConfig> LoadSaleConfig(const std::string& path, absl::Time now) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the sale config"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<holdfast::SaleConfig> config = ParseSaleConfig(text.str(), now);
  if (!config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

std::string AvailabilityJson(const holdfast::Sale& sale) {
  const holdfast::SaleConfig& config = sale.config();
  json body;
  body["types"] = json::array();
  for (size_t i = 0; i < config.types.size(); ++i) {
    const auto type = static_cast<holdfast::TypeId>(i);
    const holdfast::TypeStats stats = sale.TypeStatsOf(type);
    body["types"].push_back({{"id", i},
                             {"name", config.types[i].name},
                             {"capacity", stats.capacity},
                             {"available", sale.Available(type)},
                             {"held", stats.held_units},
                             {"sold", stats.sold_units}});
  }
  body["quotas"] = json::array();
  for (size_t i = 0; i < config.quotas.size(); ++i) {
    body["quotas"].push_back({{"name", config.quotas[i].name},
                              {"capacity", config.quotas[i].capacity},
                              {"available", sale.QuotaAvailable(static_cast<int>(i))}});
  }
  const int current = sale.CurrentCycle();
  body["cycles"] = json::array();
  for (size_t i = 0; i < config.cycles.size(); ++i) {
    const holdfast::CycleConfig& cycle = config.cycles[i];
    json entry = {{"index", i},
                  {"name", cycle.name},
                  {"open", static_cast<int>(i) == current},
                  {"allotment", cycle.allotment},
                  {"available", sale.CycleAvailable(static_cast<int>(i))},
                  {"per_buyer_max", cycle.per_buyer_max}};
    entry["opens_at"] = absl::FormatTime(absl::RFC3339_sec, cycle.opens_at, absl::UTCTimeZone());
    entry["closes_at"] =
        cycle.closes_at == absl::InfiniteFuture()
            ? json(nullptr)
            : json(absl::FormatTime(absl::RFC3339_sec, cycle.closes_at, absl::UTCTimeZone()));
    body["cycles"].push_back(std::move(entry));
  }
  body["current_cycle"] = current;
  const holdfast::SaleStats stats = sale.Stats();
  body["sold"] = stats.sold_units;
  body["held"] = stats.held_units;
  body["live_holds"] = stats.live_holds;
  return body.dump();
}

}  // namespace box_office
