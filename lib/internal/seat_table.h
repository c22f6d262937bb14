// lib/internal/seat_table.h: the seat map at run time, as 64-seat bitmap words.
//
// Each row starts on a fresh word; a word's `taken` bit is set while its seat
// is in a hold or sold, and its `sold` bit once sold. Claiming several seats
// of one word is one compare-and-swap of `taken`, so a hold's seats in a row
// are claimed all at once or not at all. A hold remembers its seats as runs
// of consecutive seats inside one word (SeatRun), packed into its slot lines.
//
// Memory (P4): per seat a 4-byte owner word, per word 32 bytes (taken, sold
// and the two static flag masks): 4.5 bytes a seat in full words, at most 8
// for rows of 8 seats or more.
//
//   SeatTable seats(config.seat_map);
//   SeatRun run{.word = 3, .first = 10, .count = 2};
//   SeatId taken;
//   if (!seats.TryTake(run, taken)) return Outcome::kSeatTaken;
#ifndef HOLDFAST_LIB_INTERNAL_SEAT_TABLE_H_
#define HOLDFAST_LIB_INTERNAL_SEAT_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "holdfast/config.h"
#include "holdfast/seat_map.h"
#include "lib/internal/atomic.h"
#include "lib/internal/hold_slot.h"

namespace holdfast::internal {

// Consecutive seats `first` .. `first + count - 1` of word `word`.
struct SeatRun {
  uint32_t word = 0;
  uint32_t first = 0;
  uint32_t count = 0;
};

// A slot line whose type has this bit set is a seat run:
// type = flag | word (15 bits), quantity = first << 6 | (count - 1).
inline constexpr uint16_t kSeatRunFlag = 0x8000;

constexpr bool IsSeatRun(PackedLine line) { return (line.type & kSeatRunFlag) != 0; }
constexpr PackedLine PackSeatRun(SeatRun run) {
  return PackedLine{static_cast<uint16_t>(kSeatRunFlag | run.word),
                    static_cast<uint16_t>(run.first << 6 | (run.count - 1))};
}
constexpr SeatRun UnpackSeatRun(PackedLine line) {
  return SeatRun{static_cast<uint32_t>(line.type & ~kSeatRunFlag),
                 static_cast<uint32_t>(line.quantity >> 6),
                 static_cast<uint32_t>((line.quantity & 63) + 1)};
}
// Units in a slot line: a seat run's seats, or a line's quantity.
constexpr int32_t LineUnits(PackedLine line) {
  return IsSeatRun(line) ? static_cast<int32_t>((line.quantity & 63) + 1) : line.quantity;
}
constexpr uint64_t MaskOf(SeatRun run) {
  return (run.count >= 64 ? ~uint64_t{0} : ((uint64_t{1} << run.count) - 1)) << run.first;
}

// Owner word of a sold seat: the flag and the buyer's entry index + 1.
// Of a held seat: the hold's slot index + 1. Of a free seat: 0.
inline constexpr uint32_t kOwnerSold = uint32_t{1} << 31;

// The seat number of a label: true and `number` set iff `text` is exactly
// what absl::StrCat writes for an int (an optional '-', then digits without a
// leading zero; "0" but not "-0"). No '+', spaces or leading zeros.
bool ParseSeatNumber(absl::string_view text, int64_t& number);

class SeatTable {
 public:
  struct Row {
    uint32_t section = 0;
    TypeId type = 0;
    int rank = 0;
    uint32_t first_word = 0;
    uint32_t seat_count = 0;
    SeatId first_seat = 0;
    int first_number = 1;
  };

  // Builds the words of a validated map (ValidateConfig has run).
  explicit SeatTable(const SeatMapConfig& map);

  bool empty() const { return rows_.empty(); }
  SeatId seat_count() const { return seat_count_; }
  size_t word_count() const { return word_count_; }
  TypeId TypeOfWord(uint32_t word) const { return rows_[row_of_word_[word]].type; }
  const Row& row(size_t index) const { return rows_[index]; }
  size_t row_count() const { return rows_.size(); }

