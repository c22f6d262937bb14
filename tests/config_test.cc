// Checks that ValidateConfig and Sale::Create refuse every invalid SaleConfig field with
// InvalidArgument and a message naming that field, and accept valid configs up to each bound;
// every case starts from one valid config and breaks exactly one field.
#include "holdfast/config.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/sale.h"

namespace holdfast {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Matcher;
using ::testing::Not;

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

// A valid config with two types, a shared quota and two cycles; small enough to Create.
SaleConfig ValidConfig() {
  SaleConfig config;
  config.types = {{.name = "regular", .capacity = 300}, {.name = "student", .capacity = 50}};
  config.quotas = {{.name = "hall", .capacity = 320, .types = {0, 1}}};
  config.cycles = {{.name = "noon",
                    .opens_at = kNoon,
                    .closes_at = kNoon + absl::Hours(2),
                    .allotment = 200,
                    .per_buyer_max = 4,
                    .rollover = true},
                   {.name = "evening", .opens_at = kNoon + absl::Hours(6), .allotment = 150}};
  config.per_buyer_units_max = 6;
  config.per_buyer_holds_max = 2;
  config.units_per_hold_max = 10;
  config.hold_ttl_default = absl::Minutes(10);
  config.hold_lifetime_max = absl::Minutes(30);
  config.holds_max = 64;
  config.buyers_max = 16;
  config.idempotency_keys_max = 16;
  config.events_max = 16;
  return config;
}

std::vector<TicketTypeConfig> ManyTypes(int n) {
  std::vector<TicketTypeConfig> types;
  for (int i = 0; i < n; ++i) types.push_back({.name = "t" + std::to_string(i), .capacity = 1});
  return types;
}

// `n` quotas, quota i over type i; the config must have at least n types.
std::vector<QuotaConfig> OneQuotaPerType(int n) {
  std::vector<QuotaConfig> quotas;
  for (int i = 0; i < n; ++i) {
    quotas.push_back(
        {.name = "q" + std::to_string(i), .capacity = 1, .types = {static_cast<TypeId>(i)}});
  }
  return quotas;
}

// `n` one-minute cycles in order, one a minute after noon.
std::vector<CycleConfig> ManyCycles(int n) {
  std::vector<CycleConfig> cycles;
  for (int i = 0; i < n; ++i) {
    cycles.push_back({.name = "c" + std::to_string(i),
                      .opens_at = kNoon + absl::Minutes(i),
                      .closes_at = kNoon + absl::Minutes(i + 1),
                      .allotment = 1});
  }
  return cycles;
}

struct BadCase {
  std::string name;                         // test name suffix
  std::function<void(SaleConfig&)> break_;  // breaks one field of ValidConfig()
  Matcher<std::string> message;             // what the message must say
};

std::vector<BadCase> BadCases() {
  const Matcher<std::string> holds_max = AllOf(HasSubstr("holds_max"), Not(HasSubstr("per_buyer")));
  return {
      {"TypesEmpty",
       [](SaleConfig& c) {
         c.types.clear();
         c.quotas.clear();
       },
       HasSubstr("types")},
      {"TooManyTypes", [](SaleConfig& c) { c.types = ManyTypes(kTypesMax + 1); },
       HasSubstr("types")},
      {"TypeNameEmpty", [](SaleConfig& c) { c.types[0].name = ""; }, HasSubstr("types[0].name")},
      {"TypeNameDuplicate", [](SaleConfig& c) { c.types[1].name = c.types[0].name; },
       AllOf(HasSubstr("types[1]"), HasSubstr("name"))},
      {"TypeCapacityNegative", [](SaleConfig& c) { c.types[0].capacity = -1; },
       HasSubstr("types[0].capacity")},
      {"TypeCapacityAboveMax", [](SaleConfig& c) { c.types[1].capacity = kCapacityMax + 1; },
       HasSubstr("types[1].capacity")},
      {"TooManyQuotas",
       [](SaleConfig& c) {
         c.types = ManyTypes(kQuotasMax + 1);
         c.quotas = OneQuotaPerType(kQuotasMax + 1);
       },
       HasSubstr("quotas")},
      {"QuotaNameEmpty", [](SaleConfig& c) { c.quotas[0].name = ""; }, HasSubstr("quotas[0].name")},
      {"QuotaNameDuplicate",
       [](SaleConfig& c) { c.quotas.push_back({.name = "hall", .capacity = 5, .types = {1}}); },
       AllOf(HasSubstr("quotas[1]"), HasSubstr("name"))},
      {"QuotaCapacityNegative", [](SaleConfig& c) { c.quotas[0].capacity = -1; },
       HasSubstr("quotas[0].capacity")},
      {"QuotaCapacityAboveMax", [](SaleConfig& c) { c.quotas[0].capacity = kCapacityMax + 1; },
       HasSubstr("quotas[0].capacity")},
      {"QuotaTypesEmpty", [](SaleConfig& c) { c.quotas[0].types.clear(); },
       HasSubstr("quotas[0].types")},
      {"QuotaTypeOutOfRange",
       [](SaleConfig& c) {
         c.quotas[0].types = {0, 2};
       },
       HasSubstr("quotas[0].types")},
      {"QuotaTypeRepeated",
       [](SaleConfig& c) {
         c.quotas[0].types = {1, 0, 1};
       },
       HasSubstr("quotas[0].types")},
      {"TooManyQuotasOnOneType",
       [](SaleConfig& c) {
         c.quotas.clear();
         for (int i = 0; i <= kQuotasPerTypeMax; ++i) {
           c.quotas.push_back({.name = "q" + std::to_string(i), .capacity = 10, .types = {0}});
         }
       },
       AnyOf(HasSubstr("quotas[4]"), HasSubstr("types[0]"))},
      {"TooManyCycles", [](SaleConfig& c) { c.cycles = ManyCycles(kCyclesMax + 1); },
       HasSubstr("cycles")},
      {"CycleNameEmpty", [](SaleConfig& c) { c.cycles[1].name = ""; }, HasSubstr("cycles[1].name")},
      {"CyclesNotOrdered", [](SaleConfig& c) { c.cycles[1].opens_at = kNoon - absl::Hours(1); },
       HasSubstr("cycles[1].opens_at")},
      {"CycleClosesAtOpensAt", [](SaleConfig& c) { c.cycles[0].closes_at = kNoon; },
       HasSubstr("cycles[0].closes_at")},
      {"CycleClosesBeforeOpens",
       [](SaleConfig& c) { c.cycles[1].closes_at = c.cycles[1].opens_at - absl::Seconds(1); },
       HasSubstr("cycles[1].closes_at")},
      {"CycleAllotmentNegative", [](SaleConfig& c) { c.cycles[1].allotment = -1; },
       HasSubstr("cycles[1].allotment")},
      {"CycleAllotmentAboveMax", [](SaleConfig& c) { c.cycles[0].allotment = kCapacityMax + 1; },
       HasSubstr("cycles[0].allotment")},
      {"CyclePerBuyerMaxNegative", [](SaleConfig& c) { c.cycles[1].per_buyer_max = -1; },
       HasSubstr("cycles[1].per_buyer_max")},
      {"PerBuyerUnitsMaxNegative", [](SaleConfig& c) { c.per_buyer_units_max = -1; },
       HasSubstr("per_buyer_units_max")},
      // Defect 8 of issue 10: values past the 39-bit claims word passed and were cut.
      {"PerBuyerUnitsMaxAboveMax",
       [](SaleConfig& c) { c.per_buyer_units_max = kPerBuyerUnitsMax + 1; },
       HasSubstr("per_buyer_units_max")},
      {"PerBuyerUnitsMaxCapacityMax", [](SaleConfig& c) { c.per_buyer_units_max = kCapacityMax; },
       HasSubstr("per_buyer_units_max")},
      {"CyclePerBuyerMaxAboveMax",
       [](SaleConfig& c) { c.cycles[0].per_buyer_max = kCyclePerBuyerMax + 1; },
       HasSubstr("cycles[0].per_buyer_max")},
      {"PerBuyerHoldsMaxNegative", [](SaleConfig& c) { c.per_buyer_holds_max = -1; },
       HasSubstr("per_buyer_holds_max")},
      {"UnitsPerHoldMaxZero", [](SaleConfig& c) { c.units_per_hold_max = 0; },
       HasSubstr("units_per_hold_max")},
      {"UnitsPerHoldMaxNegative", [](SaleConfig& c) { c.units_per_hold_max = -3; },
       HasSubstr("units_per_hold_max")},
      {"UnitsPerHoldMaxAboveMax",
       [](SaleConfig& c) { c.units_per_hold_max = kUnitsPerHoldMax + 1; },
       HasSubstr("units_per_hold_max")},
      {"HoldTtlDefaultZero", [](SaleConfig& c) { c.hold_ttl_default = absl::ZeroDuration(); },
       HasSubstr("hold_ttl_default")},
      {"HoldTtlDefaultNegative", [](SaleConfig& c) { c.hold_ttl_default = -absl::Seconds(1); },
       HasSubstr("hold_ttl_default")},
      {"HoldTtlDefaultAboveLifetime",
       [](SaleConfig& c) { c.hold_ttl_default = c.hold_lifetime_max + absl::Seconds(1); },
       HasSubstr("hold_ttl_default")},
      // With a lifetime <= 0 the default TTL is out of range too; either field may be named.
      {"HoldLifetimeMaxZero", [](SaleConfig& c) { c.hold_lifetime_max = absl::ZeroDuration(); },
       AnyOf(HasSubstr("hold_lifetime_max"), HasSubstr("hold_ttl_default"))},
      {"HoldLifetimeMaxNegative", [](SaleConfig& c) { c.hold_lifetime_max = -absl::Minutes(1); },
       AnyOf(HasSubstr("hold_lifetime_max"), HasSubstr("hold_ttl_default"))},
      {"HoldLifetimeMaxAboveMax",
       [](SaleConfig& c) { c.hold_lifetime_max = kHoldLifetimeMax + absl::Microseconds(1); },
       HasSubstr("hold_lifetime_max")},
      {"HoldsMaxBelow64", [](SaleConfig& c) { c.holds_max = 63; }, holds_max},
      {"HoldsMaxZero", [](SaleConfig& c) { c.holds_max = 0; }, holds_max},
      {"HoldsMaxNegative", [](SaleConfig& c) { c.holds_max = -64; }, holds_max},
      {"HoldsMaxAboveMax", [](SaleConfig& c) { c.holds_max = kHoldsMax + 1; }, holds_max},
      {"BuyersMaxZero", [](SaleConfig& c) { c.buyers_max = 0; }, HasSubstr("buyers_max")},
      {"BuyersMaxNegative", [](SaleConfig& c) { c.buyers_max = -1; }, HasSubstr("buyers_max")},
      {"BuyersMaxAboveMax", [](SaleConfig& c) { c.buyers_max = kBuyersMax + 1; },
       HasSubstr("buyers_max")},
      {"IdempotencyKeysMaxNegative", [](SaleConfig& c) { c.idempotency_keys_max = -1; },
       HasSubstr("idempotency_keys_max")},
      {"IdempotencyKeysMaxAboveMax",
       [](SaleConfig& c) { c.idempotency_keys_max = kIdempotencyKeysMax + 1; },
       HasSubstr("idempotency_keys_max")},
      {"EventsMaxNegative", [](SaleConfig& c) { c.events_max = -1; }, HasSubstr("events_max")},
      {"EventsMaxAboveMax", [](SaleConfig& c) { c.events_max = kEventsMax + 1; },
       HasSubstr("events_max")},
  };
}

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, ValidateConfigRefusesNamingTheField) {
  SaleConfig config = ValidConfig();
  GetParam().break_(config);
  absl::Status status = ValidateConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), GetParam().message);
}

