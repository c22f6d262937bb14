// api.h: the box office's HTTP API over one holdfast::Sale, independent of the sockets.
//
// Api::Handle turns one parsed request into one response; server.h does the I/O. Keeping
// the two apart lets the routes be read (and tested) as plain functions of a request.
//
//   GET  /health                          200 {"status":"ok"} (503 while draining)
//   GET  /metrics                         Prometheus text
//   GET  /v1/sale                         availability per type, quota and cycle
//   POST /v1/holds                        {"lines":[{"type":"regular","quantity":2}],
//                                          "ttl_seconds":300}  -> 201 {"hold":"<handle>"}
//   POST /v1/holds/{handle}/confirm       -> 200
//   POST /v1/holds/{handle}/release       -> 200
//   POST /v1/holds/{handle}/extend        {"ttl_seconds":300} -> 200
//
// GET routes answer HEAD too, without the body. The /v1/holds routes need
// "Authorization: Bearer <token>" (401 otherwise). POST /v1/holds honours an
// "Idempotency-Key" header: a retry with the same key and the same request, by the same
// buyer, while the hold lives, answers 200 with the same handle and claims nothing more; the
// same key with another request (other lines or ttl_seconds) answers 422; a buyer's keys are
// bounded (ApiOptions::idempotency_keys_per_buyer_max, 429 beyond). "ttl_seconds" below
// ApiOptions::hold_ttl_min (0 included) answers 400 on hold and on extend alike; absent, the
// sale's default applies to a hold and to an extension. Every answer is JSON; a holdfast
// outcome is reported as {"outcome": "<code>"} with the status from outcome_http.h.
//
// Thread-safe: Handle is called from every I/O thread at once. The sale is lock-free; the
// handle map locks one shard for one lookup; everything else is immutable or atomic.
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_API_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_API_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"
#include "buyer_tokens.h"
#include "handle_map.h"
#include "holdfast/sale.h"
#include "holdfast/sweeper.h"
#include "idempotency_keys.h"
#include "metrics.h"

namespace box_office {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct ApiOptions {
  // How long past its deadline a hold's handle still answers 410 Expired (then 404).
  absl::Duration expired_grace = absl::Minutes(2);
  // How long after a confirmation a retried confirm still answers 200 (then 404).
  absl::Duration confirmed_retention = absl::Minutes(15);
  // The longest Idempotency-Key header accepted (400 beyond).
  size_t idempotency_key_chars_max = 128;
  // The shortest ttl_seconds accepted on hold and extend (400 below, 0 included): a hold
  // that ends at once only churns the tables (issue 14, defect 5).
  absl::Duration hold_ttl_min = absl::Seconds(1);
  // Distinct Idempotency-Keys one buyer may use over the sale (429 beyond): holdfast keeps
  // every key that made a hold for the sale's life, in one table for all buyers.
  size_t idempotency_keys_per_buyer_max = 32;
  // Live holds one buyer may have at once, whatever the sale allows (429 too_many_holds
  // beyond), so that one buyer can't fill the handle table with holds.
  int32_t live_holds_per_buyer_max = 16;
};

class Api {
 public:
  // None of the pointers is owned; all must outlive the Api. `sweeper` may be null.
  Api(holdfast::Sale* sale, const BuyerTokens* tokens, HandleMap* handles, Metrics* metrics,
      const holdfast::Sweeper* sweeper, const ApiOptions& options);

  // Answers `request`; sets `*route` to the route it took, for the metrics. The response's
  // version and keep-alive are left for the caller. Thread-safe. Allocates.
  Response Handle(const Request& request, Route* route);

  // From now on /health answers 503, so a load balancer stops sending. Thread-safe.
  void SetDraining() { draining_.store(true, std::memory_order_relaxed); }

  // Drops handles past their keep-until time; the server calls it every second.
  size_t PurgeHandles();

  // A JSON error response: {"error": code, "message": message}. Thread-safe.
  static Response ErrorResponse(int status, std::string_view code, std::string_view message);

 private:
  Response CreateHold(const Request& request, holdfast::BuyerId buyer);
  // Sale::Hold with the bounds of ApiOptions applied; `error` is set instead when refused.
  holdfast::HoldResult BoundedHold(const Request& request, holdfast::BuyerId buyer,
                                   const std::vector<holdfast::HoldLine>& lines,
                                   std::optional<absl::Duration> ttl,
                                   std::optional<Response>* error);
  Response TtlTooShort() const;
  Response ActOnHold(const Request& request, holdfast::BuyerId buyer, std::string_view handle,
                     Op op);
  Response OutcomeResponse(holdfast::Outcome outcome, std::string_view handle, int ok_status);
  std::optional<holdfast::BuyerId> Authenticate(const Request& request) const;
  uint64_t IdempotencyKeyOf(std::string_view header) const;

  holdfast::Sale* const sale_;
  const BuyerTokens* const tokens_;
  HandleMap* const handles_;
  Metrics* const metrics_;
  const holdfast::Sweeper* const sweeper_;
  const ApiOptions options_;
  IdempotencyKeys keys_;  // the Idempotency-Keys each buyer used, bounded
  // 128 random bits mixed into every Idempotency-Key hash, so keys can't be chosen to collide.
  const std::string idempotency_seed_;
  std::atomic<bool> draining_{false};  // relaxed: a flag with no data behind it
};

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_API_H_
