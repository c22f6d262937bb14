// Seat claims by compare-and-swap on bitmap words, and the best-available
// search: rows best first, in a row the run nearest the centre.
#include "lib/internal/seat_table.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"

namespace holdfast::internal {
namespace {

uint64_t BitsOf(const std::vector<int>& numbers, int first_number, uint32_t word_in_row) {
  uint64_t bits = 0;
  for (int number : numbers) {
    const int pos = number - first_number - static_cast<int>(word_in_row) * 64;
    if (pos >= 0 && pos < 64) bits |= uint64_t{1} << pos;
  }
  return bits;
}

// Twice the distance of row position `pos` from the row's centre: integers,
// so a row of even length has no half-seat centre.
int64_t Distance2(int64_t pos, int64_t seat_count) { return std::abs(2 * pos - (seat_count - 1)); }

}  // namespace

bool ParseSeatNumber(absl::string_view text, int64_t& number) {
  const bool negative = !text.empty() && text[0] == '-';
  const absl::string_view digits = negative ? text.substr(1) : text;
  // At most 10 digits (INT_MAX has 10), no leading zero but "0" itself, and
  // no "-0": what absl::StrCat writes for an int, and nothing else.
  if (digits.empty() || digits.size() > 10) return false;
  if (digits[0] == '0' && (digits.size() > 1 || negative)) return false;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  value = negative ? -value : value;
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    return false;
  }
  number = value;
  return true;
}

SeatTable::SeatTable(const SeatMapConfig& map) {
  for (uint32_t s = 0; s < map.sections.size(); ++s) {
    for (const RowConfig& config : map.sections[s].rows) {
      Row row{s,
              map.sections[s].type,
              config.rank != 0 ? config.rank : static_cast<int>(rows_.size()) + 1,
              static_cast<uint32_t>(word_count_),
              static_cast<uint32_t>(config.seat_count),
              seat_count_,
              config.first_number};
      rows_.push_back(row);
      word_count_ += (row.seat_count + 63) / 64;
      seat_count_ += row.seat_count;
    }
  }
  words_.reset(new Word[std::max<size_t>(word_count_, 1)]);
  row_of_word_.reset(new uint32_t[std::max<size_t>(word_count_, 1)]);
  owners_.reset(new Atomic<uint32_t>[std::max<SeatId>(seat_count_, 1)]);
  // Relaxed: nothing is shared until Create returns the sale.
  for (SeatId i = 0; i < seat_count_; ++i) owners_[i].store(0, std::memory_order_relaxed);
  size_t index = 0;
  for (const SectionConfig& section : map.sections) {
    for (const RowConfig& config : section.rows) {
      const Row& row = rows_[index];
      for (uint32_t w = 0; w * 64 < row.seat_count; ++w) {
        row_of_word_[row.first_word + w] = static_cast<uint32_t>(index);
        words_[row.first_word + w].accessible = BitsOf(config.accessible, config.first_number, w);
        words_[row.first_word + w].restricted = BitsOf(config.restricted, config.first_number, w);
      }
      ++index;
    }
  }
  rows_by_rank_.resize(rows_.size());
  for (uint32_t r = 0; r < rows_.size(); ++r) rows_by_rank_[r] = r;
  std::stable_sort(rows_by_rank_.begin(), rows_by_rank_.end(),
                   [this](uint32_t a, uint32_t b) { return rows_[a].rank < rows_[b].rank; });
}

bool SeatTable::Locate(SeatId seat, uint32_t& word, uint32_t& bit) const {
  if (seat >= seat_count_) return false;
  const auto it = std::upper_bound(rows_.begin(), rows_.end(), seat,
                                   [](SeatId s, const Row& row) { return s < row.first_seat; });
  const Row& row = *(it - 1);
  const uint32_t pos = seat - row.first_seat;
  word = row.first_word + pos / 64;
  bit = pos % 64;
  return true;
}

SeatId SeatTable::SeatAt(uint32_t word, uint32_t bit) const {
  const Row& row = rows_[row_of_word_[word]];
  return row.first_seat + (word - row.first_word) * 64 + bit;
}

