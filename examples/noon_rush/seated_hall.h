// seated_hall.h: the reserved-seating hall of `noon_rush --seated`, private to the example.
//
// The hall is 4 sections of 50 rows of 50 seats (10,000 seats), written in the seat map text
// format of holdfast/seat_map.h and parsed with holdfast::ParseSeatMap. Each section is a price
// tier of its own (ticket type i for section i), and row k of every section has rank k, so best
// available fills the front rows of all sections before the rows behind them. A SeatLedger
// records who bought each seat as the buyers' confirmations come in, and AuditSeats compares it
// with the sale's own view (Seat, SnapshotSeats) at the quiescent end: no seat sold twice, and
// at sell-out every seat sold exactly once.
//
//   absl::StatusOr<holdfast::SeatMapConfig> map = holdfast::ParseSeatMap(HallSeatMapText());
//   SeatLedger ledger(kHallSeats);
//   ledger.Record(seats, buyer);  // after Confirm answered kOk
//   SeatAudit audit = AuditSeats(sale, ledger);
#ifndef HOLDFAST_EXAMPLES_NOON_RUSH_SEATED_HALL_H_
#define HOLDFAST_EXAMPLES_NOON_RUSH_SEATED_HALL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "holdfast/holdfast.h"

namespace noon_rush {

inline constexpr int kHallSections = 4;
inline constexpr int kHallRows = 50;
inline constexpr int kHallSeatsPerRow = 50;
inline constexpr int64_t kHallSeats = int64_t{kHallSections} * kHallRows * kHallSeatsPerRow;
inline constexpr const char* kHallSectionNames[kHallSections] = {"Stalls", "Circle", "Balcony",
                                                                 "Gallery"};

// Row labels as a theatre writes them: A .. Z, then AA .. AZ, BA ...
inline std::string HallRowLabel(int row) {
  std::string label;
  if (row >= 26) label.push_back(static_cast<char>('A' + row / 26 - 1));
  label.push_back(static_cast<char>('A' + row % 26));
  return label;
}

// The hall in the seat map text format: section i sells as ticket type i.
inline std::string HallSeatMapText() {
  std::string text = "# noon_rush --seated: 4 sections x 50 rows x 50 seats\n";
  for (int s = 0; s < kHallSections; ++s) {
    text += "section " + std::string(kHallSectionNames[s]) + " type=" + std::to_string(s) + "\n";
    for (int r = 0; r < kHallRows; ++r) {
      text += "row " + HallRowLabel(r) + " seats=" + std::to_string(kHallSeatsPerRow) +
              " rank=" + std::to_string(r + 1) + "\n";
    }
  }
  return text;
}

// The seats of the front row (row A) of every section, by section, looked up by label once
// before the rush (FindSeat scans names and is not for the hot path). A section whose labels
// are missing yields an empty row.
inline std::vector<std::vector<holdfast::SeatId>> HallFrontRows(const holdfast::Sale& sale) {
  std::vector<std::vector<holdfast::SeatId>> rows(kHallSections);
  for (int s = 0; s < kHallSections; ++s) {
    for (int n = 1; n <= kHallSeatsPerRow; ++n) {
      const holdfast::SeatId seat = sale.FindSeat(std::string(kHallSectionNames[s]) + " " +
                                                  HallRowLabel(0) + "-" + std::to_string(n));
      if (seat == holdfast::kNoSeat) {
        rows[s].clear();
        break;
      }
      rows[s].push_back(seat);
    }
  }
  return rows;
}

// Who bought each seat, by SeatId. Thread-safe: Record is one compare-and-swap a seat.
class SeatLedger {
 public:
  explicit SeatLedger(int64_t seats)
      : seats_(seats), buyer_plus_one_(std::make_unique<std::atomic<uint64_t>[]>(seats)) {}

