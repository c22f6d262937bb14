"""Every method of the Python API and every outcome a general-admission sale
can answer, each raised as its exception class and returned by the try_*
form, with a ManualClock so expiry and cycle windows are driven by hand."""

import datetime as dt
import gc
import pickle
import weakref

import pytest

import holdfast
from holdfast import Outcome
from conftest import NOON, UTC

MINUTE = dt.timedelta(minutes=1)


# --- outcomes, exceptions, enums -------------------------------------------


def test_outcome_enum_matches_the_library():
    from holdfast import _core

    for outcome in Outcome:
        assert str(outcome) == _core.outcome_name(int(outcome))
    assert _core.outcome_name(len(Outcome)) == "Unknown"
    assert Outcome.SOLD_OUT.status_code == "RESOURCE_EXHAUSTED"
    assert Outcome.NOT_OWNER.status_code == "PERMISSION_DENIED"
    assert Outcome.OK.status_code == "OK"
    for kind in holdfast.EventKind:
        assert str(kind) == _core.event_kind_name(int(kind))


def test_one_exception_class_per_outcome_but_ok():
    assert set(holdfast.EXCEPTIONS) == set(Outcome) - {Outcome.OK}
    assert Outcome.OK.exception is None
    for outcome, cls in holdfast.EXCEPTIONS.items():
        assert issubclass(cls, holdfast.HoldfastError)
        assert cls.outcome is outcome and outcome.exception is cls
        assert cls.__name__ == str(outcome)
        assert getattr(holdfast, cls.__name__) is cls
        assert cls.__doc__
    assert issubclass(holdfast.InvalidArgument, ValueError)
    assert issubclass(holdfast.ConfigError, ValueError)


def test_exception_carries_context_and_pickles():
    error = holdfast.Expired(operation="confirm", buyer=7, hold_id=0x10)
    assert str(error) == "Expired (confirm, buyer 7, hold 0x10)"
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is holdfast.Expired
    assert (again.operation, again.buyer, again.hold_id, str(again)) == (
        "confirm", 7, 0x10, str(error))


# --- configuration ---------------------------------------------------------


def test_config_forms_agree(clock):
    config = holdfast.SaleConfig(
        types=(holdfast.TicketType("regular", 10), holdfast.TicketType("student", 5)),
        quotas=(holdfast.Quota("hall", 12, (0, 1)),), clock=clock)
    by_config = holdfast.Sale(config)
    by_keywords = holdfast.Sale(types=[("regular", 10), ("student", 5)],
                                quotas=[("hall", 12, ("regular", "student"))], clock=clock)
    assert by_config.config == by_keywords.config
    assert by_keywords.config.quotas[0].types == (0, 1)
    overridden = holdfast.Sale(config, per_buyer_units_max=3)
    assert overridden.config.per_buyer_units_max == 3
    assert overridden.type_id("student") == 1
    with pytest.raises(KeyError):
        overridden.type_id("vip")


@pytest.mark.parametrize("fields, message", [
    ({"types": {}}, "types"),
    ({"types": {"": 1}}, "types[0].name"),
    ({"types": {"a": -1}}, "types[0].capacity"),
    ({"types": {"a": 1}, "holds_max": 1}, "holds_max"),
    ({"types": {"a": 1}, "hold_ttl_default": 0}, "hold_ttl_default"),
    ({"types": {"a": 1}, "hold_lifetime_max": dt.timedelta(hours=5)}, "hold_lifetime_max"),
    ({"types": {"a": 1}, "cycles": [holdfast.Cycle("c", NOON, NOON - MINUTE, 1)]}, "cycles[0]"),
])
def test_bad_config_names_the_field(fields, message):
    with pytest.raises(holdfast.ConfigError, match=message.replace("[", r"\[")):
        holdfast.Sale(**fields)
    with pytest.raises(holdfast.ConfigError):
        holdfast.validate_config(**fields)


