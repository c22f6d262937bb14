"""Every try_* hold form answers one type, holdfast.HoldAttempt: the frozen
pair (outcome, hold) that unpacks, compares and tests true as documented,
with taken_seat as an attribute. Each form is called for an OK and a refused
answer, and the class is checked when built from Python too."""

import pickle

import pytest

import holdfast
from holdfast import HoldAttempt, Outcome

HALL = "section Stalls type=stalls\nrow A seats=6\n"


@pytest.fixture
def sale(clock):
    return holdfast.Sale(types={"regular": 4, "stalls": 6}, seat_map=HALL, clock=clock)


def _check(attempt, outcome, has_hold, taken_seat=None):
    assert type(attempt) is HoldAttempt
    assert attempt.outcome is outcome
    assert (attempt.hold is not None) == has_hold
    assert attempt.taken_seat == taken_seat
    assert bool(attempt) == attempt.ok == (outcome is Outcome.OK)
    first, second = attempt  # every form unpacks the same pair
    assert (first, second) == (attempt.outcome, attempt.hold)
    assert attempt == (outcome, attempt.hold) and len(attempt) == 2


def test_try_hold(sale):
    ok = sale.try_hold(1, {"regular": 2})
    _check(ok, Outcome.OK, True)
    assert isinstance(ok.hold, holdfast.Hold) and ok.hold.units == 2
    _check(sale.try_hold(2, "regular", 3), Outcome.SOLD_OUT, False)
    _check(sale.try_hold(2, "typo"), Outcome.INVALID_ARGUMENT, False)


def test_try_hold_seats(sale):
    ok = sale.try_hold_seats(1, ["Stalls A-2"])
    _check(ok, Outcome.OK, True)
    assert ok.hold.seats == (1,)
    taken = sale.try_hold_seats(2, [0, 1])
    _check(taken, Outcome.SEAT_TAKEN, False, taken_seat=1)
    assert "taken_seat=1" in repr(taken)
    _check(sale.try_hold_seats(2, [0, 0]), Outcome.INVALID_ARGUMENT, False)


def test_try_hold_best_available(sale):
    ok = sale.try_hold_best_available(1, 2)
    _check(ok, Outcome.OK, True)
    assert len(ok.hold.seats) == 2
    _check(sale.try_hold_best_available(2, 11), Outcome.INVALID_ARGUMENT, False)


def test_frozen_and_built_from_python(sale):
    attempt = sale.try_hold_seats(1, [0])
    refused = sale.try_hold_seats(2, [0])
    for target in (attempt, refused):
        for name in ("taken_seat", "outcome", "hold", "other"):
            with pytest.raises(AttributeError):
                setattr(target, name, 3)
        with pytest.raises(AttributeError):
            del target.taken_seat
    assert refused.taken_seat == 0
    built = HoldAttempt(Outcome.SEAT_TAKEN, None, taken_seat=0)
    assert built == refused and built.taken_seat == 0 and not built
    assert HoldAttempt(Outcome.SOLD_OUT).taken_seat is None
    assert pickle.loads(pickle.dumps(built)).taken_seat == 0
    assert "HoldAttempt" in holdfast.__all__