  // Records `seats` as bought by `buyer`; returns how many of them had a buyer already (each
  // one a seat sold twice, which holdfast must never do). An unknown seat counts as one too.
  int64_t Record(absl::Span<const holdfast::SeatId> seats, holdfast::BuyerId buyer) {
    int64_t twice = 0;
    for (holdfast::SeatId seat : seats) {
      uint64_t none = 0;
      // Relaxed: the ledger is read after the buyer threads are joined; the compare-and-swap
      // alone decides who was first.
      if (seat >= seats_ || !buyer_plus_one_[seat].compare_exchange_strong(
                                none, buyer + 1, std::memory_order_relaxed)) {
        ++twice;
      }
    }
    twice_.fetch_add(twice, std::memory_order_relaxed);
    return twice;
  }

  // The recorded buyer + 1 of `seat`, 0 if nobody bought it. Read after the join.
  uint64_t BuyerPlusOne(holdfast::SeatId seat) const {
    return buyer_plus_one_[seat].load(std::memory_order_relaxed);
  }
  int64_t seats() const { return seats_; }
  int64_t sold_twice() const { return twice_.load(std::memory_order_relaxed); }

 private:
  const int64_t seats_;
  std::unique_ptr<std::atomic<uint64_t>[]> buyer_plus_one_;
  std::atomic<int64_t> twice_{0};
};

// The sale's seats against the ledger, at a quiescent point.
struct SeatAudit {
  int64_t sold_bits = 0;     // seats SnapshotSeats reports sold
  int64_t held_bits = 0;     // seats SnapshotSeats reports held
  int64_t recorded = 0;      // seats the ledger says were bought
  int64_t sold_twice = 0;    // confirmations of a seat already bought (SeatLedger::Record)
  int64_t disagreeing = 0;   // seats whose sold bit, Seat() or buyer disagrees with the ledger
  int64_t unsold = 0;        // seats not sold (sold bit clear)
  bool snapshot_ok = false;  // SnapshotSeats accepted the spans
  std::vector<std::string> examples;
};

inline SeatAudit AuditSeats(const holdfast::Sale& sale, const SeatLedger& ledger) {
  SeatAudit audit;
  const auto seats = static_cast<int64_t>(sale.SeatCount());
  std::vector<uint64_t> held((seats + 63) / 64), sold((seats + 63) / 64);
  audit.snapshot_ok = sale.SnapshotSeats(absl::MakeSpan(held), absl::MakeSpan(sold));
  audit.sold_twice = ledger.sold_twice();
  for (int64_t s = 0; s < seats && s < ledger.seats(); ++s) {
    const auto seat = static_cast<holdfast::SeatId>(s);
    const bool bit = ((sold[s / 64] >> (s % 64)) & 1) != 0;
    const uint64_t recorded = ledger.BuyerPlusOne(seat);
    const holdfast::SeatState state = sale.Seat(seat);
    audit.sold_bits += bit ? 1 : 0;
    audit.held_bits += ((held[s / 64] >> (s % 64)) & 1) != 0 ? 1 : 0;
    audit.recorded += recorded != 0 ? 1 : 0;
    audit.unsold += bit ? 0 : 1;
    const bool sold_state = state.status == holdfast::SeatStatus::kSold;
    const bool agrees =
        bit == (recorded != 0) && sold_state == bit && (!sold_state || state.buyer + 1 == recorded);
    if (!agrees) {
      ++audit.disagreeing;
      if (audit.examples.size() < 10) {
        audit.examples.push_back(sale.SeatLabel(seat) + ": sold bit " + (bit ? "1" : "0") +
                                 ", Seat() status " +
                                 std::to_string(static_cast<int>(state.status)) + " buyer " +
                                 std::to_string(state.buyer) + ", we recorded buyer " +
                                 (recorded != 0 ? std::to_string(recorded - 1) : "none"));
      }
    }
  }
  return audit;
}

}  // namespace noon_rush

#endif  // HOLDFAST_EXAMPLES_NOON_RUSH_SEATED_HALL_H_
