"""Eight Python threads buy from one small sale at once (hold, then confirm,
release or abandon to expiry, with limits and a quota), while a ninth moves
the clock and sweeps. The core runs without the GIL, so the calls really
overlap. At the end: nothing oversold (I1), no buyer past a limit (I6), and
every counter adds up exactly against what the threads saw (I10)."""

import collections
import random
import threading

import holdfast
from holdfast import Outcome

THREADS = 8
ATTEMPTS = 20000
BUYERS_PER_THREAD = 25


def test_eight_threads_never_oversell():
    clock = holdfast.ManualClock()
    sale = holdfast.Sale(
        types={"regular": 300, "student": 120},
        quotas=[holdfast.Quota("hall", 380, ("regular", "student"))],
        per_buyer_units_max=6,
        per_buyer_holds_max=2,
        hold_ttl_default=5,
        clock=clock,
    )
    outcomes = [collections.Counter() for _ in range(THREADS)]
    sold = [collections.Counter() for _ in range(THREADS)]  # units per buyer
    ends = [collections.Counter() for _ in range(THREADS)]  # held, confirmed, released
    start = threading.Barrier(THREADS + 1)
    done = threading.Event()

    def buyer_thread(index):
        rng = random.Random(index)
        seen, bought, ended = outcomes[index], sold[index], ends[index]
        start.wait()
        for _ in range(ATTEMPTS):
            buyer = index * 1000 + rng.randrange(BUYERS_PER_THREAD)
            lines = {rng.choice(("regular", "student")): rng.randint(1, 3)}
            outcome, hold = sale.try_hold(buyer, lines)
            seen[outcome] += 1
            if hold is None:
                continue
            ended["held"] += 1
            action = rng.random()
            if action < 0.6:
                answer = hold.try_confirm()
                seen[answer] += 1
                if answer is Outcome.OK:
                    bought[buyer] += hold.units
                    ended["confirmed"] += 1
            elif action < 0.9:
                answer = hold.try_release()
                seen[answer] += 1
                ended["released"] += answer is Outcome.OK
            # else: abandoned, left to expire

    def time_thread():
        start.wait()
        while not done.is_set():
            clock.advance(1)
            sale.sweep()

    threads = [threading.Thread(target=buyer_thread, args=(i,)) for i in range(THREADS)]
    ticker = threading.Thread(target=time_thread)
    for thread in threads + [ticker]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    ticker.join()

    clock.advance(10)  # every abandoned hold is now dead
    sale.sweep()
    stats = sale.stats()
    seen = sum(outcomes, collections.Counter())
    bought = sum(sold, collections.Counter())
    ended = sum(ends, collections.Counter())

    # I1: no oversell, per type and in the quota; nothing is held any more.
    regular, student = sale.type_stats_of("regular"), sale.type_stats_of("student")
    for type_stats in (regular, student):
        assert type_stats.held_units == 0
        assert type_stats.available + type_stats.sold_units == type_stats.capacity
    assert regular.sold_units + student.sold_units <= 380
    assert sale.quota_available("hall") == 380 - regular.sold_units - student.sold_units
    # I6: every buyer within the per-buyer limit; the sale agrees with us.
    for buyer, units in bought.items():
        assert units <= 6
        assert sale.buyer(buyer) == holdfast.BuyerCounts(bought_units=units)
    # I10: accounts add up.
    assert stats.sold_units == sum(bought.values())
    assert stats.holds_created == ended["held"]
    assert stats.holds_confirmed == ended["confirmed"]
    assert stats.holds_released == ended["released"]
    assert stats.live_holds == 0 and stats.held_units == 0
    assert stats.holds_created == stats.holds_confirmed + stats.holds_released + stats.holds_expired
    assert stats.sold_units + stats.released_units + stats.expired_units == (
        regular.sold_units + regular.released_units + regular.expired_units
        + student.sold_units + student.released_units + student.expired_units)
    for outcome in Outcome:
        assert stats.outcomes[outcome] == seen[outcome], outcome
    # Contention really happened: some buyers were turned away.
    assert seen[Outcome.SOLD_OUT] + seen[Outcome.BUYER_LIMIT] + seen[Outcome.TOO_MANY_HOLDS] > 0
