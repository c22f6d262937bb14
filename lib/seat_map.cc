// The seat map's text format: one directive a line, refused with the line's
// number and what is wrong. Every list is bounded by what a map can hold, so
// the memory a text can make ParseSeatMap use is bounded by the text's size
// and the map ceilings, never by the numbers written in it.
#include "holdfast/seat_map.h"

#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace holdfast {
namespace {

absl::Status LineError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

// What the rows parsed so far add up to, checked against the map ceilings as
// each row arrives so that a huge text is refused before it uses the memory.
struct Totals {
  int64_t seats = 0;
  int64_t words = 0;
};

// "1,2,5-8" -> {1, 2, 5, 6, 7, 8}, appended to `out`. False for a malformed
// list; `too_long` is set (and false returned) when `out` would pass
// kSeatsPerRowMax numbers: no row has more seats, so a longer list repeats
// seats or names seats outside its row.
bool ParseNumberList(absl::string_view text, std::vector<int>& out, bool& too_long) {
  too_long = false;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    // A leading '-' is a negative number's sign, not a range's dash.
    const size_t dash = part.find('-', 1);
    int low = 0, high = 0;
    if (dash == absl::string_view::npos) {
      if (!absl::SimpleAtoi(part, &low)) return false;
      high = low;
    } else if (!absl::SimpleAtoi(part.substr(0, dash), &low) ||
               !absl::SimpleAtoi(part.substr(dash + 1), &high) || high < low) {
      return false;
    }
    // 64-bit arithmetic: high - low + 1 overflows int for a range ending at
    // INT_MAX, and so would a loop counter compared with <= high.
    const int64_t count = int64_t{high} - low + 1;
    if (count > kSeatsPerRowMax - static_cast<int64_t>(out.size())) {
      too_long = true;
      return false;
    }
    for (int64_t n = low; n <= high; ++n) out.push_back(static_cast<int>(n));
  }
  return true;
}

absl::Status ParseSection(int line, const std::vector<absl::string_view>& words,
                          SeatMapConfig& map) {
  if (words.size() != 3 || !absl::StartsWith(words[2], "type=")) {
    return LineError(line, "expected: section NAME type=TYPE_INDEX");
  }
  // Every valid section has a row and so a word of its own.
  if (map.sections.size() >= static_cast<size_t>(kSeatWordsMax)) {
    return LineError(line, absl::StrCat("section ", words[1], ": more than kSeatWordsMax = ",
                                        kSeatWordsMax, " sections"));
  }
  SectionConfig section;
  section.name = std::string(words[1]);
  if (!absl::SimpleAtoi(words[2].substr(5), &section.type)) {
    return LineError(line, absl::StrCat("section ", words[1], ": bad type"));
  }
  map.sections.push_back(std::move(section));
  return absl::OkStatus();
}

absl::Status ParseRow(int line, const std::vector<absl::string_view>& words, SeatMapConfig& map,
                      Totals& totals) {
  if (map.sections.empty()) return LineError(line, "row before any section");
  if (words.size() < 3) return LineError(line, "expected: row LABEL seats=COUNT [...]");
  RowConfig row;
  row.label = std::string(words[1]);
  for (size_t i = 2; i < words.size(); ++i) {
    const std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(words[i], '=');
    bool ok = true;
    bool too_long = false;
    if (kv.first == "seats") {
      ok = absl::SimpleAtoi(kv.second, &row.seat_count);
    } else if (kv.first == "first") {
      ok = absl::SimpleAtoi(kv.second, &row.first_number);
    } else if (kv.first == "rank") {
      ok = absl::SimpleAtoi(kv.second, &row.rank);
    } else if (kv.first == "accessible") {
      ok = ParseNumberList(kv.second, row.accessible, too_long);
    } else if (kv.first == "restricted") {
      ok = ParseNumberList(kv.second, row.restricted, too_long);
    } else {
      return LineError(line, absl::StrCat("row ", row.label, ": unknown key \"", kv.first, "\""));
    }
    if (too_long) {
      return LineError(
          line, absl::StrCat("row ", row.label, ": ", kv.first,
                             " lists more than kSeatsPerRowMax = ", kSeatsPerRowMax, " seats"));
    }
    if (!ok) {
      return LineError(line, absl::StrCat("row ", row.label, ": bad value in \"", words[i], "\""));
    }
  }
  if (row.seat_count < 1 || row.seat_count > kSeatsPerRowMax) {
    return LineError(line, absl::StrCat("row ", row.label, ": seats=", row.seat_count,
                                        " is outside [1, ", kSeatsPerRowMax, "]"));
  }
  for (const auto& [name, list] :
       {std::pair{"accessible", &row.accessible}, std::pair{"restricted", &row.restricted}}) {
    if (list->size() > static_cast<size_t>(row.seat_count)) {
      return LineError(line, absl::StrCat("row ", row.label, ": ", name, " lists ", list->size(),
                                          " seats, more than the row's ", row.seat_count));
    }
  }
  totals.seats += row.seat_count;
  totals.words += (row.seat_count + 63) / 64;
  if (totals.seats > kSeatsMax) {
    return LineError(line, absl::StrCat("row ", row.label,
                                        ": the map passes kSeatsMax = ", kSeatsMax, " seats"));
  }
  if (totals.words > kSeatWordsMax) {
    return LineError(line, absl::StrCat("row ", row.label, ": the map passes kSeatWordsMax = ",
                                        kSeatWordsMax, " seat words"));
  }
  map.sections.back().rows.push_back(std::move(row));
  return absl::OkStatus();
}

absl::StatusOr<SeatMapConfig> Parse(absl::string_view text) {
  SeatMapConfig map;
  Totals totals;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    absl::Status status;
    if (words[0] == "section") {
      status = ParseSection(line_number, words, map);
    } else if (words[0] == "row") {
      status = ParseRow(line_number, words, map, totals);
    } else {
      status = LineError(line_number, absl::StrCat("unknown directive \"", words[0], "\""));
    }
    if (!status.ok()) return status;
  }
  if (map.empty()) return absl::InvalidArgumentError("seat map: no sections");
  return map;
}

}  // namespace

absl::StatusOr<SeatMapConfig> ParseSeatMap(absl::string_view text) {
  // The ceilings bound what the map needs; a text too big for this process's
  // memory is still an answer, not an abort.
  try {
    return Parse(text);
  } catch (const std::bad_alloc&) {
  }
  // Outside the handler, the exception's memory is back. A message needs an
  // allocation too; without the memory for it, the bare code.
  try {
    return absl::ResourceExhaustedError("seat map: out of memory");
  } catch (const std::bad_alloc&) {
    return absl::Status(absl::StatusCode::kResourceExhausted, "");
  }
}

}  // namespace holdfast
