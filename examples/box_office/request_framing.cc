// request_framing.cc: the framing checks; see request_framing.h.
#include "request_framing.h"

#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace box_office {
namespace {

namespace http = boost::beast::http;

size_t CountFields(const Request& request, http::field field) {
  const auto [first, last] = request.equal_range(field);
  return static_cast<size_t>(std::distance(first, last));
}

std::optional<FramingError> CheckTransferEncoding(const Request& request) {
  const auto [first, last] = request.equal_range(http::field::transfer_encoding);
  if (first == last) return std::nullopt;
  if (request.version() < 11) {
    return FramingError{400, "bad_transfer_encoding", "Transfer-Encoding needs HTTP/1.1"};
  }
  // Several lines make one comma-separated list (RFC 9110 §5.3).
  std::string joined;
  for (auto it = first; it != last; ++it) {
    joined.append(it->value().data(), it->value().size());
    joined.push_back(',');
  }
  std::vector<absl::string_view> codings;
  for (absl::string_view coding : absl::StrSplit(joined, ',')) {
    coding = absl::StripAsciiWhitespace(coding);
    if (!coding.empty()) codings.push_back(coding);
  }
  auto is_chunked = [](absl::string_view c) { return absl::EqualsIgnoreCase(c, "chunked"); };
  if (codings.empty() || !is_chunked(codings.back())) {
    return FramingError{400, "bad_transfer_encoding",
                        "the last Transfer-Encoding must be chunked (RFC 9112 6.3)"};
  }
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (is_chunked(codings[i])) {
      return FramingError{400, "bad_transfer_encoding", "chunked may be applied only once"};
    }
  }
  if (codings.size() > 1) {
    return FramingError{501, "unsupported_transfer_encoding", "only chunked is understood"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<FramingError> CheckFraming(const Request& request) {
  if (std::optional<FramingError> error = CheckTransferEncoding(request)) return error;
  const size_t hosts = CountFields(request, http::field::host);
  if (hosts > 1 || (hosts == 0 && request.version() >= 11)) {
    return FramingError{400, "bad_host", "an HTTP/1.1 request needs exactly one Host"};
  }
  if (CountFields(request, http::field::authorization) > 1) {
    return FramingError{400, "bad_authorization", "at most one Authorization"};
  }
  const auto [first, last] = request.equal_range(http::field::expect);
  for (auto it = first; it != last; ++it) {
    const absl::string_view value(it->value().data(), it->value().size());
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(value), "100-continue")) {
      return FramingError{417, "expectation_failed", "only Expect: 100-continue is met"};
    }
  }
  return std::nullopt;
}

size_t HeaderEnd(std::string_view raw, size_t from) {
  const size_t at = raw.find("\r\n\r\n", from >= 3 ? from - 3 : 0);
  return at == std::string_view::npos ? at : at + 4;
}

bool HasObsoleteLineFolding(std::string_view raw, size_t from) {
  // A '\n' just before `from` may be followed by a byte that arrived since.
  for (size_t i = from > 0 ? from - 1 : 0; i + 1 < raw.size(); ++i) {
    if (raw[i] == '\n' && (raw[i + 1] == ' ' || raw[i + 1] == '\t')) return true;
  }
  return false;
}

}  // namespace box_office
