"""Errors that say why (issue 15): every InvalidArgument names the argument
and the rule it broke, unknown names raise UnknownName (a KeyError and a
HoldfastError), bad input shapes raise a clear TypeError, and building a
sale lets other Python threads run."""

import datetime as dt
import pickle
import threading
import time

import pytest

import holdfast
from holdfast import Outcome

HALL = """
section Stalls type=0
row A seats=10
row B seats=10
"""


@pytest.fixture
def hall(clock):
    return holdfast.Sale(types={"stalls": 20}, seat_map=HALL, clock=clock)


# 1. InvalidArgument always says why.


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(lines="regular", quantity=11), "quantity=11 is above units_per_hold_max (10)"),
        (dict(lines="regular", quantity=0), "quantity=0 is not positive"),
        (dict(lines={"regular": 6, "student": 5}),
         "lines: 11 units in all is above units_per_hold_max (10)"),
        (dict(lines={"regular": -1}), "lines: quantity=-1 of type 'regular' is not positive"),
        (dict(lines=7), "lines: type 7 is out of range (the sale has 2 types, 0 .. 1)"),
        (dict(lines=[]), "lines: no lines"),
        (dict(lines=[("regular", 1)] * 7), "lines: 7 lines is above LINES_PER_HOLD_MAX (6)"),
        (dict(lines="regular", ttl=0), "ttl=0 is under 1 microsecond"),
        (dict(lines="regular", ttl=float("nan")), "ttl=nan is not a number"),
        (dict(lines="regular", ttl=dt.timedelta(hours=1)),
         "ttl=1:00:00 is above hold_lifetime_max (0:30:00)"),
        (dict(lines="regular", idempotency_key=5),
         "idempotency_key=5: idempotency keys are off (idempotency_keys_max=0)"),
    ],
)
def test_hold_invalid_argument_says_why(make_sale, kwargs, message):
    sale = make_sale(idempotency_keys_max=0)
    with pytest.raises(holdfast.InvalidArgument) as info:
        sale.hold(1, **kwargs)
    assert message in str(info.value)
    assert info.value.operation == "hold" and info.value.buyer == 1
    # The core stays the authority: it answered and counted the call.
    assert sale.stats().outcomes[Outcome.INVALID_ARGUMENT] == 1
    # The try_* form still answers the outcome, without raising.
    assert sale.try_hold(1, **kwargs) == (Outcome.INVALID_ARGUMENT, None)


def test_reserved_buyer_says_why(make_sale):
    sale = make_sale()
    with pytest.raises(holdfast.InvalidArgument, match="buyer=.* is RESERVED_BUYER"):
        sale.hold(holdfast.RESERVED_BUYER, "regular")


def test_extend_invalid_argument_says_why(make_sale):
    sale = make_sale()
    hold = sale.hold(1, "regular")
    with pytest.raises(holdfast.InvalidArgument,
                       match=r"ttl=2:00:00 is above hold_lifetime_max \(0:30:00\)"):
        hold.extend(dt.timedelta(hours=2))
    with pytest.raises(holdfast.InvalidArgument, match="ttl=-1 is under 1 microsecond"):
        sale.extend(hold, ttl=-1)


def test_best_available_invalid_argument_says_why(hall):
    with pytest.raises(holdfast.InvalidArgument,
                       match=r"count=11 is above units_per_hold_max \(10\)"):
        hall.hold_best_available(1, 11)
    with pytest.raises(holdfast.InvalidArgument, match=r"count=0 is outside 1 \.\. 64"):
        hall.hold_best_available(1, 0)


def test_hold_seats_invalid_argument_says_why(hall, make_sale):
    with pytest.raises(holdfast.InvalidArgument, match="seats: seat 5 is given twice"):
        hall.hold_seats(1, [5, 5])
    out_of_range = r"seats: seat 99 is out of range \(0 \.\. 19\)"
    with pytest.raises(holdfast.InvalidArgument, match=out_of_range):
        hall.hold_seats(1, [99])
    with pytest.raises(holdfast.InvalidArgument, match="seats: no seats"):
        hall.hold_seats(1, [])
    with pytest.raises(holdfast.InvalidArgument, match="seats: the sale has no seat map"):
        make_sale().hold_seats(1, [0])


def test_iterator_lines_still_raise_invalid_argument(make_sale):
    # The call consumed the iterator; the message can't name the rule, but
    # says why, and the class is still InvalidArgument.
    sale = make_sale()
    with pytest.raises(holdfast.InvalidArgument, match="not iterators"):
        sale.hold(1, (("regular", 1) for _ in range(7)))


# 2. Unknown names raise UnknownName: a KeyError and a HoldfastError.


def test_unknown_name_is_key_error_and_holdfast_error():
    assert issubclass(holdfast.UnknownName, KeyError)
    assert issubclass(holdfast.UnknownName, holdfast.HoldfastError)
    assert issubclass(holdfast.UnknownName, holdfast.InvalidArgument)
    error = holdfast.UnknownName("type 'x': no such ticket type")
    assert str(error) == "type 'x': no such ticket type"  # not KeyError's repr quoting
    again = pickle.loads(pickle.dumps(holdfast.UnknownName("m", name="x", buyer=3)))
    assert (type(again), str(again), again.name, again.buyer) == (holdfast.UnknownName, "m", "x", 3)


