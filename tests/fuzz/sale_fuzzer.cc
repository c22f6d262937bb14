// tests/fuzz/sale_fuzzer.cc: the libFuzzer entry point of the differential harness
// (sale_fuzz_harness.h): every input runs on holdfast::Sale and on the reference model, and the
// first disagreement aborts with the step-by-step trace that led to it.
//
//   build/ci-fuzz/tests/fuzz/sale_fuzzer -max_total_time=600 tests/fuzz/corpus
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/sale_fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string failure;
  if (!holdfast::fuzz::RunSaleFuzzInput(data, size, &failure)) {
    std::fprintf(stderr, "holdfast and the reference model disagree:\n%s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