TEST_P(BadConfigTest, CreateRefusesNamingTheField) {
  SaleConfig config = ValidConfig();
  GetParam().break_(config);
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  ASSERT_FALSE(sale.ok());
  EXPECT_EQ(sale.status().code(), absl::StatusCode::kInvalidArgument) << sale.status();
  EXPECT_THAT(std::string(sale.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(EveryField, BadConfigTest, ::testing::ValuesIn(BadCases()),
                         [](const ::testing::TestParamInfo<BadCase>& case_info) {
                           return case_info.param.name;
                         });

TEST(ConfigTest, ValidConfigIsAccepted) {
  EXPECT_EQ(ValidateConfig(ValidConfig()), absl::OkStatus());
}

TEST(ConfigTest, ValidConfigCreatesASale) {
  ManualClock clock(kNoon);
  SaleConfig config = ValidConfig();
  config.clock = &clock;
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  ASSERT_TRUE(sale.ok()) << sale.status();
  ASSERT_NE(*sale, nullptr);
  const SaleConfig& echoed = (*sale)->config();
  ASSERT_EQ(echoed.types.size(), 2u);
  EXPECT_EQ(echoed.types[1].name, "student");
  EXPECT_EQ(echoed.types[1].capacity, 50);
  ASSERT_EQ(echoed.quotas.size(), 1u);
  EXPECT_EQ(echoed.quotas[0].capacity, 320);
  ASSERT_EQ(echoed.cycles.size(), 2u);
  EXPECT_EQ(echoed.cycles[1].opens_at, kNoon + absl::Hours(6));
  EXPECT_EQ(echoed.holds_max, 64);
  EXPECT_EQ(echoed.clock, &clock);
}

TEST(ConfigTest, MinimalConfigIsAccepted) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 1}};
  EXPECT_EQ(ValidateConfig(config), absl::OkStatus());
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);  // SystemClock
  EXPECT_TRUE(sale.ok()) << sale.status();
}

