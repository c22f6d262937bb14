// tests/fuzz/sale_fuzz_harness.h: differential testing of holdfast::Sale against the reference
// model (tests/model/sale_model.h), one byte string at a time.
//
// The bytes are decoded into a small config (sometimes deliberately invalid: Create must refuse
// it exactly when the model's validation does) and a sequence of operations: holds with odd
// quantities and ttls, confirms, releases and extends with real, stale, forged and foreign
// handles and foreign buyers, clock moves (monotonic and wall, forwards and back), sweeps, event
// drains and cycle queries; and, on two configs in three, a small seat map (1-2 sections of 1-3
// rows of 1-127 seats) with HoldSeats (explicit seats, runs across 64-seat words, repeats, unknown
// seats, plain lines beside them), HoldBestAvailable (checked against what the model can decide,
// then applied as the library chose), SeatsOf, Seat and SnapshotSeats. Both sides run every step
// single-threaded on one ManualClock; every outcome and every counter is compared after each step.
// Short inputs decode to defaults, so any byte string is a valid input.
//
//   std::string failure;
//   if (!holdfast::fuzz::RunSaleFuzzInput(data, size, &failure)) { puts(failure.c_str()); abort();
//   }
#ifndef HOLDFAST_TESTS_FUZZ_SALE_FUZZ_HARNESS_H_
#define HOLDFAST_TESTS_FUZZ_SALE_FUZZ_HARNESS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace holdfast::fuzz {

// Runs one input. Returns true when library and model agreed at every step; otherwise false,
// with `failure` set to the step-by-step trace that ends at the first disagreement. With
// `trace`, an input that agreed (and made a sale) leaves its whole trace there, to see what the
// fuzzer reaches.
bool RunSaleFuzzInput(const uint8_t* data, size_t size, std::string* failure,
                      std::string* trace = nullptr);

}  // namespace holdfast::fuzz

#endif  // HOLDFAST_TESTS_FUZZ_SALE_FUZZ_HARNESS_H_