def test_config_type_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'tickets'"):
        holdfast.Sale(types={"a": 1}, tickets=3)
    with pytest.raises(TypeError, match="unknown SaleConfig fields: tickets"):
        holdfast.validate_config(types={"a": 1}, tickets=3)
    with pytest.raises(ValueError, match="naive datetime"):
        holdfast.Sale(types={"a": 1}, cycles=[holdfast.Cycle("c", dt.datetime(2026, 1, 1), None, 1)])
    with pytest.raises(TypeError, match="hold_ttl_default"):
        holdfast.Sale(types={"a": 1}, hold_ttl_default="10m")
    with pytest.raises(holdfast.ConfigError, match="no ticket type named"):
        holdfast.Sale(types={"a": 1}, quotas=[("q", 1, ("b",))])
    holdfast.validate_config(types={"a": 1})


# --- hold / confirm / release / extend -------------------------------------


def test_hold_forms_and_handle(make_sale):
    sale = make_sale()
    one = sale.hold(1, "regular")
    two = sale.hold(1, 0, 2)
    mixed = sale.hold(2, {"regular": 1, "student": 2})
    pairs = sale.hold(3, [("regular", 1), (1, 1), holdfast_line("regular", 1)])
    assert (one.units, two.units, mixed.units, pairs.units) == (1, 2, 3, 3)
    assert one.buyer == 1 and one.sale is sale and one.state == "held"
    assert one.id != two.id and one != two and one == one and hash(one) == hash(one.id)
    assert repr(one).startswith("<holdfast.Hold id=0x") and "state=held" in repr(one)
    assert sale.type_available("regular") == 10 - 1 - 2 - 1 - 2
    assert sale.type_available("student") == 5 - 2 - 1
    with pytest.raises(TypeError):
        sale.hold(1, {"regular": 1}, 2)  # quantity only with a single type
    with pytest.raises(TypeError):
        sale.hold(1, [("regular",)])
    with pytest.raises(TypeError):
        sale.hold(1, 1.5)
    with pytest.raises(ValueError):
        sale.hold(-1, "regular")


def holdfast_line(type_, quantity):
    return (type_, quantity)


def test_confirm_release_extend(make_sale, clock):
    sale = make_sale(hold_ttl_default=5 * MINUTE)
    hold = sale.hold(1, "regular", 2)
    hold.extend(dt.timedelta(minutes=20))
    clock.advance(10 * MINUTE)
    hold.confirm()
    assert hold.state == "confirmed"
    assert sale.buyer(1) == holdfast.BuyerCounts(held_units=0, bought_units=2, live_holds=0)
    hold.confirm()  # a retry answers Ok (I9)
    assert hold.try_confirm(holdfast.ConfirmMode.REPORT_ALREADY_CONFIRMED) is Outcome.ALREADY_CONFIRMED
    with pytest.raises(holdfast.AlreadyConfirmed):
        sale.confirm(hold, mode=holdfast.ConfirmMode.REPORT_ALREADY_CONFIRMED)
    with pytest.raises(holdfast.AlreadyConfirmed):
        hold.release()
    with pytest.raises(holdfast.AlreadyConfirmed):
        hold.extend(60)
    other = sale.hold(2, "student")
    other.release()
    assert other.state == "released"
    assert other.try_release() is Outcome.UNKNOWN_HOLD
    with pytest.raises(holdfast.UnknownHold) as info:
        sale.confirm(other.id, 2)
    assert info.value.hold_id == other.id and info.value.buyer == 2
    assert info.value.operation == "confirm"


def test_by_id_and_not_owner(make_sale):
    sale = make_sale()
    hold = sale.hold(1, "regular")
    with pytest.raises(holdfast.NotOwner):
        sale.confirm(hold.id, 2)
    with pytest.raises(holdfast.NotOwner):
        sale.release(hold, 2)
    assert sale.try_extend(hold.id, 2, ttl=60) is Outcome.NOT_OWNER
    assert hold.state == "held"  # another buyer's answer says nothing about it
    with pytest.raises(TypeError, match="buyer"):
        sale.confirm(hold.id)
    assert sale.try_confirm(hold.id, 1) is Outcome.OK
    assert sale.try_release(12345, 1) is Outcome.UNKNOWN_HOLD