  // Where seat `seat` lives; false for an unknown seat.
  bool Locate(SeatId seat, uint32_t& word, uint32_t& bit) const;
  // The seat at bit `bit` of word `word`.
  SeatId SeatAt(uint32_t word, uint32_t bit) const;
  // Whether `run` holds seat `seat` (false for an unknown seat): lets a
  // reader that found a slot through an owner word check that the hold in
  // that slot, read under its state word, really has the seat.
  bool Covers(SeatRun run, SeatId seat) const {
    uint32_t word = 0, bit = 0;
    return Locate(seat, word, bit) && word == run.word && ((MaskOf(run) >> bit) & 1) != 0;
  }

  // Takes every seat of `run` or none; on false `taken` names the first seat
  // of the run found taken. Lock-free.
  bool TryTake(SeatRun run, SeatId& taken);
  // Takes the best `request.count` seats (see BestAvailableRequest) into
  // `runs` (at most `runs_max`), setting `run_count`. kOk, or
  // kNoAdjacentSeats when nothing fits. Lock-free.
  Outcome TakeBest(const BestAvailableRequest& request, SeatRun* runs, int runs_max,
                   int& run_count);
  // Gives `run` back (its owner words are cleared first).
  void Give(SeatRun run);
  // Records the seats of `run` as held by slot `slot` (for Seat queries).
  void SetHolder(SeatRun run, uint32_t slot);
  // Marks the seats of `run` sold to the buyer with entry `buyer_index`.
  void MarkSold(SeatRun run, uint32_t buyer_index);

  // Status and raw owner word of one seat; false for an unknown seat.
  bool Read(SeatId seat, SeatStatus& status, uint32_t& owner) const;
  // Bitsets by SeatId: bit i of word i / 64 is seat i. Each span needs
  // (seat_count + 63) / 64 words.
  void Snapshot(uint64_t* held, uint64_t* sold) const;

  // The seat labelled "SECTION ROW-NUMBER"; kNoSeat if there is none.
  SeatId Find(absl::string_view label, const SeatMapConfig& map) const;
  std::string Label(SeatId seat, const SeatMapConfig& map) const;

  // Bytes of seat state: owner words and bitmap words.
  size_t StateBytes() const;
  // StateBytes plus the row index (static).
  size_t MemoryBytes() const;

 private:
  struct alignas(32) Word {
    // acq_rel on claims and returns, like the stock counters: a thread that
    // takes a seat given back sees that return's history.
    Atomic<uint64_t> taken{0};
    Atomic<uint64_t> sold{0};  // only ever gains bits
    uint64_t accessible = 0;   // static after construction
    uint64_t restricted = 0;   // static after construction
  };
  struct Candidate {
    uint32_t row = 0;
    uint32_t word = 0;
    uint32_t first = 0;
    uint64_t taken = 0;  // the word's taken bits the choice was made on
    int64_t score = -1;  // < 0: none
  };

  uint64_t ValidMask(uint32_t word) const;
  uint64_t FreeMask(uint32_t word, uint64_t taken, const BestAvailableRequest& request) const;
  bool InSections(uint32_t row, const BestAvailableRequest& request) const;
  Candidate BestInRow(uint32_t row, int count, bool allow_orphans,
                      const BestAvailableRequest& request) const;
  bool TakeAdjacent(const BestAvailableRequest& request, SeatRun& run);
  // Split best available: the fewest rows that hold the request, their
  // longest free runs first.
  Outcome TakeSplit(const BestAvailableRequest& request, SeatRun* runs, int runs_max,
                    int& run_count);
  int FreeInRow(uint32_t row, const BestAvailableRequest& request) const;
  bool ChooseSplitRows(const BestAvailableRequest& request, uint32_t* chosen, int max,
                       int& count) const;
  bool LongestRunInRow(uint32_t row, int limit, const BestAvailableRequest& request,
                       Candidate& best, uint32_t& length) const;

  std::vector<Row> rows_;
  std::vector<uint32_t> rows_by_rank_;
  SeatId seat_count_ = 0;
  size_t word_count_ = 0;
  std::unique_ptr<Word[]> words_;
  std::unique_ptr<uint32_t[]> row_of_word_;
  // Informational (Seat queries): relaxed stores after the claim that
  // decides; readers validate against `taken`.
  std::unique_ptr<Atomic<uint32_t>[]> owners_;
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_SEAT_TABLE_H_
