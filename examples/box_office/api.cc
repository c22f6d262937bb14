// api.cc: the routes of the box office; see api.h for the API and outcome_http.h for the
// statuses.
#include "api.h"

#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "nlohmann/json.hpp"
#include "outcome_http.h"
#include "sale_json.h"
#include "secure_random.h"

namespace box_office {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

Response JsonResponse(int status, std::string body) {
  Response response(static_cast<http::status>(status), 11);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  return response;
}

Response JsonResponse(int status, const json& body) { return JsonResponse(status, body.dump()); }

int64_t NowNanos() { return holdfast::SystemClock::Get()->MonotonicNanos(); }

// The request's path without its query string.
std::string_view PathOf(const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

// "ttl_seconds" of `body` as a duration; nullopt when absent, InfiniteDuration when invalid
// (holdfast then answers InvalidArgument, like any other bad TTL).
std::optional<absl::Duration> TtlOf(const json& body) {
  const auto it = body.find("ttl_seconds");
  if (it == body.end()) return std::nullopt;
  if (!it->is_number() || !std::isfinite(it->get<double>())) return absl::InfiniteDuration();
  return absl::Seconds(it->get<double>());
}

// The lines of a hold request, or a message saying what is wrong with them.
std::optional<std::string> ParseLines(const json& body, const holdfast::SaleConfig& config,
                                      std::vector<holdfast::HoldLine>* lines) {
  const auto it = body.find("lines");
  if (it == body.end() || !it->is_array() || it->empty()) return "\"lines\": a non-empty array";
  if (it->size() > static_cast<size_t>(holdfast::kLinesPerHoldMax)) {
    return absl::StrCat("\"lines\": at most ", holdfast::kLinesPerHoldMax);
  }
  for (const json& line : *it) {
    if (!line.is_object()) return "\"lines\": objects {\"type\", \"quantity\"}";
    const auto type = line.find("type");
    const auto quantity = line.find("quantity");
    if (type == line.end() || quantity == line.end() || !quantity->is_number_integer()) {
      return "each line needs \"type\" and an integer \"quantity\"";
    }
    const int64_t units = quantity->get<int64_t>();
    if (units < 1 || units > holdfast::kUnitsPerHoldMax) return "\"quantity\" out of range";
    std::optional<holdfast::TypeId> id;
    for (size_t i = 0; i < config.types.size(); ++i) {
      if ((type->is_string() && type->get_ref<const std::string&>() == config.types[i].name) ||
          (type->is_number_unsigned() && type->get<uint64_t>() == i)) {
        id = static_cast<holdfast::TypeId>(i);
      }
    }
    if (!id) return "unknown ticket type";
    lines->push_back({.type = *id, .quantity = static_cast<int32_t>(units)});
  }
  return std::nullopt;
}

// What an Idempotency-Key stands for: the lines, in order, and the ttl asked for. A retry
// must send the same; another request with the key answers 422.
uint64_t FingerprintOf(const std::vector<holdfast::HoldLine>& lines,
                       std::optional<absl::Duration> ttl) {
  std::string text;
  for (const holdfast::HoldLine& line : lines) {
    absl::StrAppend(&text, line.type, "x", line.quantity, ",");
  }
  absl::StrAppend(&text, ttl ? absl::FormatDuration(*ttl) : "default");
  return std::hash<std::string>{}(text);
}

}  // namespace

Api::Api(holdfast::Sale* sale, const BuyerTokens* tokens, HandleMap* handles, Metrics* metrics,
         const holdfast::Sweeper* sweeper, const ApiOptions& options)
    : sale_(sale),
      tokens_(tokens),
      handles_(handles),
      metrics_(metrics),
      sweeper_(sweeper),
      options_(options),
      keys_(options.idempotency_keys_per_buyer_max),
      idempotency_seed_(SecureRandomHex(16)) {}

Response Api::ErrorResponse(int status, std::string_view code, std::string_view message) {
  return JsonResponse(status, {{"error", code}, {"message", message}});
}

Response Api::OutcomeResponse(holdfast::Outcome outcome, std::string_view handle, int ok_status) {
  json body = {{"outcome", OutcomeCode(outcome)}};
  if (!handle.empty()) body["hold"] = handle;
  Response response = JsonResponse(HttpStatusOf(outcome, ok_status), body);
  if (outcome == holdfast::Outcome::kHoldTableFull ||
      outcome == holdfast::Outcome::kBuyerTableFull ||
      outcome == holdfast::Outcome::kTooManyHolds || outcome == holdfast::Outcome::kTryAgain) {
    response.set(http::field::retry_after, "1");
  }
  return response;
}

std::optional<holdfast::BuyerId> Api::Authenticate(const Request& request) const {
  const auto it = request.find(http::field::authorization);
  if (it == request.end()) return std::nullopt;
  absl::string_view value(it->value().data(), it->value().size());
  value = absl::StripAsciiWhitespace(value);
  // The scheme is case-insensitive (RFC 7235 §2.1).
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
    return std::nullopt;
  }
  const absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(7));
  return tokens_->Find(std::string_view(token.data(), token.size()));
}

