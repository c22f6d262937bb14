// metrics.cc: recording and the Prometheus rendering; see metrics.h.
#include "metrics.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "handle_map.h"
#include "holdfast/sale.h"
#include "holdfast/sweeper.h"

namespace box_office {
namespace {

constexpr std::array<absl::string_view, kRouteCount> kRouteNames = {
    "health", "metrics", "sale", "hold", "confirm", "release", "extend", "unrouted"};
constexpr std::array<absl::string_view, kOpCount> kOpNames = {"hold", "confirm", "release",
                                                              "extend"};

void AppendHeader(absl::string_view name, absl::string_view type, absl::string_view help,
                  std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void AppendValue(absl::string_view name, int64_t value, std::string* out) {
  absl::StrAppend(out, name, " ", value, "\n");
}

}  // namespace

std::string_view RouteName(Route route) {
  const absl::string_view name = kRouteNames[static_cast<size_t>(route)];
  return {name.data(), name.size()};
}

int Metrics::StatusSlot(int status) {
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return static_cast<int>(i);
  }
  return kStatusSlots - 1;
}

void Metrics::CountRequest(Route route, int status, int64_t latency_ns) {
  requests_[static_cast<size_t>(route)][static_cast<size_t>(StatusSlot(status))].fetch_add(
      1, std::memory_order_relaxed);
  size_t slot = 0;
  while (slot < kLatencyBoundsUs.size() && latency_ns > kLatencyBoundsUs[slot] * 1000) ++slot;
  latency_buckets_[slot].fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(latency_ns, std::memory_order_relaxed);
}

void Metrics::CountOutcome(Op op, holdfast::Outcome outcome) {
  const auto index = static_cast<size_t>(outcome);
  if (index >= static_cast<size_t>(holdfast::kOutcomeCount)) return;
  outcomes_[static_cast<size_t>(op)][index].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RenderRequests(std::string* out) const {
  AppendHeader("box_office_http_requests_total", "counter",
               "HTTP requests answered, by route and status.", out);
  for (int route = 0; route < kRouteCount; ++route) {
    for (int slot = 0; slot < kStatusSlots; ++slot) {
      const int64_t count = requests_[static_cast<size_t>(route)][static_cast<size_t>(slot)].load(
          std::memory_order_relaxed);
      if (count == 0) continue;  // absent series read as 0 in PromQL's rate()
      const std::string status = slot < static_cast<int>(kStatuses.size())
                                     ? absl::StrCat(kStatuses[static_cast<size_t>(slot)])
                                     : std::string("other");
      absl::StrAppend(out, "box_office_http_requests_total{route=\"",
                      kRouteNames[static_cast<size_t>(route)], "\",status=\"", status, "\"} ",
                      count, "\n");
    }
  }
}

void Metrics::RenderLatency(std::string* out) const {
  constexpr absl::string_view kName = "box_office_http_request_duration_seconds";
  AppendHeader(kName, "histogram",
               "From a request's complete header to its response written, in seconds.", out);
  int64_t cumulative = 0;
  for (int slot = 0; slot < kLatencySlots; ++slot) {
    cumulative += latency_buckets_[static_cast<size_t>(slot)].load(std::memory_order_relaxed);
    const std::string bound =
        slot < static_cast<int>(kLatencyBoundsUs.size())
            ? absl::StrFormat(
                  "%g", static_cast<double>(kLatencyBoundsUs[static_cast<size_t>(slot)]) / 1e6)
            : std::string("+Inf");
    absl::StrAppend(out, kName, "_bucket{le=\"", bound, "\"} ", cumulative, "\n");
  }
  absl::StrAppend(
      out, kName, "_sum ",
      absl::StrFormat("%.9f",
                      static_cast<double>(latency_sum_ns_.load(std::memory_order_relaxed)) / 1e9),
      "\n");
  absl::StrAppend(out, kName, "_count ", cumulative, "\n");
}

void Metrics::RenderOutcomes(std::string* out) const {
  AppendHeader("box_office_hold_outcomes_total", "counter",
               "holdfast answers to hold, confirm, release and extend, by outcome.", out);
  for (int op = 0; op < kOpCount; ++op) {
    for (int outcome = 0; outcome < holdfast::kOutcomeCount; ++outcome) {
      const int64_t count = outcomes_[static_cast<size_t>(op)][static_cast<size_t>(outcome)].load(
          std::memory_order_relaxed);
      if (count == 0) continue;
      absl::StrAppend(out, "box_office_hold_outcomes_total{op=\"",
                      kOpNames[static_cast<size_t>(op)], "\",outcome=\"",
                      std::string(holdfast::OutcomeName(static_cast<holdfast::Outcome>(outcome))),
                      "\"} ", count, "\n");
    }
  }
}

std::string Metrics::Render(const holdfast::Sale& sale, const holdfast::Sweeper* sweeper,
                            const HandleMap& handles) const {
  std::string out;
  out.reserve(8192);
  RenderRequests(&out);
  RenderLatency(&out);
  RenderOutcomes(&out);
  AppendHeader("box_office_open_connections", "gauge", "Client connections open now.", &out);
  AppendValue("box_office_open_connections", open_connections(), &out);
  AppendHeader("box_office_rejected_connections_total", "counter",
               "Connections answered 503 because the connection bound was reached.", &out);
  AppendValue("box_office_rejected_connections_total",
              rejected_connections_.load(std::memory_order_relaxed), &out);
  AppendHeader("box_office_timed_out_connections_total", "counter",
               "Connections closed by the idle, header or body timeout.", &out);
  AppendValue("box_office_timed_out_connections_total",
              timed_out_connections_.load(std::memory_order_relaxed), &out);

  const holdfast::SaleStats stats = sale.Stats();
  const std::pair<absl::string_view, int64_t> sale_values[] = {
      {"box_office_sale_held_units", stats.held_units},
      {"box_office_sale_sold_units", stats.sold_units},
      {"box_office_sale_live_holds", stats.live_holds},
      {"box_office_sale_holds_created_total", stats.holds_created},
      {"box_office_sale_holds_confirmed_total", stats.holds_confirmed},
      {"box_office_sale_holds_released_total", stats.holds_released},
      {"box_office_sale_holds_expired_total", stats.holds_expired},
      {"box_office_sale_expired_units_total", stats.expired_units},
      {"box_office_handles", static_cast<int64_t>(handles.size())},
  };
  for (const auto& [name, value] : sale_values) {
    const bool counter = absl::EndsWith(name, "_total");
    AppendHeader(name, counter ? "counter" : "gauge", "holdfast::Sale::Stats() and the server.",
                 &out);
    AppendValue(name, value, &out);
  }
  if (sweeper != nullptr) {
    AppendHeader("box_office_sweeper_expired_total", "counter",
                 "Holds expired by the background holdfast::Sweeper.", &out);
    AppendValue("box_office_sweeper_expired_total", sweeper->expired(), &out);
  }
  return out;
}

}  // namespace box_office
