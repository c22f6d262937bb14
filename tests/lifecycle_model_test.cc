// Model checking of the hold life cycle's compare-and-swap protocol: runs spin on
// tests/model/hold_lifecycle.pml (Confirm, Release, Extend, a sweeper, a moving clock and the
// slot's reuse by the next generation, racing over one hold) and requires an exhaustive search
// with no assertion violation and no invalid end state; then checks that the same search does
// find the bug when the compare-and-swap is split into a check and a write (-DBROKEN_CAS).
// Skipped where spin is not installed (scripts/setup.sh installs it).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

// Runs spin -a, cc and pan in a scratch directory; returns pan's report ("" if a step failed).
std::string RunSpin(const std::string& defines) {
  const std::filesystem::path model =
      std::filesystem::path(HOLDFAST_SOURCE_DIR) / "tests" / "model" / "hold_lifecycle.pml";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("holdfast_spin_" + std::to_string(::getpid()) + (defines.empty() ? "" : "_broken"));
  std::filesystem::create_directories(dir);
  const std::string report = (dir / "pan.out").string();
  const std::string command = "cd '" + dir.string() + "' && spin " + defines + " -a '" +
                              model.string() + "' >/dev/null && cc -O2 -w -DSAFETY -DCOLLAPSE " +
                              "-o pan pan.c && ./pan -m100000 > '" + report + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(report);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove_all(dir);
  return status == 0 || !text.str().empty() ? text.str() : "";
}

bool SpinInstalled() { return std::system("command -v spin >/dev/null 2>&1") == 0; }

TEST(LifecycleModelTest, EveryInterleavingKeepsTheInvariants) {
  if (!SpinInstalled()) GTEST_SKIP() << "spin is not installed (apt-get install spin)";
  const std::string report = RunSpin("");
  ASSERT_FALSE(report.empty()) << "spin, cc or pan failed to run";
  EXPECT_NE(report.find("errors: 0"), std::string::npos) << report;
  EXPECT_NE(report.find("invalid end states\t+"), std::string::npos) << report;
  // An exhaustive search: pan says so when the search was cut by its depth bound.
  EXPECT_EQ(report.find("max search depth too small"), std::string::npos) << report;
  const size_t stored = report.find("states, stored");
  ASSERT_NE(stored, std::string::npos) << report;
  std::printf("%s\n", report
                          .substr(report.rfind('\n', report.rfind('\n', stored) - 1) + 1,
                                  report.find("hash conflicts") -
                                      report.rfind('\n', report.rfind('\n', stored) - 1) - 1)
                          .c_str());
}

TEST(LifecycleModelTest, ASplitCompareAndSwapIsCaught) {
  if (!SpinInstalled()) GTEST_SKIP() << "spin is not installed (apt-get install spin)";
  const std::string report = RunSpin("-DBROKEN_CAS");
  ASSERT_FALSE(report.empty()) << "spin, cc or pan failed to run";
  EXPECT_NE(report.find("assertion violated"), std::string::npos) << report;
  EXPECT_EQ(report.find("errors: 0"), std::string::npos) << report;
}

}  // namespace