def test_unknown_names_raise(clock):
    sale = holdfast.Sale(
        types={"regular": 10, "student": 5},
        quotas=[holdfast.Quota("hall", 12, ("regular", "student"))],
        cycles=[holdfast.Cycle("noon", allotment=10)],
        clock=clock,
    )
    calls = [
        (lambda: sale.available("typo"), "'regular', 'student'"),
        (lambda: sale.type_available("typo"), "'regular', 'student'"),
        (lambda: sale.type_stats_of("typo"), "'regular', 'student'"),
        (lambda: sale.quota_available("typo"), "'hall'"),
        (lambda: sale.cycle_available("typo"), "'noon'"),
        (lambda: sale.hold(1, "typo"), "'regular', 'student'"),
        (lambda: sale.hold(1, {"regular": 1, "typo": 1}), "'regular', 'student'"),
    ]
    for call, known in calls:
        with pytest.raises(KeyError) as info:
            call()
        assert isinstance(info.value, holdfast.UnknownName)
        assert "'typo'" in str(info.value) and known in str(info.value)
    # try_hold keeps answering the outcome.
    assert sale.try_hold(1, "typo") == (Outcome.INVALID_ARGUMENT, None)


def test_unknown_seat_and_section_names_raise(hall):
    with pytest.raises(holdfast.UnknownName, match="'typo'.*'Stalls'"):
        hall.seat("typo")
    with pytest.raises(KeyError, match="'Stalls C-1'"):
        hall.hold_seats(1, ["Stalls C-1"])
    with pytest.raises(holdfast.UnknownName, match="'Balcony'.*'Stalls'"):
        hall.hold_best_available(1, 2, sections="Balcony")
    attempt = hall.try_hold_seats(1, ["typo"])
    assert attempt == (Outcome.INVALID_ARGUMENT, None) and attempt.taken_seat is None
    assert hall.find_seat("typo") is None  # a question, not a lookup: answers None


# 3. Input shapes.


def test_types_as_a_bare_string_is_a_type_error():
    with pytest.raises(TypeError, match="types: expected a mapping"):
        holdfast.Sale(types="regular")
    pair = r"types\[0\]: expected a TicketType or a \(name, capacity\)"
    with pytest.raises(TypeError, match=pair):
        holdfast.Sale(types=["regular"])


def test_quota_types_as_a_bare_string_is_one_name(clock):
    quota = holdfast.Quota("hall", 5, types="regular")
    assert quota.types == ("regular",)
    sale = holdfast.Sale(types={"regular": 10}, quotas=[quota], clock=clock)
    assert sale.available("regular") == 5


def test_seat_map_text_takes_type_names(clock):
    parsed = holdfast.parse_seat_map("section Stalls type=stalls\nrow A seats=4\n")
    assert parsed.sections[0].type == "stalls"
    sale = holdfast.Sale(
        types={"box": 2, "stalls": 4},
        seat_map="section Box type=box\nrow A seats=2\nsection Stalls type=stalls\nrow A seats=4\n",
        clock=clock,
    )
    assert sale.config.seat_map.sections[1].type == 1
    assert sale.hold_seats(1, ["Stalls A-1"]).seats == (2,)
    unknown = "no ticket type named 'stals'; known: 'box', 'stalls'"
    with pytest.raises(holdfast.ConfigError, match=unknown):
        holdfast.Sale(types={"box": 2, "stalls": 4},
                      seat_map="section Stalls type=stals\nrow A seats=4\n")


class _ListItems:
    """Not a Mapping, but has items(), which answers lists."""

    def items(self):
        return [["regular", 2], ["student", 1]]


def test_items_returning_lists(make_sale):
    sale = make_sale()
    hold = sale.hold(1, _ListItems())
    assert hold.units == 3 and sale.type_available("regular") == 8


def test_items_of_bad_shape_is_a_type_error(make_sale):
    class Bad:
        def items(self):
            return ["regular"]

    with pytest.raises(TypeError, match=r"lines: each item of lines.items\(\) must be a "):
        make_sale().hold(1, Bad())


# 4. Building a sale releases the GIL.


def test_sale_build_releases_the_gil():
    stop = threading.Event()
    stamps = []

    def count():
        while not stop.is_set():
            stamps.append(time.monotonic())

    counter = threading.Thread(target=count)
    counter.start()
    try:
        time.sleep(0.05)
        size = 1 << 20
        start = time.monotonic()
        sale = holdfast.Sale(types={"a": 1}, holds_max=size, buyers_max=size,
                             idempotency_keys_max=size)
        end = time.monotonic()
    finally:
        stop.set()
        counter.join()
    assert sale.memory_bytes() > 100 << 20
    during = [start] + [t for t in stamps if start <= t <= end] + [end]
    longest_gap = max(b - a for a, b in zip(during, during[1:]))
    # With the GIL held, the counter stops for the whole of Sale::Create.
    assert longest_gap < (end - start) / 2, (longest_gap, end - start)
