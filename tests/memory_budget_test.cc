// Checks lib/internal/memory_budget: the decision is made from figures passed in (so every
// case is checked without the real machine's memory), the /proc and cgroup parsers read the
// files' real formats, and on this machine a tiny request fits while an impossible one does
// not (part of defect 11 of issue 10: Create at the maximum sizes was killed by the OOM
// killer instead of answering ResourceExhausted).
#include "lib/internal/memory_budget.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "gtest/gtest.h"

namespace holdfast::internal {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(MemoryFiguresCanHoldTest, NothingKnownMeansYes) {
  EXPECT_TRUE(MemoryFiguresCanHold({}, 0));
  EXPECT_TRUE(MemoryFiguresCanHold({}, std::numeric_limits<size_t>::max()));
}

TEST(MemoryFiguresCanHoldTest, MemAvailableBounds) {
  const MemoryFigures figures{.mem_available = 4 * kGiB};
  EXPECT_TRUE(MemoryFiguresCanHold(figures, 4 * kGiB));  // inclusive
  EXPECT_FALSE(MemoryFiguresCanHold(figures, 4 * kGiB + 1));
  EXPECT_FALSE(MemoryFiguresCanHold(figures, std::numeric_limits<size_t>::max()));
}

TEST(MemoryFiguresCanHoldTest, CgroupHeadroomBoundsBelowMemAvailable) {
  // A container limited to 1 GiB on a 64 GiB machine: the overcommit case.
  const MemoryFigures figures{.mem_available = 64 * kGiB, .cgroup_headroom = kGiB};
  EXPECT_TRUE(MemoryFiguresCanHold(figures, kGiB));
  EXPECT_FALSE(MemoryFiguresCanHold(figures, 2 * kGiB));
  EXPECT_FALSE(MemoryFiguresCanHold({.cgroup_headroom = 0}, 1));
}

TEST(MemoryFiguresCanHoldTest, RlimitHeadroomNeedsBothFigures) {
  EXPECT_FALSE(MemoryFiguresCanHold({.rlimit_as = 2 * kGiB, .address_space_used = kGiB}, kGiB + 1));
  EXPECT_TRUE(MemoryFiguresCanHold({.rlimit_as = 2 * kGiB, .address_space_used = kGiB}, kGiB));
  // Already past the limit: nothing more fits.
  EXPECT_FALSE(MemoryFiguresCanHold({.rlimit_as = kGiB, .address_space_used = 2 * kGiB}, 1));
  // A limit with no usage known is not a headroom.
  EXPECT_TRUE(MemoryFiguresCanHold({.rlimit_as = kGiB}, 2 * kGiB));
  EXPECT_FALSE(MemoryFiguresCanHold({.rlimit_data = 3 * kGiB, .data_used = kGiB}, 3 * kGiB));
  EXPECT_TRUE(MemoryFiguresCanHold({.rlimit_data = 3 * kGiB, .data_used = kGiB}, 2 * kGiB));
}

TEST(MemoryFiguresCanHoldTest, TheSmallestHeadroomDecides) {
  const MemoryFigures figures{.mem_available = 10 * kGiB,
                              .cgroup_headroom = 8 * kGiB,
                              .rlimit_as = 100 * kGiB,
                              .address_space_used = 94 * kGiB,
                              .rlimit_data = 50 * kGiB,
                              .data_used = 43 * kGiB};
  EXPECT_TRUE(MemoryFiguresCanHold(figures, 6 * kGiB));
  EXPECT_FALSE(MemoryFiguresCanHold(figures, 6 * kGiB + 1));
}

TEST(MemoryParsersTest, KilobyteField) {
  const char* meminfo =
      "MemTotal:       32768000 kB\n"
      "MemFree:         1000000 kB\n"
      "MemAvailable:   24243852 kB\n"
      "Buffers:          100 kB\n";
  EXPECT_EQ(ParseKilobyteField(meminfo, "MemAvailable"), uint64_t{24243852} * 1024);
  EXPECT_EQ(ParseKilobyteField(meminfo, "MemTotal"), uint64_t{32768000} * 1024);
  EXPECT_EQ(ParseKilobyteField(meminfo, "Buffers"), uint64_t{100} * 1024);
  EXPECT_EQ(ParseKilobyteField(meminfo, "SwapFree"), std::nullopt);
  EXPECT_EQ(ParseKilobyteField(meminfo, "Mem"), std::nullopt);  // not a prefix match
  EXPECT_EQ(ParseKilobyteField("VmSize:\t    3896 kB\nVmData:\t     428 kB\n", "VmData"),
            uint64_t{428} * 1024);
  EXPECT_EQ(ParseKilobyteField("MemAvailable: lots kB\n", "MemAvailable"), std::nullopt);
  EXPECT_EQ(ParseKilobyteField("MemAvailable: 99999999999999999999 kB\n", "MemAvailable"),
            std::nullopt);
}

TEST(MemoryParsersTest, CgroupNumber) {
  EXPECT_EQ(ParseCgroupNumber("1073741824\n"), kGiB);
  EXPECT_EQ(ParseCgroupNumber("0\n"), uint64_t{0});
  EXPECT_EQ(ParseCgroupNumber("max\n"), std::nullopt);                  // v2: no limit
  EXPECT_EQ(ParseCgroupNumber("9223372036854771712\n"), std::nullopt);  // v1: no limit
  EXPECT_EQ(ParseCgroupNumber(""), std::nullopt);
  EXPECT_EQ(ParseCgroupNumber("12 34"), std::nullopt);
}

TEST(MemoryParsersTest, StatField) {
  const char* stat = "anon 1000\nfile 5000\ninactive_file 3000\nactive_file 2000\n";
  EXPECT_EQ(ParseStatField(stat, "inactive_file"), uint64_t{3000});
  EXPECT_EQ(ParseStatField(stat, "file"), uint64_t{5000});
  EXPECT_EQ(ParseStatField(stat, "total_inactive_file"), std::nullopt);
}

TEST(MemoryParsersTest, CgroupPath) {
  const char* hybrid =
      "9:name=systemd:/\n"
      "5:devices:/\n"
      "4:memory:/process_api/f840f7\n"
      "2:cpu,cpuacct:/x\n"
      "0::/user.slice/a:b\n";
  EXPECT_EQ(ParseCgroupPath(hybrid, ""), "/user.slice/a:b");
  EXPECT_EQ(ParseCgroupPath(hybrid, "memory"), "/process_api/f840f7");
  EXPECT_EQ(ParseCgroupPath(hybrid, "cpuacct"), "/x");
  EXPECT_EQ(ParseCgroupPath(hybrid, "mem"), std::nullopt);
  EXPECT_EQ(ParseCgroupPath("0::/\n", ""), "/");
  EXPECT_EQ(ParseCgroupPath("0::/\n", "memory"), std::nullopt);
  EXPECT_EQ(ParseCgroupPath("", ""), std::nullopt);
}

// The real machine: whatever its limits, a kilobyte fits and 2^63 bytes do not (no Linux
// machine has MemAvailable that large).
TEST(MemoryCanHoldTest, OnThisMachine) {
  EXPECT_TRUE(MemoryCanHold(1024));
  const MemoryFigures figures = ReadMemoryFigures();
  ASSERT_TRUE(figures.mem_available.has_value()) << "no MemAvailable in /proc/meminfo";
  EXPECT_GT(*figures.mem_available, uint64_t{0});
  EXPECT_FALSE(MemoryCanHold(size_t{1} << 63));
  EXPECT_FALSE(MemoryCanHold(*figures.mem_available * 2 + kGiB));
}

}  // namespace
}  // namespace holdfast::internal
