"""The box office's Prometheus metrics, written by hand in the text format (0.0.4).

The names are those of the C++ box_office (examples/box_office/metrics.h), so
one dashboard reads either server: requests by route and status, hold
outcomes by operation, a request latency histogram, the sale's counters from
Sale.stats(), the handles kept and what the sweeper expired.

    metrics = Metrics()
    metrics.count_request("hold", 201, 0.0004)
    metrics.count_outcome("hold", "ok")
    text = metrics.render(sale, sweeper, len(handles))

Thread-safe: one lock around the counters, held for one update.
"""

from __future__ import annotations

import bisect
import threading
from typing import Dict, List, Optional, Tuple

import holdfast

LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                   0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds of the latency histogram, in seconds."""


def _header(name: str, kind: str, help_text: str, out: List[str]) -> None:
    out.append(f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n")


class Metrics:
    """Counters of one box office. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Dict[Tuple[str, int], int] = {}
        self._outcomes: Dict[Tuple[str, str], int] = {}
        self._bucket_counts = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one is +Inf
        self._latency_sum = 0.0

    def count_request(self, route: str, status: int, seconds: float) -> None:
        """One answered request on `route` with `status`, taking `seconds`."""
        bucket = bisect.bisect_left(LATENCY_BUCKETS, seconds)
        with self._lock:
            key = (route, status)
            self._requests[key] = self._requests.get(key, 0) + 1
            self._bucket_counts[bucket] += 1
            self._latency_sum += seconds

    def count_outcome(self, op: str, outcome: str) -> None:
        """One holdfast answer `outcome` (e.g. "sold_out") to operation `op`."""
        with self._lock:
            key = (op, outcome)
            self._outcomes[key] = self._outcomes.get(key, 0) + 1

    def render(self, sale: holdfast.Sale, sweeper: Optional[holdfast.Sweeper],
               handles: int) -> str:
        """The Prometheus text of every metric."""
        with self._lock:
            requests = sorted(self._requests.items())
            outcomes = sorted(self._outcomes.items())
            buckets = list(self._bucket_counts)
            latency_sum = self._latency_sum
        out: List[str] = []
        _header("box_office_http_requests_total", "counter",
                "HTTP requests answered, by route and status.", out)
        out.extend(f'box_office_http_requests_total{{route="{route}",status="{status}"}} {n}\n'
                   for (route, status), n in requests)
        name = "box_office_http_request_duration_seconds"
        _header(name, "histogram", "Time from request to response, in seconds.", out)
        total = 0
        for bound, count in zip(LATENCY_BUCKETS + (float("inf"),), buckets):
            total += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'{name}_bucket{{le="{le}"}} {total}\n')
        out.append(f"{name}_sum {latency_sum!r}\n{name}_count {total}\n")
        _header("box_office_hold_outcomes_total", "counter",
                "holdfast answers, by operation and outcome.", out)
        out.extend(f'box_office_hold_outcomes_total{{op="{op}",outcome="{outcome}"}} {n}\n'
                   for (op, outcome), n in outcomes)
        stats = sale.stats()
        gauges = (
            ("box_office_sale_held_units", "gauge", stats.held_units),
            ("box_office_sale_sold_units", "gauge", stats.sold_units),
            ("box_office_sale_live_holds", "gauge", stats.live_holds),
            ("box_office_sale_holds_created_total", "counter", stats.holds_created),
            ("box_office_sale_holds_confirmed_total", "counter", stats.holds_confirmed),
            ("box_office_sale_holds_released_total", "counter", stats.holds_released),
            ("box_office_sale_holds_expired_total", "counter", stats.holds_expired),
            ("box_office_sale_expired_units_total", "counter", stats.expired_units),
            ("box_office_handles", "gauge", handles),
        )
        for metric, kind, value in gauges:
            _header(metric, kind, "From holdfast Sale.stats() and the handle table.", out)
            out.append(f"{metric} {value}\n")
        if sweeper is not None:
            _header("box_office_sweeper_expired_total", "counter",
                    "Holds the sweeper expired.", out)
            out.append(f"box_office_sweeper_expired_total {sweeper.expired}\n")
        return "".join(out)
