// lib/internal/sale_tags.h: the HoldId tags of the process's sales.
//
// A HoldId carries a 13-bit sale tag, so a handle of another sale is refused
// before its slot is looked at. 13 bits cannot tell apart every sale a
// process makes over its life (a ticketing platform makes thousands), so
// tags are leased: no two live sales share a tag, and a sale that reuses the
// tag of an ended one starts its slots' generations above every generation
// issued under that tag before. A HoldId of one sale therefore never names a
// hold of another, however many sales the process made (issue 10 defect 15).
//
//   std::optional<SaleTags::Lease> lease = SaleTags::Acquire();
//   if (!lease) return absl::ResourceExhaustedError(...);
//   ... slots start at lease->first_generation ...
//   SaleTags::Release(lease->tag, highest_generation_used + 1);  // at destruction
#ifndef HOLDFAST_LIB_INTERNAL_SALE_TAGS_H_
#define HOLDFAST_LIB_INTERNAL_SALE_TAGS_H_

#include <cstdint>
#include <optional>

namespace holdfast::internal {

class SaleTags {
 public:
  struct Lease {
    uint32_t tag = 0;
    uint64_t first_generation = 1;
  };
  // A tag no live sale holds, with at least half of the generation space
  // left; nullopt when none is (8,192 sales alive at once, or every tag's
  // generations mostly spent). Thread-safe; takes a lock (Create only).
  static std::optional<Lease> Acquire();
  // What the next Acquire would answer, taking nothing (for a single-threaded
  // test that predicts HoldIds, tests/fuzz/). Thread-safe.
  static std::optional<Lease> PeekNext();
  // Gives `tag` back; the next sale with it starts at `next_generation`.
  // Thread-safe; takes a lock (destruction only).
  static void Release(uint32_t tag, uint64_t next_generation);
};

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_SALE_TAGS_H_
