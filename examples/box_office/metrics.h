// metrics.h: the server's counters, rendered as Prometheus text on GET /metrics.
//
// Every counter is a relaxed std::atomic bumped by the I/O threads: a counter carries no
// other data, and a scrape may see the fields of one request from slightly different
// instants, which Prometheus tolerates. Routes, statuses and latency buckets are fixed
// lists, so recording never allocates and the label set can't be blown up by clients.
//
//   metrics.CountRequest(Route::kHold, 201, elapsed_ns);
//   metrics.CountOutcome(Op::kHold, holdfast::Outcome::kSoldOut);
//   std::string text = metrics.Render(sale, sweeper, handles);
#ifndef HOLDFAST_EXAMPLES_BOX_OFFICE_METRICS_H_
#define HOLDFAST_EXAMPLES_BOX_OFFICE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "holdfast/outcome.h"

namespace holdfast {
class Sale;
class Sweeper;
}  // namespace holdfast

namespace box_office {

class HandleMap;

// The routes, as the "route" label says them.
enum class Route : uint8_t {
  kHealth = 0,
  kMetrics,
  kSale,      // GET /v1/sale
  kHold,      // POST /v1/holds
  kConfirm,   // POST /v1/holds/{handle}/confirm
  kRelease,   // POST /v1/holds/{handle}/release
  kExtend,    // POST /v1/holds/{handle}/extend
  kUnrouted,  // no route: 404, 405, or a request that could not be parsed
};
inline constexpr int kRouteCount = 8;
std::string_view RouteName(Route route);

// The holdfast operations, as the "op" label says them.
enum class Op : uint8_t { kHold = 0, kConfirm, kRelease, kExtend };
inline constexpr int kOpCount = 4;

// Thread-safe. Lock-free. Recording never allocates.
class Metrics {
 public:
  void CountRequest(Route route, int status, int64_t latency_ns);
  void CountOutcome(Op op, holdfast::Outcome outcome);
  void ConnectionOpened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  void ConnectionRejected() { rejected_connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionTimedOut() { timed_out_connections_.fetch_add(1, std::memory_order_relaxed); }

  int64_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

  // The Prometheus text exposition (version 0.0.4). Allocates.
  std::string Render(const holdfast::Sale& sale, const holdfast::Sweeper* sweeper,
                     const HandleMap& handles) const;

 private:
  // The statuses the server answers with; anything else counts as "other".
  static constexpr std::array<int, 20> kStatuses = {200, 201, 400, 401, 403, 404, 405,
                                                    408, 409, 410, 413, 414, 417, 422,
                                                    429, 431, 500, 501, 503, 505};
  static constexpr int kStatusSlots = static_cast<int>(kStatuses.size()) + 1;
  // Upper bounds of the latency histogram, in microseconds; +Inf is the last slot.
  static constexpr std::array<int64_t, 14> kLatencyBoundsUs = {
      50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000};
  static constexpr int kLatencySlots = static_cast<int>(kLatencyBoundsUs.size()) + 1;

  static int StatusSlot(int status);
  void RenderRequests(std::string* out) const;
  void RenderLatency(std::string* out) const;
  void RenderOutcomes(std::string* out) const;

  std::array<std::array<std::atomic<int64_t>, kStatusSlots>, kRouteCount> requests_{};
  std::array<std::array<std::atomic<int64_t>, holdfast::kOutcomeCount>, kOpCount> outcomes_{};
  std::array<std::atomic<int64_t>, kLatencySlots> latency_buckets_{};  // not cumulative
  std::atomic<int64_t> latency_sum_ns_{0};
  std::atomic<int64_t> open_connections_{0};
  std::atomic<int64_t> rejected_connections_{0};
  std::atomic<int64_t> timed_out_connections_{0};
};

}  // namespace box_office

#endif  // HOLDFAST_EXAMPLES_BOX_OFFICE_METRICS_H_
