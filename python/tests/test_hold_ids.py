"""Hold ids above 2**53 survive a trip through JSON and a browser as
Hold.id_str: the string names the same hold in every call that takes an id,
exactly, and a string that is no id is refused with InvalidArgument (the
try_* forms: INVALID_ARGUMENT) without touching the hold."""

import json

import pytest

import holdfast
from holdfast import Outcome


def _sale_with_big_ids(clock):
    """Ids carry the sale's tag in their high bits: a few sales in, they pass
    2**53, where a JavaScript number (a double) can no longer hold them."""
    for _ in range(64):
        sale = holdfast.Sale(types={"regular": 10}, clock=clock)
        hold = sale.hold(1, "regular")
        if hold.id > 2**53:
            return sale, hold
    pytest.fail("no hold id above 2**53 in 64 sales")


def test_id_str_round_trips_through_json(clock):
    sale, hold = _sale_with_big_ids(clock)
    assert hold.id_str == str(hold.id) and int(hold.id_str) == hold.id
    # What a browser does to the number, and does not do to the string.
    assert int(float(hold.id)) != hold.id or hold.id % 2 == 0
    body = json.loads(json.dumps({"hold": hold.id_str}))
    assert sale.hold_info(body["hold"], 1).hold_id == hold.id
    assert sale.seats_of(body["hold"], 1) == ()
    sale.extend(body["hold"], 1, ttl=60)
    assert sale.try_extend(body["hold"], 1, ttl=60) is Outcome.OK
    sale.confirm(body["hold"], 1)
    assert sale.try_confirm(body["hold"], 1) is Outcome.OK
    assert hold.state is holdfast.HoldState.CONFIRMED


def test_release_by_id_str(clock):
    sale, hold = _sale_with_big_ids(clock)
    sale.release(hold.id_str, 1)
    assert sale.hold_info(hold.id_str, 1).state is holdfast.HoldState.RELEASED
    other = sale.hold(1, "regular")
    assert sale.try_release(other.id_str, 1) is Outcome.OK


def test_id_str_is_exact_above_2_53(clock):
    sale, hold = _sale_with_big_ids(clock)
    for value in (2**53 + 1, 2**64 - 1, hold.id + 1):
        with pytest.raises(holdfast.UnknownHold) as info:
            sale.confirm(str(value), 1)
        assert info.value.hold_id == value  # the core saw every digit
    # Another buyer's hold, named by string, is refused as by int.
    with pytest.raises(holdfast.NotOwner):
        sale.confirm(hold.id_str, 2)


@pytest.mark.parametrize("text", ["", "abc", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1_000",
                                  "18446744073709551616", "99999999999999999999999",
                                  "\u0661\u0662", "\ud800"])
def test_malformed_id_strings_are_refused(clock, text):
    sale, hold = _sale_with_big_ids(clock)
    before = sale.stats()
    for call in (lambda: sale.confirm(text, 1), lambda: sale.release(text, 1),
                 lambda: sale.extend(text, 1, ttl=60), lambda: sale.hold_info(text, 1),
                 lambda: sale.seats_of(text, 1)):
        with pytest.raises(holdfast.InvalidArgument, match="is not a hold id"):
            call()
    assert sale.try_confirm(text, 1) is Outcome.INVALID_ARGUMENT
    assert sale.try_release(text, 1) is Outcome.INVALID_ARGUMENT
    assert sale.try_extend(text, 1, ttl=60) is Outcome.INVALID_ARGUMENT
    assert sale.stats() == before
    assert hold.state is holdfast.HoldState.HELD


def test_a_string_id_still_needs_its_buyer(clock):
    sale, hold = _sale_with_big_ids(clock)
    with pytest.raises(TypeError, match="buyer"):
        sale.confirm(hold.id_str)
    with pytest.raises(TypeError, match="id_str"):
        sale.confirm(b"123", 1)
