// The construction and queries of StockLedger; the claim and return
// protocol is inline in stock_ledger.h (the hot path).
#include "lib/internal/stock_ledger.h"

#include <algorithm>

namespace holdfast::internal {

StockLedger::StockLedger(const SaleConfig& config, CycleWindows& cycles)
    : cycles_(cycles),
      type_count_(config.types.size()),
      quota_count_(config.quotas.size()),
      types_(new StockCounter[std::max<size_t>(type_count_, 1)]),
      quotas_(new StockCounter[std::max<size_t>(quota_count_, 1)]),
      quotas_of_type_(type_count_) {
  // Nothing is shared until the sale is built: the counters start full.
  for (size_t t = 0; t < type_count_; ++t) types_[t].Give(config.types[t].capacity);
  for (size_t q = 0; q < quota_count_; ++q) {
    quotas_[q].Give(config.quotas[q].capacity);
    for (TypeId t : config.quotas[q].types) quotas_of_type_[t].push_back(static_cast<uint8_t>(q));
  }
}

int64_t StockLedger::Available(TypeId type) const {
  int64_t available = types_[type].Load();
  for (uint8_t q : quotas_of_type_[type]) available = std::min(available, quotas_[q].Load());
  return available;
}

size_t StockLedger::MemoryBytes() const {
  return (type_count_ + quota_count_) * sizeof(StockCounter);
}

}  // namespace holdfast::internal
