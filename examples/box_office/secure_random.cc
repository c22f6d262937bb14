// secure_random.cc: getrandom(2) behind FillSecureRandom; see secure_random.h.
#include "secure_random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace box_office {

void FillSecureRandom(uint8_t* out, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    // Flags 0: block only until the pool is initialised at boot, then never again.
    const ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "box_office: getrandom failed: %s\n", std::strerror(errno));
      std::abort();
    }
    filled += static_cast<size_t>(got);
  }
}

uint64_t SecureRandomU64() {
  uint8_t bytes[8];
  FillSecureRandom(bytes, sizeof(bytes));
  uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof(value));
  return value;
}

std::string SecureRandomHex(size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string raw(bytes, '\0');
  FillSecureRandom(reinterpret_cast<uint8_t*>(raw.data()), raw.size());
  std::string hex;
  hex.reserve(2 * bytes);
  for (const char c : raw) {
    const auto byte = static_cast<uint8_t>(c);
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xF]);
  }
  return hex;
}

}  // namespace box_office
