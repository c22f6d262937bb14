#!/usr/bin/env python3
"""The noon rush from Python threads: a crowd of buyers presses "buy" at noon
against a small stock, holds, pays (or gives up, or walks away and lets the
hold expire), and at the end the sale is checked: no unit oversold, no hold
stuck, no buyer past the per-buyer limit, and every account adding up.

    PYTHONPATH=build/python python3 examples/python/noon_rush.py --tickets 2000 --threads 8

The holds run on holdfast's lock-free core with the GIL released, so the
threads really do overlap in it. A ManualClock plays time: each thread's
buyers pay within the hold's TTL or not at all, and the clock is advanced
past every deadline at the end, so the run is quick and its result exact.
Exits with status 1 if any check fails.
"""

import argparse
import collections
import datetime as dt
import random
import sys
import threading
import time
from typing import Counter, Dict, List, Sequence

import holdfast

NOON = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20000, help="regular tickets on sale")
    parser.add_argument("--buyers", type=int, default=40000, help="buyers in the crowd")
    parser.add_argument("--threads", type=int, default=8, help="server threads")
    parser.add_argument("--limit", type=int, default=4, help="tickets one buyer may buy")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


class Tally:
    """What one thread saw; merged at the end (no shared counters, no locks)."""

    def __init__(self) -> None:
        self.outcomes: Counter[holdfast.Outcome] = collections.Counter()
        self.bought: Counter[int] = collections.Counter()  # buyer -> units confirmed
        self.holds = 0
        self.abandoned = 0


def serve(
    sale: holdfast.Sale,
    buyers: Sequence[int],
    args: argparse.Namespace,
    tally: Tally,
    seed: int,
    progress: List[int],
) -> None:
    rng = random.Random(seed)
    for buyer in buyers:
        want = rng.randint(1, args.limit)
        # A student ticket now and then, from the shared hall quota.
        lines: Dict[str, int] = {"regular": want} if rng.random() < 0.85 else {"student": 1}
        for _attempt in range(3):  # F5
            outcome, hold = sale.try_hold(buyer, lines, idempotency_key=1)
            tally.outcomes[outcome] += 1
            if hold is None:
                if outcome is not holdfast.Outcome.SOLD_OUT:
                    break
                continue
            tally.holds += 1
            fate = rng.random()
            if fate < 0.75:
                answer = hold.try_confirm()
                tally.outcomes[answer] += 1
                if answer is holdfast.Outcome.OK:
                    tally.bought[buyer] += hold.units
            elif fate < 0.9:
                tally.outcomes[hold.try_release()] += 1
            else:
                tally.abandoned += 1  # walks away; the hold expires
            break
        progress[0] += 1


def main() -> int:
    args = parse_args()
    clock = holdfast.ManualClock(NOON)
    sale = holdfast.Sale(
        types={"regular": args.tickets, "student": max(1, args.tickets // 10)},
        quotas=[holdfast.Quota("hall", args.tickets, ("regular", "student"))],
        per_buyer_units_max=args.limit,
        per_buyer_holds_max=1,
        hold_ttl_default=dt.timedelta(minutes=10),
        holds_max=max(64, args.buyers),
        buyers_max=max(1, args.buyers),
        idempotency_keys_max=max(1, args.buyers),
        clock=clock,
    )
    everyone = list(range(1, args.buyers + 1))
    random.Random(args.seed).shuffle(everyone)
    shares = [everyone[i :: args.threads] for i in range(args.threads)]
    tallies = [Tally() for _ in range(args.threads)]
    progress = [[0] for _ in range(args.threads)]
    threads = [
        threading.Thread(target=serve, args=(sale, shares[i], args, tallies[i], args.seed + i,
                                             progress[i]))
        for i in range(args.threads)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.2)
        served = sum(p[0] for p in progress)
        stats = sale.stats()
        print(f"\r{time.perf_counter() - start:5.1f}s  buyers {served}/{args.buyers}  "
              f"sold {stats.sold_units}  held {stats.held_units}  "
              f"available {sale.type_available('regular')}", end="", file=sys.stderr, flush=True)
    for thread in threads:
        thread.join()
    took = time.perf_counter() - start
    print(file=sys.stderr)

    clock.advance(dt.timedelta(minutes=11))  # every abandoned hold is now dead
    swept = sale.sweep()

    outcomes: Counter[holdfast.Outcome] = sum((t.outcomes for t in tallies), collections.Counter())
    bought: Counter[int] = sum((t.bought for t in tallies), collections.Counter())
    holds = sum(t.holds for t in tallies)
    abandoned = sum(t.abandoned for t in tallies)
    stats = sale.stats()
    regular, student = sale.type_stats_of("regular"), sale.type_stats_of("student")
    sold = regular.sold_units + student.sold_units

    checks = {
        "oversold units": max(0, regular.sold_units - regular.capacity)
        + max(0, student.sold_units - student.capacity)
        + max(0, sold - args.tickets),
        "stuck holds": stats.live_holds + stats.held_units,
        "per-buyer limit breaches": sum(1 for units in bought.values() if units > args.limit)
        + sum(1 for b, units in bought.items() if sale.buyer(b).bought_units != units),
        "accounts off by": abs(stats.sold_units - sum(bought.values()))
        + abs(stats.holds_created - holds)
        + abs(stats.holds_expired - swept)
        + abs(regular.available + regular.sold_units - regular.capacity)
        + abs(student.available + student.sold_units - student.capacity)
        + abs(sale.quota_available("hall") - (args.tickets - sold))
        + sum(abs(stats.outcomes[o] - outcomes[o]) for o in holdfast.Outcome),
    }
    print(f"{args.buyers} buyers on {args.threads} threads in {took:.2f}s: "
          f"{holds} holds, {stats.holds_confirmed} confirmed ({sold} units), "
          f"{stats.holds_released} released, {stats.holds_expired} expired "
          f"({abandoned} abandoned); {outcomes[holdfast.Outcome.SOLD_OUT]} sold-out answers")
    failed = False
    for name, value in checks.items():
        print(f"  {name:26s} {value:8d}  {'ok' if value == 0 else 'FAIL'}")
        failed |= value != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
