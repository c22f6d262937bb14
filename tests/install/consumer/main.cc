// A program outside holdfast that builds a sale, holds, confirms and checks the
// count. It proves that the installed headers, library, CMake package and
// pkg-config file are enough to use holdfast. Prints OK and returns 0, or says
// what went wrong and returns 1.
#include <cstdio>
#include <memory>
#include <string>

#include "holdfast/holdfast.h"

static_assert(HOLDFAST_VERSION_MAJOR == 0, "this consumer was written for holdfast 0.x");

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "consumer: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  holdfast::SaleConfig config;
  config.types = {{.name = "regular", .capacity = 3}};
  absl::StatusOr<std::unique_ptr<holdfast::Sale>> sale = holdfast::Sale::Create(config);
  if (!sale.ok()) return Fail("Create: " + sale.status().ToString());

  constexpr holdfast::BuyerId kBuyer = 1;
  const holdfast::HoldLine lines[] = {{.type = 0, .quantity = 2}};
  const holdfast::HoldResult hold = (*sale)->Hold(kBuyer, lines);
  if (!hold.ok()) return Fail("Hold: " + std::string(holdfast::OutcomeName(hold.outcome)));

  const holdfast::Outcome confirmed = (*sale)->Confirm(hold.id, kBuyer);
  if (confirmed != holdfast::Outcome::kOk) {
    return Fail("Confirm: " + std::string(holdfast::OutcomeName(confirmed)));
  }

  const int64_t available = (*sale)->TypeAvailable(0);
  if (available != 1) {
    return Fail("TypeAvailable(0) is " + std::to_string(available) + ", want 1");
  }

  std::puts("OK");
  return 0;
}
