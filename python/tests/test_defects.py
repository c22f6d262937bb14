"""Regression tests for the Python module's defects of issue 10 (defect 21):
an abort at interpreter exit while daemon threads are inside holdfast calls,
a crash on objects whose __init__ never ran, hold_seats' idempotent repeat
listing the wrong seats, a Sweeper spinning on a huge interval, and
ManualClock.advance wrapping. Each test failed before its fix."""

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time

import pytest

import holdfast

INT64_MAX = 2**63 - 1

# A program that starts daemon threads hammering one sale (GIL released in
# almost every call) and exits while they are inside the core: the exit must
# be clean, every time.
EXIT_PROGRAM = textwrap.dedent(
    """
    import threading, time
    import holdfast

    sale = holdfast.Sale(types={"regular": 50}, holds_max=64)
    sweeper = holdfast.Sweeper(sale, 0.0001)

    def hammer(index):
        buyer = index * 100
        while True:
            buyer += 1
            outcome, hold = sale.try_hold(buyer % 1000, "regular")
            if hold is not None:
                hold.try_release()
            sale.sweep()
            sale.stats()

    for index in range(8):
        threading.Thread(target=hammer, args=(index,), daemon=True).start()
    time.sleep(0.02)
    """
)


def _module_env():
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(holdfast.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_exit_with_daemon_threads_inside_calls_is_clean():
    env = _module_env()
    failures = []
    for run in range(20):
        result = subprocess.run(
            [sys.executable, "-c", EXIT_PROGRAM],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            failures.append((run, result.returncode, result.stderr[-300:]))
    assert failures == []


def test_exit_with_a_running_sweeper_and_no_stop_is_clean():
    program = textwrap.dedent(
        """
        import holdfast
        sale = holdfast.Sale(types={"regular": 5})
        sweeper = holdfast.Sweeper(sale, 0.001)
        forever = holdfast.Sweeper(sale, 10**9)
        """
    )
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", program], env=_module_env(), capture_output=True,
            text=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr[-300:]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.hold(1, "regular"),
        lambda s: s.try_hold(1, 0),
        lambda s: s.confirm(5, 1),
        lambda s: s.try_release(5, 1),
        lambda s: s.extend(5, 1, ttl=1),
        lambda s: s.stats(),
        lambda s: s.available(0),
        lambda s: s.sweep(),
        lambda s: s.buyer(1),
        lambda s: s.drain_events(),
        lambda s: s.memory_bytes(),
        lambda s: s.seat_count(),
        lambda s: s.hold_seats(1, [0]),
        lambda s: s.hold_best_available(1, 2),
        lambda s: s.seats_of(5, 1),
        lambda s: s.seat(0),
        lambda s: s.find_seat("A-1"),
        lambda s: s.snapshot_seats(),
        lambda s: s.current_cycle(),
    ],
)
@pytest.mark.parametrize("cls", [holdfast.Sale, holdfast._core.Sale])
def test_sale_whose_init_never_ran_raises(cls, call):
    sale = cls.__new__(cls)
    with pytest.raises((TypeError, RuntimeError)):
        call(sale)


@pytest.mark.parametrize("cls", [holdfast.Sale, holdfast._core.Sale])
def test_sale_whose_init_never_ran_has_a_safe_repr(cls):
    sale = cls.__new__(cls)
    try:
        repr(sale)
    except (TypeError, AttributeError):
        pass


def test_clock_whose_init_never_ran_raises(make_sale):
    clock = holdfast.ManualClock.__new__(holdfast.ManualClock)
    for call in (
        lambda: clock.monotonic_ns(),
        lambda: clock.advance(1),
        lambda: clock.wall_now(),
        lambda: make_sale(clock=clock),
    ):
        with pytest.raises(TypeError):
            call()


def test_hold_whose_init_never_ran_raises(make_sale):
    hold = holdfast.Hold.__new__(holdfast.Hold)
    for call in (
        lambda: hold.confirm(),
        lambda: hold.try_release(),
        lambda: hold.extend(1),
        lambda: hold.id,
        lambda: hold.seats,
        lambda: hold.state,
        lambda: repr(hold),
        lambda: hold == hold,
        lambda: hash(hold),
    ):
        with pytest.raises((TypeError, RuntimeError)):
            call()
    # A real hold as the target of a sale call does not help an empty one.
    sale = make_sale()
    with pytest.raises((TypeError, RuntimeError)):
        sale.confirm(hold)


