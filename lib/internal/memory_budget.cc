// Reads what memory the process can really get: /proc, the memory cgroup and
// the resource limits (see memory_budget.h).
#include "lib/internal/memory_budget.h"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace holdfast::internal {
namespace {

// Limits at or above this are "no limit" spelled as a number (cgroup v1
// writes 2^63 rounded down to a page).
constexpr uint64_t kUnlimited = uint64_t{1} << 62;

// The whole of a small file, or nullopt if it cannot be read.
std::optional<std::string> ReadFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "re");
  if (file == nullptr) return std::nullopt;
  std::string text;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return std::nullopt;
  return text;
}

std::string_view TrimSpaces(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(" \t\n");
  return text.substr(first, last - first + 1);
}

// A whole decimal number, nothing else.
std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// The line of `text` that starts with `prefix`, without the prefix; empty
// optional when none does.
std::optional<std::string_view> LineAfter(std::string_view text, std::string_view prefix) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (line.substr(0, prefix.size()) == prefix) return line.substr(prefix.size());
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> Min(std::optional<uint64_t> a, std::optional<uint64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// The headroom of one cgroup directory: limit - usage + reclaimable page
// cache, or nullopt when it has no limit (or none readable).
std::optional<uint64_t> HeadroomAt(const std::string& dir, const char* limit_file,
                                   const char* usage_file, const char* inactive_file_key) {
  const std::optional<std::string> limit_text = ReadFile(dir + "/" + limit_file);
  if (!limit_text) return std::nullopt;
  const std::optional<uint64_t> limit = ParseCgroupNumber(*limit_text);
  if (!limit) return std::nullopt;
  const std::optional<std::string> usage_text = ReadFile(dir + "/" + usage_file);
  const std::optional<uint64_t> usage = usage_text ? ParseCgroupNumber(*usage_text) : std::nullopt;
  if (!usage) return std::nullopt;
  uint64_t reclaimable = 0;
  if (const std::optional<std::string> stat = ReadFile(dir + "/memory.stat")) {
    reclaimable = ParseStatField(*stat, inactive_file_key).value_or(0);
  }
  const uint64_t used = *usage - std::min(*usage, reclaimable);
  return *limit > used ? *limit - used : 0;
}

// The smallest headroom over `root` + `path` and each ancestor up to `root`.
std::optional<uint64_t> HierarchyHeadroom(const std::string& root, std::string path,
                                          const char* limit_file, const char* usage_file,
                                          const char* inactive_file_key) {
  std::optional<uint64_t> headroom;
  while (true) {
    while (!path.empty() && path.back() == '/') path.pop_back();
    headroom = Min(headroom, HeadroomAt(root + path, limit_file, usage_file, inactive_file_key));
    if (path.empty()) return headroom;
    path.erase(path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
  }
}

std::optional<uint64_t> CgroupHeadroom() {
  const std::optional<std::string> cgroups = ReadFile("/proc/self/cgroup");
  if (!cgroups) return std::nullopt;
  std::optional<uint64_t> headroom;
  if (const std::optional<std::string> path = ParseCgroupPath(*cgroups, "")) {
    // Unified (v2) hierarchy: mounted at /sys/fs/cgroup, or at
    // /sys/fs/cgroup/unified on a hybrid system.
    const std::string root =
        ReadFile("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
    headroom = Min(headroom,
                   HierarchyHeadroom(root, *path, "memory.max", "memory.current", "inactive_file"));
  }
  if (const std::optional<std::string> path = ParseCgroupPath(*cgroups, "memory")) {
    headroom =
        Min(headroom, HierarchyHeadroom("/sys/fs/cgroup/memory", *path, "memory.limit_in_bytes",
                                        "memory.usage_in_bytes", "total_inactive_file"));
  }
  return headroom;
}

std::optional<uint64_t> SoftLimit(int resource) {
  rlimit limit{};
  if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return static_cast<uint64_t>(limit.rlim_cur);
}

// `limit` - `used` when both are known (0 when past it); nullopt otherwise.
std::optional<uint64_t> Headroom(std::optional<uint64_t> limit, std::optional<uint64_t> used) {
  if (!limit || !used) return std::nullopt;
  return *limit > *used ? *limit - *used : 0;
}

}  // namespace

bool MemoryFiguresCanHold(const MemoryFigures& figures, size_t bytes) {
  const uint64_t wanted = bytes;
  for (const std::optional<uint64_t> headroom :
       {figures.mem_available, figures.cgroup_headroom,
        Headroom(figures.rlimit_as, figures.address_space_used),
        Headroom(figures.rlimit_data, figures.data_used)}) {
    if (headroom && wanted > *headroom) return false;
  }
  return true;
}

MemoryFigures ReadMemoryFigures() {
  MemoryFigures figures;
  if (const std::optional<std::string> meminfo = ReadFile("/proc/meminfo")) {
    figures.mem_available = ParseKilobyteField(*meminfo, "MemAvailable");
  }
  figures.cgroup_headroom = CgroupHeadroom();
  figures.rlimit_as = SoftLimit(RLIMIT_AS);
  figures.rlimit_data = SoftLimit(RLIMIT_DATA);
  if (figures.rlimit_as || figures.rlimit_data) {
    if (const std::optional<std::string> status = ReadFile("/proc/self/status")) {
      figures.address_space_used = ParseKilobyteField(*status, "VmSize");
      figures.data_used = ParseKilobyteField(*status, "VmData");
    }
  }
  return figures;
}

bool MemoryCanHold(size_t bytes) { return MemoryFiguresCanHold(ReadMemoryFigures(), bytes); }

std::optional<uint64_t> ParseKilobyteField(std::string_view text, std::string_view key) {
  const std::string prefix = std::string(key) + ":";
  const std::optional<std::string_view> rest = LineAfter(text, prefix);
  if (!rest) return std::nullopt;
  std::string_view value = TrimSpaces(*rest);
  if (value.size() < 3 || value.substr(value.size() - 3) != " kB") return std::nullopt;
  const std::optional<uint64_t> kilobytes =
      ParseNumber(TrimSpaces(value.substr(0, value.size() - 3)));
  if (!kilobytes || *kilobytes > (~uint64_t{0} >> 10)) return std::nullopt;
  return *kilobytes << 10;
}

std::optional<uint64_t> ParseCgroupNumber(std::string_view text) {
  const std::optional<uint64_t> value = ParseNumber(TrimSpaces(text));
  if (!value || *value >= kUnlimited) return std::nullopt;
  return value;
}

std::optional<uint64_t> ParseStatField(std::string_view text, std::string_view key) {
  const std::optional<std::string_view> rest = LineAfter(text, std::string(key) + " ");
  if (!rest) return std::nullopt;
  return ParseNumber(TrimSpaces(*rest));
}

std::optional<std::string> ParseCgroupPath(std::string_view text, std::string_view v1_controller) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    // "ID:CONTROLLERS:PATH"; the path itself may hold colons.
    const size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    const size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, first);
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    if (path.empty() || path[0] != '/') continue;
    if (v1_controller.empty()) {
      if (id == "0" && controllers.empty()) return std::string(path);
      continue;
    }
    // A comma-separated list, e.g. "cpu,cpuacct".
    size_t from = 0;
    while (from <= controllers.size()) {
      size_t comma = controllers.find(',', from);
      if (comma == std::string_view::npos) comma = controllers.size();
      if (controllers.substr(from, comma - from) == v1_controller) return std::string(path);
      from = comma + 1;
    }
  }
  return std::nullopt;
}

}  // namespace holdfast::internal