// Every bound is inclusive; these configs sit exactly on one (only validated, not created,
// where the sale would be large).
TEST(ConfigTest, ValuesOnTheBoundsAreAccepted) {
  std::vector<std::pair<std::string, std::function<void(SaleConfig&)>>> edges = {
      {"capacity 0", [](SaleConfig& c) { c.types[0].capacity = 0; }},
      {"capacity max", [](SaleConfig& c) { c.types[0].capacity = kCapacityMax; }},
      {"quota capacity 0", [](SaleConfig& c) { c.quotas[0].capacity = 0; }},
      {"quota capacity max", [](SaleConfig& c) { c.quotas[0].capacity = kCapacityMax; }},
      {"no quotas", [](SaleConfig& c) { c.quotas.clear(); }},
      {"no cycles", [](SaleConfig& c) { c.cycles.clear(); }},
      {"types max",
       [](SaleConfig& c) {
         c.types = ManyTypes(kTypesMax);
         c.quotas.clear();
       }},
      {"quotas max",
       [](SaleConfig& c) {
         c.types = ManyTypes(kQuotasMax);
         c.quotas = OneQuotaPerType(kQuotasMax);
       }},
      {"quotas per type max",
       [](SaleConfig& c) {
         c.quotas.clear();
         for (int i = 0; i < kQuotasPerTypeMax; ++i) {
           c.quotas.push_back({.name = "q" + std::to_string(i), .capacity = 10, .types = {0}});
         }
       }},
      {"cycles max", [](SaleConfig& c) { c.cycles = ManyCycles(kCyclesMax); }},
      {"cycle allotment 0 and max",
       [](SaleConfig& c) {
         c.cycles[0].allotment = 0;
         c.cycles[1].allotment = kCapacityMax;
       }},
      {"cycle with default window", [](SaleConfig& c) { c.cycles = {{.name = "always"}}; }},
      // A cycle ends when the next opens (config.h), so a late closes_at is not an overlap.
      {"closes_at after next opens_at",
       [](SaleConfig& c) { c.cycles[0].closes_at = c.cycles[1].opens_at + absl::Hours(1); }},
      {"no buyer limits",
       [](SaleConfig& c) {
         c.per_buyer_units_max = 0;
         c.per_buyer_holds_max = 0;
         c.cycles[0].per_buyer_max = 0;
       }},
      {"per buyer units max", [](SaleConfig& c) { c.per_buyer_units_max = kPerBuyerUnitsMax; }},
      {"cycle per buyer max", [](SaleConfig& c) { c.cycles[1].per_buyer_max = kCyclePerBuyerMax; }},
      {"units per hold 1", [](SaleConfig& c) { c.units_per_hold_max = 1; }},
      {"units per hold max", [](SaleConfig& c) { c.units_per_hold_max = kUnitsPerHoldMax; }},
      {"ttl default == lifetime", [](SaleConfig& c) { c.hold_ttl_default = c.hold_lifetime_max; }},
      {"lifetime max", [](SaleConfig& c) { c.hold_lifetime_max = kHoldLifetimeMax; }},
      {"holds max", [](SaleConfig& c) { c.holds_max = kHoldsMax; }},
      {"buyers 1", [](SaleConfig& c) { c.buyers_max = 1; }},
      {"buyers max", [](SaleConfig& c) { c.buyers_max = kBuyersMax; }},
      {"keys off", [](SaleConfig& c) { c.idempotency_keys_max = 0; }},
      {"keys max", [](SaleConfig& c) { c.idempotency_keys_max = kIdempotencyKeysMax; }},
      {"events off", [](SaleConfig& c) { c.events_max = 0; }},
      {"events max", [](SaleConfig& c) { c.events_max = kEventsMax; }},
      {"system clock", [](SaleConfig& c) { c.clock = nullptr; }},
  };
  for (const auto& [name, edit] : edges) {
    SaleConfig config = ValidConfig();
    edit(config);
    EXPECT_EQ(ValidateConfig(config), absl::OkStatus()) << name;
  }
}

TEST(ConfigTest, SmallConfigsOnTheBoundsCreate) {
  ManualClock clock(kNoon);
  SaleConfig config = ValidConfig();
  config.clock = &clock;
  config.holds_max = 64;
  config.buyers_max = 1;
  config.idempotency_keys_max = 0;
  config.events_max = 0;
  config.units_per_hold_max = 1;
  config.hold_ttl_default = config.hold_lifetime_max;
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  EXPECT_TRUE(sale.ok()) << sale.status();
}

TEST(ConfigTest, CreateAndValidateAgree) {
  for (const BadCase& bad : BadCases()) {
    SaleConfig config = ValidConfig();
    bad.break_(config);
    absl::Status validated = ValidateConfig(config);
    absl::StatusOr<std::unique_ptr<Sale>> created = Sale::Create(config);
    EXPECT_EQ(created.status(), validated) << bad.name;
  }
}

}  // namespace
}  // namespace holdfast