def test_sweeper_whose_init_never_ran_raises():
    sweeper = holdfast.Sweeper.__new__(holdfast.Sweeper)
    for call in (lambda: sweeper.stop(), lambda: sweeper.sweeps, lambda: repr(sweeper)):
        with pytest.raises((TypeError, RuntimeError)):
            call()


SEATED = """
section Stalls type=0
row A seats=10
"""


def test_hold_seats_repeat_lists_the_holds_real_seats(clock):
    sale = holdfast.Sale(types={"stalls": 10}, seat_map=SEATED, clock=clock)
    first = sale.hold_seats(7, ["Stalls A-1", "Stalls A-2"], idempotency_key=42)
    assert first.seats == (0, 1)
    again = sale.hold_seats(7, ["Stalls A-5", "Stalls A-6", "Stalls A-7"], idempotency_key=42)
    assert again.id == first.id
    assert again.seats == (0, 1)
    assert again.seats == sale.seats_of(again)
    # units stays what this call asked for (Hold.units says so for a repeat).
    outcome, same = sale.try_hold_seats(7, [8], idempotency_key=42)
    assert outcome is holdfast.Outcome.OK and same.id == first.id
    assert same.seats == (0, 1)
    # The seats named by the repeats were never claimed.
    assert sale.seat("Stalls A-5").status is holdfast.SeatStatus.FREE
    assert sale.seat(8).status is holdfast.SeatStatus.FREE


@pytest.mark.parametrize("interval", [dt.timedelta.max, 10**30, float("inf"), 1e12])
def test_sweeper_with_a_huge_interval_sleeps_until_stopped(make_sale, interval):
    sale = make_sale()
    sweeper = holdfast.Sweeper(sale, interval)
    deadline = time.monotonic() + 5
    while sweeper.sweeps < 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.05)  # real time for a spinning thread to show itself
    cpu_before = time.process_time()
    time.sleep(0.05)
    cpu_used = time.process_time() - cpu_before
    assert sweeper.sweeps == 1
    assert cpu_used < 0.03
    start = time.monotonic()
    sweeper.stop()
    assert time.monotonic() - start < 4


def test_manual_clock_two_large_advances_do_not_wrap():
    clock = holdfast.ManualClock()
    clock.advance(dt.timedelta(days=80000))  # 6.9e18 ns: fits
    once = clock.monotonic_ns()
    assert once == 80000 * 86400 * 10**9
    clock.advance(dt.timedelta(days=80000))  # the sum does not
    assert clock.monotonic_ns() == INT64_MAX
    clock.advance(dt.timedelta.max)
    assert clock.monotonic_ns() == INT64_MAX
    assert clock.monotonic_ns() >= once


def test_manual_clock_infinite_advance_saturates():
    clock = holdfast.ManualClock()
    clock.advance(1)
    clock.advance(float("inf"))
    assert clock.monotonic_ns() == INT64_MAX
    clock.advance(10**30)
    assert clock.monotonic_ns() == INT64_MAX


def test_per_buyer_units_max_above_what_the_core_counts_is_refused():
    assert holdfast.PER_BUYER_UNITS_MAX == 2**39 - 1
    holdfast.Sale(types={"regular": 10}, per_buyer_units_max=holdfast.PER_BUYER_UNITS_MAX)
    with pytest.raises(holdfast.ConfigError, match="per_buyer_units_max"):
        holdfast.Sale(types={"regular": 10}, per_buyer_units_max=holdfast.PER_BUYER_UNITS_MAX + 1)
    with pytest.raises(holdfast.ConfigError, match="per_buyer_max"):
        holdfast.Sale(
            types={"regular": 10},
            cycles=[holdfast.Cycle("noon", per_buyer_max=holdfast.CYCLE_PER_BUYER_MAX + 1)],
        )
