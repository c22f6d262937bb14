// lib/internal/stock_ledger.h: a sale's stock counters (one per ticket type
// and quota, and the cycles' allotments) and the protocol that claims from
// them and gives back to them.
//
// A claim takes, in this fixed order: the cycle's allotment, each ticket
// type, each quota of each type (type-major). Each step is one
// compare-and-swap on a counter that never goes below zero (StockCounter),
// so no interleaving oversells (I1). When a counter is short the claim stops
// there and says how far it got; Untake gives exactly those steps back, in
// reverse. A hold's units come back (GiveLine, GiveCycle) in the reverse of
// the claim order too: quotas, then the type, then the cycle.
//
// INVARIANT (I1, per counter): capacity == available + units taken by
//   claims in flight + units of live and dead holds + units sold + units
//   on their way back, at every instant; available never goes below zero.
// Linearization: a claim takes effect at its last successful step (every
//   counter taken); a counter that is short at a step is short at that
//   instant. A return is one step per counter and is not atomic across them
//   (holdfast/sale.h, "weaker than it sounds").
//
//   StockLedger ledger(config, cycles);
//   StockLedger::Progress progress;
//   const Outcome o = ledger.Take(cycle, units, types, progress);
//   if (o != Outcome::kOk) ledger.Untake(cycle, units, types, progress);
//   ...
//   ledger.GiveLine(line);        // a hold's return, line by line,
//   ledger.GiveCycle(cycle, 4);   // then its cycle
#ifndef HOLDFAST_LIB_INTERNAL_STOCK_LEDGER_H_
#define HOLDFAST_LIB_INTERNAL_STOCK_LEDGER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/types/span.h"
#include "holdfast/config.h"
#include "holdfast/outcome.h"
#include "holdfast/types.h"
#include "lib/internal/cycle_windows.h"
#include "lib/internal/stock_counter.h"

namespace holdfast::internal {

// A ticket type's units in one hold, for the stock counters.
struct TypeUnits {
  TypeId type = 0;
  int32_t units = 0;
};

class StockLedger {
 public:
  // How far a claim got, so that it can be undone exactly.
  struct Progress {
    bool cycle = false;  // the cycle's allotment was taken
    int types = 0;       // types taken, in the claim's order
    int quotas = 0;      // (type, quota) pairs taken, type-major
  };

  // Counters at the configured capacities. `cycles` owns the cycles'
  // allotments and outlives the ledger. Not thread-safe (construction).
  StockLedger(const SaleConfig& config, CycleWindows& cycles);

  // Takes `units` from cycle `cycle` (skipped when negative), then
  // types[i].units from each type, then from each quota of each type.
  // Starts from `progress` (zero for a fresh claim). kOk when every step is
  // taken; otherwise kSoldOut (kClosed: the cycle's counter is sealed) and
  // `progress` says what is taken. Lock-free: a step retries only when
  // another thread changed its counter.
  Outcome Take(int cycle, int64_t units, absl::Span<const TypeUnits> types, Progress& progress) {
    if (cycle >= 0 && !progress.cycle) {
      if (!cycles_.counter(cycle).TryTake(units)) {
        return cycles_.counter(cycle).sealed() ? Outcome::kClosed : Outcome::kSoldOut;
      }
      progress.cycle = true;
    }
    for (; static_cast<size_t>(progress.types) < types.size(); ++progress.types) {
      const TypeUnits& t = types[progress.types];
      if (!types_[t.type].TryTake(t.units)) return Outcome::kSoldOut;
    }
    int pair = 0;
    for (const TypeUnits& t : types) {
      for (uint8_t q : quotas_of_type_[t.type]) {
        if (pair++ < progress.quotas) continue;
        if (!quotas_[q].TryTake(t.units)) return Outcome::kSoldOut;
        ++progress.quotas;
      }
    }
    return Outcome::kOk;
  }

  // Gives back exactly what `progress` says a Take with the same arguments
  // took: quotas, types, then the cycle (or its rollover). Lock-free.
  void Untake(int cycle, int64_t units, absl::Span<const TypeUnits> types,
              const Progress& progress) {
    int pair = 0;
    for (const TypeUnits& t : types) {
      for (uint8_t q : quotas_of_type_[t.type]) {
        if (pair++ < progress.quotas) quotas_[q].Give(t.units);
      }
    }
    for (int i = 0; i < progress.types; ++i) types_[types[i].type].Give(types[i].units);
    if (progress.cycle) cycles_.Give(cycle, units);
  }

  // One line of an ended hold comes back: its quotas, then its type.
  // Lock-free (wait-free: one fetch_add per counter).
  void GiveLine(const TypeUnits& line) {
    for (uint8_t q : quotas_of_type_[line.type]) quotas_[q].Give(line.units);
    types_[line.type].Give(line.units);
  }
  // The hold's cycle units come back (to a later cycle on rollover, or
  // dropped: CycleWindows::Give); after its lines. Nothing for cycle < 0.
  void GiveCycle(int cycle, int64_t units) {
    if (cycle >= 0) cycles_.Give(cycle, units);
  }

  // Units of `type` available now (its own counter). Lock-free.
  int64_t TypeAvailable(TypeId type) const { return types_[type].Load(); }
  // Units quota `quota` has left. Lock-free.
  int64_t QuotaAvailable(int quota) const { return quotas_[quota].Load(); }
  // What a one-type hold of `type` could take now: the least of its counter
  // and its quotas' (each read at its own instant). Lock-free.
  int64_t Available(TypeId type) const;

  // Bytes of the counters (P4).
  size_t MemoryBytes() const;

 private:
  CycleWindows& cycles_;
  const size_t type_count_;
  const size_t quota_count_;
  std::unique_ptr<StockCounter[]> types_;
  std::unique_ptr<StockCounter[]> quotas_;
  // quotas_of_type_[t] lists the quotas type t belongs to.
  std::vector<std::vector<uint8_t>> quotas_of_type_;
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_STOCK_LEDGER_H_
