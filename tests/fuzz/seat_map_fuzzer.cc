// tests/fuzz/seat_map_fuzzer.cc: the libFuzzer target of the seat-map text format. Every input
// is a seat map's text: ParseSeatMap must answer (never hang, throw or use memory out of
// proportion), and a map it accepts goes on, with a config whose ticket types are exactly the
// map's (ValidateConfig's own checks decide the rest), to ValidateConfig and Sale::Create. Of a
// sale that builds, every seat's label must name that seat again (FindSeat(SeatLabel(s)) == s,
// so no two seats share a label), a label changed the ways issue 10 found FindSeat accepting
// ("+1", "01", " 1", "-0") must name no seat, and a best-available pair must be two adjacent
// free seats. A failed check aborts with the input's map and the seat it is about.
//
//   build/ci-fuzz/tests/fuzz/seat_map_fuzzer -max_total_time=30 tests/fuzz/seat_corpus
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/sale.h"
#include "holdfast/seat_map.h"

namespace holdfast {
namespace {

[[noreturn]] void Fail(absl::string_view text, absl::string_view what) {
  std::fprintf(stderr, "seat map fuzzer: %.*s\n--- map ---\n%.*s\n--- end ---\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(text.size()),
               text.data());
  std::abort();
}

// A config whose types are the map's (type t's capacity its number of seats), as far as
// kTypesMax allows: a section naming a larger type is left for ValidateConfig to refuse.
SaleConfig ConfigFor(const SeatMapConfig& map, Clock* clock) {
  SaleConfig config;
  TypeId types = 1;
  for (const SectionConfig& section : map.sections) {
    if (section.type < static_cast<TypeId>(kTypesMax)) types = std::max(types, section.type + 1);
  }
  config.types.resize(types);
  for (TypeId t = 0; t < types; ++t) {
    config.types[t].name = absl::StrCat("tier", t);
    config.types[t].capacity = 1;  // a type of no section stays general admission
  }
  for (const SectionConfig& section : map.sections) {
    if (section.type >= types) continue;
    int64_t seats = 0;
    for (const RowConfig& row : section.rows) seats += row.seat_count;
    // The first section of a type replaces the placeholder; later ones add to it.
    if (config.types[section.type].name.back() != '*') {
      config.types[section.type].name += "*";
      config.types[section.type].capacity = 0;
    }
    config.types[section.type].capacity += seats;
  }
  config.seat_map = map;
  config.units_per_hold_max = kSeatsPerHoldMax;
  config.hold_ttl_default = absl::Minutes(10);
  config.hold_lifetime_max = absl::Minutes(30);
  config.holds_max = 64;
  config.buyers_max = 64;
  config.idempotency_keys_max = 0;
  config.clock = clock;
  return config;
}

// FindSeat scans the rows, so checking every seat of a big map costs seats x rows: past a
// budget, every row's first and last two seats and an even spread of the others.
void CheckLabels(absl::string_view text, const SeatMapConfig& map, const Sale& sale) {
  const SeatId seats = sale.SeatCount();
  std::vector<bool> edge(seats, false);
  uint64_t rows = 0;
  SeatId first = 0;
  for (const SectionConfig& section : map.sections) {
    for (const RowConfig& row : section.rows) {
      const auto count = static_cast<SeatId>(row.seat_count);
      for (SeatId i : {SeatId{0}, SeatId{1}, count - 2, count - 1}) {
        if (i < count) edge[first + i] = true;
      }
      first += count;
      ++rows;
    }
  }
  if (first != seats) Fail(text, absl::StrCat("the sale has ", seats, " seats, the map ", first));
  constexpr uint64_t kBudget = uint64_t{1} << 20;
  const uint64_t work = uint64_t{seats} * (rows + 1);
  const uint64_t stride = work <= kBudget ? 1 : work / kBudget + 1;
  for (SeatId seat = 0; seat < seats; ++seat) {
    if (!edge[seat] && seat % stride != 0) continue;
    const std::string label = sale.SeatLabel(seat);
    if (label.empty()) Fail(text, absl::StrCat("seat ", seat, " has no label"));
    if (sale.FindSeat(label) != seat) {
      Fail(text,
           absl::StrCat("FindSeat(\"", label, "\") = ", sale.FindSeat(label), ", not seat ", seat));
    }
    // The number is what follows the row's '-' (the last '-' not a negative sign).
    size_t dash = label.rfind('-');
    if (dash > 0 && label[dash - 1] == '-') --dash;
    const std::string prefix = label.substr(0, dash + 1);
    const std::string number = label.substr(dash + 1);
    const std::string digits = number[0] == '-' ? number.substr(1) : number;
    const std::string sign = number[0] == '-' ? "-" : "";
    for (const std::string& bad :
         {absl::StrCat(prefix, sign, "0", digits), absl::StrCat(prefix, " ", number),
          absl::StrCat(prefix, "+", number), absl::StrCat(label, " "),
          absl::StrCat(prefix, sign == "-" ? "" : "-", "0")}) {
      const SeatId found = sale.FindSeat(bad);
      // "-0" is nobody's label; the others must not find a seat labelled otherwise.
      if (found != kNoSeat && sale.SeatLabel(found) != bad) {
        Fail(text, absl::StrCat("FindSeat(\"", bad, "\") = seat ", found, " labelled \"",
                                sale.SeatLabel(found), "\""));
      }
    }
  }
  if (!sale.SeatLabel(seats).empty()) Fail(text, "a label past the last seat");
}

void CheckBestAvailable(absl::string_view text, Sale& sale) {
  std::vector<SeatId> out(2, kNoSeat);
  const HoldResult result =
      sale.HoldBestAvailable(1, {.count = 2, .sections = {}}, absl::MakeSpan(out));
  if (!result.ok()) {
    if (result.outcome != Outcome::kNoAdjacentSeats && result.outcome != Outcome::kSoldOut) {
      Fail(text, absl::StrCat("best 2: ", std::string(OutcomeName(result.outcome))));
    }
    return;
  }
  for (SeatId seat : out) {
    if (seat >= sale.SeatCount() || sale.Seat(seat).status != SeatStatus::kHeld ||
        sale.Seat(seat).hold.value != result.id.value) {
      Fail(text, absl::StrCat("best 2 answered kOk with seat ", seat, " not in its hold"));
    }
  }
  if (out[1] != out[0] + 1) {
    Fail(text, absl::StrCat("best 2 took seats ", out[0], " and ", out[1], ", not adjacent"));
  }
}

}  // namespace
}  // namespace holdfast

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace holdfast;  // NOLINT: the entry point is outside the namespace
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<SeatMapConfig> map = ParseSeatMap(text);
  if (!map.ok()) {
    if (map.status().code() != absl::StatusCode::kInvalidArgument) {
      Fail(text, absl::StrCat("ParseSeatMap: ", map.status().ToString()));
    }
    return 0;
  }
  ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  const SaleConfig config = ConfigFor(*map, &clock);
  const absl::Status valid = ValidateConfig(config);
  absl::StatusOr<std::unique_ptr<Sale>> sale = Sale::Create(config);
  if (sale.ok() != valid.ok()) {
    Fail(text, absl::StrCat("ValidateConfig: ", valid.ToString(),
                            "; Sale::Create: ", sale.status().ToString()));
  }
  if (!sale.ok()) return 0;
  CheckLabels(text, *map, **sale);
  CheckBestAvailable(text, **sale);
  return 0;
}