def test_foreign_hold_is_unknown(make_sale):
    first, second = make_sale(), make_sale()
    hold = first.hold(1, "regular")
    assert second.try_confirm(hold) is Outcome.UNKNOWN_HOLD
    assert hold.state == "held"


def test_expired_even_without_sweep(make_sale, clock):
    sale = make_sale()
    hold = sale.hold(1, "regular", 3, ttl=dt.timedelta(seconds=30))
    clock.advance(30)
    with pytest.raises(holdfast.Expired):
        hold.confirm()
    assert hold.state == "expired"
    stale = sale.hold(1, "regular", ttl=1.5)
    clock.advance(2)
    assert stale.try_extend(60) is Outcome.EXPIRED
    assert sale.stats().expired_units == 4


def test_context_manager(make_sale):
    sale = make_sale()
    with sale.hold(1, "regular", 2) as hold:
        assert sale.type_available("regular") == 8
    assert hold.state == "released" and sale.type_available("regular") == 10
    with sale.hold(1, "regular", 2) as hold:
        hold.confirm()
    assert sale.type_available("regular") == 8 and sale.buyer(1).bought_units == 2
    with pytest.raises(RuntimeError):
        with sale.hold(1, "student") as hold:
            raise RuntimeError("payment failed")
    assert sale.type_available("student") == 5


def test_sold_out_buyer_limit_too_many_holds(make_sale):
    sale = make_sale(per_buyer_units_max=4, per_buyer_holds_max=2)
    sale.hold(1, "regular", 3)
    with pytest.raises(holdfast.BuyerLimit):
        sale.hold(1, "regular", 2)
    sale.hold(1, "student", 1)
    with pytest.raises(holdfast.TooManyHolds):
        sale.hold(1, "student")
    sale.hold(2, "regular", 4)
    assert sale.try_hold(3, "regular", 4) == (Outcome.SOLD_OUT, None)
    with pytest.raises(holdfast.SoldOut):
        sale.hold(3, "regular", 4)


def test_invalid_arguments(make_sale):
    sale = make_sale(idempotency_keys_max=0)
    bad = [
        dict(lines="regular", quantity=0),
        dict(lines="regular", quantity=-2),
        dict(lines="regular", quantity=11),  # units_per_hold_max 10
        dict(lines="vip"),
        dict(lines=7),
        dict(lines=[]),
        dict(lines=[("regular", 1)] * 7),  # more than LINES_PER_HOLD_MAX lines
        dict(lines="regular", ttl=0),
        dict(lines="regular", ttl=-1),
        dict(lines="regular", ttl=float("nan")),
        dict(lines="regular", ttl=dt.timedelta(hours=1)),  # above hold_lifetime_max
        dict(lines="regular", idempotency_key=5),  # keys are off
    ]
    for kwargs in bad:
        outcome, hold = sale.try_hold(1, **kwargs)
        assert (outcome, hold) == (Outcome.INVALID_ARGUMENT, None), kwargs
    with pytest.raises(holdfast.InvalidArgument):
        sale.hold(holdfast.RESERVED_BUYER, "regular")
    hold = sale.hold(1, "regular")
    assert hold.try_extend(0) is Outcome.INVALID_ARGUMENT
    with pytest.raises(ValueError):  # InvalidArgument is a ValueError too
        hold.extend(dt.timedelta(hours=2))
    assert sale.stats().outcomes[Outcome.INVALID_ARGUMENT] == len(bad) + 3


def test_table_full(make_sale):
    sale = make_sale(types={"a": 1000}, holds_max=64, buyers_max=2)
    holds = [sale.hold(1, "a") for _ in range(64)]
    with pytest.raises(holdfast.HoldTableFull):
        sale.hold(2, "a")
    holds[0].release()
    sale.hold(2, "a")
    with pytest.raises(holdfast.BuyerTableFull):
        sale.hold(3, "a")


