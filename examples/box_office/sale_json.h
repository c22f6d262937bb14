// sale_json.h: the sale's configuration as JSON, and the sale's availability as JSON.
//
// The server reads its holdfast::SaleConfig from a JSON file (or uses DefaultSaleJson()), so
// an organiser edits data, not code. Durations are seconds; instants are RFC 3339 strings,
// or "now", or "now+90s" / "now-1h" (a Go-style duration after now) for demos and tests:
//
//   {"types": [{"name": "regular", "capacity": 400}, {"name": "student", "capacity": 100}],
//    "quotas": [{"name": "hall", "capacity": 450, "types": ["regular", "student"]}],
//    "cycles": [{"name": "noon", "opens_at": "now", "allotment": 450, "per_buyer_max": 4}],
//    "per_buyer_units_max": 4, "per_buyer_holds_max": 2, "hold_ttl_default_seconds": 300}
//
// Every other SaleConfig field has the same name (holds_max, buyers_max, ...). An unknown
// key is an error, so a typo never silently falls back to a default.
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_SALE_JSON_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_SALE_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "holdfast/config.h"
#include "holdfast/sale.h"

namespace box_office {

// The built-in sale: 400 "regular" + 100 "student" under a 450-seat "hall" quota, one "noon"
// cycle opening at start-up, 4 units a buyer, 2 live holds a buyer, 5-minute holds.
std::string_view DefaultSaleJson();

// Parses `json` into a config; "now" is `now`. InvalidArgument names the bad field. The
// result is not yet validated by holdfast: Sale::Create does that.
absl::StatusOr<holdfast::SaleConfig> ParseSaleConfig(std::string_view json, absl::Time now);

// Reads and parses the file at `path`.
absl::StatusOr<holdfast::SaleConfig> LoadSaleConfig(const std::string& path, absl::Time now);

// GET /v1/sale's body: per type, per quota and per cycle, what is available, held and sold.
// Allocates; reads the sale's counters without stopping buyers.
std::string AvailabilityJson(const holdfast::Sale& sale);

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_SALE_JSON_H_