uint64_t Api::IdempotencyKeyOf(std::string_view header) const {
  // libstdc++'s std::hash of a string is a seeded Murmur hash; prefixing 128 secret bits
  // makes the key space unpredictable to clients. Keys are per buyer inside holdfast, so a
  // collision could only ever join two requests of one buyer.
  const uint64_t hash = std::hash<std::string>{}(idempotency_seed_ + std::string(header));
  return hash == 0 ? 1 : hash;  // 0 means "no key" to holdfast
}

size_t Api::PurgeHandles() { return handles_->Purge(NowNanos()); }

Response Api::CreateHold(const Request& request, holdfast::BuyerId buyer) {
  const json body = json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return ErrorResponse(400, "invalid_json", "the body must be a JSON object");
  }
  std::vector<holdfast::HoldLine> lines;
  if (std::optional<std::string> error = ParseLines(body, sale_->config(), &lines)) {
    return ErrorResponse(400, "invalid_argument", *error);
  }
  const std::optional<absl::Duration> requested_ttl = TtlOf(body);
  if (requested_ttl && *requested_ttl < options_.hold_ttl_min) return TtlTooShort();
  std::optional<Response> refused;
  const holdfast::HoldResult hold = BoundedHold(request, buyer, lines, requested_ttl, &refused);
  if (refused) return *std::move(refused);
  metrics_->CountOutcome(Op::kHold, hold.outcome);
  if (!hold.ok()) return OutcomeResponse(hold.outcome, "", 201);

  const absl::Duration ttl = requested_ttl.value_or(sale_->config().hold_ttl_default);
  const int64_t now_ns = NowNanos();
  const int64_t deadline_ns = now_ns + absl::ToInt64Nanoseconds(ttl);
  const int64_t keep_until_ns = deadline_ns + absl::ToInt64Nanoseconds(options_.expired_grace);
  HoldHandle handle;
  const PutResult put = handles_->Put(hold.id, buyer, deadline_ns, keep_until_ns, now_ns, &handle);
  if (put == PutResult::kFull) {
    // No handle, no way to confirm: give the units back rather than strand them till expiry.
    (void)sale_->Release(hold.id, buyer);
    return ErrorResponse(503, "handle_table_full", "too many holds in flight; retry shortly");
  }
  const std::string text = FormatHoldHandle(handle);
  Response response =
      OutcomeResponse(holdfast::Outcome::kOk, text, put == PutResult::kNew ? 201 : 200);
  response.set(http::field::location, absl::StrCat("/v1/holds/", text));
  return response;
}

holdfast::HoldResult Api::BoundedHold(const Request& request, holdfast::BuyerId buyer,
                                      const std::vector<holdfast::HoldLine>& lines,
                                      std::optional<absl::Duration> ttl,
                                      std::optional<Response>* error) {
  holdfast::HoldOptions options;
  options.ttl = ttl.value_or(absl::ZeroDuration());
  KeyAdmission admission = KeyAdmission::kNew;
  if (const auto key = request.find("Idempotency-Key"); key != request.end()) {
    const std::string_view text(key->value().data(), key->value().size());
    if (text.empty() || text.size() > options_.idempotency_key_chars_max) {
      *error = ErrorResponse(400, "invalid_argument", "Idempotency-Key: 1 to 128 characters");
      return {};
    }
    options.idempotency_key = IdempotencyKeyOf(text);
    admission = keys_.Begin(buyer, options.idempotency_key, FingerprintOf(lines, ttl));
    if (admission == KeyAdmission::kMismatch) {
      *error = ErrorResponse(422, "idempotency_key_reused",
                             "this Idempotency-Key was used with another request");
      return {};
    }
    if (admission == KeyAdmission::kTooManyKeys) {
      *error = ErrorResponse(429, "too_many_idempotency_keys",
                             absl::StrCat("at most ", options_.idempotency_keys_per_buyer_max,
                                          " Idempotency-Keys a buyer"));
      return {};
    }
  }
  holdfast::HoldResult hold;
  // A known key may name a live hold: holdfast answers it without a new claim.
  if (admission != KeyAdmission::kKnown &&
      sale_->Buyer(buyer).live_holds >= options_.live_holds_per_buyer_max) {
    hold.outcome = holdfast::Outcome::kTooManyHolds;
  } else {
    hold = sale_->Hold(buyer, lines, options);
  }
  if (options.idempotency_key != 0) keys_.End(buyer, options.idempotency_key, hold.ok());
  return hold;
}

Response Api::TtlTooShort() const {
  return ErrorResponse(
      400, "invalid_argument",
      absl::StrCat("\"ttl_seconds\": at least ", absl::ToDoubleSeconds(options_.hold_ttl_min)));
}

