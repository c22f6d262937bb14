// The README's API tour, compiled and run: the code between the [tour]
// markers below must stand in README.md letter for letter, and must work.
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "holdfast/holdfast.h"

namespace {

// [tour]
int SellTwoTickets() {
  holdfast::SaleConfig config;
  config.types = {{.name = "regular", .capacity = 300}, {.name = "student", .capacity = 50}};
  config.quotas = {{.name = "hall", .capacity = 320, .types = {0, 1}}};  // 320 seats in all
  config.cycles = {{.name = "noon",
                    .opens_at = absl::Now(),
                    .allotment = 200,
                    .per_buyer_max = 4,
                    .rollover = true}};
  config.per_buyer_units_max = 6;
  config.per_buyer_holds_max = 2;
  config.hold_ttl_default = absl::Minutes(10);
  config.events_max = 1024;
  absl::StatusOr<std::unique_ptr<holdfast::Sale>> created = holdfast::Sale::Create(config);
  if (!created.ok()) return 1;  // the message names the bad field
  holdfast::Sale& sale = **created;

  const holdfast::BuyerId alice = 42;
  const holdfast::HoldLine lines[] = {{.type = 0, .quantity = 1}, {.type = 1, .quantity = 1}};
  holdfast::HoldResult hold = sale.Hold(alice, lines, {.idempotency_key = 0xC0FFEE});
  if (hold.outcome != holdfast::Outcome::kOk) return 2;  // e.g. kSoldOut, kBuyerLimit
  // ... the payment happens here; the hold expires by itself if it never comes back ...
  if (sale.Confirm(hold.id, alice) != holdfast::Outcome::kOk) return 3;  // e.g. kExpired

  holdfast::Event events[16];
  const size_t drained = sale.DrainEvents(events);  // Held, Confirmed
  const holdfast::SaleStats stats = sale.Stats();
  return drained == 2 && stats.sold_units == 2 && sale.Available(0) == 198 ? 0 : 4;
}
// [tour end]

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Between(const std::string& text, const std::string& from, const std::string& to) {
  const size_t begin = text.find(from);
  const size_t end = text.find(to, begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || end == std::string::npos) return "";
  return text.substr(begin + from.size(), end - begin - from.size());
}

TEST(ReadmeTour, RunsAndSellsTwoTickets) { EXPECT_EQ(SellTwoTickets(), 0); }

TEST(ReadmeTour, ReadmeShowsThisCode) {
  const std::string source = ReadFile(HOLDFAST_SOURCE_DIR "/tests/readme_tour_test.cc");
  const std::string readme = ReadFile(HOLDFAST_SOURCE_DIR "/README.md");
  const std::string tour = Between(source, "// [tour]\n", "// [tour end]");
  ASSERT_FALSE(tour.empty());
  EXPECT_NE(readme.find(tour), std::string::npos)
      << "README.md must show the code between the [tour] markers of this file exactly";
}

}  // namespace
