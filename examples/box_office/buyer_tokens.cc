// buyer_tokens.cc: loading and generating the token file; see buyer_tokens.h.
#include "buyer_tokens.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "secure_random.h"

namespace box_office {

bool IsValidToken(std::string_view token) {
  if (token.size() < kTokenLengthMin || token.size() > kTokenLengthMax) return false;
  for (const char c : token) {
    const bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                    c == '~' || c == '+' || c == '/' || c == '=' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status BuyerTokens::Add(std::string token, holdfast::BuyerId buyer) {
  if (!IsValidToken(token)) {
    return absl::InvalidArgumentError(absl::StrCat("token must be ", kTokenLengthMin, "..",
                                                   kTokenLengthMax, " b64token characters"));
  }
  if (buyer == holdfast::kReservedBuyer) {
    return absl::InvalidArgumentError("buyer id 18446744073709551615 is reserved");
  }
  if (!by_token_.emplace(token, buyer).second) {
    return absl::InvalidArgumentError("repeated token");
  }
  pairs_.emplace_back(std::move(token), buyer);
  return absl::OkStatus();
}

absl::StatusOr<BuyerTokens> BuyerTokens::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the token file"));
  BuyerTokens tokens;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    holdfast::BuyerId buyer = 0;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[1], &buyer)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": expected \"token buyer_id\""));
    }
    if (absl::Status added = tokens.Add(std::string(fields[0]), buyer); !added.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", added.message()));
    }
  }
  return tokens;
}

BuyerTokens BuyerTokens::Generate(int64_t count, holdfast::BuyerId first_buyer) {
  BuyerTokens tokens;
  tokens.pairs_.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    // 128 random bits in 32 hex characters; a collision is as likely as guessing one.
    const absl::Status added =
        tokens.Add(SecureRandomHex(16), first_buyer + static_cast<holdfast::BuyerId>(i));
    if (!added.ok()) --i;  // a repeat: draw again
  }
  return tokens;
}

std::optional<holdfast::BuyerId> BuyerTokens::Find(std::string_view token) const {
  const auto it = by_token_.find(absl::string_view(token.data(), token.size()));
  if (it == by_token_.end()) return std::nullopt;
  return it->second;
}

}  // namespace box_office
