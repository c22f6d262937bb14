// holdfast/seat_map.h: reserved seating, described once and sold seat by seat.
//
// A seat map is sections of rows of seats. Every section sells its seats as
// units of one ticket type (its price tier), so per-buyer limits, cycles and
// quotas count seats exactly like general-admission units. Seats in a row are
// in order, so "adjacent" means consecutive in the row; rows are ranked best
// to worst, and within a row the seats nearest the centre are best.
//
//   absl::StatusOr<holdfast::SeatMapConfig> map = holdfast::ParseSeatMap(R"(
//     section Orchestra type=0
//     row A seats=20 rank=1 accessible=1,2
//     row B seats=22 rank=2 restricted=22
//   )");
//   config.types = {{.name = "orchestra", .capacity = 42}};
//   config.seat_map = *map;
//
// The text format, one directive per line ('#' starts a comment):
//   section NAME type=TYPE_INDEX
//   row LABEL seats=COUNT [first=NUMBER] [rank=RANK] [accessible=N,N-M,...]
//       [restricted=N,...]
// Seat numbers run from `first` (default 1); a seat's label is
// "SECTION ROW-NUMBER", e.g. "Orchestra A-12", the number written in decimal
// with a '-' when negative and no '+', leading zeros or spaces ("A--3" is
// seat -3 of row A). A list holds at most as many numbers as its row has seats
// (so never more than kSeatsPerRowMax); N-M is a range, -N a negative number. A
// text whose rows pass kSeatsMax seats or kSeatWordsMax words, or with more
// than kSeatWordsMax sections, is refused at the line that passes the bound,
// so the memory ParseSeatMap needs is bounded by those ceilings plus a small
// multiple of the text's length, whatever numbers the text holds.
//
// Labels are unique: ValidateConfig refuses a map in which one label could
// name two seats, so that FindSeat(SeatLabel(s)) == s for every seat s:
//   - a section name is non-empty, without control characters, and neither
//     starts nor ends with a space;
//   - a row label is non-empty, without spaces or control characters, and
//     does not end with '-' (row "A-" seat 1 and row "A" seat -1 would both
//     be "A--1"); it may hold '-' elsewhere ("A-1" seat 2 is "A-1-2");
//   - a row's seat numbers first .. first + seats - 1 all fit in an int.
#ifndef HOLDFAST_SEAT_MAP_H_
#define HOLDFAST_SEAT_MAP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "holdfast/types.h"

namespace holdfast {

// The ceilings of a seat map. Seats are kept in 64-seat bitmap words, a row
// starting on a fresh word, and a hold remembers its seats as runs inside one
// word (see lib/internal/seat_table.h).
inline constexpr int kSeatsMax = 1 << 21;      // 2 Mi seats
inline constexpr int kSeatWordsMax = 1 << 15;  // 15 bits name a word in a hold
inline constexpr int kSeatsPerRowMax = 1024;   // bounds best-available work per row
inline constexpr int kSeatsPerHoldMax = 64;    // bounds one best-available request

// One row: `seat_count` seats numbered first_number, first_number + 1, ...
struct RowConfig {
  // Non-empty, unique within its section, no spaces or control characters,
  // not ending in '-' (see the label rules above), e.g. "B".
  std::string label;
  int seat_count = 0;  // 1 .. kSeatsPerRowMax
  // The number of the row's first seat; first_number + seat_count - 1 must
  // not pass INT_MAX.
  int first_number = 1;
  // Lower is better; rows of equal rank are taken in config order. Rows with
  // rank 0 get 1 + their index in the map, i.e. config order.
  int rank = 0;
  std::vector<int> accessible;  // seat numbers with wheelchair access
  std::vector<int> restricted;  // seat numbers with a restricted view
};

// A section: rows sold as units of one ticket type.
struct SectionConfig {
  // Non-empty, unique, no control characters, no space at either end, e.g.
  // "Orchestra" or "Upper Circle".
  std::string name;
  TypeId type = 0;  // the ticket type (price tier) its seats are sold as
  std::vector<RowConfig> rows;
};

// A whole seat map. Every ticket type that a section names is a seated type:
// its capacity must equal its number of seats, and it can only be held seat
// by seat (Sale::HoldSeats, Sale::HoldBestAvailable), not as a plain line.
struct SeatMapConfig {
  std::vector<SectionConfig> sections;

  bool empty() const { return sections.empty(); }
};

// Parses the text format above. Returns InvalidArgument naming the line and
// what is wrong, e.g. "line 3: row B: seats=0 is outside [1, 1024]", and
// ResourceExhausted if the process runs out of memory (never throws). The
// map's labels and numbers are checked by ValidateConfig, not here.
absl::StatusOr<SeatMapConfig> ParseSeatMap(absl::string_view text);

// What a seat is doing now.
enum class SeatStatus : uint8_t {
  kFree = 0,
  kHeld,  // in a live hold (or one past its deadline not yet expired)
  kSold,
};

// A seat's state, for the embedding server (not for buyers: it names the
// holder).
struct SeatState {
  SeatStatus status = SeatStatus::kFree;
  // The hold that has it, when held. A sold seat names only its buyer: its
  // owner word has room for a buyer, not for a hold's slot and generation
  // (P4: at most 8 bytes a seat), and the slot is reused after the sale.
  HoldId hold;
  BuyerId buyer = 0;  // the holder or the buyer, when not free
};

// A request for the best `count` seats.
struct BestAvailableRequest {
  int count = 1;  // 1 .. kSeatsPerHoldMax and <= units_per_hold_max
  // Sections (indices into SeatMapConfig::sections) to choose from; empty
  // means every section.
  std::vector<int> sections;
  // Never leave a single free seat between taken seats or a row's end, when
  // another choice avoids it.
  bool avoid_orphans = true;
  // If no row has `count` adjacent free seats, take the best seats in as few
  // rows as possible instead of answering kNoAdjacentSeats.
  bool allow_split = false;
  bool accessible_only = false;   // only seats with wheelchair access
  bool allow_restricted = false;  // restricted-view seats may be chosen
};

}  // namespace holdfast

#endif  // HOLDFAST_SEAT_MAP_H_
