// lib/internal/memory_budget.h: can this process really get N more bytes?
//
// Linux overcommits: `new` of a 2 GiB sale succeeds on a machine (or in a
// container) that has 1 GiB to give, and the process is killed by the OOM
// killer later, when the pages are touched. Sale::Create asks first, so that
// a sale too big for what the process can get is refused as ResourceExhausted
// instead:
//
//   if (!internal::MemoryCanHold(bytes)) return absl::ResourceExhaustedError(...);
//
// The figures consulted: MemAvailable in /proc/meminfo (what the kernel can
// give without swapping), the memory cgroup's limit minus its usage (cgroup
// v2 memory.max - memory.current, or v1 memory.limit_in_bytes -
// memory.usage_in_bytes, at the process's cgroup and every ancestor, page
// cache that can be dropped counted as free), and the headroom left under
// RLIMIT_AS (against VmSize) and RLIMIT_DATA (against VmData). A figure that
// cannot be read is unknown and does not refuse; with none known, the answer
// is yes. The check is advice at one instant: other allocations may race it.
#ifndef HOLDFAST_LIB_INTERNAL_MEMORY_BUDGET_H_
#define HOLDFAST_LIB_INTERNAL_MEMORY_BUDGET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace holdfast::internal {

// What the machine says, each figure in bytes; std::nullopt when unknown
// (no such file, no limit set, unparsable).
struct MemoryFigures {
  // /proc/meminfo MemAvailable.
  std::optional<uint64_t> mem_available = std::nullopt;
  // The smallest (limit - usage + reclaimable page cache) over the process's
  // memory cgroup and its ancestors that have a limit; 0 when usage is
  // already past a limit.
  std::optional<uint64_t> cgroup_headroom = std::nullopt;
  // RLIMIT_AS soft limit and the process's current address-space size
  // (VmSize); the headroom is their difference.
  std::optional<uint64_t> rlimit_as = std::nullopt;
  std::optional<uint64_t> address_space_used = std::nullopt;
  // RLIMIT_DATA soft limit and the current data segment size (VmData).
  std::optional<uint64_t> rlimit_data = std::nullopt;
  std::optional<uint64_t> data_used = std::nullopt;
};

// True when `bytes` fit every known headroom in `figures`: MemAvailable,
// the cgroup's headroom, and (when both figures of a pair are known)
// RLIMIT_AS - VmSize and RLIMIT_DATA - VmData. Unknown figures do not count.
// Pure: no system calls. Thread-safe.
bool MemoryFiguresCanHold(const MemoryFigures& figures, size_t bytes);

// Reads MemoryFigures from /proc and /sys/fs/cgroup and getrlimit. Thread-safe
// (reads files; allocates).
MemoryFigures ReadMemoryFigures();

// MemoryFiguresCanHold(ReadMemoryFigures(), bytes): whether the process can
// really get `bytes` more now. Thread-safe. Allocates; reads some small
// files, so it is for Create, not for a hot path.
bool MemoryCanHold(size_t bytes);

// The parsers ReadMemoryFigures uses, exposed for tests. Each returns
// std::nullopt when its input does not hold the figure.

// The value of a "Key:   123 kB" line of /proc/meminfo or /proc/self/status,
// in bytes.
std::optional<uint64_t> ParseKilobyteField(std::string_view text, std::string_view key);

// A cgroup file holding one number ("1073741824\n"); "max" (v2's "no
// limit") and values of 2^62 or more (v1's "no limit" is about 2^63) give
// std::nullopt.
std::optional<uint64_t> ParseCgroupNumber(std::string_view text);

// The "KEY VALUE" line `key` of a cgroup memory.stat file.
std::optional<uint64_t> ParseStatField(std::string_view text, std::string_view key);

// From /proc/self/cgroup: the cgroup v2 path (the "0::PATH" line) when
// `v1_controller` is empty, else the path of the v1 hierarchy whose
// controller list names it ("4:memory:/a/b" -> "/a/b").
std::optional<std::string> ParseCgroupPath(std::string_view text, std::string_view v1_controller);

}  // namespace holdfast::internal

#endif  // HOLDFAST_LIB_INTERNAL_MEMORY_BUDGET_H_
