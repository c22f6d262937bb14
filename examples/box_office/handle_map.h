// handle_map.h: the server's table from unguessable hold handles to holdfast holds.
//
// A holdfast::HoldId is a slot index and generation: safe against stale use (I8) but easy to
// guess, so the server never shows it to clients. A client gets a handle instead: 128 bits
// from getrandom(2) plus the number of the shard that owns it, written as 34 hex characters.
// The table maps a handle to (HoldId, buyer), and a HoldId back to its handle so that an
// idempotent retry of a hold returns the handle it returned the first time.
//
// Bounded and sized up front: `capacity` entries are reserved at construction (open
// addressing, absl::flat_hash_map with reserve), and a full shard first drops entries past
// their keep-until time, then, of the entries whose hold has ended (confirmed, released or
// past its deadline), the one kept longest ago, and only then refuses. So a handle is freed
// with its hold when room is needed: holds that expired (or churned) can't fill the table;
// only live holds can, and the server bounds those per buyer.
//
// Locking: each of the shards has a std::mutex. This is the server's bookkeeping, not the
// inventory: the holdfast core stays lock-free, and a shard lock is held for one hash-map
// operation, never across a holdfast call or I/O.
//
//   HandleMap handles(/*capacity=*/1 << 17);
//   HoldHandle handle;
//   if (handles.Put(hold.id, buyer, deadline_ns, keep_until_ns, now_ns, &handle) ==
//       PutResult::kFull) ...
//   std::optional<HandleEntry> entry = handles.Find(ParseHoldHandle(text));
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_HANDLE_MAP_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_HANDLE_MAP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "holdfast/types.h"

namespace box_office {

// What a client holds: 128 random bits and the shard (0 .. kHandleShards - 1).
struct HoldHandle {
  uint64_t high = 0;
  uint64_t low = 0;
  uint32_t shard = 0;

  friend bool operator==(const HoldHandle&, const HoldHandle&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const HoldHandle& handle) {
    return H::combine(std::move(h), handle.high, handle.low);
  }
};

inline constexpr uint32_t kHandleShards = 64;
inline constexpr size_t kHoldHandleChars = 34;  // 32 hex random + 2 hex shard

// 34 lowercase hex characters.
std::string FormatHoldHandle(const HoldHandle& handle);
// The handle in `text`, or nullopt if it is not 34 hex characters with a valid shard.
std::optional<HoldHandle> ParseHoldHandle(std::string_view text);

// What the server remembers of a handle.
struct HandleEntry {
  holdfast::HoldId hold;
  holdfast::BuyerId buyer = 0;
  // The hold's deadline (monotonic): past it, the entry is only kept for a late client's
  // sake and is dropped first when its shard is full.
  int64_t deadline_ns = 0;
  // The entry may be dropped after this monotonic instant: the hold's deadline plus a grace
  // (so a late client hears Expired rather than unknown), or a confirmation plus the retention
  // in which a retried confirm still answers 200.
  int64_t keep_until_ns = 0;
  bool ended = false;  // confirmed or released: may be evicted first when a shard is full
};

enum class PutResult : uint8_t {
  kNew,       // a new handle was made
  kExisting,  // the hold already had a handle (an idempotent retry); it is returned
  kFull,      // the shard is full of entries that must be kept
};

// Thread-safe: every method locks one shard for one hash-map operation (a purge scans it).
class HandleMap {
 public:
  // Reserves room for `capacity` entries, spread over kHandleShards shards. Allocates.
  explicit HandleMap(size_t capacity);

  // Maps `hold` of `buyer` to a fresh handle, or returns its existing handle. Never
  // allocates: the tables were reserved.
  PutResult Put(holdfast::HoldId hold, holdfast::BuyerId buyer, int64_t deadline_ns,
                int64_t keep_until_ns, int64_t now_ns, HoldHandle* out);

  // The entry of `handle`, or nullopt.
  std::optional<HandleEntry> Find(const HoldHandle& handle) const;

  // Updates the deadline, keep-until time and ended flag of `handle`'s entry, if it is there.
  void Update(const HoldHandle& handle, int64_t deadline_ns, int64_t keep_until_ns, bool ended);

  // Forgets `handle` (its hold was released, or holdfast no longer knows it).
  void Erase(const HoldHandle& handle);

  // Drops every entry whose keep-until time is at or before `now_ns`; returns how many.
  size_t Purge(int64_t now_ns);

  size_t size() const;
  size_t capacity() const { return shard_capacity_ * kHandleShards; }

 private:
  struct alignas(64) Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<HoldHandle, HandleEntry> by_handle;  // guarded by mu
    absl::flat_hash_map<uint64_t, HoldHandle> by_hold;       // HoldId value -> handle; mu
  };

  static uint32_t ShardOf(holdfast::HoldId hold);
  // Makes room in `shard` (locked) for one entry; false if every entry must be kept.
  bool MakeRoom(Shard& shard, int64_t now_ns);
  static void EraseLocked(Shard& shard, const HoldHandle& handle);

  size_t shard_capacity_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_HANDLE_MAP_H_
