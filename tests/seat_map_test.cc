// Goal: show that reserved seating (holdfast/seat_map.h and the seated part of holdfast/sale.h)
// keeps its contract: maps are parsed and validated with messages that name the line or field,
// seat holds are all or nothing (I2), best available picks the seats the header promises, dead
// holds never make a buyer lose (I5), and the seat queries agree with each other.
// Method: small hand-built halls on a ManualClock moved by hand (no test sleeps), one thread,
// every expected seat, counter and message worked out by hand; a "world" snapshot (every type's
// availability, every seat's state, the sale's counters) taken before and after a failing call
// shows that it changed nothing.
#include "holdfast/seat_map.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/event.h"
#include "holdfast/outcome.h"
#include "holdfast/sale.h"
#include "holdfast/stats.h"
#include "holdfast/types.h"

namespace holdfast {

// Lets gtest print an Outcome by name when an expectation fails.
void PrintTo(Outcome outcome, std::ostream* os) { *os << OutcomeName(outcome); }

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2026, 11, 27, 12, 0, 0), absl::UTCTimeZone());

constexpr BuyerId kAlice = 1;
constexpr BuyerId kBob = 2;
constexpr BuyerId kCarol = 3;

std::string StatusText(const absl::Status& status) { return std::string(status.message()); }

// A config whose ticket types are exactly the types `map` names (type i named "tier<i>", its
// capacity its number of seats), with small bounds and no limits.
SaleConfig SeatedConfig(const SeatMapConfig& map) {
  SaleConfig config;
  TypeId types = 0;
  for (const SectionConfig& section : map.sections) types = std::max(types, section.type + 1);
  for (TypeId t = 0; t < types; ++t) {
    int64_t seats = 0;
    for (const SectionConfig& section : map.sections) {
      if (section.type != t) continue;
      for (const RowConfig& row : section.rows) seats += row.seat_count;
    }
    config.types.push_back({.name = absl::StrCat("tier", t), .capacity = seats});
  }
  config.seat_map = map;
  config.units_per_hold_max = 64;
  config.hold_ttl_default = absl::Minutes(10);
  config.hold_lifetime_max = absl::Minutes(30);
  config.holds_max = 64;
  config.buyers_max = 64;
  config.idempotency_keys_max = 64;
  return config;
}

SeatMapConfig MustParse(absl::string_view text) {
  absl::StatusOr<SeatMapConfig> map = ParseSeatMap(text);
  EXPECT_TRUE(map.ok()) << map.status();
  return map.ok() ? *std::move(map) : SeatMapConfig{};
}

// Everything a failed hold must leave as it was (I2), as one comparable text.
std::string World(const Sale& sale) {
  std::ostringstream os;
  for (TypeId t = 0; t < sale.config().types.size(); ++t) {
    os << "type " << t << " available " << sale.TypeAvailable(t) << "\n";
  }
  for (SeatId s = 0; s < sale.SeatCount(); ++s) {
    const SeatState state = sale.Seat(s);
    if (state.status == SeatStatus::kFree && state.buyer == 0 && state.hold.value == 0) continue;
    os << "seat " << s << " status " << static_cast<int>(state.status) << " hold "
       << state.hold.value << " buyer " << state.buyer << "\n";
  }
  const SaleStats stats = sale.Stats();
  os << "held " << stats.held_units << " sold " << stats.sold_units << " live " << stats.live_holds
     << " created " << stats.holds_created << " released " << stats.holds_released << " expired "
     << stats.holds_expired << "\n";
  for (BuyerId b : {kAlice, kBob, kCarol}) {
    const BuyerCounts counts = sale.Buyer(b);
    os << "buyer " << b << " held " << counts.held_units << " bought " << counts.bought_units
       << " live " << counts.live_holds << "\n";
  }
  return os.str();
}

int64_t Count(const SaleStats& stats, Outcome outcome) {
  return stats.outcomes[static_cast<int>(outcome)];
}

class SeatMapTest : public ::testing::Test {
 protected:
  // Builds sale_ from `config` on clock_; fails the test if Create refuses it.
  void Build(SaleConfig config) {
    config.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
    ASSERT_TRUE(sale.ok()) << sale.status();
    sale_ = *std::move(sale);
  }
  void Build(absl::string_view map_text) { Build(SeatedConfig(MustParse(map_text))); }

  // The seat with `label`; fails the test if there is none.
  SeatId S(absl::string_view label) const {
    const SeatId seat = sale_->FindSeat(label);
    EXPECT_NE(seat, kNoSeat) << label;
    return seat;
  }
  std::vector<SeatId> Seats(std::initializer_list<absl::string_view> labels) const {
    std::vector<SeatId> seats;
    for (absl::string_view label : labels) seats.push_back(S(label));
    return seats;
  }
  std::vector<std::string> Labels(absl::Span<const SeatId> seats) const {
    std::vector<std::string> labels;
    for (SeatId seat : seats) labels.push_back(seat == kNoSeat ? "-" : sale_->SeatLabel(seat));
    return labels;
  }

  HoldResult Take(BuyerId buyer, std::initializer_list<absl::string_view> labels,
                  const HoldOptions& options = {}) {
    const std::vector<SeatId> seats = Seats(labels);
    return sale_->HoldSeats(buyer, seats, {}, options);
  }

  // Best available for `buyer`; `labels` receives the chosen seats' labels.
  HoldResult Best(BuyerId buyer, const BestAvailableRequest& request,
                  std::vector<std::string>& labels, const HoldOptions& options = {}) {
    std::vector<SeatId> out(static_cast<size_t>(std::max(request.count, 1)), 0);
    const HoldResult result =
        sale_->HoldBestAvailable(buyer, request, absl::MakeSpan(out), options);
    labels.clear();
    if (result.ok()) labels = Labels(out);
    return result;
  }

  SeatStatus StatusOf(absl::string_view label) const { return sale_->Seat(S(label)).status; }

  ManualClock clock_{kNoon};
  std::unique_ptr<Sale> sale_;
};

// ---------------------------------------------------------------------------------------------
// ParseSeatMap

TEST(ParseSeatMapTest, ReadsSectionsRowsAndEveryOption) {
  absl::StatusOr<SeatMapConfig> map = ParseSeatMap(
      "# the hall\n"
      "\n"
      "section Orchestra type=0   # front\n"
      "row A seats=20 rank=1 accessible=1,2,18-20\n"
      "\trow B\tseats=22  first=101 rank=3 restricted=122,101\r\n"
      "section Balcony type=1\n"
      "row AA seats=5\n");
  ASSERT_TRUE(map.ok()) << map.status();
  ASSERT_EQ(map->sections.size(), 2u);
  const SectionConfig& orchestra = map->sections[0];
  EXPECT_EQ(orchestra.name, "Orchestra");
  EXPECT_EQ(orchestra.type, 0u);
  ASSERT_EQ(orchestra.rows.size(), 2u);
  EXPECT_EQ(orchestra.rows[0].label, "A");
  EXPECT_EQ(orchestra.rows[0].seat_count, 20);
  EXPECT_EQ(orchestra.rows[0].first_number, 1);
  EXPECT_EQ(orchestra.rows[0].rank, 1);
  EXPECT_THAT(orchestra.rows[0].accessible, ElementsAre(1, 2, 18, 19, 20));
  EXPECT_TRUE(orchestra.rows[0].restricted.empty());
  EXPECT_EQ(orchestra.rows[1].label, "B");
  EXPECT_EQ(orchestra.rows[1].seat_count, 22);
  EXPECT_EQ(orchestra.rows[1].first_number, 101);
  EXPECT_EQ(orchestra.rows[1].rank, 3);
  EXPECT_THAT(orchestra.rows[1].restricted, ElementsAre(122, 101));
  const SectionConfig& balcony = map->sections[1];
  EXPECT_EQ(balcony.name, "Balcony");
  EXPECT_EQ(balcony.type, 1u);
  ASSERT_EQ(balcony.rows.size(), 1u);
  EXPECT_EQ(balcony.rows[0].label, "AA");
  EXPECT_EQ(balcony.rows[0].seat_count, 5);
  EXPECT_EQ(balcony.rows[0].rank, 0);  // 0: config order, resolved by the sale
  // The parsed map builds a sale.
  SaleConfig config = SeatedConfig(*map);
  EXPECT_TRUE(ValidateConfig(config).ok()) << ValidateConfig(config);
}

