// lib/internal/hash.h: a 64-bit mixer for the open-addressing tables.
#ifndef HOLDFAST_LIB_INTERNAL_HASH_H_
#define HOLDFAST_LIB_INTERNAL_HASH_H_

#include <bit>
#include <cstddef>
#include <cstdint>

namespace holdfast::internal {

// A bijective finalizer (splitmix64's): nearby ids land far apart.
constexpr uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The table size for `count` keys at most half full: a power of two.
constexpr size_t TableSizeFor(int64_t count) {
  return std::bit_ceil(static_cast<size_t>(count) * 2);
}

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_HASH_H_