def test_keys_table_full(make_sale):
    sale = make_sale(idempotency_keys_max=1)
    sale.hold(1, "regular", idempotency_key=1)
    with pytest.raises(holdfast.HoldTableFull):
        sale.hold(1, "regular", idempotency_key=2)


def test_idempotency_keys(make_sale, clock):
    sale = make_sale()
    first = sale.hold(1, "regular", 2, idempotency_key=99)
    again = sale.hold(1, "regular", 5, idempotency_key=99)  # lines not compared
    assert again == first and sale.type_available("regular") == 8
    other_buyer = sale.hold(2, "regular", idempotency_key=99)
    assert other_buyer != first
    first.confirm()
    assert sale.hold(1, "regular", 2, idempotency_key=99) == first  # confirmed: same hold
    released = sale.hold(1, "student", idempotency_key=7)
    released.release()
    fresh = sale.hold(1, "student", idempotency_key=7)
    assert fresh != released
    clock.advance(11 * MINUTE)  # past the default 10-minute TTL
    after_expiry = sale.hold(1, "student", idempotency_key=7)
    assert after_expiry != fresh


def test_cycles(clock):
    cycles = [
        holdfast.Cycle("noon", NOON, NOON + 10 * MINUTE, allotment=4, per_buyer_max=2,
                       rollover=True),
        holdfast.Cycle("evening", NOON + 60 * MINUTE, NOON + 70 * MINUTE, allotment=3),
    ]
    sale = holdfast.Sale(types={"regular": 100}, cycles=cycles, clock=clock)
    assert sale.current_cycle() == -1
    with pytest.raises(holdfast.NotOpen):
        sale.hold(1, "regular")
    assert sale.available("regular") == 0
    clock.advance(MINUTE)
    assert sale.current_cycle() == 0
    assert sale.available("regular") == 4 and sale.cycle_available("noon") == 4
    sale.hold(1, "regular", 2).confirm()
    with pytest.raises(holdfast.BuyerLimit):
        sale.hold(1, "regular")
    sale.hold(2, "regular", 1)
    clock.set_wall(NOON + 30 * MINUTE)  # between the windows
    with pytest.raises(holdfast.NotOpen):
        sale.hold(3, "regular")
    assert sale.cycle_available(0) == 0
    clock.set_wall(NOON + 61 * MINUTE)
    # Rollover: 4 - 2 sold - 1 held = 1 left over, plus the evening's 3.
    assert sale.cycle_available("evening") == 4
    with pytest.raises(holdfast.UnknownName):
        sale.cycle_available("nope")
    clock.set_wall(NOON + 71 * MINUTE)
    with pytest.raises(holdfast.Closed):
        sale.hold(3, "regular")


def test_quota(make_sale):
    sale = make_sale(quotas=[holdfast.Quota("hall", 12, ("regular", "student"))])
    sale.hold(1, {"regular": 8, "student": 2})
    assert sale.quota_available("hall") == 2 and sale.quota_available(0) == 2
    assert sale.available("student") == 2 and sale.type_available("student") == 3
    with pytest.raises(holdfast.UnknownName):
        sale.quota_available("nope")
    with pytest.raises(holdfast.SoldOut):
        sale.hold(2, "student", 3)


def test_queries_of_unknown(make_sale):
    sale = make_sale()
    assert sale.type_available(99) == 0  # an unknown index reads 0
    assert sale.type_stats_of(99) == holdfast.TypeStats()
    with pytest.raises(KeyError):  # an unknown name raises UnknownName
        sale.available("vip")
    with pytest.raises(holdfast.UnknownName):
        sale.type_stats_of("vip")
    assert sale.buyer(42) == holdfast.BuyerCounts()


