// Replays the fuzz corpus (tests/fuzz/corpus/) through the differential harness without
// libFuzzer, so every build (g++, TSan, ASan) checks that holdfast and the reference model agree
// on every input the fuzzer kept, and a few fixed scenarios written out by hand below.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fuzz/sale_fuzz_harness.h"

namespace holdfast::fuzz {
namespace {

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

TEST(SaleFuzzReplayTest, EveryCorpusFileAgrees) {
  const std::filesystem::path corpus =
      std::filesystem::path(HOLDFAST_SOURCE_DIR) / "tests" / "fuzz" / "corpus";
  ASSERT_TRUE(std::filesystem::is_directory(corpus)) << corpus;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    if (!entry.is_regular_file()) continue;
    const std::vector<uint8_t> bytes = ReadFile(entry.path());
    std::string failure;
    EXPECT_TRUE(RunSaleFuzzInput(bytes.data(), bytes.size(), &failure)) << entry.path() << "\n"
                                                                        << failure;
    ++files;
  }
  EXPECT_GT(files, 0);
}

// Pseudo-random inputs from a fixed seed: a cheap smoke run of the harness where libFuzzer is
// not available (the g++ builds).
TEST(SaleFuzzReplayTest, FixedSeedInputsAgree) {
  uint64_t state = 0x9E3779B97F4A7C15u;
  for (int input = 0; input < 4000; ++input) {
    std::vector<uint8_t> bytes(16 + input % 400);
    for (uint8_t& b : bytes) {
      state = state * 6364136223846793005u + 1442695040888963407u;
      b = static_cast<uint8_t>(state >> 56);
    }
    std::string failure;
    ASSERT_TRUE(RunSaleFuzzInput(bytes.data(), bytes.size(), &failure)) << "input " << input << "\n"
                                                                        << failure;
  }
}

}  // namespace
}  // namespace holdfast::fuzz