uint64_t SeatTable::ValidMask(uint32_t word) const {
  const Row& row = rows_[row_of_word_[word]];
  const uint32_t seats = std::min<uint32_t>(64, row.seat_count - (word - row.first_word) * 64);
  return seats == 64 ? ~uint64_t{0} : (uint64_t{1} << seats) - 1;
}

uint64_t SeatTable::FreeMask(uint32_t word, uint64_t taken,
                             const BestAvailableRequest& request) const {
  uint64_t free = ValidMask(word) & ~taken;
  if (request.accessible_only) free &= words_[word].accessible;
  if (!request.allow_restricted) free &= ~words_[word].restricted;
  return free;
}

bool SeatTable::TryTake(SeatRun run, SeatId& taken) {
  const uint64_t mask = MaskOf(run);
  Atomic<uint64_t>& word = words_[run.word].taken;
  // Relaxed load: the compare-and-swap validates it.
  uint64_t seen = word.load(std::memory_order_relaxed);
  do {
    if ((seen & mask) != 0) {
      taken = SeatAt(run.word, static_cast<uint32_t>(std::countr_zero(seen & mask)));
      return false;
    }
    // acq_rel: see Word::taken.
  } while (!word.compare_exchange_weak(seen, seen | mask, std::memory_order_acq_rel,
                                       std::memory_order_relaxed));
  return true;
}

void SeatTable::Give(SeatRun run) {
  const SeatId first = SeatAt(run.word, run.first);
  // Relaxed: owner words are informational, see owners_.
  for (uint32_t i = 0; i < run.count; ++i) owners_[first + i].store(0, std::memory_order_relaxed);
  // acq_rel: see Word::taken.
  words_[run.word].taken.fetch_and(~MaskOf(run), std::memory_order_acq_rel);
}

void SeatTable::SetHolder(SeatRun run, uint32_t slot) {
  const SeatId first = SeatAt(run.word, run.first);
  // Relaxed: owner words are informational, see owners_.
  for (uint32_t i = 0; i < run.count; ++i) {
    owners_[first + i].store(slot + 1, std::memory_order_relaxed);
  }
}

void SeatTable::MarkSold(SeatRun run, uint32_t buyer_index) {
  const SeatId first = SeatAt(run.word, run.first);
  // Relaxed: published by the release on `sold` below.
  for (uint32_t i = 0; i < run.count; ++i) {
    owners_[first + i].store(kOwnerSold | (buyer_index + 1), std::memory_order_relaxed);
  }
  // Release pairs with the acquire in Read: a reader that sees the sold bit
  // sees the owner word above.
  words_[run.word].sold.fetch_or(MaskOf(run), std::memory_order_release);
}

bool SeatTable::InSections(uint32_t row, const BestAvailableRequest& request) const {
  if (request.sections.empty()) return true;
  return std::find(request.sections.begin(), request.sections.end(),
                   static_cast<int>(rows_[row].section)) != request.sections.end();
}

