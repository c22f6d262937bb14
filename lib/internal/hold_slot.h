// lib/internal/hold_slot.h: one hold's 64-byte slot and its packed state word.
//
// The state word decides every transition of a hold (see the table in
// holdfast/sale.h); the other fields describe the hold and are written by the
// slot's owner before the state word publishes them.
//
// State word layout (64 bits):
//
//   63                              30 29                       3 2     0
//   +---------------------------------+--------------------------+-------+
//   | deadline offset, microseconds   | generation (27 bits)     | state |
//   | after created_ns (34 bits)      |                          |       |
//   +---------------------------------+--------------------------+-------+
//
// INVARIANT1: in the live states (kHeld, kExtending) the offset is the
//   deadline. In a final state it says how far the end has got: an expiry
//   has 0 while the thread that expired the hold is still giving its units
//   back, and kEndedMark once they are all back (other ends are not waited
//   for and keep 0); any final state has kRetiredMark once the slot is
//   retired (its last generation is spent: it is never reused and expiry
//   scans pass over it).
// INVARIANT2: the generation changes only while the slot's occupied bit is
//   set by its next owner (Claiming), so a HoldId names one hold for ever.
// INVARIANT3: only the thread whose compare-and-swap took the word out of a
//   live state reads the fields (lines, cycle, buyer_index) as they were
//   published and frees the slot.
#ifndef HOLDFAST_LIB_INTERNAL_HOLD_SLOT_H_
#define HOLDFAST_LIB_INTERNAL_HOLD_SLOT_H_

#include <cstdint>

#include "holdfast/config.h"
#include "holdfast/types.h"
#include "lib/internal/atomic.h"

namespace holdfast::internal {

enum class SlotState : uint64_t {
  kFree = 0,      // no hold; the next hold here gets the word's generation
  kClaiming = 1,  // its owner is claiming stock; not a hold yet
  kHeld = 2,      // a live hold (dead once now >= deadline)
  kConfirmed = 3,
  kReleased = 4,
  kExpired = 5,
  // Live like kHeld (the deadline is still the word's offset): an Extend
  // that shortens the deadline is lowering the expiry bounds before it
  // writes the new one. Expiry scans never raise a bound past such a slot.
  kExtending = 6,
};

// A live hold: it may be confirmed, released, extended or expired.
constexpr bool IsLive(SlotState state) {
  return state == SlotState::kHeld || state == SlotState::kExtending;
}

inline constexpr int kStateBits = 3;
inline constexpr int kGenerationBits = 27;
inline constexpr int kOffsetBits = 64 - kStateBits - kGenerationBits;  // 34
inline constexpr uint64_t kGenerationMax = (uint64_t{1} << kGenerationBits) - 1;
inline constexpr uint64_t kOffsetMax = (uint64_t{1} << kOffsetBits) - 1;
static_assert(kOffsetMax >= uint64_t{4} * 3600 * 1'000'000,
              "the offset must cover kHoldLifetimeMax in microseconds");

constexpr uint64_t PackState(SlotState state, uint64_t generation, uint64_t offset_us = 0) {
  return (offset_us << (kStateBits + kGenerationBits)) | (generation << kStateBits) |
         static_cast<uint64_t>(state);
}
constexpr SlotState StateOf(uint64_t word) {
  return static_cast<SlotState>(word & ((uint64_t{1} << kStateBits) - 1));
}
constexpr uint64_t GenerationOf(uint64_t word) { return (word >> kStateBits) & kGenerationMax; }
constexpr uint64_t OffsetOf(uint64_t word) { return word >> (kStateBits + kGenerationBits); }

// The offsets of a final state word (INVARIANT1).
inline constexpr uint64_t kEndedMark = 1;
inline constexpr uint64_t kRetiredMark = 2;
constexpr bool IsRetired(uint64_t word) {
  return !IsLive(StateOf(word)) && OffsetOf(word) == kRetiredMark;
}
// An end whose units are not all back yet: the window in which a short Hold
// waits for them, a bounded time (see holdfast/sale.h).
constexpr bool IsEnding(uint64_t word) {
  return StateOf(word) == SlotState::kExpired && OffsetOf(word) == 0;
}

// A hold line as the slot stores it: a general-admission line, or a seat
// run when type has kSeatRunFlag set (see lib/internal/seat_table.h).
struct PackedLine {
  uint16_t type;
  uint16_t quantity;
};
constexpr uint32_t ToWord(PackedLine line) { return uint32_t{line.type} << 16 | line.quantity; }
constexpr PackedLine FromWord(uint32_t word) {
  return PackedLine{static_cast<uint16_t>(word >> 16), static_cast<uint16_t>(word)};
}

// One hold slot: exactly one cache line, so slots never share one (P4: 64
// bytes a slot). Fields read by threads that do not own the slot are atomics;
// the rest are plain and guarded by INVARIANT3.
struct alignas(64) Slot {
  // The state word above. Acquire loads pair with the owner's release store
  // of kHeld: whoever sees kHeld sees every field written before it.
  Atomic<uint64_t> state{PackState(SlotState::kFree, 1)};
  // Read by any thread that checks ownership; validated by re-reading state.
  Atomic<uint64_t> buyer{0};
  Atomic<uint64_t> idempotency_key{0};
  // Creation instant, nanoseconds after the sale's monotonic epoch.
  Atomic<int64_t> created_ns{0};
  int16_t cycle = -1;  // index of the cycle the hold was made in, -1 for none
  // The lines, as ToWord(PackedLine). Atomics (written relaxed before the
  // release store of kHeld) so that a query may read a live hold's seats and
  // validate them against the state word.
  Atomic<uint8_t> line_count{0};
  uint8_t reserved = 0;
  uint32_t buyer_index = 0;  // the buyer's entry in the buyer table
  Atomic<uint32_t> lines[kLinesPerHoldMax] = {};

  // The plain reads of the winner of a transition (INVARIANT3). Relaxed:
  // the acquire of the state word ordered them after the owner's writes.
  int LineCount() const { return line_count.load(std::memory_order_relaxed); }
  PackedLine Line(int i) const { return FromWord(lines[i].load(std::memory_order_relaxed)); }
};
static_assert(sizeof(Slot) == 64, "P4: a hold slot is one 64-byte cache line");

// HoldId layout: [sale tag: 13 | generation: 27 | slot index: 24].
inline constexpr int kSlotIndexBits = 24;
inline constexpr int kSaleTagBits = 64 - kGenerationBits - kSlotIndexBits;  // 13
static_assert(kHoldsMax <= (int64_t{1} << kSlotIndexBits), "every slot index fits a HoldId");
constexpr HoldId MakeHoldId(uint32_t tag, uint64_t generation, uint32_t slot) {
  return HoldId{(uint64_t{tag} << (kGenerationBits + kSlotIndexBits)) |
                (generation << kSlotIndexBits) | slot};
}
constexpr uint32_t TagOf(HoldId id) {
  return static_cast<uint32_t>(id.value >> (kGenerationBits + kSlotIndexBits));
}
constexpr uint64_t GenerationOf(HoldId id) { return (id.value >> kSlotIndexBits) & kGenerationMax; }
constexpr uint32_t SlotOf(HoldId id) {
  return static_cast<uint32_t>(id.value & ((uint64_t{1} << kSlotIndexBits) - 1));
}

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_HOLD_SLOT_H_
