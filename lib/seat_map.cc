// The seat map's text format: one directive a line, refused with the line's
// number and what is wrong.
#include "holdfast/seat_map.h"

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

// "1,2,5-8" -> {1, 2, 5, 6, 7, 8}.
bool ParseNumberList(absl::string_view text, std::vector<int>& out) {
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    const std::vector<absl::string_view> range = absl::StrSplit(part, '-');
    int low = 0, high = 0;
    if (range.size() == 1 && absl::SimpleAtoi(range[0], &low)) {
      high = low;
    } else if (range.size() != 2 || !absl::SimpleAtoi(range[0], &low) ||
               !absl::SimpleAtoi(range[1], &high) || high < low || high - low > 4096) {
      return false;
    }
    for (int n = low; n <= high; ++n) out.push_back(n);
  }
  return true;
}

absl::Status ParseSection(int line, const std::vector<absl::string_view>& words,
                          SeatMapConfig& map) {
  if (words.size() != 3 || !absl::StartsWith(words[2], "type=")) {
    return LineError(line, "expected: section NAME type=TYPE_INDEX");
  }
  SectionConfig section;
  section.name = std::string(words[1]);
  if (!absl::SimpleAtoi(words[2].substr(5), &section.type)) {
    return LineError(line, absl::StrCat("section ", words[1], ": bad type"));
  }
  map.sections.push_back(std::move(section));
  return absl::OkStatus();
}

absl::Status ParseRow(int line, const std::vector<absl::string_view>& words, SeatMapConfig& map) {
  if (map.sections.empty()) return LineError(line, "row before any section");
  if (words.size() < 3) return LineError(line, "expected: row LABEL seats=COUNT [...]");
  RowConfig row;
  row.label = std::string(words[1]);
  for (size_t i = 2; i < words.size(); ++i) {
    const std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(words[i], '=');
    bool ok = true;
    if (kv.first == "seats") {
      ok = absl::SimpleAtoi(kv.second, &row.seat_count);
    } else if (kv.first == "first") {
      ok = absl::SimpleAtoi(kv.second, &row.first_number);
    } else if (kv.first == "rank") {
      ok = absl::SimpleAtoi(kv.second, &row.rank);
    } else if (kv.first == "accessible") {
      ok = ParseNumberList(kv.second, row.accessible);
    } else if (kv.first == "restricted") {
      ok = ParseNumberList(kv.second, row.restricted);
    } else {
      return LineError(line, absl::StrCat("row ", row.label, ": unknown key \"", kv.first, "\""));
    }
    if (!ok) {
      return LineError(line, absl::StrCat("row ", row.label, ": bad value in \"", words[i], "\""));
    }
  }
  if (row.seat_count < 1 || row.seat_count > kSeatsPerRowMax) {
    return LineError(line, absl::StrCat("row ", row.label, ": seats=", row.seat_count,
                                        " is outside [1, ", kSeatsPerRowMax, "]"));
  }
  map.sections.back().rows.push_back(std::move(row));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SeatMapConfig> ParseSeatMap(absl::string_view text) {
  SeatMapConfig map;
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
      status = ParseRow(line_number, words, map);
    } else {
      status = LineError(line_number, absl::StrCat("unknown directive \"", words[0], "\""));
    }
    if (!status.ok()) return status;
  }
  if (map.empty()) return absl::InvalidArgumentError("seat map: no sections");
  return map;
}

}  // namespace holdfast
