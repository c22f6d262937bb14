"""One hold, asked about: Sale.hold_info, Hold.info, Hold.state (a HoldState)
and Hold.expires_at (an aware datetime), over the hold's whole life on a
hand-driven clock."""

import datetime as dt
import pickle

import pytest

import holdfast

from conftest import NOON, UTC


def test_a_live_hold_describes_itself(make_sale, clock):
    sale = make_sale(hold_ttl_default=dt.timedelta(minutes=10))
    hold = sale.hold(7, {"regular": 2, "student": 1})
    info = sale.hold_info(hold)
    assert info == hold.info()
    assert info.hold_id == hold.id
    assert info.state is holdfast.HoldState.HELD
    assert info.buyer == 7
    assert info.expires_at == NOON - dt.timedelta(minutes=1) + dt.timedelta(minutes=10)
    assert info.expires_at.tzinfo is not None
    assert dict(info.lines) == {"regular": 2, "student": 1}
    assert info.units == 3 and info.seats == ()
    # The same by id, with the buyer given.
    assert sale.hold_info(hold.id, 7) == info
    assert hold.state == "held" and hold.state is holdfast.HoldState.HELD
    assert hold.expires_at == info.expires_at
    # Extend moves it.
    clock.advance(dt.timedelta(minutes=1))
    hold.extend(dt.timedelta(minutes=20))
    assert hold.expires_at == NOON + dt.timedelta(minutes=20)


def test_every_end_is_told(make_sale, clock):
    sale = make_sale()
    confirmed = sale.hold(1, "regular", 1)
    released = sale.hold(2, "regular", 1)
    dead = sale.hold(3, "regular", 1, ttl=60)
    confirmed.confirm()
    released.release()
    clock.advance(dt.timedelta(minutes=2))
    assert confirmed.state is holdfast.HoldState.CONFIRMED
    assert confirmed.expires_at is None
    assert released.state is holdfast.HoldState.RELEASED
    # Dead but not swept: EXPIRED with the deadline it had; asking changes nothing.
    info = sale.hold_info(dead)
    assert info.state is holdfast.HoldState.EXPIRED
    assert info.expires_at == NOON - dt.timedelta(minutes=1) + dt.timedelta(seconds=60)
    assert sale.stats().holds_expired == 0
    # The handle learned it without a call of its own.
    assert dead.state is holdfast.HoldState.EXPIRED
    assert sale.sweep() == 1
    assert sale.hold_info(dead).expires_at is None


def test_refusals(make_sale):
    sale = make_sale()
    hold = sale.hold(1, "regular", 1)
    with pytest.raises(holdfast.NotOwner):
        sale.hold_info(hold.id, 2)
    with pytest.raises(holdfast.UnknownHold):
        sale.hold_info(hold.id ^ 0xFFFF, 1)
    with pytest.raises(TypeError):
        sale.hold_info(hold.id)  # an id needs its buyer
    other = make_sale()
    with pytest.raises(holdfast.UnknownHold):
        other.hold_info(hold.id, 1)


def test_a_forgotten_hold_keeps_what_the_handle_learned(make_sale):
    sale = make_sale(types={"regular": 200}, holds_max=64)
    hold = sale.hold(1, "regular", 1)
    hold.release()
    assert hold.state is holdfast.HoldState.RELEASED
    # Every slot in use: the next hold takes the released one's slot.
    for buyer in range(100, 164):
        sale.hold(buyer, "regular", 1)
    with pytest.raises(holdfast.UnknownHold):
        sale.hold_info(hold)
    with pytest.raises(holdfast.UnknownHold):
        hold.info()
    assert hold.state is holdfast.HoldState.RELEASED  # learned by release()
    assert hold.expires_at is None


def test_seats_are_listed(clock):
    seat_map = holdfast.parse_seat_map("section Stalls type=0\nrow A seats=10\n")
    sale = holdfast.Sale(types={"stalls": 10, "standing": 5}, seat_map=seat_map, clock=clock)
    hold = sale.hold_seats(4, ["Stalls A-3", "Stalls A-4"], {"standing": 1})
    info = hold.info()
    assert info.seats == hold.seats and len(info.seats) == 2
    assert dict(info.lines) == {"stalls": 2, "standing": 1}
    assert info.units == 3


def test_hold_info_is_a_frozen_record(make_sale):
    sale = make_sale()
    info = sale.hold(1, "regular", 1).info()
    with pytest.raises(Exception):
        info.units = 5  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(info)) == info
    assert str(holdfast.HoldState.HELD) == "held"
    assert info.expires_at is not None and info.expires_at.tzinfo == UTC