SeatTable::Candidate SeatTable::BestInRow(uint32_t row_index, int count, bool allow_orphans,
                                          const BestAvailableRequest& request) const {
  const Row& row = rows_[row_index];
  Candidate best;
  const uint32_t words = (row.seat_count + 63) / 64;
  for (uint32_t w = row.first_word; w < row.first_word + words; ++w) {
    // Acquire pairs with the acq_rel claims and returns of the word.
    const uint64_t taken = words_[w].taken.load(std::memory_order_acquire);
    const uint64_t free = FreeMask(w, taken, request);
    uint64_t starts = free;
    for (int i = 1; i < count && starts != 0; ++i) starts &= free >> i;
    if (starts == 0) continue;
    // The seats next to a run may lie in the neighbouring words of the row:
    // the orphan rule looks at them too (a run at bit 0 can strand the last
    // seat of the previous word). Acquire: as above. The neighbours are read
    // once, like `taken`: the choice is made on these readings, and only
    // `taken` is checked again by the claim (orphans are a preference, not an
    // invariant).
    const uint64_t open = ValidMask(w) & ~taken;  // free, whatever the filters
    const uint64_t open_before =
        w == row.first_word
            ? 0
            : ValidMask(w - 1) & ~words_[w - 1].taken.load(std::memory_order_acquire);
    const uint64_t open_after =
        w + 1 == row.first_word + words
            ? 0
            : ValidMask(w + 1) & ~words_[w + 1].taken.load(std::memory_order_acquire);
    for (; starts != 0; starts &= starts - 1) {
      const int s = std::countr_zero(starts);
      const int e = s + count;  // the seat just after the run
      const uint64_t left_open =
          open & ~MaskOf({w, static_cast<uint32_t>(s), static_cast<uint32_t>(count)});
      // Whether bit `bit` of this word (-64 .. 127: the neighbours' bits
      // too) is a free seat of the row once the run is taken.
      auto is_open = [&](int bit) {
        if (bit < 0) return ((open_before >> (bit + 64)) & 1) != 0;
        if (bit > 63) return ((open_after >> (bit - 64)) & 1) != 0;
        return ((left_open >> bit) & 1) != 0;
      };
      const bool orphan = (is_open(s - 1) && !is_open(s - 2)) || (is_open(e) && !is_open(e + 1));
      if (orphan && !allow_orphans) continue;
      int64_t score = 0;
      for (int i = s; i < e; ++i) score += Distance2((w - row.first_word) * 64 + i, row.seat_count);
      if (best.score < 0 || score < best.score) {
        best = Candidate{row_index, w, static_cast<uint32_t>(s), taken, score};
      }
    }
  }
  return best;
}

bool SeatTable::TakeAdjacent(const BestAvailableRequest& request, SeatRun& run) {
  for (int pass = 0; pass < 2; ++pass) {
    const bool allow_orphans = pass == 1 || !request.avoid_orphans;
    for (uint32_t row : rows_by_rank_) {
      if (!InSections(row, request)) continue;
      for (;;) {
        const Candidate c = BestInRow(row, request.count, allow_orphans, request);
        if (c.score < 0) break;
        run = SeatRun{c.word, c.first, static_cast<uint32_t>(request.count)};
        uint64_t expected = c.taken;
        // acq_rel: see Word::taken. A failure means another thread changed
        // the word: look at the row again.
        if (words_[c.word].taken.compare_exchange_strong(expected, c.taken | MaskOf(run),
                                                         std::memory_order_acq_rel,
                                                         std::memory_order_relaxed)) {
          return true;
        }
      }
    }
    if (allow_orphans) break;
  }
  return false;
}

int SeatTable::FreeInRow(uint32_t row_index, const BestAvailableRequest& request) const {
  const Row& row = rows_[row_index];
  int free = 0;
  for (uint32_t w = row.first_word; (w - row.first_word) * 64 < row.seat_count; ++w) {
    // Acquire: see BestInRow.
    free += std::popcount(FreeMask(w, words_[w].taken.load(std::memory_order_acquire), request));
  }
  return free;
}

bool SeatTable::ChooseSplitRows(const BestAvailableRequest& request, uint32_t* chosen, int max,
                                int& count) const {
  count = 0;
  // One row if any has enough free seats: the best-ranked of them.
  for (uint32_t r : rows_by_rank_) {
    if (InSections(r, request) && FreeInRow(r, request) >= request.count) {
      chosen[count++] = r;
      return true;
    }
  }
  // Else the rows with the most free seats (the better rank on a tie) until
  // they add up: the fewest rows that can hold the request.
  int total = 0;
  while (total < request.count && count < max) {
    int best_free = 0;
    uint32_t best = 0;
    for (uint32_t r : rows_by_rank_) {
      if (!InSections(r, request) || std::find(chosen, chosen + count, r) != chosen + count) {
        continue;
      }
      const int free = FreeInRow(r, request);
      if (free > best_free) {
        best_free = free;
        best = r;
      }
    }
    if (best_free == 0) return false;
    chosen[count++] = best;
    total += best_free;
  }
  return total >= request.count;
}