def test_stats_and_events(make_sale, clock):
    sale = make_sale(events_max=3)
    held = sale.hold(1, "regular", 2)
    clock.advance(5)
    held.confirm()
    sale.hold(2, "student").release()
    events = sale.drain_events()
    kinds = [e.kind for e in events]
    assert kinds == [holdfast.EventKind.HELD, holdfast.EventKind.CONFIRMED,
                     holdfast.EventKind.HELD]  # the queue holds 3
    assert events[1] == holdfast.Event(holdfast.EventKind.CONFIRMED, held.id, 1, 2,
                                       5_000_000_000)
    assert sale.drain_events() == []
    stats = sale.stats()
    assert stats.events_dropped == 1
    assert (stats.sold_units, stats.released_units, stats.holds_created) == (2, 1, 2)
    assert stats.outcomes[Outcome.OK] == 4
    regular = sale.type_stats_of("regular")
    assert regular == holdfast.TypeStats(capacity=10, available=8, held_units=0, sold_units=2)
    assert sale.memory_bytes() > 0
    assert "regular 8/10" in repr(sale)


def test_sweep_and_sweeper(make_sale, clock):
    sale = make_sale()
    for buyer in range(3):
        sale.hold(buyer, "regular", ttl=60)
    clock.advance(30)
    assert sale.sweep() == 0
    clock.advance(30)
    assert sale.sweep(clock.monotonic_ns() + 10**12) == 3  # cut to the clock's now
    assert sale.stats().holds_expired == 3
    sale.hold(9, "regular", ttl=1)
    clock.advance(1)
    with holdfast.Sweeper(sale, dt.timedelta(milliseconds=1)) as sweeper:
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while sweeper.expired < 1 and dt.datetime.now() < deadline:
            pass
    assert sweeper.expired == 1 and sweeper.sweeps >= 1
    sweeper.stop()  # idempotent
    assert "expired=1" in repr(sweeper)


def test_clocks():
    system = holdfast.SystemClock.get()
    assert system is holdfast.SystemClock.get()
    assert system.wall_now().tzinfo is not None and system.monotonic_ns() > 0
    assert "SystemClock" in repr(system)
    manual = holdfast.ManualClock()
    assert manual.wall_now() == dt.datetime(1970, 1, 1, tzinfo=UTC)
    manual.advance(dt.timedelta(seconds=1, microseconds=5))
    manual.advance(-10)  # ignored
    assert manual.monotonic_ns() == 1_000_005_000
    eastern = dt.timezone(dt.timedelta(hours=-5))
    manual.set_wall(dt.datetime(2026, 11, 27, 7, 0, tzinfo=eastern))
    assert manual.wall_now() == dt.datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert manual.monotonic_ns() == 1_000_005_000  # a wall step moves no deadline
    with pytest.raises(ValueError):
        manual.set_wall(dt.datetime(2026, 1, 1))
    assert holdfast.HOLD_LIFETIME_MAX == dt.timedelta(hours=4)


def test_sale_keeps_its_clock_alive():
    clock = holdfast.ManualClock()
    ref = weakref.ref(clock)
    sale = holdfast.Sale(types={"a": 1}, clock=clock)
    del clock
    gc.collect()
    assert ref() is not None
    sale.hold(1, "a", ttl=5)
    ref().advance(5)
    assert sale.sweep() == 1
    del sale
    gc.collect()
    assert ref() is None


def test_hold_keeps_its_sale_alive(make_sale):
    hold = make_sale().hold(1, "regular")
    gc.collect()
    hold.confirm()
    assert hold.sale.stats().sold_units == 1


def test_extend_is_cut_at_the_lifetime_max(make_sale, clock):
    sale = make_sale(hold_ttl_default=60, hold_lifetime_max=120)
    hold = sale.hold(1, "regular")
    clock.advance(50)
    hold.extend(100)  # asks for 150 s after creation, gets 120
    clock.advance(69)
    assert sale.sweep() == 0
    clock.advance(1)
    assert hold.try_confirm() is Outcome.EXPIRED