Response Api::ActOnHold(const Request& request, holdfast::BuyerId buyer,
                        std::string_view handle_text, Op op) {
  const std::optional<HoldHandle> handle = ParseHoldHandle(handle_text);
  const std::optional<HandleEntry> entry = handle ? handles_->Find(*handle) : std::nullopt;
  if (!entry) {
    // Forged, guessed or forgotten: holdfast is never asked, nothing changes (I8).
    metrics_->CountOutcome(op, holdfast::Outcome::kUnknownHold);
    return OutcomeResponse(holdfast::Outcome::kUnknownHold, "", 200);
  }
  absl::Duration ttl;
  if (op == Op::kExtend) {
    const json body = json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      return ErrorResponse(400, "invalid_json", "the body must be a JSON object");
    }
    ttl = TtlOf(body).value_or(sale_->config().hold_ttl_default);
    if (ttl < options_.hold_ttl_min) return TtlTooShort();
  }
  // The requesting buyer, not the entry's owner, is passed on: holdfast itself answers
  // NotOwner for another buyer's hold and changes nothing (I8).
  holdfast::Outcome outcome = holdfast::Outcome::kOk;
  switch (op) {
    case Op::kConfirm:
      outcome = sale_->Confirm(entry->hold, buyer);
      break;
    case Op::kRelease:
      outcome = sale_->Release(entry->hold, buyer);
      break;
    case Op::kExtend:
      outcome = sale_->Extend(entry->hold, buyer, ttl);
      break;
    case Op::kHold:
      break;
  }
  metrics_->CountOutcome(op, outcome);
  const int64_t now_ns = NowNanos();
  if (outcome == holdfast::Outcome::kUnknownHold ||
      (op == Op::kRelease && outcome == holdfast::Outcome::kOk)) {
    handles_->Erase(*handle);
  } else if (op == Op::kConfirm && outcome == holdfast::Outcome::kOk) {
    handles_->Update(*handle, entry->deadline_ns,
                     now_ns + absl::ToInt64Nanoseconds(options_.confirmed_retention), true);
  } else if (op == Op::kExtend && outcome == holdfast::Outcome::kOk) {
    const int64_t deadline_ns = now_ns + absl::ToInt64Nanoseconds(ttl);
    handles_->Update(*handle, deadline_ns,
                     deadline_ns + absl::ToInt64Nanoseconds(options_.expired_grace), false);
  }
  return OutcomeResponse(outcome, handle_text, 200);
}

Response Api::Handle(const Request& request, Route* route) {
  const std::string_view path = PathOf(request);
  const http::verb method = request.method();
  auto only = [&](Route r, http::verb allowed, std::string_view allow) -> std::optional<Response> {
    *route = r;
    // HEAD is GET without the body (RFC 9110 §9.3.2); the server drops the body.
    if (method == allowed || (allowed == http::verb::get && method == http::verb::head)) {
      return std::nullopt;
    }
    Response response = ErrorResponse(405, "method_not_allowed", "see the Allow header");
    response.set(http::field::allow, allow);
    return response;
  };
  if (path == "/health") {
    if (auto refused = only(Route::kHealth, http::verb::get, "GET, HEAD")) return *refused;
    const bool draining = draining_.load(std::memory_order_relaxed);
    return JsonResponse(draining ? 503 : 200, {{"status", draining ? "draining" : "ok"}});
  }
  if (path == "/metrics") {
    if (auto refused = only(Route::kMetrics, http::verb::get, "GET, HEAD")) return *refused;
    Response response(http::status::ok, 11);
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = metrics_->Render(*sale_, sweeper_, *handles_);
    return response;
  }
  if (path == "/v1/sale") {
    if (auto refused = only(Route::kSale, http::verb::get, "GET, HEAD")) return *refused;
    return JsonResponse(200, AvailabilityJson(*sale_));
  }
  std::string_view rest = path;
  if (!rest.starts_with("/v1/holds")) {
    *route = Route::kUnrouted;
    return ErrorResponse(404, "no_route", "no such route");
  }
  rest.remove_prefix(std::string_view("/v1/holds").size());
  std::string_view handle;
  Op op = Op::kHold;
  if (rest.empty()) {
    if (auto refused = only(Route::kHold, http::verb::post, "POST")) return *refused;
  } else {
    const size_t slash = rest.rfind('/');
    static constexpr std::pair<std::string_view, Op> kActions[] = {
        {"/confirm", Op::kConfirm}, {"/release", Op::kRelease}, {"/extend", Op::kExtend}};
    static constexpr Route kRoutes[] = {Route::kHold, Route::kConfirm, Route::kRelease,
                                        Route::kExtend};
    const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash);
    for (const auto& [name, action_op] : kActions) {
      if (action == name && slash > 1 && rest[0] == '/') op = action_op;
    }
    if (op == Op::kHold) {
      *route = Route::kUnrouted;
      return ErrorResponse(404, "no_route", "no such route");
    }
    handle = rest.substr(1, slash - 1);
    if (auto refused = only(kRoutes[static_cast<size_t>(op)], http::verb::post, "POST")) {
      return *refused;
    }
  }
  const std::optional<holdfast::BuyerId> buyer = Authenticate(request);
  if (!buyer) {
    Response response = ErrorResponse(401, "unauthorized", "Authorization: Bearer <token>");
    response.set(http::field::www_authenticate, "Bearer realm=\"box_office\"");
    return response;
  }
  return op == Op::kHold ? CreateHold(request, *buyer) : ActOnHold(request, *buyer, handle, op);
}

}  // namespace box_office