TEST(ParseSeatMapTest, RefusesEveryKindOfBadLineNamingItsNumber) {
  const struct {
    const char* text;
    const char* message;  // a substring of the expected message
  } cases[] = {
      {"section S type=0\nrow A seats=2\nstage left\n", "line 3: unknown directive \"stage\""},
      {"# c\nsection S\n", "line 2: expected: section NAME type=TYPE_INDEX"},
      {"section S type=0 extra\n", "line 1: expected: section NAME type=TYPE_INDEX"},
      {"section S kind=0\n", "line 1: expected: section NAME type=TYPE_INDEX"},
      {"\nsection S type=x\n", "line 2: section S: bad type"},
      {"section S type=-1\n", "line 1: section S: bad type"},
      {"row A seats=2\n", "line 1: row before any section"},
      {"section S type=0\n\nrow A\n", "line 3: expected: row LABEL seats=COUNT"},
      {"section S type=0\nrow A seats=2 colour=red\n", "line 2: row A: unknown key \"colour\""},
      {"section S type=0\nrow A seats=two\n", "line 2: row A: bad value in \"seats=two\""},
      {"section S type=0\nrow A seats=2 first=x\n", "line 2: row A: bad value in \"first=x\""},
      {"section S type=0\nrow A seats=2 rank=\n", "line 2: row A: bad value in \"rank=\""},
      {"section S type=0\nrow A seats=9 accessible=3-1\n",
       "line 2: row A: bad value in \"accessible=3-1\""},
      {"section S type=0\nrow A seats=9 accessible=1-x\n",
       "line 2: row A: bad value in \"accessible=1-x\""},
      {"section S type=0\nrow A seats=9 restricted=1-2-3\n",
       "line 2: row A: bad value in \"restricted=1-2-3\""},
      {"section S type=0\nrow A seats=9 restricted=a\n",
       "line 2: row A: bad value in \"restricted=a\""},
      {"section S type=0\nrow A seats\n", "line 2: row A: bad value in \"seats\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<SeatMapConfig> map = ParseSeatMap(c.text);
    ASSERT_FALSE(map.ok());
    EXPECT_EQ(map.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(StatusText(map.status()), HasSubstr(c.message));
  }
  for (const char* empty : {"", "# nothing\n\n   \n"}) {
    absl::StatusOr<SeatMapConfig> map = ParseSeatMap(empty);
    ASSERT_FALSE(map.ok());
    EXPECT_THAT(StatusText(map.status()), HasSubstr("no sections"));
  }
}

// seat_map.h promises "line 3: row B: seats=0 is outside [1, 1024]" from ParseSeatMap itself.
TEST(ParseSeatMapTest, RefusesSeatCountOutsideTheRangeAtItsLine) {
  for (const char* seats : {"0", "1025", "-3"}) {
    const std::string text =
        absl::StrCat("section S type=0\nrow A seats=2\nrow B seats=", seats, "\n");
    SCOPED_TRACE(text);
    absl::StatusOr<SeatMapConfig> map = ParseSeatMap(text);
    ASSERT_FALSE(map.ok()) << "ParseSeatMap accepted seats=" << seats;
    EXPECT_THAT(StatusText(map.status()), HasSubstr("line 3: row B"));
  }
}

// Issue 10 defect 16: a list ending at INT_MAX looped for ever (the int counter overflowed) while
// memory grew until std::bad_alloc aborted the process. Every list is now bounded by its row.
TEST(ParseSeatMapTest, NumbersAtTheEndsOfIntParseAtOnce) {
  absl::StatusOr<SeatMapConfig> map = ParseSeatMap(
      "section S type=0\n"
      "row A seats=4 accessible=2147483647 restricted=2147483644-2147483647\n"
      "row B seats=2 accessible=-2147483648,-2147483647--2147483647\n");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_THAT(map->sections[0].rows[0].accessible, ElementsAre(2147483647));
  EXPECT_THAT(map->sections[0].rows[0].restricted,
              ElementsAre(2147483644, 2147483645, 2147483646, 2147483647));
  EXPECT_THAT(map->sections[0].rows[1].accessible, ElementsAre(-2147483648, -2147483647));
  // Validation then refuses the numbers that are not in their rows.
  EXPECT_THAT(StatusText(ValidateConfig(SeatedConfig(*map))),
              HasSubstr("seat_map.sections[0].rows[0].accessible: seat 2147483647 is not in "
                        "row A"));
}

TEST(ParseSeatMapTest, RefusesListsLongerThanTheirRowAtTheirLine) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"section S type=0\nrow A seats=4 accessible=1-5\n",
       "line 2: row A: accessible lists 5 seats, more than the row's 4"},
      {"section S type=0\nrow A seats=4 restricted=1,1,1,1,1\n",
       "line 2: row A: restricted lists 5 seats, more than the row's 4"},
      {"section S type=0\nrow A seats=4 accessible=1-2 accessible=1-3\n",
       "line 2: row A: accessible lists 5 seats"},
      {"section S type=0\n\nrow A seats=1024 accessible=-2147483648-2147483647\n",
       "line 3: row A: accessible lists more than kSeatsPerRowMax = 1024 seats"},
      {"section S type=0\nrow A seats=4 restricted=1-2147483647\n",
       "line 2: row A: restricted lists more than kSeatsPerRowMax"},
      {"section S type=0\nrow A seats=4 accessible=0-4096\n",
       "line 2: row A: accessible lists more than kSeatsPerRowMax"},
      {"section S type=0\nrow A seats=1024 accessible=1-1000,1-1000\n",
       "line 2: row A: accessible lists more than kSeatsPerRowMax"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<SeatMapConfig> map = ParseSeatMap(c.text);
    ASSERT_FALSE(map.ok());
    EXPECT_EQ(map.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(StatusText(map.status()), HasSubstr(c.message));
  }
}

// 420 KB of "0-4096" ranges needed about 1 GiB. Now what a text can make the parser hold is
// bounded by the map ceilings: the row that passes kSeatsMax is refused at its line.
TEST(ParseSeatMapTest, RefusesAMapPastTheCeilingsAtTheRowThatPassesThem) {
  std::string text = "section S type=0\n";
  for (int r = 0; r <= kSeatsMax / kSeatsPerRowMax; ++r) {
    absl::StrAppend(&text, "row R", r, " seats=1024 accessible=1-1024 restricted=1-1024\n");
  }
  absl::StatusOr<SeatMapConfig> map = ParseSeatMap(text);
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(StatusText(map.status()),
              HasSubstr(absl::StrCat("line ", kSeatsMax / kSeatsPerRowMax + 2, ": row R",
                                     kSeatsMax / kSeatsPerRowMax, ": the map passes")));
  // Rows of one seat: the word ceiling comes first.
  text = "section S type=0\n";
  for (int r = 0; r <= kSeatWordsMax; ++r) absl::StrAppend(&text, "row R", r, " seats=1\n");
  map = ParseSeatMap(text);
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(StatusText(map.status()),
              HasSubstr(absl::StrCat("line ", kSeatWordsMax + 2, ": row R", kSeatWordsMax,
                                     ": the map passes kSeatWordsMax = ", kSeatWordsMax)));
  // Sections, each of which needs a word of its own.
  text.clear();
  for (int s = 0; s <= kSeatWordsMax; ++s) absl::StrAppend(&text, "section S", s, " type=0\n");
  map = ParseSeatMap(text);
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(StatusText(map.status()), HasSubstr(absl::StrCat("line ", kSeatWordsMax + 1, ":")));
}

// ---------------------------------------------------------------------------------------------
// Config validation of seat maps

TEST(SeatMapConfigTest, RefusesBadMapsNamingSectionRowAndSeat) {
  const SeatMapConfig good = MustParse(
      "section Stalls type=0\nrow A seats=10\nrow B seats=10\nsection Circle type=1\n"
      "row A seats=8\n");
  ASSERT_TRUE(ValidateConfig(SeatedConfig(good)).ok());
  const struct {
    const char* what;
    void (*edit)(SaleConfig&);
    const char* message;
  } cases[] = {
      {"duplicate section", [](SaleConfig& c) { c.seat_map.sections[1].name = "Stalls"; },
       "seat_map.sections[1].name: duplicate \"Stalls\""},
      {"empty section name", [](SaleConfig& c) { c.seat_map.sections[0].name = ""; },
       "seat_map.sections[0].name: empty"},
      {"duplicate row", [](SaleConfig& c) { c.seat_map.sections[0].rows[1].label = "A"; },
       "seat_map.sections[0].rows[1].label: duplicate \"A\""},
      {"empty row label", [](SaleConfig& c) { c.seat_map.sections[1].rows[0].label = ""; },
       "seat_map.sections[1].rows[0].label: empty"},
      {"no rows", [](SaleConfig& c) { c.seat_map.sections[1].rows.clear(); },
       "seat_map.sections[1].rows: empty"},
      {"bad type", [](SaleConfig& c) { c.seat_map.sections[1].type = 7; },
       "seat_map.sections[1].type: unknown type 7"},
      {"seat_count 0", [](SaleConfig& c) { c.seat_map.sections[0].rows[1].seat_count = 0; },
       "seat_map.sections[0].rows[1].seat_count: 0 is outside [1, 1024]"},
      {"seat_count too big",
       [](SaleConfig& c) { c.seat_map.sections[1].rows[0].seat_count = kSeatsPerRowMax + 1; },
       "seat_map.sections[1].rows[0].seat_count: 1025 is outside [1, 1024]"},
      {"accessible past the row",
       [](SaleConfig& c) {
         c.seat_map.sections[0].rows[0].accessible = {1, 11};
       },
       "seat_map.sections[0].rows[0].accessible: seat 11 is not in row A"},
      {"accessible before the row",
       [](SaleConfig& c) {
         c.seat_map.sections[1].rows[0].first_number = 5;
         c.seat_map.sections[1].rows[0].accessible = {4};
       },
       "seat_map.sections[1].rows[0].accessible: seat 4 is not in row A"},
      {"restricted outside the row",
       [](SaleConfig& c) { c.seat_map.sections[0].rows[1].restricted = {0}; },
       "seat_map.sections[0].rows[1].restricted: seat 0 is not in row B"},
      {"capacity below the seats", [](SaleConfig& c) { c.types[0].capacity = 19; },
       "types[0].capacity: 19, but the seat map has 20 seats of this type"},
      {"capacity above the seats", [](SaleConfig& c) { c.types[1].capacity = 9; },
       "types[1].capacity: 9, but the seat map has 8 seats of this type"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    SaleConfig config = SeatedConfig(good);
    c.edit(config);
    const absl::Status status = ValidateConfig(config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(StatusText(status), HasSubstr(c.message));
    EXPECT_FALSE(Sale::Create(config).ok());
  }
}

TEST(SeatMapConfigTest, AcceptsTheLargestRowAndAMapBesideGeneralAdmission) {
  SeatMapConfig map;
  map.sections.push_back({.name = "Long", .type = 1, .rows = {}});
  map.sections[0].rows.push_back(
      {.label = "A", .seat_count = kSeatsPerRowMax, .accessible = {}, .restricted = {}});
  SaleConfig config = SeatedConfig(map);
  config.types[0] = {.name = "parking", .capacity = 50};  // type 0 stays general admission
  EXPECT_TRUE(ValidateConfig(config).ok()) << ValidateConfig(config);
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  ASSERT_TRUE(sale.ok());
  EXPECT_EQ((*sale)->SeatCount(), static_cast<SeatId>(kSeatsPerRowMax));
}

// Issue 10 defect 17 (and the config part of 11): labels that two seats share, or that are not
// well formed, and seat numbers past INT_MAX are refused, naming the field.
TEST(SeatMapConfigTest, RefusesLabelsThatAreNotUniqueOrNotWellFormed) {
  const SeatMapConfig good = MustParse("section S type=0\nrow A seats=10\nrow B seats=10\n");
  ASSERT_TRUE(ValidateConfig(SeatedConfig(good)).ok());
  const struct {
    const char* what;
    void (*edit)(SaleConfig&);
    const char* message;
  } cases[] = {
      {"first + seats past INT_MAX",
       [](SaleConfig& c) { c.seat_map.sections[0].rows[1].first_number = 2147483647 - 4; },
       "seat_map.sections[0].rows[1].first_number: 2147483643 + 10 seats numbers a seat past "
       "INT_MAX"},
      {"first INT_MAX, two seats",
       [](SaleConfig& c) {
         c.seat_map.sections[0].rows[0].first_number = 2147483647;
         c.seat_map.sections[0].rows[0].seat_count = 2;
         c.types[0].capacity = 12;
       },
       "seat_map.sections[0].rows[0].first_number"},
      {"row label ending in '-'",
       [](SaleConfig& c) { c.seat_map.sections[0].rows[1].label = "A-"; },
       "seat_map.sections[0].rows[1].label: \"A-\" ends with '-'"},
      {"row label '-'", [](SaleConfig& c) { c.seat_map.sections[0].rows[0].label = "-"; },
       "seat_map.sections[0].rows[0].label: \"-\" ends with '-'"},
      {"row label with a space",
       [](SaleConfig& c) { c.seat_map.sections[0].rows[0].label = "A 1"; },
       "seat_map.sections[0].rows[0].label: \"A 1\" holds a space or a control character"},
      {"row label with a tab", [](SaleConfig& c) { c.seat_map.sections[0].rows[0].label = "A\t"; },
       "seat_map.sections[0].rows[0].label"},
      {"section name with a newline", [](SaleConfig& c) { c.seat_map.sections[0].name = "S\nT"; },
       "seat_map.sections[0].name: \"S\nT\" holds a control character"},
      {"section name starting with a space",
       [](SaleConfig& c) { c.seat_map.sections[0].name = " S"; },
       "seat_map.sections[0].name: \" S\" starts or ends with a space"},
      {"section name ending with a space",
       [](SaleConfig& c) { c.seat_map.sections[0].name = "S "; },
       "seat_map.sections[0].name: \"S \" starts or ends with a space"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    SaleConfig config = SeatedConfig(good);
    c.edit(config);
    const absl::Status status = ValidateConfig(config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(StatusText(status), HasSubstr(c.message));
    EXPECT_FALSE(Sale::Create(config).ok());
  }
  // The issue's pair: row "A" numbered from -1 and row "A-" would both label a seat "S A--1".
  const SeatMapConfig pair =
      MustParse("section S type=0\nrow A seats=3 first=-1\nrow A- seats=3\n");
  EXPECT_THAT(StatusText(ValidateConfig(SeatedConfig(pair))),
              HasSubstr("seat_map.sections[0].rows[1].label: \"A-\" ends with '-'"));
}

// The largest and smallest numbers an int holds label seats that round trip.
TEST_F(SeatMapTest, SeatNumbersAtTheEndsOfIntRoundTrip) {
  Build(
      "section S type=0\n"
      "row A seats=10 first=2147483638\n"
      "row B seats=3 first=-2147483648\n"
      "row C-1 seats=3 first=-1\n");
  EXPECT_EQ(sale_->SeatLabel(0), "S A-2147483638");
  EXPECT_EQ(sale_->SeatLabel(9), "S A-2147483647");
  EXPECT_EQ(sale_->SeatLabel(10), "S B--2147483648");
  EXPECT_EQ(sale_->SeatLabel(13), "S C-1--1");
  EXPECT_EQ(sale_->SeatLabel(14), "S C-1-0");
  for (SeatId seat = 0; seat < sale_->SeatCount(); ++seat) {
    EXPECT_EQ(sale_->FindSeat(sale_->SeatLabel(seat)), seat) << sale_->SeatLabel(seat);
  }
  // Numbers whose distance from a row's first number does not fit in an int (undefined
  // behaviour before: number - first_number was computed in int).
  for (const char* far : {"S A--2147483648", "S A--1", "S B-2147483647", "S B-0",
                          "S C-1-2147483647", "S C-1--2147483648", "S A-2147483648",
                          "S B--2147483649", "S A-99999999999", "S A-9999999999999999999999"}) {
    EXPECT_EQ(sale_->FindSeat(far), kNoSeat) << far;
  }
}

// FindSeat reads exactly what SeatLabel writes: no '+', leading zeros, spaces or "-0".
TEST_F(SeatMapTest, FindSeatAcceptsOnlyTheLabelsSeatLabelWrites) {
  Build("section S type=0\nrow A seats=5 first=-2\n");
  EXPECT_EQ(sale_->FindSeat("S A-1"), 3u);
  EXPECT_EQ(sale_->FindSeat("S A-0"), 2u);
  EXPECT_EQ(sale_->FindSeat("S A--2"), 0u);
  for (const char* bad :
       {"S A-+1", "S A-01", "S A- 1", "S A-1 ", "S A-\t1", "S A--0", "S A-00", "S A--01", "S A-+0",
        "S A---1", "S A-1\n", "S A-0x1", "S A-1.0", "S A-"}) {
    EXPECT_EQ(sale_->FindSeat(bad), kNoSeat) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// HoldSeats

constexpr char kTwoSections[] =
    "section Stalls type=0\n"
    "row A seats=10\n"
    "row B seats=10\n"
    "section Circle type=1\n"
    "row A seats=10\n";

// kTwoSections plus a general-admission type 2 "parking" of 5 units.
SaleConfig TwoSectionsWithParking() {
  SaleConfig config = SeatedConfig(MustParse(kTwoSections));
  config.types.push_back({.name = "parking", .capacity = 5});
  return config;
}

TEST_F(SeatMapTest, HoldSeatsIsAllOrNothingAcrossRowsSectionsAndLines) {
  Build(TwoSectionsWithParking());
  ASSERT_TRUE(Take(kBob, {"Circle A-5"}).ok());
  const std::string before = World(*sale_);
  const std::vector<SeatId> wanted = Seats({"Stalls A-1", "Stalls B-2", "Circle A-5"});
  const HoldLine parking[] = {{.type = 2, .quantity = 2}};
  // The last seat is taken: nothing of the first two, nor of the parking line, stays claimed.
  HoldResult r = sale_->HoldSeats(kAlice, wanted, parking);
  EXPECT_EQ(r.outcome, Outcome::kSeatTaken);
  EXPECT_EQ(r.taken_seat, S("Circle A-5"));
  EXPECT_EQ(World(*sale_), before);
  // The seats are free, the line is short: nothing either.
  const HoldLine too_much[] = {{.type = 2, .quantity = 6}};
  r = sale_->HoldSeats(kAlice, Seats({"Stalls A-1", "Stalls B-2", "Circle A-6"}), too_much);
  EXPECT_EQ(r.outcome, Outcome::kSoldOut);
  EXPECT_EQ(World(*sale_), before);
  // Everything free: every seat and the line are claimed together.
  r = sale_->HoldSeats(kAlice, Seats({"Stalls A-1", "Stalls B-2", "Circle A-6"}), parking);
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(sale_->TypeAvailable(0), 18);
  EXPECT_EQ(sale_->TypeAvailable(1), 8);
  EXPECT_EQ(sale_->TypeAvailable(2), 3);
  for (absl::string_view label : {"Stalls A-1", "Stalls B-2", "Circle A-6"}) {
    const SeatState state = sale_->Seat(S(label));
    EXPECT_EQ(state.status, SeatStatus::kHeld) << label;
    EXPECT_EQ(state.hold, r.id) << label;
    EXPECT_EQ(state.buyer, kAlice) << label;
  }
  EXPECT_EQ(sale_->Buyer(kAlice).held_units, 5);
  const SaleStats stats = sale_->Stats();
  EXPECT_EQ(stats.held_units, 6);
  EXPECT_EQ(stats.live_holds, 2);
  EXPECT_EQ(sale_->TypeStatsOf(1).held_units, 2);
}

TEST_F(SeatMapTest, HoldSeatsFailingOnALaterRowGivesTheEarlierRowsBack) {
  Build(kTwoSections);
  ASSERT_TRUE(Take(kBob, {"Stalls B-10"}).ok());
  const std::string before = World(*sale_);
  // Runs are claimed row by row; the taken seat is in the second run.
  HoldResult r = Take(kAlice, {"Stalls A-1", "Stalls A-2", "Stalls A-3", "Stalls B-9",
                               "Stalls B-10", "Circle A-1"});
  EXPECT_EQ(r.outcome, Outcome::kSeatTaken);
  EXPECT_EQ(r.taken_seat, S("Stalls B-10"));
  EXPECT_EQ(World(*sale_), before);
  // The same seats are all free to someone else afterwards.
  r = Take(kCarol, {"Stalls A-1", "Stalls A-2", "Stalls A-3", "Stalls B-9", "Circle A-1"});
  EXPECT_EQ(r.outcome, Outcome::kOk);
}

TEST_F(SeatMapTest, SeatTakenNamesTheFirstTakenSeat) {
  Build(kTwoSections);
  ASSERT_TRUE(Take(kBob, {"Stalls A-3", "Stalls A-7"}).ok());
  ASSERT_TRUE(Take(kCarol, {"Circle A-2"}).ok());
  HoldResult r = Take(kAlice, {"Stalls A-2", "Stalls A-3", "Stalls A-4", "Stalls A-5", "Stalls A-6",
                               "Stalls A-7", "Stalls A-8"});
  EXPECT_EQ(r.outcome, Outcome::kSeatTaken);
  EXPECT_EQ(r.taken_seat, S("Stalls A-3"));
  r = Take(kAlice, {"Stalls A-8", "Stalls A-7"});
  EXPECT_EQ(r.outcome, Outcome::kSeatTaken);
  EXPECT_EQ(r.taken_seat, S("Stalls A-7"));
  r = Take(kAlice, {"Stalls B-1", "Circle A-1", "Circle A-2", "Circle A-3"});
  EXPECT_EQ(r.outcome, Outcome::kSeatTaken);
  EXPECT_EQ(r.taken_seat, S("Circle A-2"));
  EXPECT_EQ(Count(sale_->Stats(), Outcome::kSeatTaken), 3);
  EXPECT_EQ(sale_->Buyer(kAlice).live_holds, 0);
}

TEST_F(SeatMapTest, HoldSeatsRefusesInvalidRequests) {
  SaleConfig config = TwoSectionsWithParking();
  config.seat_map.sections.push_back({.name = "Long", .type = 1, .rows = {}});
  config.seat_map.sections.back().rows.push_back(
      {.label = "L", .seat_count = 100, .accessible = {}, .restricted = {}});
  config.types[1].capacity += 100;
  config.units_per_hold_max = 64;
  Build(config);
  const std::string before = World(*sale_);
  auto hold = [&](const std::vector<SeatId>& seats, std::vector<HoldLine> lines = {}) {
    return sale_->HoldSeats(kAlice, seats, lines).outcome;
  };
  std::vector<SeatId> long_row;
  for (int n = 1; n <= 65; ++n) long_row.push_back(S(absl::StrCat("Long L-", n)));
  EXPECT_EQ(hold({}), Outcome::kInvalidArgument);  // no seats
  EXPECT_EQ(hold({}, {{.type = 2, .quantity = 1}}), Outcome::kInvalidArgument);
  EXPECT_EQ(hold(long_row), Outcome::kInvalidArgument);  // 65 > kSeatsPerHoldMax
  EXPECT_EQ(hold({S("Stalls A-1"), sale_->SeatCount()}), Outcome::kInvalidArgument);
  EXPECT_EQ(hold({kNoSeat}), Outcome::kInvalidArgument);
  EXPECT_EQ(hold({S("Stalls A-1"), S("Stalls A-2"), S("Stalls A-1")}), Outcome::kInvalidArgument);
  // Seven runs of one row, and five runs beside two general-admission lines, are 7 slot lines.
  EXPECT_EQ(hold(Seats({"Stalls A-1", "Stalls A-3", "Stalls A-5", "Stalls A-7", "Stalls A-9",
                        "Stalls B-1", "Stalls B-3"})),
            Outcome::kInvalidArgument);
  // A general-admission line of a seated type, in HoldSeats and in Hold.
  EXPECT_EQ(hold({S("Stalls A-1")}, {{.type = 0, .quantity = 1}}), Outcome::kInvalidArgument);
  const HoldLine seated_line[] = {{.type = 1, .quantity = 1}};
  EXPECT_EQ(sale_->Hold(kAlice, seated_line).outcome, Outcome::kInvalidArgument);
  EXPECT_EQ(World(*sale_), before);
  EXPECT_EQ(Count(sale_->Stats(), Outcome::kInvalidArgument), 9);
  // The boundaries that are fine: 64 seats (L-2 .. L-65: two runs, one in each 64-seat word of
  // the row), and six runs.
  long_row.erase(long_row.begin());
  EXPECT_EQ(hold(long_row), Outcome::kOk);
  EXPECT_EQ(hold(Seats({"Stalls A-1", "Stalls A-3", "Stalls A-5", "Stalls A-7", "Stalls A-9",
                        "Stalls B-1"})),
            Outcome::kOk);
}

TEST_F(SeatMapTest, HoldSeatsCountsRunsAndLinesTogether) {
  SaleConfig config = TwoSectionsWithParking();
  config.types.push_back({.name = "cloakroom", .capacity = 5});  // type 3, general admission
  Build(config);
  const HoldLine two_lines[] = {{.type = 2, .quantity = 1}, {.type = 3, .quantity = 1}};
  // 4 runs + 2 lines = 6 slot lines: fine. 5 runs + 2 lines = 7: refused.
  EXPECT_EQ(sale_
                ->HoldSeats(kAlice, Seats({"Stalls A-1", "Stalls A-3", "Stalls A-5", "Stalls A-7"}),
                            two_lines)
                .outcome,
            Outcome::kOk);
  const std::string before = World(*sale_);
  EXPECT_EQ(
      sale_
          ->HoldSeats(kBob,
                      Seats({"Stalls B-1", "Stalls B-3", "Stalls B-5", "Stalls B-7", "Stalls B-9"}),
                      two_lines)
          .outcome,
      Outcome::kInvalidArgument);
  EXPECT_EQ(World(*sale_), before);
}

TEST_F(SeatMapTest, SeatedCallsOnASaleWithoutAMapAreInvalid) {
  SaleConfig config;
  config.types = {{.name = "ga", .capacity = 10}};
  Build(config);
  const SeatId seats[] = {0};
  EXPECT_EQ(sale_->HoldSeats(kAlice, seats).outcome, Outcome::kInvalidArgument);
  SeatId out[2];
  EXPECT_EQ(sale_->HoldBestAvailable(kAlice, {.count = 1, .sections = {}}, out).outcome,
            Outcome::kInvalidArgument);
  EXPECT_EQ(sale_->SeatCount(), 0u);
  EXPECT_EQ(sale_->SeatStateBytes(), 0u);
  EXPECT_EQ(sale_->FindSeat("Stalls A-1"), kNoSeat);
  EXPECT_EQ(sale_->SeatLabel(0), "");
  EXPECT_EQ(sale_->Seat(0).status, SeatStatus::kFree);
  EXPECT_TRUE(sale_->SnapshotSeats({}, {}));
  EXPECT_EQ(sale_->TypeAvailable(0), 10);
  EXPECT_EQ(sale_->Stats().holds_created, 0);
}

// ---------------------------------------------------------------------------------------------
// Best available

TEST_F(SeatMapTest, BestAvailablePicksTheBestRankedRowNearestItsCentre) {
  Build(
      "section H type=0\n"
      "row A seats=10 rank=2\n"
      "row B seats=10 rank=1\n"
      "row C seats=9 rank=1\n"
      "row D seats=9 rank=3\n");
  std::vector<std::string> got;
  ASSERT_TRUE(Best(kAlice, {.count = 2, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H B-5", "H B-6"));  // rank 1, before C (config order)
  EXPECT_EQ(StatusOf("H A-5"), SeatStatus::kFree);
  // B has 4 + 4 free: 3 there would orphan a seat, so C (rank 1 too) gives its centre 3.
  ASSERT_TRUE(Best(kAlice, {.count = 3, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H C-4", "H C-5", "H C-6"));
  // 4 fits B exactly on either side; the left block comes first at equal distance.
  ASSERT_TRUE(Best(kBob, {.count = 4, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H B-1", "H B-2", "H B-3", "H B-4"));
  // 1 seat: nearest the centre of what is left in B (B-7, then C-3 or C-7 is farther out).
  ASSERT_TRUE(Best(kBob, {.count = 1, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H B-7"));
  EXPECT_EQ(sale_->TypeAvailable(0), 38 - 10);
}

TEST_F(SeatMapTest, BestAvailableHonoursSectionsAccessibleAndRestricted) {
  Build(
      "section Front type=0\n"
      "row A seats=10 rank=1 restricted=1-10\n"
      "row B seats=10 rank=2 accessible=1,2,9,10\n"
      "section Back type=0\n"
      "row A seats=10 rank=5\n");
  std::vector<std::string> got;
  // Restricted seats are skipped unless allowed.
  ASSERT_TRUE(Best(kAlice, {.count = 2, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("Front B-5", "Front B-6"));
  ASSERT_TRUE(Best(kAlice, {.count = 2, .sections = {}, .allow_restricted = true}, got).ok());
  EXPECT_THAT(got, ElementsAre("Front A-5", "Front A-6"));
  // Only section 1, although section 0 has better rows.
  ASSERT_TRUE(Best(kBob, {.count = 3, .sections = {1}}, got).ok());
  EXPECT_THAT(got, ElementsAre("Back A-4", "Back A-5", "Back A-6"));
  // Wheelchair places: a pair at either end of B, the left one first.
  ASSERT_TRUE(Best(kCarol, {.count = 2, .sections = {}, .accessible_only = true}, got).ok());
  EXPECT_THAT(got, ElementsAre("Front B-1", "Front B-2"));
  const std::string before = World(*sale_);
  std::vector<SeatId> out(3);
  EXPECT_EQ(sale_
                ->HoldBestAvailable(kCarol, {.count = 3, .sections = {}, .accessible_only = true},
                                    absl::MakeSpan(out))
                .outcome,
            Outcome::kNoAdjacentSeats);
  EXPECT_EQ(World(*sale_), before);
  ASSERT_TRUE(Best(kCarol, {.count = 2, .sections = {}, .accessible_only = true}, got).ok());
  EXPECT_THAT(got, ElementsAre("Front B-9", "Front B-10"));
}

TEST_F(SeatMapTest, BestAvailableAvoidsOrphansEvenInAWorseRow) {
  Build(
      "section H type=0\n"
      "row A seats=4\n"
      "row B seats=3\n");
  std::vector<std::string> got;
  // Any 3 of A's 4 leaves one orphan at an end of A; B fits exactly.
  ASSERT_TRUE(Best(kAlice, {.count = 3, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H B-1", "H B-2", "H B-3"));
  ASSERT_EQ(sale_->Release(sale_->Seat(S("H B-1")).hold, kAlice), Outcome::kOk);
  // Without avoid_orphans, the better row.
  ASSERT_TRUE(Best(kAlice, {.count = 3, .sections = {}, .avoid_orphans = false}, got).ok());
  EXPECT_THAT(got, ElementsAre("H A-1", "H A-2", "H A-3"));
}

TEST_F(SeatMapTest, BestAvailableLeavesAnOrphanWhenNothingElseFits) {
  Build("section H type=0\nrow A seats=4\nrow B seats=5\n");
  ASSERT_TRUE(Take(kBob, {"H B-3"}).ok());  // B: two pairs
  std::vector<std::string> got;
  ASSERT_TRUE(Best(kAlice, {.count = 3, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H A-1", "H A-2", "H A-3"));
  EXPECT_EQ(StatusOf("H A-4"), SeatStatus::kFree);
  // The lone seat left in A is the best single seat: taking it leaves no orphan.
  ASSERT_TRUE(Best(kCarol, {.count = 1, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H A-4"));
}

TEST_F(SeatMapTest, BestAvailableSplitsOnlyWhenAllowed) {
  Build("section H type=0\nrow A seats=6\nrow B seats=6\n");
  ASSERT_TRUE(Take(kBob, {"H A-3", "H A-4", "H B-3", "H B-4"}).ok());  // pairs at the ends
  const std::string before = World(*sale_);
  std::vector<SeatId> out(3);
  EXPECT_EQ(
      sale_->HoldBestAvailable(kAlice, {.count = 3, .sections = {}}, absl::MakeSpan(out)).outcome,
      Outcome::kNoAdjacentSeats);
  EXPECT_EQ(World(*sale_), before);
  std::vector<std::string> got;
  ASSERT_TRUE(Best(kAlice, {.count = 4, .sections = {}, .allow_split = true}, got).ok());
  std::sort(got.begin(), got.end());
  EXPECT_THAT(got, ElementsAre("H A-1", "H A-2", "H A-5", "H A-6"));  // one row, not two
  // 5 seats wanted, 4 left: nothing is taken.
  const std::string before_split = World(*sale_);
  out.resize(5);
  EXPECT_EQ(sale_
                ->HoldBestAvailable(kCarol, {.count = 5, .sections = {}, .allow_split = true},
                                    absl::MakeSpan(out))
                .outcome,
            Outcome::kNoAdjacentSeats);
  EXPECT_EQ(World(*sale_), before_split);
  ASSERT_TRUE(Best(kCarol, {.count = 4, .sections = {}, .allow_split = true}, got).ok());
  EXPECT_EQ(sale_->TypeAvailable(0), 0);
}

// The header promises "the best seats in as few rows as possible": row A can seat all four
// (two pairs), so the hold must not spread over rows A and B.
TEST_F(SeatMapTest, BestAvailableSplitUsesAsFewRowsAsPossible) {
  Build("section H type=0\nrow A seats=10\nrow B seats=10\n");
  ASSERT_TRUE(Take(kBob, {"H A-3", "H A-4", "H A-5", "H A-8", "H A-9", "H A-10"}).ok());
  ASSERT_TRUE(Take(kBob, {"H B-1", "H B-2", "H B-3", "H B-4", "H B-5", "H B-6", "H B-7"}).ok());
  // Free: A-1, A-2, A-6, A-7 (two pairs in row A); B-8, B-9, B-10 (a run of three).
  std::vector<std::string> got;
  ASSERT_TRUE(Best(kAlice, {.count = 4, .sections = {}, .allow_split = true}, got).ok());
  std::sort(got.begin(), got.end());
  EXPECT_THAT(got, ElementsAre("H A-1", "H A-2", "H A-6", "H A-7"));
}

TEST_F(SeatMapTest, BestAvailableRefusesInvalidRequests) {
  SaleConfig config = SeatedConfig(MustParse(kTwoSections));
  config.units_per_hold_max = 8;
  Build(config);
  std::vector<SeatId> out(70);
  auto best = [&](const BestAvailableRequest& request, size_t out_size) {
    return sale_->HoldBestAvailable(kAlice, request, absl::MakeSpan(out.data(), out_size)).outcome;
  };
  EXPECT_EQ(best({.count = 0, .sections = {}}, 70), Outcome::kInvalidArgument);
  EXPECT_EQ(best({.count = -1, .sections = {}}, 70), Outcome::kInvalidArgument);
  EXPECT_EQ(best({.count = 65, .sections = {}}, 70), Outcome::kInvalidArgument);
  EXPECT_EQ(best({.count = 9, .sections = {}}, 70),
            Outcome::kInvalidArgument);  // > units_per_hold_max
  EXPECT_EQ(best({.count = 3, .sections = {}}, 2),
            Outcome::kInvalidArgument);  // seats_out too short
  EXPECT_EQ(best({.count = 1, .sections = {2}}, 70), Outcome::kInvalidArgument);
  EXPECT_EQ(best({.count = 1, .sections = {0, -1}}, 70), Outcome::kInvalidArgument);
  EXPECT_EQ(sale_->Stats().holds_created, 0);
  EXPECT_EQ(sale_->TypeAvailable(0), 20);
  // The rest of seats_out is set to kNoSeat.
  std::fill(out.begin(), out.end(), 12345u);
  ASSERT_EQ(best({.count = 2, .sections = {1}}, 5), Outcome::kOk);
  EXPECT_EQ(Labels(absl::MakeConstSpan(out.data(), 2)),
            (std::vector<std::string>{"Circle A-5", "Circle A-6"}));
  EXPECT_THAT(std::vector<SeatId>(out.begin() + 2, out.begin() + 5),
              ElementsAre(kNoSeat, kNoSeat, kNoSeat));
  EXPECT_EQ(out[5], 12345u);
}

TEST_F(SeatMapTest, BestAvailableNeverCrossesA64SeatBlock) {
  Build("section Long type=0\nrow A seats=128\n");
  // Leave 60..67 (seat numbers 61..68) free across the block boundary only.
  std::vector<SeatId> others;
  for (int n = 1; n <= 128; ++n) {
    if (n < 61 || n > 68) others.push_back(S(absl::StrCat("Long A-", n)));
  }
  for (size_t i = 0; i < others.size(); i += 60) {
    const size_t end = std::min(others.size(), i + 60);
    ASSERT_TRUE(
        sale_->HoldSeats(kBob, absl::MakeConstSpan(others.data() + i, end - i), {}, {}).ok());
  }
  std::vector<std::string> got;
  std::vector<SeatId> out(5);
  EXPECT_EQ(
      sale_->HoldBestAvailable(kAlice, {.count = 5, .sections = {}}, absl::MakeSpan(out)).outcome,
      Outcome::kNoAdjacentSeats);
  ASSERT_TRUE(Best(kAlice, {.count = 4, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("Long A-61", "Long A-62", "Long A-63", "Long A-64"));
}

// Issue 10 defect 7: the orphan rule looked only inside a 64-seat word, so with A-1..A-63 held
// in a 70-seat row, best 2 took A-65 and A-66 and left A-64 (the first word's last seat) alone.
TEST_F(SeatMapTest, BestAvailableAvoidsOrphansAcrossA64SeatBlock) {
  Build("section H type=0\nrow A seats=70\n");
  std::vector<SeatId> held;
  for (int n = 1; n <= 63; ++n) held.push_back(S(absl::StrCat("H A-", n)));
  ASSERT_TRUE(sale_->HoldSeats(kBob, held, {}, {}).ok());
  std::vector<std::string> got;
  ASSERT_TRUE(Best(kAlice, {.count = 2, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H A-66", "H A-67"));  // A-64 and A-65 stay a pair
  ASSERT_EQ(sale_->Release(sale_->Seat(S("H A-66")).hold, kAlice), Outcome::kOk);
  // The other way: A-65 held, so best 2 nearest the centre in the first word must not strand
  // A-64 by taking A-62 and A-63.
  ASSERT_EQ(sale_->Release(sale_->Seat(S("H A-1")).hold, kBob), Outcome::kOk);
  held.clear();
  for (int n = 1; n <= 61; ++n) held.push_back(S(absl::StrCat("H A-", n)));
  held.push_back(S("H A-65"));
  ASSERT_TRUE(sale_->HoldSeats(kBob, held, {}, {}).ok());
  // Free: A-62, A-63, A-64 | A-66 .. A-70. Taking A-62, A-63 (nearest the centre) leaves A-64
  // alone next to the held A-65, and A-63, A-64 leaves A-62 alone; A-66, A-67 leaves no orphan.
  ASSERT_TRUE(Best(kAlice, {.count = 2, .sections = {}}, got).ok());
  EXPECT_THAT(got, ElementsAre("H A-66", "H A-67"));
  // Without the rule: the pair nearest the centre.
  ASSERT_TRUE(Best(kCarol, {.count = 2, .sections = {}, .avoid_orphans = false}, got).ok());
  EXPECT_THAT(got, ElementsAre("H A-62", "H A-63"));
}

// ---------------------------------------------------------------------------------------------
// Expiry, Extend, Confirm, Release

TEST_F(SeatMapTest, DeadHoldsNeverCauseSeatTakenOrNoAdjacentSeats) {
  Build("section H type=0\nrow A seats=4\nrow B seats=2\n");
  const HoldResult bob = Take(kBob, {"H A-1", "H A-2"}, {.ttl = absl::Minutes(1)});
  ASSERT_TRUE(bob.ok());
  std::vector<std::string> got;
  ASSERT_TRUE(Best(kBob, {.count = 2, .sections = {}}, got, {.ttl = absl::Minutes(1)}).ok());
  ASSERT_TRUE(Best(kBob, {.count = 2, .sections = {}}, got, {.ttl = absl::Minutes(1)}).ok());
  EXPECT_EQ(sale_->TypeAvailable(0), 0);
  clock_.Advance(absl::Minutes(1));  // every hold of Bob's is dead, none swept
  // A dead hold's seat reads held until something expires it.
  EXPECT_EQ(StatusOf("H A-1"), SeatStatus::kHeld);
  // Alice's specific seats: the dead hold is expired on demand (I5).
  const HoldResult alice = Take(kAlice, {"H A-2"});
  ASSERT_EQ(alice.outcome, Outcome::kOk);
  EXPECT_EQ(sale_->Confirm(bob.id, kBob), Outcome::kExpired);
  // Best available: 4 adjacent is only A, now partly Alice's; 3 must reclaim the rest.
  std::vector<SeatId> out(4);
  EXPECT_EQ(
      sale_->HoldBestAvailable(kCarol, {.count = 4, .sections = {}}, absl::MakeSpan(out)).outcome,
      Outcome::kNoAdjacentSeats);
  ASSERT_TRUE(Best(kCarol, {.count = 2, .sections = {}}, got).ok());
  ASSERT_TRUE(Best(kCarol, {.count = 1, .sections = {}}, got).ok());
  ASSERT_TRUE(Best(kCarol, {.count = 2, .sections = {}}, got).ok());
  EXPECT_EQ(sale_->TypeAvailable(0), 0);
  const SaleStats stats = sale_->Stats();
  EXPECT_EQ(stats.holds_expired, 3);
  EXPECT_EQ(stats.expired_units, 6);
  EXPECT_EQ(Count(stats, Outcome::kSeatTaken), 0);
  EXPECT_EQ(Count(stats, Outcome::kNoAdjacentSeats), 1);  // the 4: Alice's live A-2
  EXPECT_EQ(sale_->Buyer(kBob).live_holds, 0);
}

TEST_F(SeatMapTest, SweepFreesTheSeatsOfDeadHolds) {
  Build(kTwoSections);
  ASSERT_TRUE(Take(kBob, {"Stalls A-1", "Circle A-1"}, {.ttl = absl::Minutes(2)}).ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale_->Sweep(), 0);
  EXPECT_EQ(StatusOf("Stalls A-1"), SeatStatus::kHeld);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(sale_->Sweep(), 1);
  for (absl::string_view label : {"Stalls A-1", "Circle A-1"}) {
    const SeatState state = sale_->Seat(S(label));
    EXPECT_EQ(state.status, SeatStatus::kFree);
    EXPECT_EQ(state.hold, HoldId{});
    EXPECT_EQ(state.buyer, 0u);
  }
  EXPECT_EQ(sale_->TypeAvailable(0), 20);
  EXPECT_EQ(sale_->TypeAvailable(1), 10);
  EXPECT_EQ(sale_->TypeStatsOf(0).expired_units, 1);
}

TEST_F(SeatMapTest, ExtendKeepsTheSeats) {
  Build(kTwoSections);
  const HoldResult bob = Take(kBob, {"Stalls A-1", "Stalls A-2"}, {.ttl = absl::Minutes(1)});
  ASSERT_TRUE(bob.ok());
  clock_.Advance(absl::Seconds(30));
  ASSERT_EQ(sale_->Extend(bob.id, kBob, absl::Minutes(5)), Outcome::kOk);
  clock_.Advance(absl::Minutes(2));  // past the first deadline, before the new one
  HoldResult alice = Take(kAlice, {"Stalls A-2"});
  EXPECT_EQ(alice.outcome, Outcome::kSeatTaken);
  EXPECT_EQ(alice.taken_seat, S("Stalls A-2"));
  clock_.Advance(absl::Minutes(3));  // 5:30 after creation: dead
  alice = Take(kAlice, {"Stalls A-2"});
  EXPECT_EQ(alice.outcome, Outcome::kOk);
  EXPECT_EQ(sale_->Extend(bob.id, kBob, absl::Minutes(5)), Outcome::kExpired);
  EXPECT_EQ(StatusOf("Stalls A-1"), SeatStatus::kFree);
}

TEST_F(SeatMapTest, ConfirmSellsTheSeatsToTheBuyer) {
  Build(kTwoSections);
  const HoldResult bob = Take(kBob, {"Stalls A-1", "Circle A-1"});
  ASSERT_TRUE(bob.ok());
  ASSERT_EQ(sale_->Confirm(bob.id, kBob), Outcome::kOk);
  for (absl::string_view label : {"Stalls A-1", "Circle A-1"}) {
    const SeatState state = sale_->Seat(S(label));
    EXPECT_EQ(state.status, SeatStatus::kSold) << label;
    EXPECT_EQ(state.buyer, kBob) << label;
  }
  EXPECT_EQ(sale_->Confirm(bob.id, kBob), Outcome::kOk);  // a retry (I9) sells nothing twice
  EXPECT_EQ(sale_->Release(bob.id, kBob), Outcome::kAlreadyConfirmed);
  const HoldResult alice = Take(kAlice, {"Circle A-1"});
  EXPECT_EQ(alice.outcome, Outcome::kSeatTaken);
  EXPECT_EQ(alice.taken_seat, S("Circle A-1"));
  // Sold seats stay sold for ever: no expiry, no sweep gives them back.
  clock_.Advance(absl::Hours(1));
  sale_->Sweep();
  EXPECT_EQ(StatusOf("Stalls A-1"), SeatStatus::kSold);
  EXPECT_EQ(sale_->TypeAvailable(0), 19);
  EXPECT_EQ(sale_->TypeStatsOf(0).sold_units, 1);
  EXPECT_EQ(sale_->TypeStatsOf(1).sold_units, 1);
  EXPECT_EQ(sale_->Buyer(kBob).bought_units, 2);
  EXPECT_EQ(sale_->Stats().sold_units, 2);
}

// sale.h: SeatState::hold is "the hold that has or bought it, when not free".
// seat_map.h: a sold seat names its buyer, not its hold (the owner word has
// room for one of them within P4's 8 bytes a seat).
TEST_F(SeatMapTest, SoldSeatNamesItsBuyerNotTheHold) {
  Build(kTwoSections);
  const HoldResult bob = Take(kBob, {"Stalls A-1"});
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(sale_->Seat(S("Stalls A-1")).hold, bob.id);
  ASSERT_EQ(sale_->Confirm(bob.id, kBob), Outcome::kOk);
  const SeatState sold = sale_->Seat(S("Stalls A-1"));
  EXPECT_EQ(sold.status, SeatStatus::kSold);
  EXPECT_EQ(sold.buyer, kBob);
  EXPECT_EQ(sold.hold, HoldId{});
}

TEST_F(SeatMapTest, ReleaseFreesTheSeats) {
  Build(kTwoSections);
  const HoldResult bob = Take(kBob, {"Stalls A-1", "Stalls A-2", "Circle A-9"});
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(sale_->Release(bob.id, kAlice), Outcome::kNotOwner);
  EXPECT_EQ(StatusOf("Stalls A-1"), SeatStatus::kHeld);
  ASSERT_EQ(sale_->Release(bob.id, kBob), Outcome::kOk);
  EXPECT_EQ(sale_->Release(bob.id, kBob), Outcome::kUnknownHold);
  for (absl::string_view label : {"Stalls A-1", "Stalls A-2", "Circle A-9"}) {
    EXPECT_EQ(StatusOf(label), SeatStatus::kFree) << label;
  }
  EXPECT_EQ(sale_->TypeAvailable(0), 20);
  EXPECT_EQ(sale_->TypeAvailable(1), 10);
  EXPECT_EQ(sale_->TypeStatsOf(0).released_units, 2);
  EXPECT_EQ(sale_->Buyer(kBob).held_units, 0);
  EXPECT_TRUE(Take(kAlice, {"Stalls A-1", "Stalls A-2", "Circle A-9"}).ok());
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys, events, limits, cycles

TEST_F(SeatMapTest, RepeatedKeyAnswersTheSameHoldAndSeats) {
  Build(kTwoSections);
  std::vector<SeatId> first(3), again(5);
  const HoldResult r1 = sale_->HoldBestAvailable(kAlice, {.count = 3, .sections = {}},
                                                 absl::MakeSpan(first), {.idempotency_key = 77});
  ASSERT_TRUE(r1.ok());
  // The repeat asks for something else: the first request's hold and seats are answered.
  const HoldResult r2 = sale_->HoldBestAvailable(kAlice, {.count = 2, .sections = {1}},
                                                 absl::MakeSpan(again), {.idempotency_key = 77});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2.id, r1.id);
  EXPECT_THAT(std::vector<SeatId>(again.begin(), again.begin() + 3),
              ElementsAre(first[0], first[1], first[2]));
  EXPECT_EQ(again[3], kNoSeat);
  EXPECT_EQ(sale_->Stats().holds_created, 1);
  EXPECT_EQ(sale_->Buyer(kAlice).held_units, 3);
  EXPECT_EQ(sale_->TypeAvailable(0), 17);
  // Another buyer's key 77 is another request.
  const HoldResult bob = sale_->HoldBestAvailable(kBob, {.count = 3, .sections = {}},
                                                  absl::MakeSpan(again), {.idempotency_key = 77});
  ASSERT_TRUE(bob.ok());
  EXPECT_NE(bob.id, r1.id);
  // A confirmed hold is still answered; a released one is not.
  ASSERT_EQ(sale_->Confirm(r1.id, kAlice), Outcome::kOk);
  const HoldResult r3 = sale_->HoldBestAvailable(kAlice, {.count = 3, .sections = {}},
                                                 absl::MakeSpan(again), {.idempotency_key = 77});
  EXPECT_EQ(r3.id, r1.id);
  EXPECT_THAT(std::vector<SeatId>(again.begin(), again.begin() + 3),
              ElementsAre(first[0], first[1], first[2]));
  ASSERT_EQ(sale_->Release(bob.id, kBob), Outcome::kOk);
  const HoldResult bob2 = sale_->HoldBestAvailable(kBob, {.count = 3, .sections = {}},
                                                   absl::MakeSpan(again), {.idempotency_key = 77});
  ASSERT_TRUE(bob2.ok());
  EXPECT_NE(bob2.id, bob.id);
  // Specific seats with a key: the repeat claims nothing more.
  const HoldResult s1 = Take(kCarol, {"Circle A-1"}, {.idempotency_key = 5});
  const HoldResult s2 = Take(kCarol, {"Circle A-2"}, {.idempotency_key = 5});
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s2.id, s1.id);
  EXPECT_EQ(StatusOf("Circle A-2"), SeatStatus::kFree);
}

TEST_F(SeatMapTest, EventsCountSeatsAsUnits) {
  SaleConfig config = TwoSectionsWithParking();
  config.events_max = 16;
  Build(config);
  const HoldLine parking[] = {{.type = 2, .quantity = 1}};
  const HoldResult a = sale_->HoldSeats(kAlice, Seats({"Stalls A-1", "Stalls A-2"}), parking);
  std::vector<SeatId> out(3);
  const HoldResult b = sale_->HoldBestAvailable(kBob, {.count = 3, .sections = {}},
                                                absl::MakeSpan(out), {.ttl = absl::Minutes(1)});
  const HoldResult c = Take(kCarol, {"Circle A-1"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_EQ(sale_->Confirm(a.id, kAlice), Outcome::kOk);
  ASSERT_EQ(sale_->Release(c.id, kCarol), Outcome::kOk);
  clock_.Advance(absl::Minutes(1));
  ASSERT_EQ(sale_->Sweep(), 1);
  Event events[16];
  const size_t n = sale_->DrainEvents(events);
  std::vector<std::string> got;
  for (size_t i = 0; i < n; ++i) {
    got.push_back(absl::StrCat(std::string(EventKindName(events[i].kind)), " ",
                               events[i].hold.value, " ", events[i].buyer, " ", events[i].units));
  }
  auto e = [](const char* kind, HoldId id, BuyerId buyer, int units) {
    return absl::StrCat(kind, " ", id.value, " ", buyer, " ", units);
  };
  EXPECT_THAT(got, ElementsAre(e("Held", a.id, kAlice, 3), e("Held", b.id, kBob, 3),
                               e("Held", c.id, kCarol, 1), e("Confirmed", a.id, kAlice, 3),
                               e("Released", c.id, kCarol, 1), e("Expired", b.id, kBob, 3)));
}

TEST_F(SeatMapTest, PerBuyerLimitsCountSeats) {
  SaleConfig config = TwoSectionsWithParking();
  config.per_buyer_units_max = 4;
  config.per_buyer_holds_max = 2;
  Build(config);
  const HoldLine parking[] = {{.type = 2, .quantity = 1}};
  ASSERT_TRUE(sale_->HoldSeats(kAlice, Seats({"Stalls A-1", "Stalls A-2"}), parking).ok());
  std::vector<std::string> got;
  std::string before = World(*sale_);
  EXPECT_EQ(Best(kAlice, {.count = 2, .sections = {}}, got).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(Take(kAlice, {"Circle A-1", "Circle A-2"}).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(World(*sale_), before);
  const HoldResult one = Take(kAlice, {"Circle A-1"});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(sale_->Buyer(kAlice).held_units, 4);
  // Released seats come off the count.
  ASSERT_EQ(sale_->Release(one.id, kAlice), Outcome::kOk);
  before = World(*sale_);
  EXPECT_EQ(Best(kAlice, {.count = 2, .sections = {}}, got).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(World(*sale_), before);
  ASSERT_TRUE(Best(kAlice, {.count = 1, .sections = {}}, got).ok());
  EXPECT_EQ(sale_->Buyer(kAlice).held_units, 4);
  // Two live holds: the hold limit comes first.
  EXPECT_EQ(Best(kAlice, {.count = 1, .sections = {}}, got).outcome, Outcome::kTooManyHolds);
  ASSERT_TRUE(Best(kBob, {.count = 1, .sections = {}}, got).ok());
  ASSERT_TRUE(Best(kBob, {.count = 1, .sections = {}}, got).ok());
  EXPECT_EQ(Best(kBob, {.count = 1, .sections = {}}, got).outcome, Outcome::kTooManyHolds);
}

TEST_F(SeatMapTest, CyclesCountSeats) {
  SaleConfig config = SeatedConfig(MustParse(kTwoSections));
  config.cycles = {
      {.name = "noon", .opens_at = kNoon + absl::Minutes(1), .allotment = 5, .per_buyer_max = 3}};
  Build(config);
  std::vector<std::string> got;
  EXPECT_EQ(Best(kAlice, {.count = 1, .sections = {}}, got).outcome, Outcome::kNotOpen);
  EXPECT_EQ(Take(kAlice, {"Stalls A-1"}).outcome, Outcome::kNotOpen);
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(Best(kAlice, {.count = 2, .sections = {}}, got).ok());
  std::string before = World(*sale_);
  EXPECT_EQ(Take(kAlice, {"Stalls B-1", "Stalls B-2"}).outcome, Outcome::kBuyerLimit);
  EXPECT_EQ(World(*sale_), before);
  ASSERT_TRUE(Take(kBob, {"Stalls B-1", "Stalls B-2", "Stalls B-3"}).ok());
  EXPECT_EQ(sale_->CycleAvailable(0), 0);
  before = World(*sale_);
  // The allotment is spent: the seats are free but the cycle is sold out.
  EXPECT_EQ(Take(kCarol, {"Circle A-1"}).outcome, Outcome::kSoldOut);
  EXPECT_EQ(Best(kCarol, {.count = 1, .sections = {}}, got).outcome, Outcome::kSoldOut);
  EXPECT_EQ(World(*sale_), before);
  EXPECT_EQ(StatusOf("Circle A-1"), SeatStatus::kFree);
}

// ---------------------------------------------------------------------------------------------
// Seat queries

TEST_F(SeatMapTest, SeatAndSeatsOfNameTheHolder) {
  Build(kTwoSections);
  const HoldResult bob = Take(kBob, {"Circle A-2", "Stalls B-4", "Stalls B-5"});
  ASSERT_TRUE(bob.ok());
  const SeatState held = sale_->Seat(S("Stalls B-5"));
  EXPECT_EQ(held.status, SeatStatus::kHeld);
  EXPECT_EQ(held.hold, bob.id);
  EXPECT_EQ(held.buyer, kBob);
  const SeatState free = sale_->Seat(S("Stalls B-6"));
  EXPECT_EQ(free.status, SeatStatus::kFree);
  EXPECT_EQ(free.hold, HoldId{});
  EXPECT_EQ(free.buyer, 0u);
  EXPECT_EQ(sale_->Seat(sale_->SeatCount()).status, SeatStatus::kFree);
  EXPECT_EQ(sale_->Seat(kNoSeat).status, SeatStatus::kFree);
  SeatId out[4] = {7, 7, 7, 7};
  int count = -1;
  ASSERT_EQ(sale_->SeatsOf(bob.id, kBob, out, count), Outcome::kOk);
  ASSERT_EQ(count, 3);
  EXPECT_THAT(Labels(absl::MakeConstSpan(out, 3)),
              ElementsAre("Stalls B-4", "Stalls B-5", "Circle A-2"));  // in seat order
  EXPECT_EQ(out[3], 7u);
  SeatId two[2];
  ASSERT_EQ(sale_->SeatsOf(bob.id, kBob, two, count), Outcome::kOk);
  EXPECT_EQ(count, 2);
  EXPECT_EQ(sale_->SeatsOf(bob.id, kAlice, out, count), Outcome::kNotOwner);
  EXPECT_EQ(sale_->SeatsOf(HoldId{12345}, kBob, out, count), Outcome::kUnknownHold);
  ASSERT_EQ(sale_->Confirm(bob.id, kBob), Outcome::kOk);
  ASSERT_EQ(sale_->SeatsOf(bob.id, kBob, out, count), Outcome::kOk);
  EXPECT_EQ(count, 3);
  const HoldResult carol = Take(kCarol, {"Circle A-10"});
  ASSERT_TRUE(carol.ok());
  ASSERT_EQ(sale_->Release(carol.id, kCarol), Outcome::kOk);
  EXPECT_EQ(sale_->SeatsOf(carol.id, kCarol, out, count), Outcome::kUnknownHold);
  EXPECT_EQ(count, 0);
}

TEST_F(SeatMapTest, FindSeatAndSeatLabelRoundTripEverySeat) {
  SaleConfig config =
      SeatedConfig(MustParse("section Stalls type=0\n"
                             "row A seats=10\n"
                             "row B seats=100 first=0\n"
                             "row AA seats=64 first=101\n"
                             "section Circle type=1\n"
                             "row A seats=1 first=7\n"
                             "row A-1 seats=65\n"));
  config.seat_map.sections.push_back({.name = "Upper Circle", .type = 1, .rows = {}});
  config.seat_map.sections.back().rows.push_back(
      {.label = "C", .seat_count = 3, .accessible = {}, .restricted = {}});
  config.types[1].capacity += 3;
  Build(config);
  ASSERT_EQ(sale_->SeatCount(), 10u + 100 + 64 + 1 + 65 + 3);
  for (SeatId seat = 0; seat < sale_->SeatCount(); ++seat) {
    const std::string label = sale_->SeatLabel(seat);
    ASSERT_FALSE(label.empty()) << seat;
    EXPECT_EQ(sale_->FindSeat(label), seat) << label;
  }
  EXPECT_EQ(sale_->SeatLabel(0), "Stalls A-1");
  EXPECT_EQ(sale_->SeatLabel(10), "Stalls B-0");
  EXPECT_EQ(sale_->SeatLabel(110), "Stalls AA-101");
  EXPECT_EQ(sale_->SeatLabel(174), "Circle A-7");
  EXPECT_EQ(sale_->SeatLabel(175), "Circle A-1-1");
  EXPECT_EQ(sale_->SeatLabel(sale_->SeatCount() - 1), "Upper Circle C-3");
  EXPECT_EQ(sale_->SeatLabel(sale_->SeatCount()), "");
  EXPECT_EQ(sale_->SeatLabel(kNoSeat), "");
  for (const char* bad : {"", "Stalls", "Stalls A", "Stalls A-", "Stalls A-x", "Stalls A-0",
                          "Stalls A-11", "Stalls Z-1", "Balcony A-1", "StallsA-1", "Stalls B-100",
                          "Circle A-6", "stalls A-1", "Stalls  A-1"}) {
    EXPECT_EQ(sale_->FindSeat(bad), kNoSeat) << bad;
  }
}

// A row may start at a negative number (nothing refuses it); its labels must still round trip.
TEST_F(SeatMapTest, FindSeatAndSeatLabelRoundTripNegativeSeatNumbers) {
  Build("section S type=0\nrow A seats=4 first=-2\n");
  for (SeatId seat = 0; seat < sale_->SeatCount(); ++seat) {
    const std::string label = sale_->SeatLabel(seat);
    EXPECT_EQ(sale_->FindSeat(label), seat) << label;
  }
}

TEST_F(SeatMapTest, SnapshotSeatsMatchesSeatForEverySeat) {
  Build(
      "section S type=0\n"
      "row A seats=10\n"
      "row B seats=100\n"
      "row C seats=70\n"
      "section T type=1\n"
      "row A seats=3\n");
  const SeatId seats = sale_->SeatCount();
  const size_t words = (seats + 63) / 64;
  ASSERT_EQ(words, 3u);
  std::vector<std::string> got;
  const HoldResult sold = Take(kAlice, {"S A-10", "S B-1", "S B-64", "S B-65", "T A-3"});
  ASSERT_TRUE(sold.ok());
  ASSERT_EQ(sale_->Confirm(sold.id, kAlice), Outcome::kOk);
  ASSERT_TRUE(Take(kBob, {"S A-1", "S B-100", "S C-70", "T A-1"}).ok());
  ASSERT_TRUE(Best(kCarol, {.count = 5, .sections = {}}, got).ok());
  std::vector<uint64_t> held(words, ~uint64_t{0}), sold_bits(words, ~uint64_t{0});
  ASSERT_TRUE(sale_->SnapshotSeats(absl::MakeSpan(held), absl::MakeSpan(sold_bits)));
  int held_count = 0, sold_count = 0;
  for (SeatId s = 0; s < seats; ++s) {
    const bool h = (held[s / 64] >> (s % 64)) & 1;
    const bool x = (sold_bits[s / 64] >> (s % 64)) & 1;
    const SeatStatus status = sale_->Seat(s).status;
    EXPECT_EQ(h, status == SeatStatus::kHeld) << sale_->SeatLabel(s);
    EXPECT_EQ(x, status == SeatStatus::kSold) << sale_->SeatLabel(s);
    held_count += h;
    sold_count += x;
  }
  EXPECT_EQ(held_count, 9);
  EXPECT_EQ(sold_count, 5);
  // Bits past the last seat are clear.
  EXPECT_EQ(held[2] >> (seats % 64), 0u);
  EXPECT_EQ(sold_bits[2] >> (seats % 64), 0u);
  // A short span, either one: false, and nothing written.
  std::vector<uint64_t> short_span(words - 1, 42), full(words, 42);
  EXPECT_FALSE(sale_->SnapshotSeats(absl::MakeSpan(short_span), absl::MakeSpan(full)));
  EXPECT_FALSE(sale_->SnapshotSeats(absl::MakeSpan(full), absl::MakeSpan(short_span)));
  EXPECT_FALSE(sale_->SnapshotSeats({}, {}));
  EXPECT_THAT(short_span, ::testing::Each(42u));
  EXPECT_THAT(full, ::testing::Each(42u));
}

// DESIGN §7 P4: a seat map costs at most 8 bytes a seat.
TEST(SeatMemoryTest, StadiumOf100000SeatsFitsEightBytesASeat) {
  std::string text;
  for (int s = 0; s < 40; ++s) {
    absl::StrAppend(&text, "section S", s, " type=0\n");
    for (int r = 1; r <= 50; ++r) absl::StrAppend(&text, "row R", r, " seats=50 rank=", r, "\n");
  }
  SaleConfig config = SeatedConfig(MustParse(text));
  ManualClock clock(kNoon);
  config.clock = &clock;
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  ASSERT_TRUE(sale.ok()) << sale.status();
  ASSERT_EQ((*sale)->SeatCount(), 100000u);
  const size_t bytes = (*sale)->SeatStateBytes();
  const double per_seat = static_cast<double>(bytes) / 100000.0;
  std::printf("seat state of a 100,000-seat stadium (40 x 50 x 50): %zu bytes, %.2f bytes a seat\n",
              bytes, per_seat);
  ::testing::Test::RecordProperty("seat_state_bytes", std::to_string(bytes));
  ::testing::Test::RecordProperty("bytes_per_seat", absl::StrCat(per_seat));
  EXPECT_LE(bytes, 800000u);
  EXPECT_GT(bytes, 0u);
  // The best seat of the stadium: row 1 of the first section, the centre pair.
  std::vector<SeatId> out(2);
  ASSERT_TRUE(
      (*sale)->HoldBestAvailable(kAlice, {.count = 2, .sections = {}}, absl::MakeSpan(out)).ok());
  EXPECT_EQ((*sale)->SeatLabel(out[0]), "S0 R1-25");
  EXPECT_EQ((*sale)->SeatLabel(out[1]), "S0 R1-26");
}

}  // namespace
}  // namespace holdfast