bool SeatTable::LongestRunInRow(uint32_t row_index, int limit, const BestAvailableRequest& request,
                                Candidate& best, uint32_t& length) const {
  const Row& row = rows_[row_index];
  length = 0;
  for (uint32_t w = row.first_word; (w - row.first_word) * 64 < row.seat_count; ++w) {
    // Acquire: see BestInRow.
    const uint64_t taken = words_[w].taken.load(std::memory_order_acquire);
    for (uint64_t free = FreeMask(w, taken, request); free != 0;) {
      const int s = std::countr_zero(free);
      const int run = std::countr_one(free >> s);
      free &= run + s >= 64 ? 0 : ~uint64_t{0} << (s + run);
      const auto take = static_cast<uint32_t>(std::min(run, limit));
      if (take > length) {
        // The part of the free run nearest the centre.
        const int centre = static_cast<int>(row.seat_count / 2) -
                           static_cast<int>((w - row.first_word) * 64) - static_cast<int>(take / 2);
        const int first = std::clamp(centre, s, s + run - static_cast<int>(take));
        best = Candidate{row_index, w, static_cast<uint32_t>(first), taken, 0};
        length = take;
      }
    }
  }
  return length > 0;
}

Outcome SeatTable::TakeSplit(const BestAvailableRequest& request, SeatRun* runs, int runs_max,
                             int& run_count) {
  for (;;) {
    uint32_t chosen[kLinesPerHoldMax];
    int rows = 0;
    if (!ChooseSplitRows(request, chosen, std::min(runs_max, kLinesPerHoldMax), rows)) {
      return Outcome::kNoAdjacentSeats;
    }
    // Best rank first (an insertion sort: at most kLinesPerHoldMax rows).
    for (int i = 1; i < rows; ++i) {
      for (int j = i; j > 0 && rows_[chosen[j]].rank < rows_[chosen[j - 1]].rank; --j) {
        std::swap(chosen[j], chosen[j - 1]);
      }
    }
    int remaining = request.count;
    bool conflict = false;
    for (int i = 0; i < rows && remaining > 0 && !conflict; ++i) {
      Candidate c;
      uint32_t length;
      while (remaining > 0 && run_count < runs_max &&
             LongestRunInRow(chosen[i], remaining, request, c, length)) {
        const SeatRun run{c.word, c.first, length};
        uint64_t expected = c.taken;
        // acq_rel: see Word::taken. A failure means another thread took
        // seats here: give everything back and choose again.
        if (!words_[c.word].taken.compare_exchange_strong(expected, c.taken | MaskOf(run),
                                                          std::memory_order_acq_rel,
                                                          std::memory_order_relaxed)) {
          conflict = true;
          break;
        }
        runs[run_count++] = run;
        remaining -= static_cast<int>(length);
      }
    }
    if (remaining == 0) return Outcome::kOk;
    for (int i = 0; i < run_count; ++i) Give(runs[i]);
    run_count = 0;
    // Without a conflict the seats were there but too scattered for the
    // hold's slot lines.
    if (!conflict) return Outcome::kNoAdjacentSeats;
  }
}

Outcome SeatTable::TakeBest(const BestAvailableRequest& request, SeatRun* runs, int runs_max,
                            int& run_count) {
  run_count = 0;
  if (request.count <= 64 && TakeAdjacent(request, runs[0])) {
    run_count = 1;
    return Outcome::kOk;
  }
  if (!request.allow_split) return Outcome::kNoAdjacentSeats;
  return TakeSplit(request, runs, runs_max, run_count);
}

