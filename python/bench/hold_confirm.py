#!/usr/bin/env python3
"""Hold+confirm pairs per second from Python threads, on the same sale as the
C++ bench/sale_benchmark.cc BM_HoldConfirm (one hot ticket type, buyer limits
and a cycle active but never binding, one buyer per thread), so the two can be
compared on one machine in one session:

    PYTHONPATH=build/python python3 python/bench/hold_confirm.py --threads 1 8
    build/bench/sale_benchmark --benchmark_filter='HoldConfirm<Holdfast>'

The loop is the hot-path form: try_hold, then Hold.try_confirm; every call
releases the GIL around the core. A measurement, never a test.
"""

import argparse
import threading
import time

import holdfast


def hot_type_sale():
    unlimited = holdfast.CAPACITY_MAX
    return holdfast.Sale(
        types={"regular": unlimited},
        cycles=[holdfast.Cycle("noon", None, None, allotment=unlimited, per_buyer_max=unlimited)],
        per_buyer_units_max=holdfast.PER_BUYER_UNITS_MAX,
        per_buyer_holds_max=4,
        idempotency_keys_max=0,
    )


def run(threads, seconds):
    sale = hot_type_sale()
    counts = [0] * threads
    failures = [0] * threads
    stop = threading.Event()
    start = threading.Barrier(threads + 1)

    def worker(index):
        buyer = index + 1
        try_hold = sale.try_hold
        ok = holdfast.Outcome.OK
        done = failed = 0
        start.wait()
        while not stop.is_set():
            for _ in range(256):
                _, hold = try_hold(buyer, 0)
                if hold is None or hold.try_confirm() is not ok:
                    failed += 1
            done += 256
        counts[index], failures[index] = done, failed

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    took = time.perf_counter() - began
    assert sale.stats().holds_confirmed == sum(counts) - sum(failures)
    return sum(counts) / took, sum(failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    for threads in args.threads:
        rate, failures = run(threads, args.seconds)
        print(f"threads={threads}: {rate:,.0f} hold+confirm pairs/s ({failures} failures)")


if __name__ == "__main__":
    main()
