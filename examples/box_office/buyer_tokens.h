// buyer_tokens.h: who is asking. Maps bearer tokens to holdfast buyer ids.
//
// A real box office would ask its session store; the example reads a token file with one
// "token buyer_id" pair a line ('#' starts a comment) and never changes it afterwards, so
// lookups from every I/O thread need no lock. Generate(n) makes n fresh tokens (128 random
// bits each) for buyers 1 .. n, which is how the load test gets one token per buyer.
//
//   absl::StatusOr<BuyerTokens> tokens = BuyerTokens::Load("tokens.txt");
//   std::optional<holdfast::BuyerId> buyer = tokens->Find(bearer);
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_BUYER_TOKENS_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_BUYER_TOKENS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "holdfast/types.h"

namespace box_office {

// Tokens must be 16 .. 128 characters of [A-Za-z0-9._~+/=-] (RFC 6750's b64token), so a
// short guessable token is refused at load time rather than accepted.
inline constexpr size_t kTokenLengthMin = 16;
inline constexpr size_t kTokenLengthMax = 128;

// An immutable token -> buyer table. Thread-safe for reading once built.
class BuyerTokens {
 public:
  // Reads `path`. Returns InvalidArgument naming the line for a malformed line, a bad token,
  // a repeated token or a reserved buyer id; NotFound if the file can't be opened.
  static absl::StatusOr<BuyerTokens> Load(const std::string& path);

  // `count` fresh random tokens for buyers first_buyer .. first_buyer + count - 1.
  static BuyerTokens Generate(int64_t count, holdfast::BuyerId first_buyer = 1);

  // The buyer of `token`, or nullopt. Thread-safe. Never allocates.
  std::optional<holdfast::BuyerId> Find(std::string_view token) const;

  // Every pair in the order they were read or made, for writing a token file.
  const std::vector<std::pair<std::string, holdfast::BuyerId>>& pairs() const { return pairs_; }
  size_t size() const { return pairs_.size(); }

 private:
  absl::Status Add(std::string token, holdfast::BuyerId buyer);

  std::vector<std::pair<std::string, holdfast::BuyerId>> pairs_;
  absl::flat_hash_map<std::string, holdfast::BuyerId> by_token_;
};

// True if `token` is a well-formed b64token of an allowed length.
bool IsValidToken(std::string_view token);

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_BUYER_TOKENS_H_
