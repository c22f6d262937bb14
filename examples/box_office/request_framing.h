// request_framing.h: the checks that keep the server and any proxy in front of it reading
// the same request boundaries (RFC 9112), so that no request can be smuggled inside another.
//
// Beast parses what it can; these checks refuse what it lets through but a proxy might read
// differently. Each refusal is answered and the connection is closed, since its framing
// can no longer be trusted:
//
//   Transfer-Encoding whose last coding is not chunked ("gzip", "identity", "xchunked",
//     "chunked, identity", also split over several lines)    400 (RFC 9112 §6.3)
//   Transfer-Encoding ending in chunked after another coding   501 (§6.1: not understood)
//   Transfer-Encoding in an HTTP/1.0 request                   400 (§6.1)
//   obsolete line folding (a header line starting with SP/HT)  400 (§5.2)
//   no Host in HTTP/1.1, or more than one Host                 400 (§3.2)
//   Expect other than "100-continue"                           417 (RFC 9110 §10.1.1)
//   more than one Authorization                                400
// (Transfer-Encoding together with Content-Length is refused by Beast itself: 400.)
//
//   if (HasObsoleteLineFolding(raw_header)) ...
//   if (std::optional<FramingError> error = CheckFraming(request)) ...respond, close
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_REQUEST_FRAMING_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_REQUEST_FRAMING_H_

#include <cstddef>
#include <optional>
#include <string_view>

#include "api.h"

namespace box_office {

// Why a request's framing was refused: the status and the JSON error's code and message.
struct FramingError {
  int status = 400;
  std::string_view code;
  std::string_view message;
};

// The refusal `request` (its header parsed) deserves, or nullopt if its framing is sound.
// Thread-safe. Allocates only for a Transfer-Encoding split over several lines.
std::optional<FramingError> CheckFraming(const Request& request);

// Where the header in `raw` ends: the offset just past its "\r\n\r\n", or npos if it has not
// arrived yet. `from` is where to start looking (bytes before it were looked at already).
size_t HeaderEnd(std::string_view raw, size_t from);

// True if `raw` (the start of a header, not past its end) has a line end followed by a space
// or tab: obsolete line folding. `from` is as for HeaderEnd. Thread-safe. Never allocates.
bool HasObsoleteLineFolding(std::string_view raw, size_t from);

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_REQUEST_FRAMING_H_
