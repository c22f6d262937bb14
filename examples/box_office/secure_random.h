// secure_random.h: bytes from the kernel's secure random source, for the box_office example.
//
// Hold handles, buyer tokens and the idempotency-key seed must be unguessable, so they come
// from getrandom(2) (the same pool as /dev/urandom), never from a seeded PRNG. A read that
// the kernel cannot serve is a broken machine, not a request error: it aborts loudly.
//
//   std::array<uint8_t, 16> handle_bytes;
//   box_office::FillSecureRandom(handle_bytes.data(), handle_bytes.size());
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_SECURE_RANDOM_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_SECURE_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace box_office {

// Fills `out[0 .. size)` from getrandom(2), retrying on EINTR and short reads; aborts with a
// message if the kernel refuses. Thread-safe. One system call for up to 256 bytes.
void FillSecureRandom(uint8_t* out, size_t size);

// A uniformly random 64-bit value from FillSecureRandom. Thread-safe.
uint64_t SecureRandomU64();

// `bytes` random bytes as 2 * bytes lowercase hex characters. Thread-safe. Allocates.
std::string SecureRandomHex(size_t bytes);

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_SECURE_RANDOM_H_