bool SeatTable::Read(SeatId seat, SeatStatus& status, uint32_t& owner) const {
  uint32_t word, bit;
  if (!Locate(seat, word, bit)) return false;
  // Acquire pairs with MarkSold's release: the owner word is the buyer's.
  const uint64_t sold = words_[word].sold.load(std::memory_order_acquire);
  const uint64_t taken = words_[word].taken.load(std::memory_order_acquire);
  owner = owners_[seat].load(std::memory_order_relaxed);
  if ((sold >> bit) & 1) {
    status = SeatStatus::kSold;
  } else {
    status = (taken >> bit) & 1 ? SeatStatus::kHeld : SeatStatus::kFree;
  }
  return true;
}

void SeatTable::Snapshot(uint64_t* held, uint64_t* sold) const {
  std::fill(held, held + (seat_count_ + 63) / 64, 0);
  std::fill(sold, sold + (seat_count_ + 63) / 64, 0);
  for (const Row& row : rows_) {
    for (uint32_t pos = 0; pos < row.seat_count; pos += 64) {
      const uint32_t w = row.first_word + pos / 64;
      // Acquire: a consistent view of each word; words are read one by one,
      // so the snapshot is per word, not of the whole map at one instant.
      const uint64_t s = words_[w].sold.load(std::memory_order_acquire);
      const uint64_t t = words_[w].taken.load(std::memory_order_acquire);
      for (uint32_t bit = 0; bit < 64 && pos + bit < row.seat_count; ++bit) {
        const SeatId seat = row.first_seat + pos + bit;
        const uint64_t one = uint64_t{1} << (seat % 64);
        if ((s >> bit) & 1) {
          sold[seat / 64] |= one;
        } else if ((t >> bit) & 1) {
          held[seat / 64] |= one;
        }
      }
    }
  }
}

SeatId SeatTable::Find(absl::string_view label, const SeatMapConfig& map) const {
  // "SECTION ROW-NUMBER": the section name may hold spaces and the row label
  // dashes, so match each row's own "SECTION LABEL-" prefix; the number must
  // be written exactly as Label writes it (the label rules of seat_map.h make
  // at most one row match then).
  size_t index = 0;
  for (const SectionConfig& s : map.sections) {
    const bool section_matches = label.size() > s.name.size() + 1 &&
                                 label.substr(0, s.name.size()) == s.name &&
                                 label[s.name.size()] == ' ';
    const absl::string_view rest = section_matches ? label.substr(s.name.size() + 1) : "";
    for (const RowConfig& r : s.rows) {
      int64_t number = 0;
      if (section_matches && rest.size() > r.label.size() + 1 &&
          rest.substr(0, r.label.size()) == r.label && rest[r.label.size()] == '-' &&
          ParseSeatNumber(rest.substr(r.label.size() + 1), number)) {
        // 64-bit: the difference of two ints may not fit in one.
        const int64_t pos = number - r.first_number;
        if (pos >= 0 && pos < r.seat_count) {
          return rows_[index].first_seat + static_cast<SeatId>(pos);
        }
      }
      ++index;
    }
  }
  return kNoSeat;
}

std::string SeatTable::Label(SeatId seat, const SeatMapConfig& map) const {
  if (seat >= seat_count_) return "";
  const auto it = std::upper_bound(rows_.begin(), rows_.end(), seat,
                                   [](SeatId s, const Row& row) { return s < row.first_seat; });
  const auto index = static_cast<size_t>(it - rows_.begin()) - 1;
  size_t i = 0;
  for (const SectionConfig& s : map.sections) {
    for (const RowConfig& r : s.rows) {
      if (i++ == index) {
        // 64-bit: validation keeps the sum in an int, this keeps it defined.
        return absl::StrCat(s.name, " ", r.label, "-",
                            int64_t{r.first_number} + (seat - rows_[index].first_seat));
      }
    }
  }
  return "";
}

size_t SeatTable::StateBytes() const {
  return seat_count_ * sizeof(Atomic<uint32_t>) + word_count_ * sizeof(Word);
}

size_t SeatTable::MemoryBytes() const {
  return StateBytes() + word_count_ * sizeof(uint32_t) + rows_.size() * sizeof(Row) +
         rows_by_rank_.size() * sizeof(uint32_t);
}

}  // namespace holdfast::internal
